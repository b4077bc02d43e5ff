/**
 * Per-tenant rate limits for ledger API calls, from the providers' documentation: Xero 60 calls
 * a minute, 5 at once and 5,000 a day per tenant; QuickBooks 500 a minute and 10 at once per
 * company. Two implementations behind one interface:
 *
 * - RedisRateLimiter (REDIS_URL set): holds across processes. A sliding window per minute and
 *   per day in sorted sets, and in-flight calls as leases in a sorted set scored by their expiry
 *   (a concurrency counter whose entries time out, so a crashed worker cannot hold a slot), all
 *   decided atomically in one Lua script.
 * - MemoryRateLimiter: the same rules in one process (embedded mode, tests).
 *
 * `acquire` returns a release function, or `{ waitMs }` when the call must wait. What the
 * provider says tightens the budget: Retry-After blocks the tenant until then, and
 * X-MinLimit-Remaining / X-DayLimit-Remaining cap the calls left in the window.
 *
 * A call counts in the minute and day windows from the moment it is admitted, and `release`
 * re-stamps it with the moment its answer arrived. The provider counts a call when the request
 * reaches it, which is somewhere between the two; counting it until a full window after the
 * answer means a slot is never reused before the provider has let go of it, however long the
 * request took on the way (a limit that is exact on paper and a 429 in practice otherwise).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Provider } from './types';

export interface TenantLimits {
  perMinute: number;
  perDay: number;
  concurrent: number;
}

export const PROVIDER_LIMITS: Record<Provider, TenantLimits> = {
  xero: { perMinute: 60, perDay: 5000, concurrent: 5 },
  quickbooks: { perMinute: 500, perDay: Number.POSITIVE_INFINITY, concurrent: 10 },
};

export interface TenantKey {
  provider: Provider;
  tenantId: string;
}

export type Admission = { release: () => void } | { waitMs: number; reason: 'minute' | 'day' | 'concurrent' | 'retry-after' };

export interface ProviderSignal {
  /** Retry-After on a 429 (or 503), in ms. */
  retryAfterMs?: number;
  /** X-MinLimit-Remaining. */
  minuteRemaining?: number;
  /** X-DayLimit-Remaining. */
  dayRemaining?: number;
}

/**
 * The share of each minute's calls background work (write-backs, notes, reads for them) may not
 * take: kept for the organisation's sync, so a burst of write-backs cannot starve it.
 */
export const SYNC_RESERVE = 0.1;

/**
 * Who is asking, most urgent first: 0 sync, 1 a debtor's payment, 2 other write-backs (credit
 * notes, fees, plan invoices, voids) and single reads, 3 pay links, 4 notes.
 */
export type CallRank = 0 | 1 | 2 | 3 | 4;

/**
 * The share of each minute each rank leaves to the ranks above it when calls are scarce: notes may
 * fill 70% of a minute, pay links 75%, other write-backs 85%, payments 90%, sync all of it. With
 * Xero's 60 a minute: 42, 45, 51, 54, 60. Pay links and notes also leave one of the concurrent
 * slots free, so a payment never waits behind a full house of notes.
 */
export const RANK_RESERVE: Record<CallRank, number> = { 0: 0, 1: SYNC_RESERVE, 2: 0.15, 3: 0.25, 4: 0.3 };

/**
 * A sync is running for the tenant while its last call asked for a slot less than this long ago.
 * A sync asks one call at a time and works on each page between calls; while it does, the line
 * serves background calls, and with only SYNC_RESERVE left to it a saturated minute gives a full
 * sync 6 of Xero's 60 calls (a 29-call sync took 5 ledger minutes behind a burst of 300 write-backs).
 */
export const SYNC_ACTIVE_MS = 60_000;
/** While a sync is running, every background rank leaves this much more of the minute (and one concurrent slot) to it. */
export const SYNC_ACTIVE_EXTRA_RESERVE = 0.4;

export interface AcquireOptions {
  /** 'background' is rank 2 (leaves SYNC_RESERVE and more to sync and payments); default 'sync'. */
  priority?: 'sync' | 'background';
  /** Overrides `priority`: the caller's rank. */
  rank?: CallRank;
}

export function rankOf(options: AcquireOptions = {}): CallRank {
  return options.rank ?? (options.priority === 'background' ? 2 : 0);
}

/** How many of a minute's calls the caller's rank leaves free (more while the tenant's sync runs). */
export function reserveFor(limits: TenantLimits, options: AcquireOptions = {}, syncActive = false): number {
  const rank = rankOf(options);
  const share = RANK_RESERVE[rank] + (syncActive && rank > 0 ? SYNC_ACTIVE_EXTRA_RESERVE : 0);
  return Number.isFinite(limits.perMinute) ? Math.floor(limits.perMinute * share) : 0;
}

/** How many concurrent slots the caller's rank leaves free (one for pay links and notes, and for a running sync). */
export function concurrentReserveFor(limits: TenantLimits, options: AcquireOptions = {}, syncActive = false): number {
  const rank = rankOf(options);
  return (rank >= 3 || (syncActive && rank > 0)) && limits.concurrent > 1 ? 1 : 0;
}

export interface RateLimiter {
  acquire(key: TenantKey, options?: AcquireOptions): Promise<Admission>;
  /** What the provider's response said about the budget. */
  observe(key: TenantKey, signal: ProviderSignal): Promise<void>;
  close(): Promise<void>;
}

/** How long a call may hold a concurrency slot before it is presumed dead. */
export const LEASE_MS = 120_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** When all slots are busy, look again after this long. */
const CONCURRENCY_WAIT_MS = 50;

export interface LimiterOptions {
  limits?: Partial<Record<Provider, Partial<TenantLimits>>>;
  now?: () => number;
}

function limitsFor(options: LimiterOptions, provider: Provider): TenantLimits {
  return { ...PROVIDER_LIMITS[provider], ...options.limits?.[provider] };
}

interface Window {
  minute: number[];
  day: number[];
  inFlight: Map<string, number>;
  blockedUntil: number;
  /** A sync asked for a slot until this long ago (SYNC_ACTIVE_MS). */
  syncActiveUntil: number;
  /** The provider's own count of calls left, and when it said so. */
  minuteHint: { remaining: number; at: number } | null;
  dayHint: { remaining: number; at: number } | null;
}

/** Move one entry stamped `from` (if still in the window) to the end, stamped `to`. */
function restamp(window: number[], from: number, to: number): void {
  const i = window.lastIndexOf(from);
  if (i < 0) return;
  window.splice(i, 1);
  window.push(Math.max(to, window.at(-1) ?? to));
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;

  constructor(private readonly options: LimiterOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  private window(key: TenantKey): Window {
    const k = `${key.provider}:${key.tenantId}`;
    let w = this.windows.get(k);
    if (!w) {
      w = { minute: [], day: [], inFlight: new Map(), blockedUntil: 0, syncActiveUntil: 0, minuteHint: null, dayHint: null };
      this.windows.set(k, w);
    }
    const t = this.now();
    while (w.minute.length && w.minute[0]! <= t - MINUTE) w.minute.shift();
    while (w.day.length && w.day[0]! <= t - DAY) w.day.shift();
    for (const [id, expires] of w.inFlight) if (expires <= t) w.inFlight.delete(id);
    return w;
  }

  async acquire(key: TenantKey, options: AcquireOptions = {}): Promise<Admission> {
    const limits = limitsFor(this.options, key.provider);
    const w = this.window(key);
    const t = this.now();
    if (rankOf(options) === 0) w.syncActiveUntil = t + SYNC_ACTIVE_MS;
    const syncActive = w.syncActiveUntil > t;
    const reserve = reserveFor(limits, options, syncActive);
    const concurrentReserve = concurrentReserveFor(limits, options, syncActive);
    if (w.blockedUntil > t) return { waitMs: w.blockedUntil - t, reason: 'retry-after' };
    if (w.day.length >= limits.perDay) return { waitMs: w.day[0]! + DAY - t, reason: 'day' };
    if (w.dayHint && w.dayHint.remaining - w.day.filter((x) => x > w.dayHint!.at).length <= 0 && t - w.dayHint.at < DAY) {
      return { waitMs: Math.max(MINUTE, (w.day[0] ?? t) + DAY - t), reason: 'day' };
    }
    // Until enough of the oldest calls leave the window to bring it under the (reserved) limit.
    if (w.minute.length >= limits.perMinute - reserve) return { waitMs: w.minute[w.minute.length - (limits.perMinute - reserve)]! + MINUTE - t, reason: 'minute' };
    if (w.minuteHint && t - w.minuteHint.at < MINUTE && w.minuteHint.remaining - w.minute.filter((x) => x > w.minuteHint!.at).length <= reserve) {
      return { waitMs: w.minuteHint.at + MINUTE - t, reason: 'minute' };
    }
    if (w.inFlight.size >= limits.concurrent - concurrentReserve) return { waitMs: CONCURRENCY_WAIT_MS, reason: 'concurrent' };
    const id = randomUUID();
    w.minute.push(t);
    w.day.push(t);
    w.inFlight.set(id, t + LEASE_MS);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        w.inFlight.delete(id);
        // Re-stamp the call with its answer's time: every entry is at or before now, so the
        // windows stay in order by moving it to the end.
        const done = this.now();
        restamp(w.minute, t, done);
        restamp(w.day, t, done);
      },
    };
  }

  async observe(key: TenantKey, signal: ProviderSignal): Promise<void> {
    const w = this.window(key);
    const t = this.now();
    if (signal.retryAfterMs !== undefined) w.blockedUntil = Math.max(w.blockedUntil, t + signal.retryAfterMs);
    if (signal.minuteRemaining !== undefined) w.minuteHint = { remaining: signal.minuteRemaining, at: t };
    if (signal.dayRemaining !== undefined) w.dayHint = { remaining: signal.dayRemaining, at: t };
  }

  async close(): Promise<void> {}
}

/**
 * KEYS: minute zset, day zset, in-flight zset, block key, minute hint, day hint, sync-active key.
 * ARGV: now, perMinute, perDay (-1 = none), concurrent, lease id, lease expiry, member, reserve,
 * concurrent reserve, is-sync (1/0), reserve and concurrent reserve while a sync runs, SYNC_ACTIVE_MS.
 * Returns {1} when admitted, or {0, waitMs, reason}.
 */
const ACQUIRE_LUA = `
local now = tonumber(ARGV[1])
local perMinute = tonumber(ARGV[2])
local perDay = tonumber(ARGV[3])
local concurrent = tonumber(ARGV[4])
local reserve = tonumber(ARGV[8])
local concurrentReserve = tonumber(ARGV[9])
if ARGV[10] == '1' then
  redis.call('SET', KEYS[7], now + tonumber(ARGV[13]), 'PX', tonumber(ARGV[13]))
elseif tonumber(redis.call('GET', KEYS[7]) or '0') > now then
  reserve = tonumber(ARGV[11])
  concurrentReserve = tonumber(ARGV[12])
end
local blocked = tonumber(redis.call('GET', KEYS[4]) or '0')
if blocked > now then return {0, blocked - now, 'retry-after'} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 86400000)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local minute = redis.call('ZCARD', KEYS[1])
if perDay >= 0 then
  local day = redis.call('ZCARD', KEYS[2])
  if day >= perDay then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return {0, tonumber(oldest[2]) + 86400000 - now, 'day'}
  end
  local dh = redis.call('HMGET', KEYS[6], 'remaining', 'at')
  if dh[1] then
    local at = tonumber(dh[2])
    local since = redis.call('ZCOUNT', KEYS[2], '(' .. at, '+inf')
    if now - at < 86400000 and tonumber(dh[1]) - since <= 0 then return {0, 60000, 'day'} end
  end
end
if minute >= perMinute - reserve then
  local nth = minute - (perMinute - reserve)
  local oldest = redis.call('ZRANGE', KEYS[1], nth, nth, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + 60000 - now, 'minute'}
end
local mh = redis.call('HMGET', KEYS[5], 'remaining', 'at')
if mh[1] then
  local at = tonumber(mh[2])
  local since = redis.call('ZCOUNT', KEYS[1], '(' .. at, '+inf')
  if now - at < 60000 and tonumber(mh[1]) - since <= reserve then return {0, at + 60000 - now, 'minute'} end
end
if redis.call('ZCARD', KEYS[3]) >= concurrent - concurrentReserve then return {0, 50, 'concurrent'} end
redis.call('ZADD', KEYS[1], now, ARGV[7])
redis.call('ZADD', KEYS[2], now, ARGV[7])
redis.call('ZADD', KEYS[3], tonumber(ARGV[6]), ARGV[5])
redis.call('PEXPIRE', KEYS[1], 60000 + ${LEASE_MS})
redis.call('PEXPIRE', KEYS[2], 86400000 + ${LEASE_MS})
redis.call('PEXPIRE', KEYS[3], ${LEASE_MS})
return {1}
`;

export class RedisRateLimiter implements RateLimiter {
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly options: LimiterOptions & { prefix?: string; ownsConnection?: boolean } = {},
  ) {
    this.now = options.now ?? Date.now;
    redis.defineCommand('arcusAcquire', { numberOfKeys: 7, lua: ACQUIRE_LUA });
  }

  private keys(key: TenantKey): string[] {
    const base = `${this.options.prefix ?? 'arcus:rl'}:${key.provider}:${key.tenantId}`;
    return [`${base}:minute`, `${base}:day`, `${base}:inflight`, `${base}:block`, `${base}:hint:minute`, `${base}:hint:day`, `${base}:sync`];
  }

  async acquire(key: TenantKey, options: AcquireOptions = {}): Promise<Admission> {
    const limits = limitsFor(this.options, key.provider);
    const t = this.now();
    const lease = randomUUID();
    const keys = this.keys(key);
    const run = (this.redis as unknown as { arcusAcquire(...args: (string | number)[]): Promise<[number, number?, string?]> }).arcusAcquire;
    const r = await run.call(
      this.redis,
      ...keys,
      t,
      limits.perMinute,
      Number.isFinite(limits.perDay) ? limits.perDay : -1,
      limits.concurrent,
      lease,
      t + LEASE_MS,
      `${t}:${lease}`,
      reserveFor(limits, options),
      concurrentReserveFor(limits, options),
      rankOf(options) === 0 ? 1 : 0,
      reserveFor(limits, options, true),
      concurrentReserveFor(limits, options, true),
      SYNC_ACTIVE_MS,
    );
    if (r[0] === 1) {
      const member = `${t}:${lease}`;
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          // Free the slot and re-stamp the call with its answer's time (XX: only while it is still in the window).
          const done = this.now();
          void this.redis
            .multi()
            .zrem(keys[2]!, lease)
            .zadd(keys[0]!, 'XX', done, member)
            .zadd(keys[1]!, 'XX', done, member)
            .exec()
            .catch(() => undefined);
        },
      };
    }
    return { waitMs: Math.max(1, Number(r[1] ?? 1000)), reason: (r[2] ?? 'minute') as 'minute' | 'day' | 'concurrent' | 'retry-after' };
  }

  async observe(key: TenantKey, signal: ProviderSignal): Promise<void> {
    const [, , , block, minuteHint, dayHint] = this.keys(key);
    const t = this.now();
    const multi = this.redis.multi();
    if (signal.retryAfterMs !== undefined) {
      // Only ever extend a block (SET … GT needs Redis 7; a Lua-free read-then-set is enough here).
      const current = Number((await this.redis.get(block!)) ?? 0);
      const until = Math.max(current, t + signal.retryAfterMs);
      multi.set(block!, String(until), 'PX', Math.max(1, until - t));
    }
    if (signal.minuteRemaining !== undefined) multi.hset(minuteHint!, { remaining: signal.minuteRemaining, at: t }).pexpire(minuteHint!, MINUTE);
    if (signal.dayRemaining !== undefined) multi.hset(dayHint!, { remaining: signal.dayRemaining, at: t }).pexpire(dayHint!, DAY);
    await multi.exec();
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection) this.redis.disconnect();
  }
}

/** Redis when a URL is given (across processes), otherwise in memory. */
export async function createRateLimiter(options: LimiterOptions & { redisUrl: string | null; prefix?: string }): Promise<RateLimiter> {
  if (!options.redisUrl) return new MemoryRateLimiter(options);
  const { Redis } = await import('ioredis');
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
  return new RedisRateLimiter(redis, { ...options, ownsConnection: true });
}
