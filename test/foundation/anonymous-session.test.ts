/**
 * An anonymous `GET /api/session` writes no session row (issue #14): it used to put its CSRF token
 * into the session, which made every anonymous visit a row. The anonymous token now lives in an
 * `arcus.csrf` cookie (double submit), and the session is saved once it carries something. The
 * token still guards anonymous writes (the demo sign-in): without its cookie, or with another
 * token, the write is refused.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { queryRows } from '../../server/db/client';
import { startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith('pg', 'anonymous sessions', () => {
  let arcus: Arcus;
  beforeAll(async () => {
    arcus = await startTestApp('anonymous-session', await testDatabase(), { LEDGER_SANDBOX: 'off' });
  }, 60_000);
  afterAll(async () => arcus?.close());

  const rows = async () => (await queryRows<{ n: number }>(arcus.database.db, sql`SELECT count(*)::int AS n FROM sessions`))[0]!.n;
  const get = async (cookie = '') => {
    const res = await fetch(`${arcus.url}/api/session`, { headers: cookie ? { cookie } : {} });
    return { cookies: res.headers.getSetCookie(), body: (await res.json()) as { csrfToken: string; user: unknown } };
  };
  const signIn = (token: string, cookie: string) =>
    fetch(`${arcus.url}/api/auth/demo`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token, ...(cookie ? { cookie } : {}) }, body: '{}' });

  it('anonymous visits write no session row and set no session cookie', async () => {
    const before = await rows();
    const first = await get();
    expect(first.body.user).toBeNull();
    expect(first.cookies.some((c) => c.startsWith('arcus.sid='))).toBe(false);
    const csrf = first.cookies.find((c) => c.startsWith('arcus.csrf='))!;
    expect(csrf).toMatch(/HttpOnly/i);
    const cookie = csrf.split(';')[0]!;
    // The same browser keeps its token.
    for (let i = 0; i < 5; i++) expect((await get(cookie)).body.csrfToken).toBe(first.body.csrfToken);
    for (let i = 0; i < 5; i++) await get();
    expect(await rows()).toBe(before);
  });

  it('the anonymous token guards the demo sign-in, which then saves one session', async () => {
    const a = await get();
    const cookie = a.cookies.find((c) => c.startsWith('arcus.csrf='))!.split(';')[0]!;
    const b = await get();
    expect((await signIn(a.body.csrfToken, '')).status).toBe(403);
    expect((await signIn(b.body.csrfToken, cookie)).status).toBe(403);
    const before = await rows();
    const ok = await signIn(a.body.csrfToken, cookie);
    expect(ok.status).toBe(200);
    const sid = ok.headers.getSetCookie().find((c) => c.startsWith('arcus.sid='))!.split(';')[0]!;
    expect(await rows()).toBe(before + 1);
    const me = await get(sid);
    expect(me.body.user).not.toBeNull();
  });
});
