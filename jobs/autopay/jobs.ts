/**
 * The autopay jobs (server/autopay/README.md):
 *   autopay.tick  hourly: one `autopay.run` per organisation with a live mandate per hour (the job
 *                 id carries the hour, so an hour runs once per id);
 *   autopay.run   one organisation: what is due today in its time zone is charged (charge.ts —
 *                 exactly once by the attempt's claimed key, whatever runs twice).
 */
import { z } from 'zod';
import { organisationsOnAutopay, runAutopay } from '../../server/autopay/charge';
import { reminderEnvFrom } from '../../server/reminders/env';
import { requestDeps } from '../../server/writebacks/enqueue';
import { defineJob } from '../define';

export const AUTOPAY_TICK_MS = 60 * 60_000;

export const autopayRunJob = defineJob({
  name: 'autopay.run',
  schema: z.object({ organisationId: z.uuid() }),
  attempts: 3,
  backoffMs: 60_000,
  async handler(payload, ctx) {
    const env = reminderEnvFrom(ctx.services);
    const counts = await runAutopay(
      { ...requestDeps(ctx), provider: ctx.services.payments, now: env.now, mail: { mailer: env.mailer, mailFrom: env.mailFrom, embedded: env.embedded }, appUrl: ctx.services.appUrl, linkKey: ctx.services.config.payLinkKey, log: ctx.log },
      payload.organisationId,
    );
    if (counts.charged || counts.failed || counts.skipped || counts.deferred) ctx.log.info({ organisationId: payload.organisationId, ...counts }, 'autopay charges');
  },
});

export const autopayTickJob = defineJob({
  name: 'autopay.tick',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 10_000,
  async handler(_payload, ctx) {
    const hour = Math.floor(ctx.services.clock.now().getTime() / AUTOPAY_TICK_MS);
    for (const o of await organisationsOnAutopay(ctx.db)) await ctx.queue.enqueue(autopayRunJob, { organisationId: o.id }, { jobId: `autopay-${o.id}-${hour}` });
  },
});
