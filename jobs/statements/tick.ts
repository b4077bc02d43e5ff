/**
 * `statements.tick`, hourly: email each opted-in organisation's customers their statement on the
 * first business day of the month in its time zone (server/statements/send.ts; once per customer
 * and period by its claim).
 */
import { z } from 'zod';
import { runStatementTick } from '../../server/statements/send';
import { defineJob } from '../define';

export const STATEMENTS_TICK_MS = 60 * 60_000;

export const statementsTickJob = defineJob({
  name: 'statements.tick',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 60_000,
  async handler(_payload, ctx) {
    const counts = await runStatementTick({ ...ctx.services, db: ctx.db, payLinkKey: ctx.services.config.payLinkKey });
    if (counts.sent || counts.failed || counts.no_recipients) ctx.log.info(counts, 'monthly statements');
  },
});
