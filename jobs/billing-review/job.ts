/** `billing-review.refresh`: recompute the findings of an organisation's invoices awaiting dispatch (after each sync; server/billing-review/). */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { refreshReview } from '../../server/billing-review/service';
import { queryRows } from '../../server/db/client';
import { defineJob } from '../define';

export const billingReviewRefreshJob = defineJob({
  name: 'billing-review.refresh',
  schema: z.object({ organisationId: z.uuid() }),
  attempts: 3,
  backoffMs: 30_000,
  async handler(payload, ctx) {
    const [org] = await queryRows<{ firm_id: string }>(ctx.db, sql`SELECT firm_id::text FROM organisations WHERE id = ${payload.organisationId}`);
    if (!org) return;
    const r = await refreshReview(ctx.db, { firmId: org.firm_id, organisationId: payload.organisationId }, ctx.services.clock.now());
    if (r.items) ctx.log.info({ organisationId: payload.organisationId, items: r.items, withFindings: r.withFindings }, 'billing review checked');
  },
});
