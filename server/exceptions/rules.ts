/**
 * Payment exceptions (issue #19, "Duplicate and accidental payments"). Pure: no I/O. `service.ts`
 * loads an organisation's payments, credits and open disputes; these rules say which are
 * exceptions, in words, and which one-click actions each offers. Money is integer minor units.
 *
 * - Possible duplicate: the same amount from the same customer, in the same currency, within N
 *   days of an earlier payment (the later one is the exception).
 * - Overpaid: money received above what the customer owed — a Xero overpayment, or a QuickBooks
 *   payment that paid invoices and left money unapplied.
 * - Payment on a voided invoice: a payment (not deleted) still allocated to a voided or deleted invoice.
 * - Unapplied: money received and not applied to any invoice — a Xero prepayment, or a QuickBooks
 *   payment applied to nothing — older than N days (an overpayment too, once it is that old).
 * - Disputed: an invoice or customer with a dispute not yet resolved (the collector's in-motion activity).
 * - Credit to apply or keep: a credit note with credit not allocated to any invoice (the paid part of
 *   a cancellation, server/cancellations/, or one written in the ledger) — listed at once.
 */
import { type CalendarDate, diffDays } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';

export const EXCEPTION_KINDS = ['duplicate', 'overpaid', 'voided_invoice', 'unapplied', 'disputed', 'unallocated_credit'] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];
export const EXCEPTION_WORDS: Record<ExceptionKind, string> = {
  duplicate: 'Possible duplicate payment',
  overpaid: 'Overpaid',
  voided_invoice: 'Payment on a voided invoice',
  unapplied: 'Unapplied payment',
  disputed: 'Disputed',
  unallocated_credit: 'Credit to apply or keep',
};

export const EXCEPTION_ACTIONS = ['apply', 'keep_credit'] as const;
export type ExceptionAction = (typeof EXCEPTION_ACTIONS)[number] | 'refund';

export interface ExceptionRules {
  /** Two payments of the same amount this many days apart or closer are a possible duplicate. */
  duplicateDays: number;
  /** Unapplied money older than this many days is an exception. */
  unappliedDays: number;
}
export const DEFAULT_RULES: ExceptionRules = { duplicateDays: 7, unappliedDays: 14 };

export interface PaymentFact {
  /** Our row id (the exception's key). */
  id: string;
  externalId: string;
  contactExternalId: string;
  date: CalendarDate;
  currency: string;
  amount: Minor;
  reference: string;
  /** Applied to invoices (cash allocations), with each invoice's status. */
  allocations: { invoiceExternalId: string; invoiceNumber: string; invoiceStatus: string; amount: Minor }[];
  /** QuickBooks: money applied to no invoice (amount − allocations − credit links); Xero: 0. */
  unapplied: Minor;
}

/** A Xero overpayment or prepayment, or a credit note (either ledger), with credit left. */
export interface CreditFact {
  id: string;
  externalId: string;
  kind: 'overpayment' | 'prepayment' | 'creditNote';
  contactExternalId: string;
  date: CalendarDate;
  currency: string;
  total: Minor;
  remaining: Minor;
  reference: string;
}

export interface DisputeFact {
  /** The dispute activity's id. */
  id: string;
  contactExternalId: string;
  invoiceNumber: string | null;
  date: CalendarDate;
  reason: string;
}

export interface ExceptionFact {
  key: string;
  kind: ExceptionKind;
  contactExternalId: string;
  date: CalendarDate;
  ageDays: number;
  currency: string | null;
  /** The money in question (the duplicate's amount, the credit left…); null for a dispute. */
  amount: Minor | null;
  /** What happened, in words (document numbers and references, never ids). */
  detail: string;
  /** The one-click actions this exception offers. */
  actions: ExceptionAction[];
  /** Where "Apply to another open invoice" takes the money from. */
  source: { type: 'overpayment' | 'prepayment' | 'creditNote'; externalId: string } | null;
  /**
   * The credit a refund pays out (docs/decisions/047): the Xero overpayment or prepayment, or the
   * QuickBooks payment whose unapplied money it is. Null: the money paid an invoice (a refund is
   * then a credit note and its refund, or a QuickBooks refund receipt).
   */
  refundFrom: { type: 'overpayment' | 'prepayment' | 'payment' | 'creditNote'; externalId: string } | null;
  /** The ledger payment the money came in as (duplicates, overpaid and unapplied payments): a card refund is of this payment's card (decision 055). */
  paymentExternalId?: string | null;
  /** The same payment's row in `payments` (the customer page's Payments list offers its card refund). */
  paymentId?: string | null;
}

export const exceptionKey = (kind: ExceptionKind, documentId: string) => `${kind}:${documentId}`;

const ref = (p: { reference: string }) => (p.reference ? ` (reference ${p.reference})` : '');

export function findExceptions(input: { payments: PaymentFact[]; credits: CreditFact[]; disputes: DisputeFact[]; today: CalendarDate; rules?: ExceptionRules; words: (minor: Minor, currency: string) => string; dayWords: (d: CalendarDate) => string }): ExceptionFact[] {
  const rules = input.rules ?? DEFAULT_RULES;
  const { today, words, dayWords } = input;
  const out: ExceptionFact[] = [];
  const age = (d: CalendarDate) => Math.max(0, diffDays(d, today));

  // Duplicates: per customer and currency, each payment against the ones before it within N days.
  const groups = new Map<string, PaymentFact[]>();
  for (const p of input.payments) {
    if (p.amount <= 0) continue;
    const k = `${p.contactExternalId}\u0000${p.currency}\u0000${p.amount}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.externalId < b.externalId ? -1 : 1));
    for (let i = 1; i < list.length; i++) {
      const p = list[i]!;
      const earlier = list[i - 1]!;
      if (diffDays(earlier.date, p.date) > rules.duplicateDays) continue;
      out.push({
        key: exceptionKey('duplicate', p.id),
        kind: 'duplicate',
        contactExternalId: p.contactExternalId,
        date: p.date,
        ageDays: age(p.date),
        currency: p.currency,
        amount: p.amount,
        detail: `${words(p.amount, p.currency)} received on ${dayWords(p.date)}${ref(p)}, the same amount as a payment on ${dayWords(earlier.date)}${ref(earlier)}.`,
        actions: ['keep_credit'],
        source: null,
        // Money on account (QuickBooks, all of it unapplied) is refunded out of the payment itself.
        refundFrom: p.unapplied >= p.amount ? { type: 'payment', externalId: p.externalId } : null,
        paymentExternalId: p.externalId,
        paymentId: p.id,
      });
    }
  }

  for (const p of input.payments) {
    const voided = p.allocations.filter((a) => a.invoiceStatus === 'voided' || a.invoiceStatus === 'deleted');
    if (voided.length) {
      out.push({
        key: exceptionKey('voided_invoice', p.id),
        kind: 'voided_invoice',
        contactExternalId: p.contactExternalId,
        date: p.date,
        ageDays: age(p.date),
        currency: p.currency,
        amount: voided.reduce((s, a) => s + a.amount, 0),
        detail: `${words(p.amount, p.currency)} received on ${dayWords(p.date)}${ref(p)} is applied to ${voided.map((a) => `invoice ${a.invoiceNumber || 'without a number'}`).join(', ')}, which is ${voided[0]!.invoiceStatus === 'deleted' ? 'deleted' : 'voided'}.`,
        actions: ['keep_credit'],
        source: null,
        refundFrom: null,
      });
    }
    if (p.unapplied > 0) {
      const paidSome = p.allocations.length > 0;
      // Paid more than the invoices it paid: at once. Applied to nothing: once it is older than N days.
      if (paidSome || age(p.date) > rules.unappliedDays) {
        out.push({
          key: exceptionKey(paidSome ? 'overpaid' : 'unapplied', p.id),
          kind: paidSome ? 'overpaid' : 'unapplied',
          contactExternalId: p.contactExternalId,
          date: p.date,
          ageDays: age(p.date),
          currency: p.currency,
          amount: p.unapplied,
          detail: paidSome
            ? `${words(p.amount, p.currency)} received on ${dayWords(p.date)}${ref(p)} was more than the invoices it paid: ${words(p.unapplied, p.currency)} is not applied.`
            : `${words(p.amount, p.currency)} received on ${dayWords(p.date)}${ref(p)} is not applied to any invoice.`,
          // Applying a QuickBooks payment to another invoice changes the payment itself: not offered (README).
          actions: ['keep_credit'],
          source: null,
          refundFrom: { type: 'payment', externalId: p.externalId },
          paymentExternalId: p.externalId,
          paymentId: p.id,
        });
      }
    }
  }

  for (const c of input.credits) {
    if (c.remaining <= 0) continue;
    if (c.kind === 'creditNote') {
      out.push({
        key: exceptionKey('unallocated_credit', c.id),
        kind: 'unallocated_credit',
        contactExternalId: c.contactExternalId,
        date: c.date,
        ageDays: age(c.date),
        currency: c.currency,
        amount: c.remaining,
        detail: `Credit note${c.reference ? ` ${c.reference}` : ''} of ${words(c.total, c.currency)} dated ${dayWords(c.date)}: ${words(c.remaining, c.currency)} is the customer’s credit, not applied to any invoice — apply it to an open invoice or keep it as credit.`,
        actions: ['apply', 'keep_credit'],
        source: { type: 'creditNote', externalId: c.externalId },
        // Refunding it pays out the credit note itself (Xero PUT Payments with CreditNote, decision 047).
        refundFrom: { type: 'creditNote', externalId: c.externalId },
      });
      continue;
    }
    const overpaid = c.kind === 'overpayment';
    if (!overpaid && age(c.date) <= rules.unappliedDays) continue;
    out.push({
      key: exceptionKey(overpaid ? 'overpaid' : 'unapplied', c.id),
      kind: overpaid ? 'overpaid' : 'unapplied',
      contactExternalId: c.contactExternalId,
      date: c.date,
      ageDays: age(c.date),
      currency: c.currency,
      amount: c.remaining,
      detail: `${overpaid ? 'An overpayment' : 'A prepayment'} of ${words(c.total, c.currency)} received on ${dayWords(c.date)}${ref(c)}: ${words(c.remaining, c.currency)} is not applied to any invoice.`,
      actions: ['apply', 'keep_credit'],
      source: { type: c.kind, externalId: c.externalId },
      refundFrom: { type: c.kind, externalId: c.externalId },
    });
  }

  for (const d of input.disputes) {
    out.push({
      key: exceptionKey('disputed', d.id),
      kind: 'disputed',
      contactExternalId: d.contactExternalId,
      date: d.date,
      ageDays: age(d.date),
      currency: null,
      amount: null,
      detail: `${d.invoiceNumber ? `Invoice ${d.invoiceNumber}` : 'The account'} disputed on ${dayWords(d.date)}: ${d.reason}`,
      actions: [],
      source: null,
      refundFrom: null,
    });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.key < b.key ? -1 : 1));
}

/** How much of `available` goes to an invoice owing `due`: all of it, or what the invoice still owes. */
export function allocationAmount(available: Minor, due: Minor, asked: Minor | null): Minor {
  const most = Math.min(available, due);
  return asked === null ? most : Math.min(asked, most);
}
