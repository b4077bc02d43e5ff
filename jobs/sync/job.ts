/**
 * `sync.organisation`: run (or resume) one organisation's sync run. Everything else asks for one
 * with `requestSync` (server/sync/request.ts), which makes or merges the run and enqueues this
 * job with an id derived from the run.
 */
import { z } from 'zod';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { requestCollectionsAssessment } from '../../server/collections/request';
import { requestScoring } from '../../server/scoring/request';
import { syncJobId } from '../../server/sync/request';
import { backoffDelay, defineJob } from '../define';

export { requestSync, syncJobId } from '../../server/sync/request';

export const SyncPayloadSchema = z.object({
  organisationId: z.uuid(),
  kind: z.enum(['full', 'incremental', 'webhook']),
  runId: z.uuid().optional(),
});
export type SyncPayload = z.infer<typeof SyncPayloadSchema>;

export const syncOrganisationJob = defineJob({
  name: 'sync.organisation',
  schema: SyncPayloadSchema,
  attempts: 6,
  backoffMs: 5_000,
  async handler(payload, ctx) {
    const s = ctx.services;
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
      { db: ctx.db, log: ctx.log, factory: s.ledgers.factory, tokenKey: s.ledgers.tokenKey, limiter: s.ledgers.limiter, gateway: s.ledgers.gateway, now: () => s.clock.ms(), hooks: s.hooks.sync, maxInlineWaitMs: s.hooks.syncMaxInlineWaitMs },
      { runId, attempt: ctx.attempt, finalAttempt: ctx.attempt >= syncOrganisationJob.attempts, retryDelayMs: backoffDelay(syncOrganisationJob as never, ctx.attempt) },
    );
    ctx.log.info({ runId, status: result.status, counts: result.counts, apiCalls: result.apiCalls }, 'sync run done');
    // Scores follow the ledger: one scoring run per completed sync run.
    if (result.status === 'succeeded') {
      await requestScoring(ctx.queue, payload.organisationId, { key: runId });
      // Payments just synced may earn an early-payment discount or pay a plan's instalment.
      await requestCollectionsAssessment(ctx.queue, payload.organisationId, s.clock.now());
    }
  },
});
