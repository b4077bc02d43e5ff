/**
 * Pausing and resuming a mandate (decision 056). Paused — by the debtor on the pay page or by a
 * collector on the customer page, or by Arcus after the last retry failed — no charge is made: not
 * attempt 1 of a new invoice or instalment, not a waiting retry (runAutopay charges active
 * mandates only). Resumed, the schedule carries on: a waiting retry keeps its day if still ahead,
 * else is made today, and later retries keep their spacing from it (`afterFailure`); but a first
 * failure more than 30 days behind gives up cleanly — the retry abandoned, said on the timeline,
 * the invoice left to reminders and the pay link.
 */
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type CalendarDate, todayIn } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { activities, autopayMandates, chargeAttempts } from '../db/schema';
import { onResume, PAUSED_BY_COLLECTOR, PAUSED_BY_CUSTOMER } from './core';

export const MandateActionSchema = z.object({ mandateId: z.uuid({ message: 'Reload the page and try again.' }) }).strict();

type Actor = { kind: 'debtor' } | { kind: 'collector'; userId: string };
const who = (a: Actor) => (a.kind === 'debtor' ? 'the customer' : 'a collector');

interface Scope {
  firmId: string;
  organisationId: string;
  contactExternalId: string;
}

/** Pause a live mandate; planned charges wait. Answers false when it was not active (already paused or off). */
export async function pauseMandate(db: Db, scope: Scope, mandateId: string, actor: Actor, now: Date): Promise<boolean> {
  const [m] = await db
    .update(autopayMandates)
    .set({ status: 'paused', pausedReason: actor.kind === 'debtor' ? PAUSED_BY_CUSTOMER : PAUSED_BY_COLLECTOR, updatedAt: now })
    .where(and(eq(autopayMandates.id, mandateId), eq(autopayMandates.firmId, scope.firmId), eq(autopayMandates.organisationId, scope.organisationId), eq(autopayMandates.contactExternalId, scope.contactExternalId), eq(autopayMandates.status, 'active')))
    .returning({ id: autopayMandates.id });
  if (!m) return false;
  await db.insert(activities).values({ firmId: scope.firmId, organisationId: scope.organisationId, actorType: actor.kind === 'debtor' ? 'debtor' : 'user', actorUserId: actor.kind === 'collector' ? actor.userId : null, kind: 'autopay.paused', summary: `Autopay paused by ${who(actor)}: no card payment is taken until it is turned back on`, details: { mandateId, contactExternalId: scope.contactExternalId }, createdAt: now });
  return true;
}

export interface ResumeResult {
  resumed: boolean;
  /** Retries moved to today, kept, and given up (first failure more than 30 days behind). */
  moved: number;
  kept: number;
  gaveUp: number;
}

/**
 * Resume a paused mandate (not a cancelled one): active again, each waiting retry kept, moved to
 * today or given up (`onResume`), in one transaction with its timeline entry. `failingSince` stays
 * while a retry is still waiting (reminders keep going for the failed charge), else it is cleared.
 */
export async function resumeMandate(db: Db, scope: Scope & { timezone: string }, mandateId: string, actor: Actor, now: Date): Promise<ResumeResult> {
  const today: CalendarDate = todayIn(scope.timezone, now);
  return db.transaction(async (tx0) => {
    const tx = tx0 as unknown as Db;
    const [m] = await tx
      .select()
      .from(autopayMandates)
      .where(and(eq(autopayMandates.id, mandateId), eq(autopayMandates.firmId, scope.firmId), eq(autopayMandates.organisationId, scope.organisationId), eq(autopayMandates.contactExternalId, scope.contactExternalId), eq(autopayMandates.status, 'paused')))
      .for('update');
    if (!m) return { resumed: false, moved: 0, kept: 0, gaveUp: 0 };
    // Each waiting retry with the day its sequence first failed (attempt 1's charge, zone of the organisation).
    const waiting = await queryRows<{ id: string; scheduled_on: string; first_charged_at: string | Date | null }>(
      tx,
      sql`SELECT a.id, a.scheduled_on::text AS scheduled_on,
            (SELECT f.charged_at FROM charge_attempts f WHERE f.firm_id = a.firm_id AND f.mandate_id = a.mandate_id AND f.attempt_no = 1
               AND f.invoice_id IS NOT DISTINCT FROM a.invoice_id AND f.instalment_id IS NOT DISTINCT FROM a.instalment_id AND f.status = 'failed' LIMIT 1) AS first_charged_at
          FROM charge_attempts a WHERE a.firm_id = ${scope.firmId}::uuid AND a.mandate_id = ${mandateId}::uuid AND a.status = 'scheduled'`,
    );
    const out: ResumeResult = { resumed: true, moved: 0, kept: 0, gaveUp: 0 };
    const abandon: string[] = [];
    for (const w of waiting) {
      const firstFailedOn = w.first_charged_at ? todayIn(scope.timezone, new Date(w.first_charged_at)) : null;
      const step = onResume({ scheduledOn: w.scheduled_on, firstFailedOn }, today);
      if (step.kind === 'keep') out.kept += 1;
      else if (step.kind === 'move') {
        await tx.update(chargeAttempts).set({ scheduledOn: step.on, updatedAt: now }).where(and(eq(chargeAttempts.id, w.id), eq(chargeAttempts.firmId, scope.firmId), eq(chargeAttempts.status, 'scheduled')));
        out.moved += 1;
      } else abandon.push(w.id);
    }
    if (abandon.length) {
      await tx.update(chargeAttempts).set({ status: 'abandoned', updatedAt: now }).where(and(eq(chargeAttempts.firmId, scope.firmId), inArray(chargeAttempts.id, abandon), eq(chargeAttempts.status, 'scheduled')));
      out.gaveUp = abandon.length;
    }
    const stillRetrying = out.kept + out.moved > 0;
    await tx
      .update(autopayMandates)
      .set({ status: 'active', pausedReason: null, ...(stillRetrying ? {} : { failingSince: null }), updatedAt: now })
      .where(and(eq(autopayMandates.id, mandateId), eq(autopayMandates.firmId, scope.firmId), ne(autopayMandates.status, 'cancelled')));
    const parts = [
      out.moved + out.kept > 0 ? `the failed payment is tried again on its schedule${out.moved ? ' (the next try today)' : ''}` : null,
      out.gaveUp > 0 ? `${out.gaveUp === 1 ? 'a failed payment is' : `${out.gaveUp} failed payments are`} no longer retried: the first failure was more than 30 days ago, so it is left to reminders and the pay link` : null,
    ].filter((p): p is string => p !== null);
    await tx.insert(activities).values({ firmId: scope.firmId, organisationId: scope.organisationId, actorType: actor.kind === 'debtor' ? 'debtor' : 'user', actorUserId: actor.kind === 'collector' ? actor.userId : null, kind: 'autopay.resumed', summary: `Autopay turned back on by ${who(actor)}${parts.length ? `; ${parts.join('; ')}` : ''}`, details: { mandateId, contactExternalId: scope.contactExternalId, ...out }, createdAt: now });
    return out;
  });
}
