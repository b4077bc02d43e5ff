/**
 * The scheduler: every 5 minutes, find active organisations whose nightly sync is due, claim
 * a bounded batch (FOR UPDATE SKIP LOCKED, so two workers never take the same one), move each
 * one's next run to its next local night slot, and ask for an incremental sync. What does not
 * fit in one batch goes on the next tick, so hundreds of organisations never burst.
 */
import { and, asc, eq, isNull, lte } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../server/db/client';
import { organisations } from '../../server/db/schema';
import { defineJob } from '../define';
import { requestSync } from '../../server/sync/request';
import { nextNightlyRun } from '../../server/sync/nightly';

export const TICK_EVERY_MS = 5 * 60_000;
/** Syncs one tick may enqueue. */
export const MAX_SYNCS_PER_TICK = 50;

export interface TickResult {
  enqueued: string[];
  /** Active organisations that had no next run yet and were given one. */
  scheduled: number;
}

export async function runScheduleTick(
  db: Db,
  requestSync: (organisationId: string) => Promise<unknown>,
  options: { now?: Date; limit?: number } = {},
): Promise<TickResult> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? MAX_SYNCS_PER_TICK;
  // Active organisations without a next run (e.g. connected before the scheduler existed) get one.
  const unscheduled = await db
    .select({ id: organisations.id, timezone: organisations.timezone, slot: organisations.syncSlotMinute })
    .from(organisations)
    .where(and(eq(organisations.status, 'active'), isNull(organisations.nextSyncAt)))
    .limit(1000);
  for (const o of unscheduled) await db.update(organisations).set({ nextSyncAt: nextNightlyRun(o.timezone, o.slot, now) }).where(and(eq(organisations.id, o.id), isNull(organisations.nextSyncAt)));

  const claimed = await db.transaction(async (tx) => {
    const due = await tx
      .select({ id: organisations.id, timezone: organisations.timezone, slot: organisations.syncSlotMinute })
      .from(organisations)
      .where(and(eq(organisations.status, 'active'), lte(organisations.nextSyncAt, now)))
      .orderBy(asc(organisations.nextSyncAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    for (const o of due) await tx.update(organisations).set({ nextSyncAt: nextNightlyRun(o.timezone, o.slot, now) }).where(eq(organisations.id, o.id));
    return due.map((o) => o.id);
  });
  const enqueued: string[] = [];
  for (const id of claimed) {
    await requestSync(id);
    enqueued.push(id);
  }
  return { enqueued, scheduled: unscheduled.length };
}

export const scheduleTick = defineJob({
  name: 'schedule.tick',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 10_000,
  async handler(_payload, ctx) {
    const result = await runScheduleTick(ctx.db, (organisationId) => requestSync(ctx.queue, ctx.db, { organisationId, kind: 'incremental' }), { now: ctx.services.clock.now() });
    if (result.enqueued.length || result.scheduled) ctx.log.info({ enqueued: result.enqueued.length, scheduled: result.scheduled }, 'nightly syncs enqueued');
  },
});
