/**
 * The `sync.organisation` service: run (or resume) one organisation's sync run with the
 * process's ledgers, and what a completed run asks for next. The job (jobs/sync/job.ts) only
 * parses the payload, passes its attempt numbers and logs.
 */
import { requestCollectionsAssessment } from '../collections/request';
import type { Db } from '../db/client';
import type { Logger } from '../logger';
import type { QueuePort } from '../queue';
import { requestReviewRefresh } from '../billing-review/request';
import { requestScoring } from '../scoring/request';
import type { Services } from '../services';
import type { SyncKind } from '../connections/deps';
import { runSync, type SyncEngineDeps, type SyncResult } from './engine';
import { syncJobId } from './request';
import { createOrReuseRun } from './runs';

/** The sync engine's dependencies from the process's services. */
export function syncEngineDeps(s: Services, db: Db, log: Logger): SyncEngineDeps {
  return { db, log, factory: s.ledgers.factory, tokenKey: s.ledgers.tokenKey, limiter: s.ledgers.limiter, gateway: s.ledgers.gateway, now: () => s.clock.ms(), hooks: s.hooks.sync, maxInlineWaitMs: s.hooks.syncMaxInlineWaitMs, slicePages: s.config.syncSlicePages };
}

export interface SyncAttempt {
  attempt: number;
  finalAttempt: boolean;
  retryDelayMs: number;
}

export type SyncOutcome = { merged: true; runId: string } | ({ merged: false } & SyncResult);

export async function syncOrganisation(
  deps: { services: Services; db: Db; log: Logger; queue: QueuePort },
  payload: { organisationId: string; kind: SyncKind; runId?: string | undefined },
  attempt: SyncAttempt,
): Promise<SyncOutcome> {
  let runId = payload.runId;
  if (!runId) {
    // Asked for without a run (e.g. by a scheduler): one is made now, unless the organisation
    // already has a queued or deferred run — whose own job will do the work.
    const r = await createOrReuseRun(deps.db, { organisationId: payload.organisationId, kind: payload.kind });
    if (r.merged) {
      await deps.queue.request('sync.organisation', { organisationId: payload.organisationId, kind: payload.kind, runId: r.runId }, { jobId: syncJobId(r.runId) });
      return { merged: true, runId: r.runId };
    }
    runId = r.runId;
  }
  const result = await runSync(syncEngineDeps(deps.services, deps.db, deps.log), { runId, ...attempt });
  if (result.status === 'succeeded') {
    // Scores follow the ledger: one scoring run per completed sync run.
    await requestScoring(deps.queue, payload.organisationId, { key: runId });
    // Payments just synced may earn an early-payment discount or pay a plan's instalment.
    await requestCollectionsAssessment(deps.queue, payload.organisationId, deps.services.clock.now());
    // Drafts and invoices not yet sent are checked before they reach the customer (billing review).
    await requestReviewRefresh(deps.queue, payload.organisationId, runId);
  }
  return { merged: false, ...result };
}
