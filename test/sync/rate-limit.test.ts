/**
 * The per-tenant limiter, in memory and on Redis (two limiter instances on one Redis stand for
 * two processes): per-minute and per-day windows, concurrency slots that expire, Retry-After
 * blocks, the provider's remaining-call headers, and the gate that waits out short waits and
 * defers long ones.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { LedgerError } from '../../integrations/ledger/errors';
import { limiterGate, signalFrom } from '../../integrations/ledger/gate';
import { type Admission, type CallRank, LEASE_MS, MemoryRateLimiter, type RateLimiter, RedisRateLimiter, SYNC_ACTIVE_MS } from '../../integrations/ledger/rate-limit';
import { describeWith, services } from '../support/services';

const xero = (tenantId = randomUUID()) => ({ provider: 'xero' as const, tenantId });
const admitted = (a: Admission): a is { release: () => void } => 'release' in a;
const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] ?? null });

function suite(name: string, make: (now: () => number) => { limiter: RateLimiter; other?: RateLimiter; close?: () => Promise<void> }) {
  describe(name, () => {
    it('admits 60 Xero calls a minute per tenant, then says how long to wait; other tenants are unaffected', async () => {
      let t = 1_000_000;
      const { limiter, other, close } = make(() => t);
      const key = xero();
      for (let i = 0; i < 60; i++) {
        const a = await (i % 2 && other ? other : limiter).acquire(key);
        expect(admitted(a)).toBe(true);
        if (admitted(a)) a.release();
        t += 100;
      }
      const denied = await limiter.acquire(key);
      expect(denied).toEqual({ waitMs: 60_000 - 6_000, reason: 'minute' });
      expect(admitted(await limiter.acquire(xero()))).toBe(true);
      t += 54_001;
      expect(admitted(await limiter.acquire(key))).toBe(true);
      await close?.();
    });

    it('holds at most 5 Xero calls in flight; a slot frees on release or when its lease runs out', async () => {
      let t = 2_000_000;
      const { limiter, other, close } = make(() => t);
      const key = xero();
      const held: { release: () => void }[] = [];
      for (let i = 0; i < 5; i++) {
        const a = await (i % 2 && other ? other : limiter).acquire(key);
        if (!admitted(a)) throw new Error('expected a slot');
        held.push(a);
      }
      expect(await limiter.acquire(key)).toMatchObject({ reason: 'concurrent' });
      held[0]!.release();
      await new Promise((r) => setTimeout(r, 20));
      expect(admitted(await limiter.acquire(key))).toBe(true);
      expect(await limiter.acquire(key)).toMatchObject({ reason: 'concurrent' });
      t += LEASE_MS + 1;
      expect(admitted(await limiter.acquire(key))).toBe(true);
      await close?.();
    });

    it('honours Retry-After and the remaining-call headers', async () => {
      let t = 3_000_000;
      const { limiter, other, close } = make(() => t);
      const key = xero();
      await limiter.observe(key, signalFrom({ status: 429, headers: headers({ 'retry-after': '7', 'x-rate-limit-problem': 'minute' }) }));
      expect(await (other ?? limiter).acquire(key)).toEqual({ waitMs: 7_000, reason: 'retry-after' });
      t += 7_001;
      const a = await limiter.acquire(key);
      expect(admitted(a)).toBe(true);
      // Xero says one call is left this minute: one more, then wait.
      await limiter.observe(key, signalFrom({ status: 200, headers: headers({ 'x-minlimit-remaining': '1', 'x-daylimit-remaining': '4000' }) }));
      t += 10;
      expect(admitted(await limiter.acquire(key))).toBe(true);
      t += 10;
      expect(await limiter.acquire(key)).toMatchObject({ reason: 'minute' });
      // …and when the day's budget is gone, the wait is long.
      const key2 = xero();
      await limiter.observe(key2, signalFrom({ status: 200, headers: headers({ 'x-daylimit-remaining': '0' }) }));
      t += 10;
      const day = await (other ?? limiter).acquire(key2);
      expect(day).toMatchObject({ reason: 'day' });
      expect((day as { waitMs: number }).waitMs).toBeGreaterThanOrEqual(60_000);
      await close?.();
    });

    it('QuickBooks: 500 a minute, 10 at once', async () => {
      const t = 4_000_000;
      const { limiter, close } = make(() => t);
      const key = { provider: 'quickbooks' as const, tenantId: randomUUID() };
      const held = [];
      for (let i = 0; i < 10; i++) held.push(await limiter.acquire(key));
      expect(held.every(admitted)).toBe(true);
      expect(await limiter.acquire(key)).toMatchObject({ reason: 'concurrent' });
      for (const h of held) if (admitted(h)) h.release();
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 10; i < 500; i++) {
        const a = await limiter.acquire(key);
        if (!admitted(a)) throw new Error(`call ${i} refused`);
        a.release();
      }
      expect(await limiter.acquire(key)).toMatchObject({ reason: 'minute' });
      await close?.();
    });

    it('background ranks leave their share of the minute; while a sync runs they leave it half the minute and a concurrent slot', async () => {
      let t = 6_000_000;
      const { limiter, other, close } = make(() => t);
      const fill = async (key: ReturnType<typeof xero>, rank: CallRank) => {
        let n = 0;
        for (;;) {
          const a = await (n % 2 && other ? other : limiter).acquire(key, { rank });
          if (!admitted(a)) return { n, denied: a };
          a.release();
          n++;
          t += 10;
        }
      };
      // No sync: notes fill 42 of Xero's 60, then a payment gets 12 more, and a sync the last 6.
      const quiet = xero();
      expect((await fill(quiet, 4)).n).toBe(42);
      expect((await fill(quiet, 1)).n).toBe(12);
      expect((await fill(quiet, 0)).n).toBe(6);
      // A sync asked (even when it was refused): for the next minute notes stop at 18 and payments at 30.
      const busy = xero();
      for (let i = 0; i < 5; i++) {
        const a = await limiter.acquire(busy, { rank: 4 });
        if (!admitted(a)) throw new Error('expected a slot');
        a.release();
      }
      expect(admitted(await (other ?? limiter).acquire(busy, { rank: 0 }))).toBe(true);
      t += 1_000;
      expect((await fill(busy, 4)).n).toBe(18 - 6);
      const payments = await fill(busy, 1);
      expect(payments.n).toBe(30 - 18);
      expect(payments.denied).toMatchObject({ reason: 'minute' });
      expect((await fill(busy, 0)).n).toBe(30);
      // Concurrency: while the sync runs, background calls leave one of the 5 slots to it.
      const slots = xero();
      const held: { release: () => void }[] = [];
      const hold = async (rank: CallRank) => {
        const a = await limiter.acquire(slots, { rank });
        if (!admitted(a)) throw new Error('expected a slot');
        held.push(a);
      };
      await hold(0);
      for (let i = 0; i < 3; i++) await hold(1);
      expect(await limiter.acquire(slots, { rank: 1 })).toMatchObject({ reason: 'concurrent' });
      await hold(0);
      // A minute after the sync's last ask, the background has its usual share back.
      for (const h of held.splice(0)) h.release();
      await new Promise((r) => setTimeout(r, 20));
      t += SYNC_ACTIVE_MS + 1;
      expect((await fill(xero(), 4)).n).toBe(42);
      for (let i = 0; i < 4; i++) await hold(1);
      expect(await limiter.acquire(slots, { rank: 4 })).toMatchObject({ reason: 'concurrent' });
      await hold(1);
      for (const h of held) h.release();
      await close?.();
    });

    it('the gate waits out short waits and turns long ones into rate_limited with the wait', async () => {
      let t = 5_000_000;
      const { limiter, close } = make(() => t);
      const key = xero();
      const gate = limiterGate(limiter, key, { maxWaitMs: 2_000 });
      const done = await gate.acquire();
      await done({ status: 429, headers: headers({ 'retry-after': '1' }) });
      // A one-second Retry-After is waited out in place (the clock here is fake, so advance it from the side).
      const waiting = gate.acquire();
      setTimeout(() => {
        t += 1_001;
      }, 5);
      await expect(waiting).resolves.toBeTypeOf('function');
      await limiter.observe(key, { retryAfterMs: 30_000 });
      const err = await gate.acquire().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LedgerError);
      expect(err).toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 30_000, problem: 'retry-after' } });
      await close?.();
    });
  });
}

suite('in memory', (now) => ({ limiter: new MemoryRateLimiter({ now }) }));

describeWith('redis', 'on Redis, shared by two processes', () => {
  const connections: Redis[] = [];
  afterAll(() => {
    for (const c of connections) c.disconnect();
  });
  suite('two limiters on one Redis', (now) => {
    const prefix = `arcus-test:rl:${randomUUID()}`;
    const a = new Redis(services.redisUrl);
    const b = new Redis(services.redisUrl);
    connections.push(a, b);
    return { limiter: new RedisRateLimiter(a, { now, prefix }), other: new RedisRateLimiter(b, { now, prefix }) };
  });
});
