/**
 * `scoring.organisation` {organisationId}: re-score one organisation's open invoices and
 * customers (server/scoring/run.ts). The sync job asks for it after every successful run with
 * `requestScoring(queue, organisationId)`; the API also scores on demand when an organisation
 * has no scores yet.
 */
import { z } from 'zod';
import { runScoring } from '../../server/scoring/run';
import { defineJob, type JobQueue } from '../define';

export const ScoreOrganisationPayloadSchema = z.object({ organisationId: z.uuid() });
export type ScoreOrganisationPayload = z.infer<typeof ScoreOrganisationPayloadSchema>;

export const scoreOrganisationJob = defineJob({
  name: 'scoring.organisation',
  schema: ScoreOrganisationPayloadSchema,
  attempts: 3,
  backoffMs: 5000,
  async handler(payload, ctx) {
    const summary = await runScoring(ctx.db, { organisationId: payload.organisationId });
    if (!summary) ctx.log.info({ organisationId: payload.organisationId }, 'organisation gone: nothing to score');
    else ctx.log.info({ organisationId: summary.organisationId, invoices: summary.invoices, customers: summary.customers, model: summary.modelScope, ms: summary.ms }, 'scored');
  },
});

/**
 * Ask for a scoring run. `key` makes the request idempotent (e.g. the sync run's id: one
 * scoring per sync); without it every call enqueues a run — a completed BullMQ job id cannot
 * be reused for a day, so a fixed id would drop later requests.
 */
export function requestScoring(queue: JobQueue, organisationId: string, options: { key?: string; delayMs?: number } = {}): Promise<string> {
  const key = options.key ?? `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return queue.enqueue(scoreOrganisationJob, { organisationId }, { jobId: `scoring-${organisationId}-${key}`, ...(options.delayMs ? { delayMs: options.delayMs } : {}) });
}
