/**
 * The Exceptions queue (issue #19): payment exceptions per organisation and across the firm, and
 * the one-click decisions on them. Reads the synced tables, asks rules.ts, hides what a person
 * already decided (exception_decisions). Deciding records the reason once (the decision's primary
 * key is the exception), the timeline entry with it, and for "Apply to another open invoice" an
 * `allocation` write-back through the outbox, keyed `exception:<exception key>` so it is one
 * ledger write however often it is asked. Runs in the caller's firm scope.
 */

import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { type CalendarDate, longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound, unprocessable } from '../../kernel/errors';
import { formatAmount, type Minor, parseAmount } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { cardRefunds, exceptionDecisions, invoices, organisations } from '../db/schema';
import { canRefundTo, cardPaymentOf } from '../refunds/card';
import { DISPUTE_RESOLVED, INVOICE_DISPUTED } from '../scoring/in-motion';
import { type RequestDeps, requestWritebacksIn } from '../writebacks/request';
import { allocationAmount, type CreditFact, type DisputeFact, EXCEPTION_WORDS, type ExceptionFact, findExceptions, type PaymentFact } from './rules';

export interface ExceptionView {
  key: string;
  organisationId: string;
  organisationName: string;
  customerId: string | null;
  customerName: string;
  kind: string;
  kindText: string;
  dateText: string;
  ageText: string;
  amountText: string | null;
  detail: string;
  actions: ('apply' | 'keep_credit' | 'refund')[];
  /** For "Refund": the most that can be paid back (the overpaid or duplicate amount), as a decimal; null when no refund is offered. */
  refundMax: string | null;
  /** For "Apply to another open invoice": the customer's open invoices, in words. */
  openInvoices: { id: string; label: string }[];
  /** The ledger, in words ("Xero", "QuickBooks"). */
  ledgerName: string;
  /** Why an action is not offered, in a sentence (QuickBooks money, a dispute); null when nothing needs saying. */
  actionNote: string | null;
  /**
   * "Refund to card" (decision 055): the money came in by card through an Arcus pay link or autopay
   * charge, and this server's payment provider can refund it. `max` is the most that can go back to
   * the card (the refund's most, and no more than was charged less what is already refunded).
   */
  cardRefund: { max: string; maxText: string; cardText: string; providerText: string } | null;
  /** The payment the money came in as (a row of `payments`), when it is one: the customer page's Payments list offers "Refund to card" from this item. */
  paymentId: string | null;
}

const QUICKBOOKS_NOTE = 'In QuickBooks, applying this money to an invoice means changing the payment itself, which Arcus does not do yet: keep it as credit here, or apply it in QuickBooks.';
const QUICKBOOKS_CREDIT_NOTE = 'Arcus does not apply a QuickBooks credit memo to an invoice yet: keep it as credit or refund it here, or apply it in QuickBooks.';
const QUICKBOOKS_REFUND_NOTE = 'In QuickBooks, applying this money to an invoice means changing the payment itself, which Arcus does not do yet: keep it as credit or refund it here, or apply it in QuickBooks.';
const DISPUTE_NOTE = 'Settle the dispute from the customer’s page; there is nothing to apply or keep here.';

const money = (m: Minor, c: string) => `${c} ${formatAmount(m, c).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;

interface OrgRow {
  id: string;
  name: string;
  timezone: string;
  provider: string;
}

async function orgsOf(db: Db, firmId: string, organisationId: string | null): Promise<OrgRow[]> {
  const rows = await db
    .select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone, provider: organisations.provider })
    .from(organisations)
    .where(and(eq(organisations.firmId, firmId), organisationId ? eq(organisations.id, organisationId) : undefined));
  if (organisationId && rows.length === 0) throw notFound('No such organisation.');
  return rows;
}

/** One organisation's exceptions before decisions are taken out. */
async function factsOf(db: Db, firmId: string, org: OrgRow, today: CalendarDate): Promise<ExceptionFact[]> {
  const [payRows, allocRows, creditRows, noteRows, disputeRows] = await Promise.all([
    queryRows<{ id: string; external_id: string; contact: string | null; date: CalendarDate; currency: string; amount: string; reference: string; unapplied: string | null }>(
      db,
      sql`SELECT p.id::text, p.external_id, coalesce(p.contact_external_id, (SELECT i.contact_external_id FROM payment_allocations pa JOIN invoices i ON i.organisation_id = pa.organisation_id AND i.external_id = pa.invoice_external_id WHERE pa.payment_id = p.id LIMIT 1)) AS contact,
                 p.date::text AS date, p.currency, p.amount::text AS amount, p.reference, p.raw->>'UnappliedAmt' AS unapplied
          FROM payments p WHERE p.firm_id = ${firmId} AND p.organisation_id = ${org.id} AND p.status <> 'deleted'`,
    ),
    queryRows<{ payment_id: string; invoice_external_id: string; number: string | null; status: string | null; amount: string }>(
      db,
      sql`SELECT pa.payment_id::text, pa.invoice_external_id, i.number, i.status, pa.amount::text AS amount
          FROM payment_allocations pa LEFT JOIN invoices i ON i.organisation_id = pa.organisation_id AND i.external_id = pa.invoice_external_id
          WHERE pa.firm_id = ${firmId} AND pa.organisation_id = ${org.id}`,
    ),
    queryRows<{ id: string; external_id: string; kind: 'overpayment' | 'prepayment'; contact: string; date: CalendarDate; currency: string; total: string; remaining: string; reference: string }>(
      db,
      sql`SELECT x.id::text, x.external_id, x.kind, x.contact_external_id AS contact, x.date::text AS date, x.currency, x.total::text AS total, x.remaining_credit::text AS remaining, x.reference
          FROM prepayments x WHERE x.firm_id = ${firmId} AND x.organisation_id = ${org.id} AND x.status NOT IN ('voided', 'deleted') AND x.remaining_credit > 0`,
    ),
    queryRows<{ id: string; external_id: string; contact: string; date: CalendarDate; currency: string; total: string; remaining: string; number: string }>(
      db,
      sql`SELECT x.id::text, x.external_id, x.contact_external_id AS contact, x.date::text AS date, x.currency, x.total::text AS total, x.remaining_credit::text AS remaining, x.number
          FROM credit_notes x WHERE x.firm_id = ${firmId} AND x.organisation_id = ${org.id} AND x.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND x.remaining_credit > 0`,
    ),
    // A dispute is open until a later resolution for the same customer (and invoice, or the whole account).
    queryRows<{ id: string; contact: string; number: string | null; created_at: string; reason: string | null }>(
      db,
      sql`SELECT a.id::text, c.external_id AS contact, i.number, a.created_at::text AS created_at, a.details->>'reason' AS reason
          FROM activities a JOIN contacts c ON c.id = a.contact_id LEFT JOIN invoices i ON i.id = a.invoice_id
          WHERE a.firm_id = ${firmId} AND a.organisation_id = ${org.id} AND a.kind = ${INVOICE_DISPUTED}
            AND NOT EXISTS (SELECT 1 FROM activities r WHERE r.firm_id = a.firm_id AND r.organisation_id = a.organisation_id AND r.kind = ${DISPUTE_RESOLVED}
                            AND r.contact_id = a.contact_id AND (r.invoice_id IS NULL OR r.invoice_id IS NOT DISTINCT FROM a.invoice_id) AND r.created_at >= a.created_at)`,
    ),
  ]);
  const allocs = new Map<string, PaymentFact['allocations']>();
  const cur = new Map(payRows.map((p) => [p.id, p.currency]));
  for (const a of allocRows) {
    const c = cur.get(a.payment_id);
    if (!c) continue;
    allocs.set(a.payment_id, [...(allocs.get(a.payment_id) ?? []), { invoiceExternalId: a.invoice_external_id, invoiceNumber: a.number ?? '', invoiceStatus: a.status ?? 'deleted', amount: parseAmount(a.amount, c, true) }]);
  }
  const payments: PaymentFact[] = payRows
    .filter((p) => p.contact)
    .map((p) => ({
      id: p.id,
      externalId: p.external_id,
      contactExternalId: p.contact!,
      date: p.date,
      currency: p.currency,
      amount: parseAmount(p.amount, p.currency, true),
      reference: p.reference,
      allocations: allocs.get(p.id) ?? [],
      unapplied: p.unapplied ? parseAmount(String(p.unapplied), p.currency, true) : 0,
    }));
  const credits: CreditFact[] = creditRows.map((x) => ({ id: x.id, externalId: x.external_id, kind: x.kind, contactExternalId: x.contact, date: x.date, currency: x.currency, total: parseAmount(x.total, x.currency, true), remaining: parseAmount(x.remaining, x.currency, true), reference: x.reference }));
  for (const x of noteRows) credits.push({ id: x.id, externalId: x.external_id, kind: 'creditNote', contactExternalId: x.contact, date: x.date, currency: x.currency, total: parseAmount(x.total, x.currency, true), remaining: parseAmount(x.remaining, x.currency, true), reference: x.number });
  const disputes: DisputeFact[] = disputeRows.map((d) => ({ id: d.id, contactExternalId: d.contact, invoiceNumber: d.number, date: todayIn(org.timezone, new Date(d.created_at)), reason: d.reason ?? 'no reason given' }));
  const facts = findExceptions({ payments, credits, disputes, today, words: money, dayWords: longDate });
  // QuickBooks: applying credit to an invoice is not written by Arcus yet (QboWrites.allocateCredit refuses).
  return org.provider === 'quickbooks' ? facts.map((f) => ({ ...f, actions: f.actions.filter((a) => a !== 'apply') })) : facts;
}

/** The queue: one organisation's, or every organisation's in the firm; decided ones left out. */
export async function listExceptions(db: Db, firmId: string, organisationId: string | null, now: Date, opts: { payments?: PaymentProvider | null } = {}): Promise<ExceptionView[]> {
  const orgs = await orgsOf(db, firmId, organisationId);
  const decided = new Set((await db.select({ key: exceptionDecisions.exceptionKey }).from(exceptionDecisions).where(eq(exceptionDecisions.firmId, firmId))).map((r) => r.key));
  const out: ExceptionView[] = [];
  for (const org of orgs) {
    const today = todayIn(org.timezone, now);
    const facts = (await factsOf(db, firmId, org, today)).filter((f) => !decided.has(f.key));
    if (facts.length === 0) continue;
    const customers = new Map(
      (await queryRows<{ id: string; external_id: string; name: string }>(db, sql`SELECT id::text, external_id, name FROM contacts WHERE firm_id = ${firmId} AND organisation_id = ${org.id}`)).map((c) => [c.external_id, c]),
    );
    const needInvoices = [...new Set(facts.filter((f) => f.actions.includes('apply')).map((f) => `${f.contactExternalId}\u0000${f.currency}`))];
    const open = new Map<string, { id: string; label: string }[]>();
    for (const k of needInvoices) {
      const [contact, currency] = k.split('\u0000') as [string, string];
      const rows = await queryRows<{ id: string; number: string; amount_due: string; due_date: string | null }>(
        db,
        sql`SELECT id::text, number, amount_due::text AS amount_due, due_date::text AS due_date FROM invoices
            WHERE firm_id = ${firmId} AND organisation_id = ${org.id} AND contact_external_id = ${contact} AND currency = ${currency} AND status = 'authorised' AND amount_due > 0
            ORDER BY due_date NULLS LAST, issue_date, id LIMIT 50`,
      );
      open.set(k, rows.map((r) => ({ id: r.id, label: `${r.number || 'Invoice'} — ${money(parseAmount(r.amount_due, currency, true), currency)} due${r.due_date ? ` ${longDate(r.due_date)}` : ''}` })));
    }
    for (const f of facts) {
      const c = customers.get(f.contactExternalId);
      const invoicesOpen = open.get(`${f.contactExternalId}\u0000${f.currency}`) ?? [];
      const card = refundable(f, org.provider) ? await cardRefundOffer(db, firmId, org.id, f, opts.payments ?? null) : null;
      out.push({
        key: f.key,
        organisationId: org.id,
        organisationName: org.name,
        customerId: c?.id ?? null,
        customerName: c?.name ?? 'Unknown customer',
        kind: f.kind,
        kindText: EXCEPTION_WORDS[f.kind],
        dateText: longDate(f.date),
        ageText: f.ageDays === 0 ? 'today' : `${f.ageDays} day${f.ageDays === 1 ? '' : 's'} ago`,
        amountText: f.amount !== null && f.currency ? money(f.amount, f.currency) : null,
        detail: f.detail,
        // "Apply" only where there is an open invoice to apply to.
        actions: [
          ...f.actions.filter((a): a is 'apply' | 'keep_credit' => a === 'keep_credit' || (a === 'apply' && invoicesOpen.length > 0)),
          ...(refundable(f, org.provider) ? (['refund'] as const) : []),
        ],
        refundMax: refundable(f, org.provider) ? formatAmount(f.amount!, f.currency!) : null,
        openInvoices: f.actions.includes('apply') ? invoicesOpen : [],
        ledgerName: org.provider === 'quickbooks' ? 'QuickBooks' : 'Xero',
        cardRefund: card,
        paymentId: f.paymentId ?? null,
        actionNote: f.kind === 'disputed' ? DISPUTE_NOTE : org.provider === 'quickbooks' ? (f.kind === 'unallocated_credit' ? QUICKBOOKS_CREDIT_NOTE : refundable(f, org.provider) ? QUICKBOOKS_REFUND_NOTE : QUICKBOOKS_NOTE) : f.actions.includes('apply') && invoicesOpen.length === 0 ? 'The customer has no open invoice to apply it to.' : null,
      });
    }
  }
  return out;
}

/** "Refund to card" for this exception, when its payment came in by card through Arcus and the provider can refund it. */
async function cardRefundOffer(db: Db, firmId: string, organisationId: string, f: ExceptionFact, payments: PaymentProvider | null): Promise<ExceptionView['cardRefund']> {
  if (!f.paymentExternalId || !f.currency || f.amount === null) return null;
  const card = await cardPaymentOf(db, firmId, organisationId, f.paymentExternalId);
  if (!card || !canRefundTo(payments, card.provider) || card.currency !== f.currency) return null;
  const max = Math.min(f.amount, card.charged - card.refunded);
  if (max <= 0) return null;
  return { max: formatAmount(max, f.currency), maxText: money(max, f.currency), cardText: card.last4 ? `${card.brand ? card.brand.charAt(0).toUpperCase() + card.brand.slice(1) : 'Card'} ending ${card.last4}` : 'the card used on the pay link', providerText: card.provider === 'stripe' ? 'Stripe' : 'the sandbox payment provider' };
}

/** Ledgers Arcus can write a refund into (the `refund` write-back, docs/decisions/047). */
export const REFUND_LEDGERS: readonly string[] = ['xero', 'quickbooks'];
/** Kinds of exception a person may refund: money received twice, more than was owed, or left on account. */
const REFUNDABLE_KINDS: readonly ExceptionFact['kind'][] = ['overpaid', 'duplicate', 'unapplied'];

function refundable(f: ExceptionFact, provider: string): boolean {
  // A credit note's credit is refunded in Xero (PUT Payments with CreditNote) and in QuickBooks (a
  // Check against A/R and a zero payment linking the credit memo and the check, decision 063).
  const kindOk = REFUNDABLE_KINDS.includes(f.kind) || f.kind === 'unallocated_credit';
  return kindOk && REFUND_LEDGERS.includes(provider) && f.amount !== null && f.amount > 0 && !!f.currency;
}

export const DecideSchema = z
  .object({
    organisationId: z.uuid({ message: 'Reload the page and try again.' }),
    key: z.string().min(3).max(200),
    action: z.enum(['apply', 'keep_credit', 'refund'], { message: 'Choose what to do.' }),
    reason: z.string().trim().min(1, { message: 'Say why.' }).max(500, { message: 'Keep the reason under 500 characters.' }),
    invoiceId: z.uuid({ message: 'Choose the invoice to apply it to.' }).optional(),
    /** For "Refund": how much to pay back (default: all of it). */
    amount: z
      .string()
      .trim()
      .regex(/^\d{1,15}(\.\d{1,2})?$/, { message: 'Enter an amount such as 125.50.' })
      .optional(),
    /** For "Refund": back to the card it was paid with (decision 055), or recorded in the ledger only (paid back by bank). Default: the ledger. */
    to: z.enum(['ledger', 'card'], { message: 'Choose how the money goes back.' }).optional(),
  })
  .strict();
export type DecideInput = z.infer<typeof DecideSchema>;

const SOURCE_WORDS = { overpayment: 'an overpayment', prepayment: 'a prepayment', creditNote: 'a credit note' } as const;
const ACTION_WORDS = { apply: 'applied to another invoice', keep_credit: 'kept as credit', refund: 'refunded' } as const;
/** What the timeline entry calls the money: "Overpayment of GBP 150.00 from … kept as credit". */
const TIMELINE_NOUNS: Record<ExceptionFact['kind'], string> = { duplicate: 'Possible duplicate payment', overpaid: 'Overpayment', voided_invoice: 'Payment on a voided invoice', unapplied: 'Unapplied payment', disputed: 'Dispute', unallocated_credit: 'Unapplied credit' };

/**
 * Decides an exception once: the decision (its key is the exception's), the timeline entry and,
 * for "apply", the allocation write-back — one transaction. Asking again answers the first decision.
 */
export async function decideException(deps: RequestDeps, auth: { firmId: string; userId: string }, input: DecideInput, now: Date, cards?: { payments: PaymentProvider | null }): Promise<{ created: boolean; action: string; writebackId: string | null; status?: string }> {
  const db = deps.db;
  const [org] = await orgsOf(db, auth.firmId, input.organisationId);
  const [existing] = await db.select().from(exceptionDecisions).where(and(eq(exceptionDecisions.firmId, auth.firmId), eq(exceptionDecisions.exceptionKey, input.key)));
  if (existing) return { created: false, action: existing.action, writebackId: existing.writebackId };
  const fact = (await factsOf(db, auth.firmId, org!, todayIn(org!.timezone, now))).find((f) => f.key === input.key);
  if (!fact) throw notFound('This exception is no longer open. Reload the page.');
  const offered = input.action === 'refund' ? refundable(fact, org!.provider) : fact.actions.includes(input.action);
  if (!offered) throw unprocessable('That action is not available for this exception.', 'action_unavailable');
  const [contact] = await queryRows<{ id: string; name: string }>(db, sql`SELECT id::text, name FROM contacts WHERE firm_id = ${auth.firmId} AND organisation_id = ${org!.id} AND external_id = ${fact.contactExternalId}`);
  const what = `${TIMELINE_NOUNS[fact.kind]}${fact.amount !== null && fact.currency ? ` of ${money(fact.amount, fact.currency)}` : ''} from ${contact?.name ?? 'a customer'}`;
  let result: { created: boolean; action: string; writebackId: string | null; status?: string } = { created: false, action: input.action, writebackId: null };
  let refunded: Minor | null = null;
  let toCard = false;
  await db.transaction(async (t) => {
    const tx = t as unknown as Db;
    let writebackId: string | null = null;
    if (input.action === 'apply') {
      if (!input.invoiceId) throw invalidField('invoiceId', 'Choose the invoice to apply it to.');
      const [inv] = await tx.select().from(invoices).where(and(eq(invoices.firmId, auth.firmId), eq(invoices.organisationId, org!.id), eq(invoices.id, input.invoiceId)));
      if (!inv || inv.contactExternalId !== fact.contactExternalId || inv.status !== 'authorised') throw invalidField('invoiceId', 'Choose one of this customer’s open invoices.');
      if (inv.currency !== fact.currency) throw invalidField('invoiceId', `Choose an invoice in ${fact.currency}.`);
      const amount = allocationAmount(fact.amount ?? 0, parseAmount(inv.amountDue, inv.currency, true), null);
      if (amount <= 0) throw invalidField('invoiceId', 'That invoice owes nothing now.');
      const decimal = formatAmount(amount, inv.currency);
      const [wb] = await requestWritebacksIn(
        tx,
        [
          {
            firmId: auth.firmId,
            organisationId: org!.id,
            kind: 'allocation',
            purpose: 'payment',
            sourceKey: `exception:${input.key}`,
            invoiceId: inv.id,
            invoiceExternalId: inv.externalId,
            contactId: contact?.id ?? null,
            contactExternalId: fact.contactExternalId,
            amount: decimal,
            currency: inv.currency,
            request: { source: fact.source!.type, sourceExternalId: fact.source!.externalId, invoiceExternalId: inv.externalId, amount: decimal, date: todayIn(org!.timezone, now) },
            noteText: `Arcus: ${money(amount, inv.currency)} of ${SOURCE_WORDS[fact.source!.type]} applied to this invoice (${input.reason})`,
            requestedBy: 'user',
            userId: auth.userId,
            preApproved: true,
            summary: `Apply ${money(amount, inv.currency)} from ${SOURCE_WORDS[fact.source!.type]} to invoice ${inv.number || 'without a number'}`,
          },
        ],
        now,
      );
      writebackId = wb!.id;
    }
    if (input.action === 'refund') {
      const currency = fact.currency!;
      let most = fact.amount ?? 0;
      // To the card: the card payment behind it, locked so two refunds of one payment are counted in turn.
      const card = input.to === 'card' && fact.paymentExternalId ? await cardPaymentOf(tx, auth.firmId, org!.id, fact.paymentExternalId, true) : null;
      if (input.to === 'card') {
        if (!card || card.currency !== currency) throw unprocessable('This money did not come in by card through Arcus, so it cannot be refunded to a card. Refund it in the ledger instead.', 'card_refund_unavailable');
        if (!canRefundTo(cards?.payments, card.provider)) throw unprocessable('Refunds to the card are not available on this server: the payment provider that took the payment is not set up. Refund it in the ledger instead.', 'card_refund_unavailable');
        const left = card.charged - card.refunded;
        if (left <= 0) throw invalidField('amount', `Nothing is left to refund to the card: ${money(card.charged, currency)} was charged and all of it is already refunded.`);
        if (left < most) {
          const asked0 = input.amount ? parseAmount(input.amount, currency, true) : most;
          if (asked0 > left) throw invalidField('amount', `Refund at most ${money(left, currency)} to the card: ${money(card.charged, currency)} was charged and ${money(card.refunded, currency)} of it is already refunded.`);
          most = left;
        }
      }
      const asked = input.amount ? parseAmount(input.amount, currency, true) : most;
      if (asked <= 0) throw invalidField('amount', 'Enter an amount more than zero.');
      if (asked > most) throw invalidField('amount', `Refund at most ${money(most, currency)}.`);
      refunded = asked;
      toCard = card !== null;
      const cardRefundId = card ? randomUUID() : null;
      const decimal = formatAmount(asked, currency);
      const [wb] = await requestWritebacksIn(
        tx,
        [
          {
            firmId: auth.firmId,
            organisationId: org!.id,
            kind: 'refund',
            purpose: 'refund',
            sourceKey: `exception:${input.key}`,
            contactId: contact?.id ?? null,
            contactExternalId: fact.contactExternalId,
            amount: decimal,
            currency,
            request: {
              contactExternalId: fact.contactExternalId,
              amount: decimal,
              currency,
              date: todayIn(org!.timezone, now),
              reference: `Refund: ${TIMELINE_NOUNS[fact.kind].toLowerCase()}`.slice(0, 255),
              description: `Refund of ${TIMELINE_NOUNS[fact.kind].toLowerCase()} received on ${longDate(fact.date)}: ${input.reason}`.slice(0, 400),
              accountCode: null,
              // The credit it pays out, so the customer is not credited twice (decision 047).
              source: fact.refundFrom,
              // The card refund that must succeed first (decision 055).
              cardRefundId,
            },
            noteText: null,
            requestedBy: 'user',
            userId: auth.userId,
            // Above the firm's threshold it waits for an admin (request.ts).
            summary: `Refund ${money(asked, currency)} to ${contact?.name ?? 'the customer'}${card ? '’s card' : ''} (${TIMELINE_NOUNS[fact.kind].toLowerCase()})`,
          },
        ],
        now,
      );
      writebackId = wb!.id;
      result.status = wb!.status;
      if (card && cardRefundId && wb!.created)
        await tx.insert(cardRefunds).values({
          id: cardRefundId,
          firmId: auth.firmId,
          organisationId: org!.id,
          writebackId: wb!.id,
          contactExternalId: fact.contactExternalId,
          provider: card.provider,
          providerPaymentId: card.paymentId,
          checkoutId: card.checkoutId,
          chargeAttemptId: card.chargeAttemptId,
          amount: decimal,
          currency,
          createdByUserId: auth.userId,
          createdAt: now,
          updatedAt: now,
        });
    }
    const inserted = await tx
      .insert(exceptionDecisions)
      .values({ firmId: auth.firmId, organisationId: org!.id, exceptionKey: input.key, action: input.action, reason: input.reason, writebackId, decidedByUserId: auth.userId, decidedAt: now })
      .onConflictDoNothing()
      .returning({ key: exceptionDecisions.exceptionKey });
    if (inserted.length === 0) return;
    await tx.execute(
      sql`INSERT INTO activities (firm_id, organisation_id, actor_user_id, actor_type, kind, contact_id, summary, details, created_at)
          VALUES (${auth.firmId}::uuid, ${org!.id}::uuid, ${auth.userId}::uuid, 'user', 'exception.decided', ${contact?.id ?? null}::uuid,
                  ${`${what} ${input.action === 'refund' && refunded !== null ? `refunded${toCard ? ' to the card' : ''} (${money(refunded, fact.currency!)})` : ACTION_WORDS[input.action]}: ${input.reason}`}, ${JSON.stringify({ key: input.key, action: input.action, writebackId })}::jsonb, ${now.toISOString()}::timestamptz)`,
    );
    result = { created: true, action: input.action, writebackId, ...(result.status ? { status: result.status } : {}) };
  });
  if (result.created && result.writebackId && (result.status ?? 'pending') === 'pending') await deps.enqueueExecute(result.writebackId, 0, input.action === 'refund' ? 'refund' : 'allocation');
  return result;
}
