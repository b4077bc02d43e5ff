/**
 * The nightly scheduler's service: find active organisations whose nightly sync is due, claim
 * them in batches (FOR UPDATE SKIP LOCKED, so two workers never take the same one), and in the
 * same transaction move each one's next run to its next local night slot (nightly.ts) and create
 * (or merge into) its queued sync run — the database claim, so an organisation is claimed once a
 * night however many workers tick and however often a tick is retried. The jobs are requested
 * after the commit, with ids from the runs (a repeat is a no-op); a run whose job was never
 * requested (the worker died in between) is requested again by the sync sweep (resume.ts).
 *
 * Fair by firm (docs/decisions/051): each batch takes every firm's most overdue organisation
 * before any firm's second, and the jobs are requested in that order, so a firm with 500
 * organisations due interleaves with a firm of 5 instead of queueing ahead of it.
 * The `schedule.tick` job (jobs/schedule/tick.ts) calls it every few minutes.
 */
import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { organisations } from '../db/schema';
import { nextNightlyRun } from './nightly';
import { createOrReuseRun } from './runs';

/** Syncs one tick may claim (a 5-minute tick: 60,000 an hour). */
export const MAX_SYNCS_PER_TICK = 5_000;
/** Organisations claimed per transaction. */
export const CLAIM_BATCH = 200;

export interface TickResult {
  /** Claimed organisations in the order their syncs were requested (round robin by firm). */
  enqueued: string[];
  /** Active organisations that had no next run yet and were given one. */
  scheduled: number;
}

export async function runScheduleTick(
  db: Db,
  requestSync: (organisationId: string, runId: string) => Promise<unknown>,
  options: { now: Date; limit?: number; batch?: number },
): Promise<TickResult> {
  const now = options.now;
  const limit = options.limit ?? MAX_SYNCS_PER_TICK;
  const batch = Math.max(1, Math.min(options.batch ?? CLAIM_BATCH, limit));
  // Active organisations without a next run (e.g. connected before the scheduler existed) get one.
  const unscheduled = await db
    .select({ id: organisations.id, timezone: organisations.timezone, slot: organisations.syncSlotMinute })
    .from(organisations)
    .where(and(eq(organisations.status, 'active'), isNull(organisations.nextSyncAt)))
    .limit(1000);
  for (const o of unscheduled) await db.update(organisations).set({ nextSyncAt: nextNightlyRun(o.timezone, o.slot, now) }).where(and(eq(organisations.id, o.id), isNull(organisations.nextSyncAt)));

  const enqueued: string[] = [];
  while (enqueued.length < limit) {
    const take = Math.min(batch, limit - enqueued.length);
    const claimed = await db.transaction(async (tx) => {
      // Each firm's due organisations numbered by how overdue they are; turn 1 of every firm first.
      const turn = sql<number>`row_number() over (partition by ${organisations.firmId} order by ${organisations.nextSyncAt}, ${organisations.id})`.as('turn');
      const ranked = tx
        .select({ id: organisations.id, nextSyncAt: organisations.nextSyncAt, turn })
        .from(organisations)
        .where(and(eq(organisations.status, 'active'), lte(organisations.nextSyncAt, now)))
        .as('ranked');
      const order = await tx.select({ id: ranked.id }).from(ranked).orderBy(asc(ranked.turn), asc(ranked.nextSyncAt), asc(ranked.id)).limit(take);
      if (order.length === 0) return null;
      const locked = await tx
        .select({ id: organisations.id, timezone: organisations.timezone, slot: organisations.syncSlotMinute })
        .from(organisations)
        .where(and(inArray(organisations.id, order.map((o) => o.id)), eq(organisations.status, 'active'), lte(organisations.nextSyncAt, now)))
        .for('update', { skipLocked: true });
      const byId = new Map(locked.map((o) => [o.id, o]));
      const out: { organisationId: string; runId: string }[] = [];
      for (const { id } of order) {
        const o = byId.get(id);
        if (!o) continue;
        await tx.update(organisations).set({ nextSyncAt: nextNightlyRun(o.timezone, o.slot, now) }).where(eq(organisations.id, id));
        const { runId } = await createOrReuseRun(tx as unknown as Db, { organisationId: id, kind: 'incremental' });
        out.push({ organisationId: id, runId });
      }
      return out;
    });
    // Nothing due, or every due organisation is being claimed by another tick right now.
    if (!claimed || claimed.length === 0) break;
    for (const c of claimed) {
      await requestSync(c.organisationId, c.runId);
      enqueued.push(c.organisationId);
    }
  }
  return { enqueued, scheduled: unscheduled.length };
}
