/**
 * The pay page's per-client limit (120 reads a minute) holds (issue #14):
 * - on a directly reachable port a rotating X-Forwarded-For is not believed (TRUST_PROXY unset,
 *   even with NODE_ENV=production, which used to trust one proxy unconditionally);
 * - TRUST_PROXY names the proxies whose forwarded address is the client's;
 * - two web processes sharing Redis count the same window;
 * - an https APP_URL with no trusted proxy is refused at boot in production (sign-in would fail
 *   silently: the Secure session cookie is never set).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { loadConfig } from '../../server/config';
import type { Database } from '../../server/db/client';
import { startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith, services } from '../support/services';

const PREFIX = `arcus-payrl-${randomBytes(4).toString('hex')}`;
const token = () => randomBytes(32).toString('base64url');

async function hits(app: Arcus, n: number, forwardedFor: (i: number) => string | null, path = `/pay-api/${token()}`): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const ff = forwardedFor(i);
    const r = await fetch(`${app.url}${path}`, { headers: ff ? { 'x-forwarded-for': ff } : {} });
    await r.arrayBuffer();
    out.push(r.status);
  }
  return out;
}

it('TRUST_PROXY: off by default, a hop count, or a list of addresses; anything else is refused', () => {
  const base = { DATABASE_URL: 'postgres://127.0.0.1/x', SESSION_SECRET: 's'.repeat(32), TOKEN_ENCRYPTION_KEY: '11'.repeat(32) };
  expect(loadConfig({ ...base, NODE_ENV: 'production' }).trustProxy).toBe(false);
  expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
  expect(loadConfig({ ...base, TRUST_PROXY: 'off' }).trustProxy).toBe(false);
  expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback,10.0.0.0/8');
  expect(() => loadConfig({ ...base, TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY must be off, a number of proxies/);
});

describeWith(['pg', 'redis'], 'pay-page rate limits', () => {
  let database: Database;
  const apps: Arcus[] = [];

  beforeAll(async () => {
    database = await testDatabase();
  }, 60_000);
  afterAll(async () => {
    for (const a of apps) await a.close();
    const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }, 60_000);

  const start = async (name: string, env: NodeJS.ProcessEnv) => {
    const app = await startTestApp(name, database, { LEDGER_SANDBOX: 'off', ...env });
    apps.push(app);
    return app;
  };

  it('a rotating X-Forwarded-For does not escape the limit on a directly reachable port (production)', { timeout: 120_000 }, async () => {
    const app = await start('payrl-direct', { NODE_ENV: 'production' });
    const statuses = await hits(app, 125, (i) => `203.0.113.${i}`);
    expect(statuses.slice(0, 120).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(120)).toEqual([429, 429, 429, 429, 429]);
  });

  it('TRUST_PROXY=loopback: the forwarded address is the client', { timeout: 120_000 }, async () => {
    const app = await start('payrl-proxy', { TRUST_PROXY: 'loopback' });
    const statuses = await hits(app, 125, (i) => `198.51.100.${i}`);
    expect(statuses.every((s) => s === 404)).toBe(true);
    // One client behind the proxy is still limited.
    const one = await hits(app, 121, () => '198.51.100.250');
    expect(one.at(-1)).toBe(429);
  });

  it('two web processes sharing Redis count the same window', { timeout: 120_000 }, async () => {
    // Both clocks start at the top of a minute (ARCUS_NOW): the 121 hits fall in one fixed window.
    const env = { REDIS_URL: services.redisUrl, QUEUE_PREFIX: PREFIX, ARCUS_NOW: '2026-11-23T09:00:00Z' };
    const a = await start('payrl-a', env);
    const b = await start('payrl-b', env);
    const first = await hits(a, 60, () => null);
    const second = await hits(b, 60, () => null);
    expect([...first, ...second].every((s) => s === 404)).toBe(true);
    expect(await hits(a, 1, () => null)).toEqual([429]);
    expect(await hits(b, 1, () => null)).toEqual([429]);
  });

  it('an https APP_URL with no trusted proxy is refused at boot in production', async () => {
    await expect(start('payrl-https', { NODE_ENV: 'production', APP_URL: 'https://arcus.example' })).rejects.toThrow(/APP_URL is https but TRUST_PROXY is off/);
  });
});
