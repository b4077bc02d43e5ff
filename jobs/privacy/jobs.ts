/**
 * Retention (server/privacy/retention.ts): `privacy.retention-tick` every 6 hours lists the firms
 * with a retention period set (as the system) and requests one `privacy.retention` per firm and
 * UTC day (a stable job id: a day's run is requested once however often the tick runs), which runs
 * as that firm on the process's clock.
 */
import { z } from 'zod';
import { applyRetention, firmsWithRetention } from '../../server/privacy/retention';
import { defineJob } from '../define';

export const RETENTION_TICK_MS = 6 * 3_600_000;

export const retentionFirmJob = defineJob({
  name: 'privacy.retention',
  schema: z.object({ firmId: z.uuid() }),
  attempts: 3,
  backoffMs: 60_000,
  async handler(payload, ctx) {
    const out = await applyRetention(ctx.db, payload.firmId, ctx.services.clock.now());
    if (out.emailBodies || out.mailbox || out.activities || out.erasedCustomers) ctx.log.info({ firmId: payload.firmId, ...out }, 'retention applied');
  },
});

export const retentionTickJob = defineJob({
  name: 'privacy.retention-tick',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 60_000,
  async handler(_payload, ctx) {
    const day = ctx.services.clock.now().toISOString().slice(0, 10);
    for (const firmId of await firmsWithRetention(ctx.db)) {
      await ctx.queue.enqueue(retentionFirmJob, { firmId }, { jobId: `retention-${firmId}-${day}` });
    }
  },
});
