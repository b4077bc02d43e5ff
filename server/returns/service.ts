/**
 * Returned payments and chargebacks (issue #19, docs/decisions/046): one `returned_payments` row per
 * ledger payment that came back, however it is reported (a collector, a failed bank debit, a
 * chargeback) and however often — the unique (organisation, ledger payment) key. Then, each step
 * idempotent so a repeat or a crash part-way re-runs safely:
 *
 * 1. the payment reversed in the ledger: a `void` write-back (type payment: Xero sets it DELETED,
 *    QuickBooks deletes it), source key `returned:<id>:reverse`;
 * 2. the NSF fee when the policy allows it: a `late_fee` write-back (purpose `returned_payment_fee`),
 *    `returned:<id>:fee`;
 * 3. the debtor told once (a claimed timestamp before the email, its Message-ID from the row id),
 *    to the reminder recipients, honouring unsubscribes;
 * 4. for a chargeback, the evidence deadline as a task for the customer's collector; won requests
 *    the payment again (`returned:<id>:restore`, a `payment` write-back), lost leaves it reversed.
 *
 * The invoice reopens in Arcus after the next sync reads the ledger; reminders then resume by the
 * planner's own rule (the step the invoice's age implies; steps already sent are not sent again).
 * Runs in the caller's firm scope.
 */
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { addDays, longDate, todayIn } from '../../kernel/dates';
import { notFound, unprocessable } from '../../kernel/errors';
import { fromMinor, type Minor, toMinor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { activities, collectorTasks, contacts, invoices, returnedPayments } from '../db/schema';
import type { Logger } from '../logger';
import { debtorNotifiedClaim, tellDebtorOnce } from '../reminders/debtor-once';
import { loadOrgWithSettings } from '../reminders/load';
import type { OneOffMail } from '../reminders/one-off';
import { maskList } from '../reminders/recipients';
import { formatMoney, minorOf } from '../reminders/render';
import { type RequestInput, requestWritebacksIn } from '../writebacks/request';
import type { WritebackKind } from '../writebacks/types';
import { DISPUTE_WORDS, type DisputeStatus, nextDisputeStatus, ORIGIN_WORDS, type ReturnOrigin, returnedPaymentFee, type StripeReturn } from './core';
import { effectiveReturnedFeePolicy } from './policy';
import { returnNotice } from './words';

export interface ReturnsDeps {
  db: Db;
  enqueueExecute(writebackId: string, attempt?: number, kind?: WritebackKind): Promise<void>;
  now(): Date;
  /** null: no email on this server (the debtor is not told; said on the timeline). */
  mail: OneOffMail | null;
  log?: Logger;
}

export const MarkReturnedSchema = z
  .object({
    organisationId: z.uuid({ message: 'Choose the client again: this one does not exist.' }),
    paymentId: z.uuid({ message: 'Choose the payment again: this one does not exist.' }),
    reason: z.string({ message: 'Say why the payment came back.' }).trim().min(1, { message: 'Say why the payment came back.' }).max(1000, { message: 'Keep the reason under 1,000 characters.' }),
    /** Charge the returned-payment fee when the policy allows it (default yes). */
    chargeFee: z.boolean().default(true),
  })
  .strict();

export interface ReturnView {
  id: string;
  organisationId: string;
  organisationName: string;
  /** The customer whose payment came back (null when the invoice is no longer synced). */
  customerId: string | null;
  customerName: string | null;
  originText: string;
  invoiceNumber: string;
  amountText: string;
  paidOnText: string;
  reason: string;
  /** A chargeback's state in words; null otherwise. */
  disputeText: string | null;
  /** "Send evidence by 21 December 2026"; null when none is due. */
  evidenceDueText: string | null;
  statusText: string;
  debtorTold: boolean;
  createdAt: string;
}

type Row = typeof returnedPayments.$inferSelect;

/** A stable uuid derived from a row id and a step: the timeline entry or task of that step, inserted once. */
export function derivedId(id: string, step: string): string {
  const h = createHash('sha256').update(`${id}:${step}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface PaymentFacts {
  externalId: string;
  amount: string;
  currency: string;
  date: string;
  status: string;
  invoiceExternalId: string | null;
}

/** A collector marks a synced payment as returned. */
export async function markReturned(deps: ReturnsDeps, auth: { firmId: string; userId: string }, input: z.infer<typeof MarkReturnedSchema>): Promise<{ view: ReturnView; created: boolean }> {
  const [p] = await queryRows<PaymentFacts>(
    deps.db,
    sql`SELECT p.external_id AS "externalId", p.amount::text AS amount, p.currency, p.date::text AS date, p.status,
               (SELECT pa.invoice_external_id FROM payment_allocations pa WHERE pa.payment_id = p.id ORDER BY pa.amount DESC, pa.invoice_external_id LIMIT 1) AS "invoiceExternalId"
        FROM payments p WHERE p.id = ${input.paymentId}::uuid AND p.firm_id = ${auth.firmId}::uuid AND p.organisation_id = ${input.organisationId}::uuid`,
  );
  if (!p) throw notFound('No such payment for this client.');
  const [existing] = await deps.db.select().from(returnedPayments).where(and(eq(returnedPayments.firmId, auth.firmId), eq(returnedPayments.organisationId, input.organisationId), eq(returnedPayments.paymentExternalId, p.externalId)));
  if (!existing && p.status === 'deleted') throw unprocessable('This payment is already deleted in the ledger.', 'payment_deleted');
  if (!p.invoiceExternalId) throw unprocessable('This payment is not applied to an invoice, so there is nothing to reopen. Handle it in the Exceptions queue instead.', 'payment_unapplied');
  const { row, created } = existing ? { row: existing, created: false } : await insertReturn(deps, auth.firmId, { organisationId: input.organisationId, origin: 'collector', payment: { ...p, invoiceExternalId: p.invoiceExternalId }, reason: input.reason, userId: auth.userId });
  await proceed(deps, row, { userId: auth.userId, chargeFee: input.chargeFee });
  return { view: await viewOf(deps.db, auth.firmId, row.id), created };
}

async function insertReturn(
  deps: ReturnsDeps,
  firmId: string,
  p: { organisationId: string; origin: ReturnOrigin; payment: PaymentFacts & { invoiceExternalId: string }; reason: string; userId: string | null; checkoutId?: string | null; chargeId?: string | null; dispute?: { id: string; status: DisputeStatus; dueBy: Date | null } | null },
): Promise<{ row: Row; created: boolean }> {
  const [inv] = await deps.db
    .select({ id: invoices.id, contactExternalId: invoices.contactExternalId })
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), eq(invoices.organisationId, p.organisationId), eq(invoices.externalId, p.payment.invoiceExternalId)));
  const now = deps.now();
  const [inserted] = await deps.db
    .insert(returnedPayments)
    .values({
      firmId,
      organisationId: p.organisationId,
      origin: p.origin,
      paymentExternalId: p.payment.externalId,
      invoiceId: inv?.id ?? null,
      invoiceExternalId: p.payment.invoiceExternalId,
      contactExternalId: inv?.contactExternalId ?? null,
      checkoutId: p.checkoutId ?? null,
      amount: p.payment.amount,
      currency: p.payment.currency,
      paymentDate: p.payment.date,
      reason: p.reason,
      providerChargeId: p.chargeId ?? null,
      disputeId: p.dispute?.id ?? null,
      disputeStatus: p.dispute?.status ?? null,
      evidenceDueBy: p.dispute?.dueBy ?? null,
      createdByUserId: p.userId,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted) return { row: inserted, created: true };
  const [first] = await deps.db.select().from(returnedPayments).where(and(eq(returnedPayments.firmId, firmId), eq(returnedPayments.organisationId, p.organisationId), eq(returnedPayments.paymentExternalId, p.payment.externalId)));
  if (!first) throw new Error('returned payment conflict without a row');
  return { row: first, created: false };
}

/**
 * The steps after the row exists, each once: the write-backs (deduplicated by source key) with the
 * "returned" timeline entry in one transaction, the debtor's notice, the chargeback's task.
 */
async function proceed(deps: ReturnsDeps, row: Row, opts: { userId: string | null; chargeFee: boolean }): Promise<void> {
  const org = await loadOrgWithSettings(deps.db, row.organisationId);
  if (!org) throw notFound('No such organisation.');
  const now = deps.now();
  const today = todayIn(org.timezone, now);
  const [inv] = row.invoiceId ? await deps.db.select({ number: invoices.number, contactId: contacts.id }).from(invoices).leftJoin(contacts, and(eq(contacts.organisationId, invoices.organisationId), eq(contacts.externalId, invoices.contactExternalId))).where(eq(invoices.id, row.invoiceId)) : [];
  const number = inv?.number ?? 'the invoice';
  const amountText = formatMoney(minorOf(row.amount, row.currency), row.currency, org.countryCode);
  const paidOn = longDate(row.paymentDate);
  const [ours] = await queryRows<{ id: string }>(deps.db, sql`SELECT id::text FROM writebacks WHERE firm_id = ${row.firmId}::uuid AND organisation_id = ${row.organisationId}::uuid AND kind = 'payment' AND external_id = ${row.paymentExternalId} LIMIT 1`);
  const base = { firmId: row.firmId, organisationId: row.organisationId, invoiceId: row.invoiceId, invoiceExternalId: row.invoiceExternalId, contactId: inv?.contactId ?? null, contactExternalId: row.contactExternalId, currency: row.currency, requestedBy: opts.userId ? ('user' as const) : ('system' as const), userId: opts.userId };
  const inputs: RequestInput[] = [
    {
      ...base,
      kind: 'void',
      purpose: 'reversal',
      sourceKey: `returned:${row.id}:reverse`,
      amount: null,
      request: { type: 'payment', externalId: row.paymentExternalId },
      reversesId: ours?.id ?? null,
      noteText: `Arcus: payment of ${amountText} on ${paidOn} came back (${ORIGIN_WORDS[row.origin as ReturnOrigin].toLowerCase()}); reversed.`.slice(0, 240),
      summary: `Reverse the payment of ${amountText} on ${paidOn} for ${number}: ${ORIGIN_WORDS[row.origin as ReturnOrigin].toLowerCase()}`,
    },
  ];
  // The firm's policy with the organisation's own fee where it has one (decision 056).
  const policy = await effectiveReturnedFeePolicy(deps.db, row.firmId, row.organisationId);
  const fee = returnedPaymentFee(policy, { paymentMinor: toMinor(row.amount, 2, true), countryCode: org.countryCode, asked: opts.chargeFee });
  if (fee.charge && row.contactExternalId && !row.feeWritebackId) {
    const amount = fromMinor(fee.minor, 2);
    const line = { description: `Returned payment fee: payment of ${amountText} on ${paidOn} for ${number}`.slice(0, 400), amount, accountCode: policy.accountCode };
    inputs.push({
      ...base,
      kind: 'late_fee',
      purpose: 'returned_payment_fee',
      sourceKey: `returned:${row.id}:fee`,
      amount,
      request: policy.post === 'line' ? { mode: 'line', invoiceExternalId: row.invoiceExternalId, lines: [line] } : { mode: 'invoice', contactExternalId: row.contactExternalId, date: today, dueDate: addDays(today, 7), reference: `Returned payment ${number}`.slice(0, 255), currency: row.currency, lines: [line] },
      noteText: null,
      summary: `Returned-payment fee of ${formatMoney(fee.minor, row.currency, org.countryCode)} for ${number}`,
    });
  }
  const entry = { id: derivedId(row.id, 'returned'), firmId: row.firmId, organisationId: row.organisationId, actorType: base.requestedBy, actorUserId: opts.userId, kind: 'payment.returned', invoiceId: row.invoiceId, contactId: base.contactId, summary: `Payment of ${amountText} on ${paidOn} for ${number} came back: ${row.reason}`, details: { returnedPaymentId: row.id, origin: row.origin }, createdAt: now };
  const results = await deps.db.transaction(async (tx) => {
    const r = await requestWritebacksIn(tx as unknown as Db, inputs, now);
    // The timeline entry once (its id derived from the row).
    await tx.insert(activities).values(entry).onConflictDoNothing();
    await tx
      .update(returnedPayments)
      .set({ reverseWritebackId: r[0]!.id, ...(r[1] ? { feeWritebackId: r[1].id } : {}), updatedAt: now })
      .where(and(eq(returnedPayments.id, row.id), eq(returnedPayments.firmId, row.firmId)));
    return r;
  });
  for (const [i, r] of results.entries()) if (r.created && r.status === 'pending') await deps.enqueueExecute(r.id, 0, inputs[i]!.kind);
  await notifyDebtor(deps, row, { number: inv?.number || null, feeMinor: fee.charge ? fee.minor : null, contactId: base.contactId });
  if (row.origin === 'chargeback') await evidenceTask(deps, row, { number, amountText, contactId: base.contactId, timezone: org.timezone });
}

/** The debtor's email, once: the claim (a timestamp set only where none is) before the send, given back if the server only deferred. */
async function notifyDebtor(deps: ReturnsDeps, row: Row, w: { number: string | null; feeMinor: Minor | null; contactId: string | null }): Promise<void> {
  if (!row.contactExternalId) return;
  const note = async (summary: string, sent: boolean, createdAt: Date) => {
    await deps.db
      .insert(activities)
      .values({ id: derivedId(row.id, 'notice'), firmId: row.firmId, organisationId: row.organisationId, actorType: 'system', kind: 'payment.return_notice', invoiceId: row.invoiceId, contactId: w.contactId, summary, details: { returnedPaymentId: row.id, sent }, createdAt })
      .onConflictDoNothing();
  };
  const told = await tellDebtorOnce(deps, {
    firmId: row.firmId,
    org: row.organisationId,
    contactExternalId: row.contactExternalId,
    claim: debtorNotifiedClaim(deps.db, returnedPayments, row),
    messageKey: `returned.${row.id}`,
    // Nothing went out: the claim is given back, so the next report (or the collector again) sends it.
    giveBack: 'any',
    words: ({ language, names, money, date }) =>
      returnNotice(language, {
        ...names,
        amountText: money(minorOf(row.amount, row.currency), row.currency),
        paidOnText: date(row.paymentDate),
        invoiceNumber: w.number,
        origin: row.origin as ReturnOrigin,
        feeText: w.feeMinor === null ? null : money(w.feeMinor, row.currency),
        payUrl: null,
      }),
  });
  if (told.kind === 'skipped') return note(`The customer was not told about the returned payment: ${told.why}`, false, deps.now());
  if (told.kind === 'not_sent') return void deps.log?.warn({ returnedPaymentId: row.id, kind: told.failure }, 'returned-payment notice not sent');
  if (told.kind === 'sent') return note(`Told ${maskList(told.to)} the payment for ${w.number ?? 'the invoice'} was returned`, true, told.at);
}

/** A chargeback's evidence deadline as a task for the customer's collector (else the organisation's owner), once. */
async function evidenceTask(deps: ReturnsDeps, row: Row, w: { number: string; amountText: string; contactId: string | null; timezone: string }): Promise<void> {
  if (!row.evidenceDueBy || row.disputeStatus === 'won' || row.disputeStatus === 'lost') return;
  const [who] = await queryRows<{ user_id: string }>(
    deps.db,
    sql`SELECT user_id::text FROM (
          SELECT user_id, 1 AS rank FROM customer_assignments WHERE firm_id = ${row.firmId}::uuid AND organisation_id = ${row.organisationId}::uuid AND contact_external_id = ${row.contactExternalId}
          UNION ALL SELECT user_id, 2 FROM organisation_owners WHERE firm_id = ${row.firmId}::uuid AND organisation_id = ${row.organisationId}::uuid) x ORDER BY rank LIMIT 1`,
  );
  const due = todayIn(w.timezone, row.evidenceDueBy);
  const id = derivedId(row.id, 'evidence');
  const now = deps.now();
  await deps.db
    .insert(collectorTasks)
    .values({ id, firmId: row.firmId, organisationId: row.organisationId, contactId: w.contactId, contactExternalId: row.contactExternalId, invoiceId: row.invoiceId, kind: 'review', title: `Send evidence for the chargeback on ${w.number} (${w.amountText}) by ${longDate(due)}`, dueOn: due, assignedUserId: who?.user_id ?? null, createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  await deps.db
    .update(returnedPayments)
    .set({ taskId: id })
    .where(and(eq(returnedPayments.id, row.id), eq(returnedPayments.firmId, row.firmId), sql`${returnedPayments.taskId} IS NULL`));
}

export type StripeOutcome = 'recorded' | 'updated' | 'unchanged' | 'not_ours' | 'not_ready';

/**
 * A verified Stripe event about a payment that came back (charge.failed after the checkout was
 * booked, charge.dispute.*), in the checkout's firm scope. 'not_ready': the checkout's payment is not
 * in the ledger yet — the webhook answers 503 so Stripe delivers it again later.
 */
export async function recordStripeReturn(deps: ReturnsDeps, ret: StripeReturn): Promise<StripeOutcome> {
  if (ret.kind === 'dispute') {
    const [known] = await deps.db.select().from(returnedPayments).where(eq(returnedPayments.disputeId, ret.disputeId));
    if (known) return disputeChanged(deps, known, ret);
  }
  if (!ret.paymentIntentId) return 'not_ours';
  const [checkout] = await queryRows<{ id: string; firm_id: string; organisation_id: string; status: string }>(deps.db, sql`SELECT id::text, firm_id::text, organisation_id::text, status FROM checkouts WHERE provider = 'stripe' AND provider_payment_id = ${ret.paymentIntentId} LIMIT 1`);
  // A bank debit that failed before it was booked is the checkout's own business (never paid).
  if (!checkout) return 'not_ours';
  if (checkout.status !== 'completed') return 'not_ours';
  const paid = await queryRows<{ external_id: string | null; status: string; amount: string; currency: string; invoice_external_id: string; date: string }>(
    deps.db,
    sql`SELECT external_id, status, amount::text AS amount, currency, invoice_external_id, request->>'date' AS date FROM writebacks
        WHERE firm_id = ${checkout.firm_id}::uuid AND kind = 'payment' AND source_key LIKE ${`payment:${checkout.id}:%`} ORDER BY created_at, id`,
  );
  if (paid.length === 0) return 'not_ours';
  if (paid.some((w) => !w.external_id || !['sent', 'confirmed'].includes(w.status))) return 'not_ready';
  let created = false;
  for (const w of paid) {
    const { row, created: c } = await insertReturn(deps, checkout.firm_id, {
      organisationId: checkout.organisation_id,
      origin: ret.kind === 'failed' ? 'bank_debit_failed' : 'chargeback',
      payment: { externalId: w.external_id!, amount: w.amount, currency: w.currency, date: w.date, status: 'authorised', invoiceExternalId: w.invoice_external_id },
      reason: ret.reason,
      userId: null,
      checkoutId: checkout.id,
      chargeId: ret.chargeId,
      // One dispute covers the checkout's payments: the first row carries it (the dispute key is unique).
      dispute: ret.kind === 'dispute' && paid.indexOf(w) === 0 ? { id: ret.disputeId, status: ret.status, dueBy: ret.evidenceDueBy } : null,
    });
    created ||= c;
    await proceed(deps, row, { userId: null, chargeFee: ret.kind === 'failed' });
  }
  return created ? 'recorded' : 'unchanged';
}

/** A known chargeback moved on: forward only; won asks for the payment again (once), lost leaves it reversed; the task closes. */
async function disputeChanged(deps: ReturnsDeps, row: Row, ret: Extract<StripeReturn, { kind: 'dispute' }>): Promise<StripeOutcome> {
  const next = nextDisputeStatus((row.disputeStatus as DisputeStatus | null) ?? null, ret.status);
  if (!next) return 'unchanged';
  const now = deps.now();
  const [moved] = await deps.db
    .update(returnedPayments)
    .set({ disputeStatus: next, evidenceDueBy: ret.evidenceDueBy ?? row.evidenceDueBy, updatedAt: now })
    .where(and(eq(returnedPayments.id, row.id), eq(returnedPayments.firmId, row.firmId), sql`${returnedPayments.disputeStatus} IS NOT DISTINCT FROM ${row.disputeStatus}`))
    .returning();
  if (!moved) return 'unchanged';
  await deps.db
    .insert(activities)
    .values({ id: derivedId(row.id, `dispute:${next}`), firmId: row.firmId, organisationId: row.organisationId, actorType: 'system', kind: 'chargeback.updated', invoiceId: row.invoiceId, summary: `Chargeback on the payment of ${row.amount.replace(/(\.\d\d)00$/, '$1')} ${row.currency}: ${DISPUTE_WORDS[next]}`, details: { returnedPaymentId: row.id, status: next }, createdAt: now })
    .onConflictDoNothing();
  if (next === 'won' || next === 'lost') {
    if (row.taskId)
      await deps.db
        .update(collectorTasks)
        .set({ status: 'done', doneAt: now, outcome: `Chargeback ${next === 'won' ? 'won' : 'lost'}.`, updatedAt: now })
        .where(and(eq(collectorTasks.id, row.taskId), eq(collectorTasks.firmId, row.firmId), eq(collectorTasks.status, 'open')));
    if (next === 'won') await restorePayment(deps, moved);
  } else {
    const org = await loadOrgWithSettings(deps.db, row.organisationId);
    if (org) await evidenceTask(deps, moved, { number: 'the invoice', amountText: `${row.currency} ${row.amount.replace(/(\.\d\d)00$/, '$1')}`, contactId: null, timezone: org.timezone });
  }
  return 'updated';
}

/** Chargeback won: the money is back, so the payment is recorded again — a new `payment` write-back, once. */
async function restorePayment(deps: ReturnsDeps, row: Row): Promise<void> {
  const org = await loadOrgWithSettings(deps.db, row.organisationId);
  if (!org) return;
  const now = deps.now();
  const results = await deps.db.transaction(async (tx) => {
    const r = await requestWritebacksIn(
      tx as unknown as Db,
      [
        {
          firmId: row.firmId,
          organisationId: row.organisationId,
          kind: 'payment',
          purpose: 'payment',
          sourceKey: `returned:${row.id}:restore`,
          invoiceId: row.invoiceId,
          invoiceExternalId: row.invoiceExternalId,
          contactExternalId: row.contactExternalId,
          amount: row.amount,
          currency: row.currency,
          request: { invoiceExternalId: row.invoiceExternalId, amount: fromMinor(toMinor(row.amount, 4, true), 4).replace(/0{2}$/, ''), date: todayIn(org.timezone, now), reference: 'Chargeback won: payment restored' },
          noteText: 'Arcus: chargeback won; payment recorded again.',
          requestedBy: 'system',
          // The card payment came back to us: it never waits for approval, like the debtor's own.
          preApproved: true,
          summary: 'Chargeback won: record the payment again',
        },
      ],
      now,
    );
    await tx
      .update(returnedPayments)
      .set({ restoreWritebackId: r[0]!.id })
      .where(and(eq(returnedPayments.id, row.id), eq(returnedPayments.firmId, row.firmId)));
    return r;
  });
  if (results[0]!.created && results[0]!.status === 'pending') await deps.enqueueExecute(results[0]!.id, 0, 'payment');
}

/** A synced payment from one customer, in words, for "Mark as returned" on the customer page. */
export interface CustomerPaymentView {
  id: string;
  organisationId: string;
  dateText: string;
  amountText: string;
  reference: string;
  invoiceNumbers: string[];
  /** Already marked returned (or reported by Stripe): its status in words; null otherwise. */
  returnedText: string | null;
  /** Why it cannot be marked returned (applied to no invoice); null when it can. */
  blockedText: string | null;
}

/** The customer's synced payments, newest first (at most 50), with whether each can be marked returned. */
export async function customerPayments(db: Db, firmId: string, contactId: string): Promise<{ organisationId: string; ledgerName: string; payments: CustomerPaymentView[] }> {
  const [c] = await queryRows<{ organisation_id: string; external_id: string; provider: string; country: string | null }>(
    db,
    sql`SELECT c.organisation_id::text, c.external_id, o.provider, o.country_code AS country FROM contacts c JOIN organisations o ON o.id = c.organisation_id WHERE c.id = ${contactId}::uuid AND c.firm_id = ${firmId}::uuid`,
  );
  if (!c) throw notFound('No such customer.');
  const rows = await queryRows<{ id: string; external_id: string; date: string; currency: string; amount: string; reference: string; numbers: string[] | null; returned_id: string | null }>(
    db,
    sql`SELECT p.id::text, p.external_id, p.date::text AS date, p.currency, p.amount::text AS amount, p.reference,
               (SELECT array_agg(coalesce(i.number, '') ORDER BY i.number) FROM payment_allocations pa LEFT JOIN invoices i ON i.organisation_id = pa.organisation_id AND i.external_id = pa.invoice_external_id WHERE pa.payment_id = p.id) AS numbers,
               (SELECT rp.id::text FROM returned_payments rp WHERE rp.organisation_id = p.organisation_id AND rp.payment_external_id = p.external_id LIMIT 1) AS returned_id
        FROM payments p
        WHERE p.firm_id = ${firmId}::uuid AND p.organisation_id = ${c.organisation_id}::uuid AND p.status <> 'deleted' AND p.amount > 0
          AND (p.contact_external_id = ${c.external_id} OR EXISTS (SELECT 1 FROM payment_allocations pa JOIN invoices i ON i.organisation_id = pa.organisation_id AND i.external_id = pa.invoice_external_id WHERE pa.payment_id = p.id AND i.contact_external_id = ${c.external_id}))
        ORDER BY p.date DESC, p.id LIMIT 50`,
  );
  const payments: CustomerPaymentView[] = [];
  for (const r of rows) {
    const returned = r.returned_id ? await viewOf(db, firmId, r.returned_id) : null;
    const numbers = (r.numbers ?? []).filter((n) => n !== '');
    payments.push({
      id: r.id,
      organisationId: c.organisation_id,
      dateText: longDate(r.date.slice(0, 10)),
      amountText: formatMoney(minorOf(r.amount, r.currency), r.currency, c.country),
      reference: r.reference,
      invoiceNumbers: numbers,
      returnedText: returned ? `${returned.originText}: ${returned.statusText}` : null,
      blockedText: (r.numbers ?? []).length === 0 ? 'Not applied to an invoice: handle it in the Exceptions queue.' : null,
    });
  }
  return { organisationId: c.organisation_id, ledgerName: c.provider === 'quickbooks' ? 'QuickBooks' : 'Xero', payments };
}

/** The returned payments of one organisation, or the firm's, newest first, in words. */
export async function listReturns(db: Db, firmId: string, organisationId: string | null): Promise<ReturnView[]> {
  const ids = await db
    .select({ id: returnedPayments.id })
    .from(returnedPayments)
    .where(and(eq(returnedPayments.firmId, firmId), organisationId ? eq(returnedPayments.organisationId, organisationId) : undefined))
    .orderBy(sql`${returnedPayments.createdAt} DESC`)
    .limit(500);
  return Promise.all(ids.map((r) => viewOf(db, firmId, r.id)));
}

async function viewOf(db: Db, firmId: string, id: string): Promise<ReturnView> {
  const [r] = await queryRows<Row & { number: string | null; country: string | null; org_name: string; customer_id: string | null; customer_name: string | null; reverse_status: string | null; restore_status: string | null }>(
    db,
    sql`SELECT rp.*, i.number, o.country_code AS country, o.name AS org_name, c.id::text AS customer_id, c.name AS customer_name, rv.status AS reverse_status, rs.status AS restore_status
        FROM returned_payments rp JOIN organisations o ON o.id = rp.organisation_id
        LEFT JOIN invoices i ON i.id = rp.invoice_id
        LEFT JOIN contacts c ON c.organisation_id = i.organisation_id AND c.external_id = i.contact_external_id
        LEFT JOIN writebacks rv ON rv.id = rp.reverse_writeback_id LEFT JOIN writebacks rs ON rs.id = rp.restore_writeback_id
        WHERE rp.id = ${id}::uuid AND rp.firm_id = ${firmId}::uuid`,
  );
  if (!r) throw notFound('No such returned payment.');
  const row = r as unknown as Record<string, unknown>;
  const currency = String(row['currency']);
  const dispute = (row['dispute_status'] as DisputeStatus | null) ?? null;
  const due = row['evidence_due_by'] ? new Date(String(row['evidence_due_by'])) : null;
  const reversed = row['reverse_status'] === 'confirmed';
  const restored = row['restore_status'] === 'confirmed';
  return {
    id,
    organisationId: String(row['organisation_id']),
    organisationName: r.org_name,
    customerId: r.customer_id,
    customerName: r.customer_name,
    originText: ORIGIN_WORDS[row['origin'] as ReturnOrigin],
    invoiceNumber: r.number ?? '',
    amountText: formatMoney(minorOf(String(row['amount']), currency), currency, r.country),
    paidOnText: longDate(String(row['payment_date']).slice(0, 10)),
    reason: String(row['reason']),
    disputeText: dispute ? DISPUTE_WORDS[dispute] : null,
    evidenceDueText: due && (dispute === 'opened' || dispute === 'evidence_due') ? `Send evidence by ${longDate(due.toISOString().slice(0, 10))}` : null,
    statusText: restored ? 'Payment recorded again' : reversed ? 'Reversed in the ledger' : 'Being reversed in the ledger',
    debtorTold: row['debtor_notified_at'] !== null,
    createdAt: new Date(String(row['created_at'])).toISOString(),
  };
}

/** Whose event this is (a system lookup: the dispute, or the checkout the payment intent paid). */
export async function stripeReturnFirm(db: Db, ret: StripeReturn): Promise<string | null> {
  if (ret.kind === 'dispute') {
    const [known] = await db.select({ firmId: returnedPayments.firmId }).from(returnedPayments).where(eq(returnedPayments.disputeId, ret.disputeId)).limit(1);
    if (known) return known.firmId;
  }
  if (!ret.paymentIntentId) return null;
  const [c] = await queryRows<{ firm_id: string }>(db, sql`SELECT firm_id::text FROM checkouts WHERE provider = 'stripe' AND provider_payment_id = ${ret.paymentIntentId} LIMIT 1`);
  return c?.firm_id ?? null;
}
