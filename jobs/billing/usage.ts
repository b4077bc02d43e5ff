/**
 * billing.usage (hourly): report each App Store subscription's metered usage — the client
 * organisations connected — once per billing period, in the period's last days
 * (server/billing/usage.ts). Running it twice, or on two workers at once, reports once.
 */
import { z } from 'zod';
import { reportUsage } from '../../server/billing/usage';
import { defineJob } from '../define';

export const BILLING_USAGE_EVERY_MS = 60 * 60_000;

export const billingUsageJob = defineJob({
  name: 'billing.usage',
  schema: z.object({}),
  attempts: 3,
  backoffMs: 60_000,
  async handler(_payload, ctx) {
    const { services } = ctx;
    const result = await reportUsage({ db: ctx.db, log: ctx.log, appStore: services.appStore ?? null, now: () => services.clock.now() });
    if (result.reported || result.failed) ctx.log.info(result, 'App Store usage run');
  },
});
