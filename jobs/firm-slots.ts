/**
 * A fair counting semaphore in Redis shared by every worker process (docs/decisions/051): at most
 * `limit` holders of one key (a job name and a firm) at once, handed out first come, first served.
 *
 * - **Holders**: each is a lease in a sorted set scored by its expiry; the holder renews it while
 *   it runs, so a worker that is SIGKILLed gives its slots back when their leases lapse (one
 *   lease period) without anyone cleaning up.
 * - **Waiters**: a job that finds the key full takes a ticket (a sorted set scored by the time it
 *   first asked; the job id is the member, so a job keeps its ticket however often it is turned
 *   away). A free slot goes only to a job whose ticket is among the oldest `free` waiting ones, so
 *   a job that just gave a slot back — a large organisation's sync between slices — asks again
 *   with a new ticket, behind its firm's jobs that were already waiting. Without this the yielding
 *   job, back in the queue within a millisecond, took the slot again while the jobs it had turned
 *   away sat out their retry delay. A ticket lapses when its job stops asking (a lapse period of
 *   a few retry delays), so a job that is gone cannot hold a place for ever.
 *
 * Acquire is one atomic step (a Lua script); renew (ZADD XX) and release (ZREM) are single commands.
 * Times are the worker processes' clocks (they share the machine's, or NTP's, as the rate limiter
 * does); a lease is a few lock periods long, so small skews only shorten or lengthen it a little.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * KEYS: holders (lease → expiry), waiters (job → ticket), waiters' expiries (job → expiry).
 * ARGV: now, limit, lease id, lease expiry, key ttl (ms), job id, the job's ticket expiry.
 * Returns 1 when the lease was taken, 0 when the job must wait (its ticket kept or taken).
 */
const ACQUIRE_LUA = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, id in ipairs(lapsed) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
end
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
local me = ARGV[6]
redis.call('ZADD', KEYS[2], 'NX', now, me)
local ahead = redis.call('ZRANK', KEYS[2], me)
local ttl = tonumber(ARGV[5])
if ahead < free then
  redis.call('ZREM', KEYS[2], me)
  redis.call('ZREM', KEYS[3], me)
  redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 1
end
redis.call('ZADD', KEYS[3], tonumber(ARGV[7]), me)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return 0
`;

export interface Slot {
  /** Give the slot back (idempotent). */
  release(): Promise<void>;
}

export interface SlotPool {
  /** A slot of `key` for the job `holderId`, or null when it must wait its turn (it keeps its ticket). */
  acquire(key: string, holderId: string): Promise<Slot | null>;
  /** How many hold `key` now (tests, the bench). */
  holders(key: string): Promise<number>;
  /** The ids of the jobs waiting for `key`, oldest ticket first (at most `n`). */
  waiting(key: string, n: number): Promise<string[]>;
}

export interface SlotOptions {
  prefix: string;
  limit: number;
  /** A holder's lease; renewed every third of it while the job runs. */
  leaseMs: number;
  /** How long a waiting job's ticket lasts without the job asking again (default 4 × leaseMs). */
  ticketMs?: number;
  now?: () => number;
}

export class RedisSlots implements SlotPool {
  constructor(
    private readonly redis: Redis,
    private readonly options: SlotOptions,
  ) {
    redis.defineCommand('arcusSlotAcquire', { numberOfKeys: 3, lua: ACQUIRE_LUA });
  }

  private key(key: string): string {
    return `${this.options.prefix}:slots:${key}`;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private ticketMs(): number {
    return this.options.ticketMs ?? this.options.leaseMs * 4;
  }

  async acquire(key: string, holderId: string): Promise<Slot | null> {
    const k = this.key(key);
    const lease = randomUUID();
    const { limit, leaseMs } = this.options;
    const ttl = Math.max(leaseMs, this.ticketMs()) * 4;
    const run = (this.redis as unknown as { arcusSlotAcquire(...args: (string | number)[]): Promise<number> }).arcusSlotAcquire;
    const t = this.now();
    const ok = await run.call(this.redis, k, `${k}:waiting`, `${k}:waiting-until`, t, limit, lease, t + leaseMs, ttl, holderId, t + this.ticketMs());
    if (ok !== 1) return null;
    // Renew at a third of the lease: two renewals can be missed (a busy event loop) before it lapses.
    const timer = setInterval(() => {
      const at = this.now();
      void this.redis
        .multi()
        .zadd(k, 'XX', at + leaseMs, lease)
        .pexpire(k, ttl)
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

  async waiting(key: string, n: number): Promise<string[]> {
    if (n <= 0) return [];
    const k = this.key(key);
    // Tickets that lapsed are skipped here and dropped by the next acquire.
    const live = new Set(await this.redis.zrangebyscore(`${k}:waiting-until`, `(${this.now()}`, '+inf'));
    const ids = await this.redis.zrange(`${k}:waiting`, 0, String(n + 100));
    return ids.filter((id) => live.has(id)).slice(0, n);
  }
}
