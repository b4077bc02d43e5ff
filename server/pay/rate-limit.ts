/**
 * Per-client limits for the public pay endpoints (fixed one-minute windows): enough to stop token
 * guessing and form spam. With REDIS_URL the windows live in Redis, so every web process counts
 * the same hits; in embedded mode (one process) they live in memory. The client is `req.ip`,
 * which believes X-Forwarded-For only from proxies named by TRUST_PROXY.
 */
import type { Redis } from 'ioredis';

export interface HitLimiter {
  /** true when this hit is allowed. */
  take(key: string): Promise<boolean>;
}

/** Makes the limiter of one endpoint family (`name`): `limit` hits per window per client. */
export type HitLimiters = (name: string, limit: number) => HitLimiter;

export class WindowLimiter implements HitLimiter {
  private readonly hits = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string): Promise<boolean> {
    const t = this.now();
    const w = this.hits.get(key);
    if (!w || t - w.start >= this.windowMs) {
      if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (t - v.start >= this.windowMs) this.hits.delete(k);
      this.hits.set(key, { start: t, count: 1 });
      return true;
    }
    w.count++;
    return w.count <= this.limit;
  }
}

export const memoryLimiters: HitLimiters = (_name, limit) => new WindowLimiter(limit);

/** One counter per (family, window, client) in Redis: INCR, expiring with its window. */
export function redisLimiters(redis: Redis, prefix: string, now: () => number = Date.now, windowMs = 60_000): HitLimiters {
  return (name, limit) => ({
    async take(key) {
      const window = Math.floor(now() / windowMs);
      const k = `${prefix}:pay-rl:${name}:${window}:${key}`;
      const [[, count]] = (await redis.multi().incr(k).pexpire(k, windowMs * 2).exec()) as [[Error | null, number], [Error | null, number]];
      return count <= limit;
    },
  });
}
