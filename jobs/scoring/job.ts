/**
 * `scoring.organisation` {organisationId}: re-score one organisation's open invoices and
 * customers (server/scoring/run.ts). The sync job asks for it after every successful run with
 * `requestScoring` (server/scoring/request.ts); the API also scores on demand an organisation
 * with no scores yet — small ones inline, bigger ones by requesting this job (run.ts ensureScored).
 * Then it refreshes the stored in-app backtest.
 */
import { z } from 'zod';
import { organisationBacktest } from '../../server/scoring/backtest';
import { organisationRef, runScoring } from '../../server/scoring/run';
import { defineJob } from '../define';

export const ScoreOrganisationPayloadSchema = z.object({ organisationId: z.uuid() });
export type ScoreOrganisationPayload = z.infer<typeof ScoreOrganisationPayloadSchema>;

export const scoreOrganisationJob = defineJob({
  name: 'scoring.organisation',
  schema: ScoreOrganisationPayloadSchema,
  attempts: 3,
  backoffMs: 5000,
  async handler(payload, ctx) {
    const summary = await runScoring(ctx.db, { organisationId: payload.organisationId, now: ctx.services.clock.now() });
    if (!summary) ctx.log.info({ organisationId: payload.organisationId }, 'organisation gone: nothing to score');
    else {
      ctx.log.info({ organisationId: summary.organisationId, invoices: summary.invoices, customers: summary.customers, model: summary.modelScope, ms: summary.ms }, `Scored ${summary.customers} customers from ${summary.invoices} invoices`);
      // The in-app backtest (calibration chart, customers' predictions vs outcomes) is stored
      // now, after the sync's re-score, so a page view reads it instead of computing it.
      const org = await organisationRef(ctx.db, summary.organisationId);
      if (org) await organisationBacktest(ctx.db, org, ctx.services.clock.now());
    }
  },
});
