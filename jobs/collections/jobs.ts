/**
 * The collection jobs:
 *   collections.tick    hourly: one `collections.assess` per active organisation per local day
 *                       (the job id carries the organisation's date, so a day runs once per id);
 *   collections.assess  one organisation's assessment (server/collections/assess.ts).
 * `collections.assess` is also requested after a completed sync (`requestCollectionsAssessment`,
 * server/collections/request.ts), so discounts are applied as soon as the payment is seen.
 */
import { z } from 'zod';
import { todayIn } from '../../kernel/dates';
import { activeOrganisations, assessOrganisation } from '../../server/collections/assess';
import { reminderEnvFrom } from '../../server/reminders/env';
import { requestDeps } from '../../server/writebacks/enqueue';
import { defineJob } from '../define';

export const COLLECTIONS_TICK_MS = 60 * 60_000;

export const collectionsAssessJob = defineJob({
  name: 'collections.assess',
  schema: z.object({ organisationId: z.uuid() }),
  attempts: 3,
  backoffMs: 60_000,
  async handler(payload, ctx) {
    const env = reminderEnvFrom(ctx.services);
    const a = await assessOrganisation({ ...requestDeps(ctx), now: env.now, mail: { mailer: env.mailer, mailFrom: env.mailFrom, embedded: env.embedded } }, payload.organisationId);
    if (!a) return;
    const changed = a.plans.filter((p) => p.missed.length || p.paid.length || p.status !== 'active').length;
    if (changed || a.fees.requested.length || a.discounts.offered || a.discounts.withdrawn || a.discounts.applied.length || a.reminders.sent.length)
      ctx.log.info({ organisationId: a.organisationId, plansChanged: changed, fees: a.fees.requested.filter((f) => f.created).length, offered: a.discounts.offered, withdrawn: a.discounts.withdrawn, applied: a.discounts.applied.length, instalmentReminders: a.reminders.sent.length }, 'collections assessed');
  },
});

export const collectionsTickJob = defineJob({
  name: 'collections.tick',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 10_000,
  async handler(_payload, ctx) {
    const now = ctx.services.clock.now();
    for (const o of await activeOrganisations(ctx.db)) await ctx.queue.enqueue(collectionsAssessJob, { organisationId: o.id }, { jobId: `cassess-${o.id}-${todayIn(o.timezone, now)}` });
  },
});
