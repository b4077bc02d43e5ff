/**
 * What the sync job needs beyond JobContext ({ db, log, queue }): the ledger factory, the token
 * key and the rate limiter. Set once at boot by the runtime (web process in embedded mode, the
 * worker with Redis):
 *
 *   setSyncDeps({ factory: createLedgerFactory({...}), tokenKey: config.tokenEncryptionKey,
 *                 limiter: await createRateLimiter({ redisUrl: config.redisUrl }) });
 */
import type { LedgerFactory } from '../../integrations/ledger/provider';
import type { SyncHooks } from '../../server/sync/engine';
import { MemoryRateLimiter, type RateLimiter } from '../../server/sync/rate-limit';

export interface SyncDeps {
  factory: LedgerFactory;
  /** TOKEN_ENCRYPTION_KEY. */
  tokenKey: Buffer;
  /** Per-tenant limiter shared by every sync in this process (Redis-backed across processes). Default: in memory. */
  limiter?: RateLimiter;
  /** Clock for token expiry (tests run the sandbox's clock). */
  now?: () => number;
  /** Test hooks (fault injection). */
  hooks?: SyncHooks;
  /** Waits for the rate limiter longer than this defer the run (default 2 s). */
  maxInlineWaitMs?: number;
}

let current: (SyncDeps & { limiter: RateLimiter }) | null = null;

export function setSyncDeps(deps: SyncDeps): void {
  current = { ...deps, limiter: deps.limiter ?? new MemoryRateLimiter({ now: deps.now }) };
}

export function getSyncDeps(): SyncDeps & { limiter: RateLimiter } {
  if (!current) throw new Error('sync dependencies are not set: call setSyncDeps({ factory, tokenKey }) at boot');
  return current;
}

/** For tests: forget what was set. */
export function clearSyncDeps(): void {
  current = null;
}
