/**
 * The sandbox ledger outside a test bench (issue #14): its admin API takes a random token per
 * sandbox (never the old fixed `sandbox-admin`), its authorize endpoint sends a browser back only
 * to a registered redirect URI (or, with none registered, its own host or a loopback host — never
 * an arbitrary site), and it is refused with NODE_ENV=production unless explicitly allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import { loadConfig } from '../../server/config';

const companies = [{ provider: 'xero' as const, name: 'Hardening Xero Ltd', customers: 2, invoices: 4 }];

async function authorizeEndpoint(server: SandboxServer): Promise<string> {
  const d = (await (await fetch(`${server.url}/xero/identity/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string };
  return d.authorization_endpoint;
}

function authorize(endpoint: string, redirectUri: string): Promise<Response> {
  const u = new URL(endpoint);
  u.search = new URLSearchParams({ client_id: 'arcus', redirect_uri: redirectUri, response_type: 'code', scope: 'openid accounting.transactions', state: 's1' }).toString();
  return fetch(u, { redirect: 'manual' });
}

describe('sandbox ledger hardening', () => {
  let a: SandboxServer;
  let b: SandboxServer;
  beforeAll(async () => {
    a = await startSandbox({ port: 0, seed: 3, autoConsent: true, demo: { companies }, log: () => undefined });
    b = await startSandbox({ port: 0, seed: 3, autoConsent: true, demo: { companies }, log: () => undefined, redirectUris: ['https://arcus.example/oauth/xero/callback'] });
  }, 60_000);
  afterAll(async () => {
    for (const s of [a, b]) await new Promise<void>((r) => s?.close(() => r()));
  });

  it('each sandbox has its own random admin token; the old fixed one is refused', async () => {
    const ta = a.sandbox.ctx.options.adminToken;
    const tb = b.sandbox.ctx.options.adminToken;
    expect(ta).not.toBe('sandbox-admin');
    expect(ta.length).toBeGreaterThanOrEqual(32);
    expect(ta).not.toBe(tb);
    const companiesWith = (token: string) => fetch(`${a.url}/admin/companies`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await companiesWith('sandbox-admin')).toBe(401);
    expect(await companiesWith(tb)).toBe(401);
    expect(await companiesWith(ta)).toBe(200);
  });

  it('authorize redirects only to its own host or loopback when nothing is registered', async () => {
    const endpoint = await authorizeEndpoint(a);
    const evil = await authorize(endpoint, 'https://evil.example/steal');
    expect(evil.status).toBe(400);
    expect(evil.headers.get('location')).toBeNull();
    const local = await authorize(endpoint, 'http://127.0.0.1:9/arcus/oauth/callback');
    expect(local.status).toBe(302);
    expect(local.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:9\/arcus\/oauth\/callback\?code=/);
  });

  it('authorize redirects only to a registered redirect URI when some are registered', async () => {
    const endpoint = await authorizeEndpoint(b);
    expect((await authorize(endpoint, 'http://127.0.0.1:9/arcus/oauth/callback')).status).toBe(400);
    expect((await authorize(endpoint, 'https://arcus.example/oauth/xero/callback?x=1')).status).toBe(400);
    const ok = await authorize(endpoint, 'https://arcus.example/oauth/xero/callback');
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toMatch(/^https:\/\/arcus\.example\/oauth\/xero\/callback\?code=/);
  });
});

describe('the sandbox with NODE_ENV=production', () => {
  const base = { NODE_ENV: 'production', DATABASE_URL: 'postgres://127.0.0.1/x', SESSION_SECRET: 's'.repeat(32), TOKEN_ENCRYPTION_KEY: '11'.repeat(32) };
  it('is refused unless SANDBOX_IN_PRODUCTION=allow', () => {
    expect(() => loadConfig({ ...base, LEDGER_SANDBOX: 'on' })).toThrow(/LEDGER_SANDBOX is refused with NODE_ENV=production/);
    expect(() => loadConfig({ ...base, LEDGER_SANDBOX_URL: 'http://127.0.0.1:4010' })).toThrow(/LEDGER_SANDBOX_URL is refused/);
    expect(loadConfig({ ...base, LEDGER_SANDBOX: 'on', SANDBOX_IN_PRODUCTION: 'allow' }).sandbox).toBe(true);
  });
  it('is not the default of an embedded production process', () => {
    const { DATABASE_URL: _, ...embedded } = base;
    expect(loadConfig({ ...embedded, ARCUS_DATA_DIR: '/tmp/arcus-sandbox-hardening-test' }).sandbox).toBe(false);
    expect(loadConfig({ ...embedded, NODE_ENV: 'development', ARCUS_DATA_DIR: '/tmp/arcus-sandbox-hardening-test' }).sandbox).toBe(true);
  });
});
