/**
 * The collection jobs:
 *   collections.tick    hourly: one `collections.assess` per active organisation per local day
 *                       (the job id carries the organisation's date, so a day runs once per id);
 *   collections.assess  one organisation: plan instalment statuses (misses, breaks, completions),
 *                       late fees and interest, early-payment discounts (apply, withdraw, offer),
 *                       and instalment reminders. Every step is idempotent (write-back source keys,
 *                       guarded updates), so a re-run or an overlap changes nothing twice.
 * Also enqueued after a completed sync (`requestCollectionsAssessment`), so discounts are
 * applied as soon as the payment is seen.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { assessLateFeesForOrganisation } from '../../server/collections/late-fees';
import { runDiscounts } from '../../server/collections/discounts';
import { sendInstalmentReminders, updatePlans } from '../../server/collections/plans';
import type { Db } from '../../server/db/client';
import { organisations } from '../../server/db/schema';
import { todayIn } from '../../kernel/dates';
import { reminderEnvFrom } from '../../server/reminders/env';
import { requestDeps } from '../../server/writebacks/enqueue';
import { defineJob } from '../define';

export { requestCollectionsAssessment } from '../../server/collections/request';

export const COLLECTIONS_TICK_MS = 60 * 60_000;

export const collectionsAssessJob = defineJob({
  name: 'collections.assess',
  schema: z.object({ organisationId: z.uuid() }),
  attempts: 3,
  backoffMs: 60_000,
  async handler(payload, ctx) {
    const [org] = await ctx.db.select({ id: organisations.id, firmId: organisations.firmId, status: organisations.status }).from(organisations).where(eq(organisations.id, payload.organisationId));
    if (org?.status !== 'active') return;
    const env = reminderEnvFrom(ctx.services);
    const deps = { ...requestDeps(ctx), now: env.now };
    const plans = await updatePlans(deps, org.firmId, org.id);
    const fees = await assessLateFeesForOrganisation(deps, org.firmId, org.id);
    const discounts = await runDiscounts(deps, org.firmId, org.id);
    const reminders = await sendInstalmentReminders({ ...deps, mail: { mailer: env.mailer, mailFrom: env.mailFrom, embedded: env.embedded } }, org.firmId, org.id);
    const changed = plans.filter((p) => p.missed.length || p.paid.length || p.status !== 'active').length;
    if (changed || fees.requested.length || discounts.offered || discounts.withdrawn || discounts.applied.length || reminders.sent.length)
      ctx.log.info({ organisationId: org.id, plansChanged: changed, fees: fees.requested.filter((f) => f.created).length, offered: discounts.offered, withdrawn: discounts.withdrawn, applied: discounts.applied.length, instalmentReminders: reminders.sent.length }, 'collections assessed');
  },
});

export async function activeOrganisations(db: Db): Promise<{ id: string; timezone: string }[]> {
  return db.select({ id: organisations.id, timezone: organisations.timezone }).from(organisations).where(eq(organisations.status, 'active'));
}

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
