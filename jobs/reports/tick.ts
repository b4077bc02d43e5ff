/**
 * `reports.tick`, hourly: send each organisation's monthly client report on the first business
 * day of the month in its time zone (server/reports/send.ts; exactly once per period by its claim).
 */
import { z } from 'zod';
import { runReportTick } from '../../server/reports/send';
import { defineJob } from '../define';

export const REPORTS_TICK_MS = 60 * 60_000;

export const reportsTickJob = defineJob({
  name: 'reports.tick',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 60_000,
  async handler(_payload, ctx) {
    const counts = await runReportTick({ ...ctx.services, db: ctx.db });
    if (counts.sent || counts.failed || counts.no_recipients) ctx.log.info(counts, 'monthly client reports');
  },
});
