/**
 * The customer page's Autopay section (staff): the saved cards, each mandate and every charge
 * attempt in words, and a collector's "turn autopay off". Runs in the caller's firm scope.
 */
import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { toMinor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { activities, autopayMandates, chargeAttempts, organisations, savedPaymentMethods } from '../db/schema';
import { formatMoney } from '../reminders/render';
import { attemptText, cardExpired, cardText, mandateText, pausedByPerson } from './core';
import { todayIn } from '../../kernel/dates';

export interface CustomerAutopayView {
  cards: { id: string; text: string; expired: boolean }[];
  /** `paused`: may be resumed; `active`: may be paused (a collector's buttons). */
  mandates: { id: string; text: string; live: boolean; active: boolean; paused: boolean }[];
  attempts: { id: string; what: string; text: string }[];
  /** One sentence for the section's head: "On for invoices as they fall due" / "Not on autopay". */
  summary: string;
}

export async function customerAutopay(db: Db, firmId: string, organisationId: string, contactExternalId: string, now: Date): Promise<CustomerAutopayView> {
  const [org] = await db.select({ timezone: organisations.timezone, countryCode: organisations.countryCode }).from(organisations).where(and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)));
  if (!org) throw notFound('No such organisation.');
  const today = todayIn(org.timezone, now);
  const who = and(eq(savedPaymentMethods.firmId, firmId), eq(savedPaymentMethods.organisationId, organisationId), eq(savedPaymentMethods.contactExternalId, contactExternalId));
  const cards = await db.select().from(savedPaymentMethods).where(and(who, eq(savedPaymentMethods.status, 'active'))).orderBy(desc(savedPaymentMethods.savedAt));
  const mandates = await db
    .select()
    .from(autopayMandates)
    .where(and(eq(autopayMandates.firmId, firmId), eq(autopayMandates.organisationId, organisationId), eq(autopayMandates.contactExternalId, contactExternalId)))
    .orderBy(desc(autopayMandates.createdAt))
    .limit(20);
  const attempts = await queryRows<{ id: string; attempt_no: number; scheduled_on: string; status: string; failure_code: string | null; amount: string | null; currency: string | null; number: string | null; seq: number | null }>(
    db,
    sql`SELECT a.id::text, a.attempt_no, a.scheduled_on::text AS scheduled_on, a.status, a.failure_code, a.amount::text AS amount, a.currency, i.number, pi.seq
        FROM charge_attempts a
        LEFT JOIN invoices i ON i.id = a.invoice_id AND i.firm_id = a.firm_id
        LEFT JOIN payment_plan_instalments pi ON pi.id = a.instalment_id AND pi.firm_id = a.firm_id
        WHERE a.firm_id = ${firmId}::uuid AND a.organisation_id = ${organisationId}::uuid AND a.contact_external_id = ${contactExternalId}
        ORDER BY a.scheduled_on DESC, a.attempt_no DESC LIMIT 50`,
  );
  const live = mandates.filter((m) => m.status !== 'cancelled');
  const on = live.filter((m) => m.status === 'active');
  return {
    cards: cards.map((c) => ({ id: c.id, text: cardText(c), expired: cardExpired(c, today) })),
    mandates: mandates.map((m) => ({ id: m.id, text: mandateText({ scope: m.scope, status: m.status, failingSince: m.failingSince, pausedReason: m.pausedReason }), live: m.status !== 'cancelled', active: m.status === 'active', paused: m.status === 'paused' })),
    attempts: attempts.map((a) => ({
      id: a.id,
      what: a.number ? `Invoice ${a.number}` : a.seq ? `Plan instalment ${a.seq}` : 'Payment',
      text: attemptText({ attemptNo: a.attempt_no, scheduledOn: a.scheduled_on, status: a.status, failureCode: a.failure_code, amountText: a.amount && a.currency ? formatMoney(toMinor(a.amount, 2, true), a.currency, org.countryCode) : null }),
    })),
    summary: on.length ? `On for ${on.map((m) => (m.scope === 'plan' ? 'payment plan instalments' : 'invoices as they fall due')).join(' and ')}${on.some((m) => m.failingSince) ? ' — a charge failed and is being retried' : ''}` : live.length ? (live.find(pausedByPerson)?.pausedReason?.replace(/\.$/, '') ?? 'Paused after failed payments') : 'Not on autopay',
  };
}

export const CancelAutopaySchema = z.object({ mandateId: z.uuid({ message: 'Reload the page and try again.' }) }).strict();

/** A collector turns a customer's autopay off (the debtor can turn it on again from the pay page). */
export async function cancelMandate(db: Db, auth: { firmId: string; userId: string }, contact: { organisationId: string; externalId: string }, mandateId: string, now: Date): Promise<boolean> {
  const off = await db
    .update(autopayMandates)
    .set({ status: 'cancelled', cancelledAt: now, updatedAt: now })
    .where(and(eq(autopayMandates.id, mandateId), eq(autopayMandates.firmId, auth.firmId), eq(autopayMandates.organisationId, contact.organisationId), eq(autopayMandates.contactExternalId, contact.externalId), ne(autopayMandates.status, 'cancelled')))
    .returning({ id: autopayMandates.id });
  if (off.length === 0) return false;
  await db
    .update(chargeAttempts)
    .set({ status: 'abandoned', updatedAt: now })
    .where(and(eq(chargeAttempts.firmId, auth.firmId), inArray(chargeAttempts.mandateId, [mandateId]), eq(chargeAttempts.status, 'scheduled')));
  await db.insert(activities).values({ firmId: auth.firmId, organisationId: contact.organisationId, actorType: 'user', actorUserId: auth.userId, kind: 'autopay.off', summary: 'A collector turned autopay off for the customer', details: { mandateId, contactExternalId: contact.externalId }, createdAt: now });
  return true;
}
