/**
 * The nightly scheduler's service: find active organisations whose nightly sync is due, claim a
 * bounded batch (FOR UPDATE SKIP LOCKED, so two workers never take the same one), move each one's
 * next run to its next local night slot (nightly.ts), and ask for an incremental sync. What does
 * not fit in one batch goes on the next tick, so hundreds of organisations never burst.
 * The `schedule.tick` job (jobs/schedule/tick.ts) calls it every few minutes.
 */
import { and, asc, eq, isNull, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { organisations } from '../db/schema';
import { nextNightlyRun } from './nightly';

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
  options: { now: Date; limit?: number },
): Promise<TickResult> {
  const now = options.now;
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
