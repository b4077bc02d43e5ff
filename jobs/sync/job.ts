/**
 * `sync.organisation`: run (or resume) one organisation's sync run. `requestSync` is how
 * everything else asks for one (connect callback, webhooks, the nightly scheduler, Settings,
 * the CLI): it creates a queued sync_runs row — or merges into the organisation's queued or
 * deferred run — and enqueues the job with a job id derived from the run, so duplicate requests
 * collapse into one run and one job.
 */
import { z } from 'zod';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun, type SyncKind } from '../../server/sync/runs';
import type { Db } from '../../server/db/client';
import { backoffDelay, defineJob, type JobQueue } from '../define';
import { requestCollectionsAssessment } from '../collections/jobs';
import { requestScoring } from '../scoring/job';
import { getSyncDeps } from './deps';

export { type SyncDeps, setSyncDeps } from './deps';

export const SyncPayloadSchema = z.object({
  organisationId: z.uuid(),
  kind: z.enum(['full', 'incremental', 'webhook']),
  runId: z.uuid().optional(),
});
export type SyncPayload = z.infer<typeof SyncPayloadSchema>;

/** BullMQ rejects custom job ids with a single ':' — and a finished job keeps its id for a day. */
export function syncJobId(runId: string): string {
  return `sync-${runId}`;
}

export const syncOrganisationJob = defineJob({
  name: 'sync.organisation',
  schema: SyncPayloadSchema,
  attempts: 6,
  backoffMs: 5_000,
  async handler(payload, ctx) {
    const deps = getSyncDeps();
    let runId = payload.runId;
    if (!runId) {
      // Enqueued without a run (e.g. by a scheduler): one is made now, unless the organisation
      // already has a queued or deferred run — whose own job will do the work.
      const r = await createOrReuseRun(ctx.db, { organisationId: payload.organisationId, kind: payload.kind });
      if (r.merged) {
        await ctx.queue.enqueue(syncOrganisationJob, { ...payload, runId: r.runId }, { jobId: syncJobId(r.runId) });
        return;
      }
      runId = r.runId;
    }
    const result = await runSync(
      { db: ctx.db, log: ctx.log, factory: deps.factory, tokenKey: deps.tokenKey, limiter: deps.limiter, now: deps.now, hooks: deps.hooks, maxInlineWaitMs: deps.maxInlineWaitMs },
      { runId, attempt: ctx.attempt, finalAttempt: ctx.attempt >= syncOrganisationJob.attempts, retryDelayMs: backoffDelay(syncOrganisationJob as never, ctx.attempt) },
    );
    ctx.log.info({ runId, status: result.status, counts: result.counts, apiCalls: result.apiCalls }, 'sync run done');
    // Scores follow the ledger: one scoring run per completed sync run.
    if (result.status === 'succeeded') {
      await requestScoring(ctx.queue, payload.organisationId, { key: runId });
      // Payments just synced may earn an early-payment discount or pay a plan's instalment.
      await requestCollectionsAssessment(ctx.queue, payload.organisationId);
    }
  },
});

/**
 * Ask for a sync of one organisation. Returns the sync run's id (an existing queued or deferred
 * run's when the request merges into it).
 */
export async function requestSync(queue: JobQueue, db: Db, params: { organisationId: string; kind: SyncKind }): Promise<string> {
  const { runId } = await createOrReuseRun(db, params);
  await queue.enqueue(syncOrganisationJob, { organisationId: params.organisationId, kind: params.kind, runId }, { jobId: syncJobId(runId) });
  return runId;
}
