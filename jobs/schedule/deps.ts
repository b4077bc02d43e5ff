/**
 * What the schedule jobs need beyond the job context, set once at boot by both runners
 * (`arcus start` in-process, `arcus worker` with BullMQ) — the same way the sync job gets its
 * ledger factory.
 */
import type { LedgerFactory } from '../../integrations/ledger/provider';
import type { ConnectionDeps, SyncKind } from '../../server/connections/deps';
import type { Db } from '../../server/db/client';
import type { JobContext, JobQueue } from '../define';

export type RequestSyncFn = (queue: JobQueue, db: Db, params: { organisationId: string; kind: SyncKind }) => Promise<unknown>;

export interface ScheduleDeps {
  factory: LedgerFactory;
  tokenKey: Buffer;
  requestSync: RequestSyncFn;
}

let current: ScheduleDeps | null = null;

export function setScheduleDeps(deps: ScheduleDeps): void {
  current = deps;
}

export function scheduleDeps(): ScheduleDeps {
  if (!current) throw new Error('schedule jobs are not configured: call setScheduleDeps at boot');
  return current;
}

export function connectionDepsFor(ctx: Pick<JobContext, 'db' | 'log' | 'queue'>): ConnectionDeps {
  const d = scheduleDeps();
  return { db: ctx.db, log: ctx.log, factory: d.factory, tokenKey: d.tokenKey, requestSync: (organisationId, kind) => d.requestSync(ctx.queue, ctx.db, { organisationId, kind }) };
}
