/**
 * A counting semaphore in Redis shared by every worker process (docs/decisions/051): at most
 * `limit` holders of one key (a job name and a firm) at once. Each holder is a lease in a sorted
 * set scored by its expiry; the holder renews it while it runs, so a worker that is SIGKILLed
 * gives its slots back when their leases lapse (one lease period) without anyone cleaning up.
 * Acquire, renew and release are each one atomic step (a Lua script, ZADD XX, ZREM).
 *
 * Times are the worker processes' clocks (they share the machine's, or NTP's, as the rate limiter
 * does); a lease is a few lock periods long, so small skews only shorten or lengthen it a little.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * KEYS[1]: the holders' sorted set. ARGV: now, limit, lease id, lease expiry, key ttl (ms).
 * Returns 1 when the lease was taken, 0 when every slot is held.
 */
const ACQUIRE_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
return 1
`;

export interface Slot {
  /** Give the slot back (idempotent). */
  release(): Promise<void>;
}

export interface SlotPool {
  /** A slot of `key`, or null when all `limit` are held. */
  acquire(key: string): Promise<Slot | null>;
  /** How many hold `key` now (tests, the bench). */
  holders(key: string): Promise<number>;
}

export class RedisSlots implements SlotPool {
  constructor(
    private readonly redis: Redis,
    private readonly options: { prefix: string; limit: number; leaseMs: number; now?: () => number },
  ) {
    redis.defineCommand('arcusSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE_LUA });
  }

  private key(key: string): string {
    return `${this.options.prefix}:slots:${key}`;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async acquire(key: string): Promise<Slot | null> {
    const k = this.key(key);
    const lease = randomUUID();
    const { limit, leaseMs } = this.options;
    const run = (this.redis as unknown as { arcusSlotAcquire(...args: (string | number)[]): Promise<number> }).arcusSlotAcquire;
    const t = this.now();
    const ok = await run.call(this.redis, k, t, limit, lease, t + leaseMs, leaseMs * 4);
    if (ok !== 1) return null;
    // Renew at a third of the lease: two renewals can be missed (a busy event loop) before it lapses.
    const timer = setInterval(() => {
      const at = this.now();
      void this.redis
        .multi()
        .zadd(k, 'XX', at + leaseMs, lease)
        .pexpire(k, leaseMs * 4)
        .exec()
        .catch(() => undefined);
    }, Math.max(50, Math.floor(leaseMs / 3)));
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.redis.zrem(k, lease).catch(() => undefined);
      },
    };
  }

  async holders(key: string): Promise<number> {
    const k = this.key(key);
    return this.redis.zcount(k, `(${this.now()}`, '+inf');
  }
}
