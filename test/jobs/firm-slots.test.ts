/**
 * The per-firm slots every worker process shares (jobs/firm-slots.ts, docs/decisions/051), on a
 * real Redis with an injected clock: at most `limit` holders; a job turned away keeps its place in
 * line, so a job that gives its slot back (a large organisation's sync between slices) and asks
 * again at once waits behind the jobs already waiting; a lapsed lease (a killed worker) frees its
 * slot, and a lapsed ticket (a job that stopped asking) frees its place.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisSlots } from '../../jobs/firm-slots';
import { describeWith, services } from '../support/services';

describeWith(['redis'], 'firm slots in Redis', () => {
  let redis: Redis;
  const prefix = `arcus-slots-test-${randomUUID()}`;
  let t = 1_000_000;
  const slots = (limit: number) => new RedisSlots(redis, { prefix, limit, leaseMs: 10_000, ticketMs: 5_000, now: () => t });

  beforeAll(() => {
    redis = new Redis(services.redisUrl!, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('a job that gives its slot back and asks again waits behind the jobs already waiting', async () => {
    const pool = slots(1);
    const key = 'sync.organisation:firm-a';
    const large = await pool.acquire(key, 'large');
    expect(large).not.toBeNull();
    t += 1;
    expect(await pool.acquire(key, 'small-1')).toBeNull();
    t += 1;
    expect(await pool.acquire(key, 'small-2')).toBeNull();
    expect(await pool.waiting(key, 5)).toEqual(['small-1', 'small-2']);
    // Between slices: the large sync gives its slot back and is straight back asking for it.
    await large!.release();
    t += 1;
    expect(await pool.acquire(key, 'large')).toBeNull();
    // The second in line may not jump the first; the first takes the slot.
    expect(await pool.acquire(key, 'small-2')).toBeNull();
    const first = await pool.acquire(key, 'small-1');
    expect(first).not.toBeNull();
    expect(await pool.holders(key)).toBe(1);
    await first!.release();
    t += 1;
    expect(await pool.acquire(key, 'large')).toBeNull();
    const second = await pool.acquire(key, 'small-2');
    expect(second).not.toBeNull();
    await second!.release();
    // Its turn now: the large sync took its ticket when it was turned away, before anyone else asked.
    t += 1;
    expect(await pool.acquire(key, 'small-3')).toBeNull();
    const again = await pool.acquire(key, 'large');
    expect(again).not.toBeNull();
    expect(await pool.waiting(key, 5)).toEqual(['small-3']);
    await again!.release();
    await (await pool.acquire(key, 'small-3'))!.release();
  });

  it('holds at most the limit; firms do not share slots', async () => {
    const pool = slots(2);
    const a1 = await pool.acquire('job:a', 'a1');
    const a2 = await pool.acquire('job:a', 'a2');
    expect(a1).not.toBeNull();
    expect(a2).not.toBeNull();
    expect(await pool.acquire('job:a', 'a3')).toBeNull();
    const b1 = await pool.acquire('job:b', 'b1');
    expect(b1).not.toBeNull();
    expect(await pool.holders('job:a')).toBe(2);
    await a1!.release();
    await a1!.release(); // idempotent
    expect(await pool.holders('job:a')).toBe(1);
    const a3 = await pool.acquire('job:a', 'a3');
    expect(a3).not.toBeNull();
    for (const s of [a2, a3, b1]) await s!.release();
  });

  it('a killed holder’s slot comes back when its lease lapses; a job that stopped asking loses its place', async () => {
    const pool = slots(1);
    const key = 'job:c';
    // Acquired and never released or renewed (renewals run on the real clock; this one is frozen).
    expect(await pool.acquire(key, 'dead')).not.toBeNull();
    t += 1;
    expect(await pool.acquire(key, 'gone')).toBeNull();
    t += 1;
    expect(await pool.acquire(key, 'next')).toBeNull();
    t += 10_001;
    // The lease lapsed, and so did both tickets: whoever asks first now is served.
    expect(await pool.waiting(key, 5)).toEqual([]);
    const next = await pool.acquire(key, 'next');
    expect(next).not.toBeNull();
    await next!.release();
  });
});
