/**
 * `sync.organisation`: run (or resume) one organisation's sync run (server/sync/service.ts).
 * Everything else asks for one with `requestSync` (server/sync/request.ts), which makes or merges
 * the run and enqueues this job with an id derived from the run. A run longer than
 * SYNC_SLICE_PAGES pages yields its worker slot and continues from the back of the queue, and one
 * firm's syncs hold at most WORKER_FIRM_CONCURRENCY workers at once (docs/decisions/051).
 */
import { z } from 'zod';
import { syncOrganisation } from '../../server/sync/service';
import { backoffDelay, defineJob } from '../define';

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
  // One firm's syncs share WORKER_FIRM_CONCURRENCY slots across every worker (docs/decisions/051).
  perFirm: true,
  async handler(payload, ctx) {
    const r = await syncOrganisation({ services: ctx.services, db: ctx.db, log: ctx.log, queue: ctx.queue }, payload, {
      attempt: ctx.attempt,
      finalAttempt: ctx.attempt >= syncOrganisationJob.attempts,
      retryDelayMs: backoffDelay(syncOrganisationJob as never, ctx.attempt),
    });
    if (!r.merged) ctx.log.debug({ runId: r.runId, status: r.status, counts: r.counts, apiCalls: r.apiCalls }, 'sync run done');
  },
});
