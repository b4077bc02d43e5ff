/**
 * Wires the ledger connectors and the sync engine into Arcus at boot — the one place that
 * knows where they live. Both runners call `configureLedgers` (the web process in-process, the
 * BullMQ worker), so job handlers find their ledger factory and token key.
 */
import { createLedgerFactory } from '../../integrations/ledger/factory';
import type { LedgerFactory } from '../../integrations/ledger/provider';
import { setScheduleDeps } from '../../jobs/schedule/deps';
import type { JobQueue } from '../../jobs/define';
import { requestSync, setSyncDeps } from '../../jobs/sync/job';
import type { Config } from '../config';
import { createRateLimiter } from '../sync/rate-limit';
import type { Db } from '../db/client';
import type { RequestSync } from './deps';

export interface Ledgers {
  factory: LedgerFactory;
  /** requestSync bound to a queue and database. */
  requestSync: RequestSync;
  /** Release the rate limiter's Redis connection, if any. */
  close(): Promise<void>;
}

export async function configureLedgers(config: Pick<Config, 'xero' | 'intuit' | 'tokenEncryptionKey' | 'redisUrl'>, params: { sandboxBaseUrl: string | null; queue: JobQueue; db: Db }): Promise<Ledgers> {
  const factory = createLedgerFactory({ sandboxBaseUrl: params.sandboxBaseUrl, xero: config.xero, intuit: config.intuit });
  // Per-tenant call limits shared by every process that syncs (Redis with REDIS_URL).
  const limiter = await createRateLimiter({ redisUrl: config.redisUrl });
  setSyncDeps({ factory, tokenKey: config.tokenEncryptionKey, limiter });
  setScheduleDeps({ factory, tokenKey: config.tokenEncryptionKey, requestSync });
  return { factory, requestSync: (organisationId, kind) => requestSync(params.queue, params.db, { organisationId, kind }), close: () => limiter.close() };
}
