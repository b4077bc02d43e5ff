import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { apiClient, startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { reachable } from '../support/global-setup';
import { describeWith } from '../support/services';
import { scratchDir } from '../support/scratch';

const BIN = path.resolve('bin/arcus.mjs');

describe('the CLI with an empty environment', () => {
  let child: ChildProcess | null = null;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('starts on embedded defaults at port 3000 and reports pglite + inline', async (ctx) => {
    // Another process on 3000 (a developer's own demo) is not a failure of Arcus: say so and skip.
    if (await reachable('http://127.0.0.1:3000', 3000)) ctx.skip('port 3000 is in use by another process on this machine, so `arcus start` with an empty environment cannot be run here');
    const cwd = scratchDir('empty-env');
    child = spawn(process.execPath, [BIN, 'start'], { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    // A cold start migrates a fresh PGlite and seeds the demo: on a busy 2-core machine that can take a minute.
    const until = Date.now() + 100_000;
    let health: unknown = null;
    while (Date.now() < until && !health) {
      // 503 (empty body) while it boots; refused before it listens.
      health = await fetch('http://127.0.0.1:3000/healthz')
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
      if (!health) await new Promise((r) => setTimeout(r, 250));
    }
    expect(health).toEqual({ ok: true, db: 'pglite', queue: 'inline' });
    expect(out).toContain('Arcus is running at http://localhost:3000');
  }, 120_000);

  it('stops with one line naming a malformed variable', async () => {
    const cwd = scratchDir('bad-env');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'start'], { cwd, env: { PATH: process.env.PATH, PORT: 'eighty' } });
      let stderr = '';
      p.stderr.on('data', (d) => {
        stderr += d;
      });
      p.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('arcus: Invalid configuration: PORT must be a number, got "eighty"');
  });

  it('prints its help', async () => {
    const out = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, [BIN, '--help']);
      let s = '';
      p.stdout.on('data', (d) => {
        s += d;
      });
      p.on('close', () => resolve(s));
    });
    expect(out).toContain('Usage: arcus <command>');
    for (const c of ['start', 'worker', 'migrate']) expect(out).toMatch(new RegExp(`^  ${c} `, 'm'));
  });
});

describeWith('pg', 'the web app on PostgreSQL', () => {
  let arcus: Arcus;
  beforeAll(async () => {
    const database = await testDatabase();
    arcus = await startTestApp('app', database);
  });
  afterAll(async () => {
    await arcus?.close();
  });

  it('answers /healthz and sends security headers', async () => {
    const res = await fetch(`${arcus.url}/healthz`);
    expect(await res.json()).toEqual({ ok: true, db: 'postgres', queue: 'inline' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('uses one error shape', async () => {
    const call = apiClient(arcus.url);
    expect(await call('/api/nowhere')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const s = await call('/api/session');
    const bad = await fetch(`${arcus.url}/api/auth/demo`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.body.csrfToken }, body: '{oops' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } });
  });

  it('signs in to the demo only with the CSRF token, keeps the session in the database, signs out', async () => {
    const call = apiClient(arcus.url);
    const anon = await call('/api/session');
    expect(anon.body).toMatchObject({ demo: true, user: null, firm: null });
    const noToken = await call('/api/auth/demo', { method: 'POST' });
    expect(noToken).toMatchObject({ status: 403, body: { error: { code: 'csrf_failed' } } });
    const wrongToken = await call('/api/auth/demo', { method: 'POST', csrf: 'x'.repeat(32) });
    expect(wrongToken.status).toBe(403);
    const signIn = await call('/api/auth/demo', { method: 'POST', csrf: anon.body.csrfToken });
    expect(signIn.status).toBe(200);
    const me = await call('/api/session');
    expect(me.body.user).toMatchObject({ name: 'Dana Demo', role: 'admin' });
    expect(me.body.firm.name).toBe('Northwind Accounting Partners');
    // The old token died with the pre-sign-in session (no fixation).
    expect(me.body.csrfToken).not.toBe(anon.body.csrfToken);
    const out = await call('/api/auth/sign-out', { method: 'POST', csrf: me.body.csrfToken });
    expect(out.status).toBe(200);
    expect((await call('/api/session')).body.user).toBeNull();
  });

  it('serves the built client for app routes', async () => {
    const res = await fetch(`${arcus.url}/portfolio`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root"></div>');
  });
});
