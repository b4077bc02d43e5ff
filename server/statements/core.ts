/**
 * Customer statements and the billing ledger (issue #19). Pure: no I/O. `load.ts` reads one
 * customer's documents in one currency; this builds, from them, the billing ledger (every
 * invoice, fee, payment, credit, overpayment/prepayment, deposit and refund with a running
 * balance), an activity statement for a period (opening balance, the period's lines, closing
 * balance) and an open-items statement as of a day (what is still open then, and its aging).
 * Amounts are integer minor units of the statement's currency (kernel/money).
 *
 * The closing balance is what the customer owes: invoices raised − money received − credit given
 * (+ money refunded). At the end of time it equals the ledger's own view — the sum of its invoices'
 * AmountDue / Balance minus the credit it shows as not yet applied (docs/decisions/040).
 */
import { type CalendarDate, diffDays } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';

export type LineKind = 'invoice' | 'fee' | 'payment' | 'credit' | 'overpayment' | 'prepayment' | 'deposit' | 'refund';

/** Words for each line kind (shown on the page, the PDF and the CSV). */
export const LINE_KIND_WORDS: Record<LineKind, string> = {
  invoice: 'Invoice',
  fee: 'Fee',
  payment: 'Payment',
  credit: 'Credit note',
  overpayment: 'Overpayment',
  prepayment: 'Prepayment',
  deposit: 'Deposit',
  refund: 'Refund',
};

/** An invoice as the statement needs it (draft, voided and deleted ones are never passed in). */
export interface StatementInvoice {
  externalId: string;
  number: string;
  reference: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  total: Minor;
  /** A late fee or interest invoice Arcus raised: shown as a fee. */
  isFee: boolean;
  /** QuickBooks Deposit: money taken when the invoice was raised (a credit on the issue date). */
  deposit: Minor;
  /** Every counted settlement of this invoice (payments, credit and prepayment allocations, deposit), dated. */
  settlements: { date: CalendarDate; amount: Minor }[];
}

/** Money received or credit given: a payment, a credit note, an overpayment or a prepayment. */
export interface StatementCredit {
  kind: 'payment' | 'credit' | 'overpayment' | 'prepayment';
  externalId: string;
  number: string;
  reference: string;
  date: CalendarDate;
  /** Positive: what it credits the customer. */
  amount: Minor;
  /** Applied to invoices, dated. */
  allocations: { date: CalendarDate; amount: Minor }[];
  /** Paid back to the customer, dated (each a refund line, which adds to the balance). */
  refunds: { date: CalendarDate; amount: Minor }[];
}

export interface StatementInput {
  currency: string;
  invoices: StatementInvoice[];
  credits: StatementCredit[];
}

export interface LedgerLine {
  date: CalendarDate;
  kind: LineKind;
  /** Invoice / credit note number or payment reference: what the customer would recognise. */
  document: string;
  reference: string;
  dueDate: CalendarDate | null;
  /** What the line adds to the balance (an invoice, a fee, a refund paid out). */
  debit: Minor;
  /** What it takes off (a payment, a credit, a deposit). */
  credit: Minor;
  balance: Minor;
}

const ORDER: Record<LineKind, number> = { invoice: 0, fee: 1, deposit: 2, payment: 3, credit: 4, overpayment: 5, prepayment: 6, refund: 7 };

/** Every movement, oldest first (same day: invoices before what pays them), with the running balance. */
export function billingLedger(input: StatementInput): LedgerLine[] {
  const lines: Omit<LedgerLine, 'balance'>[] = [];
  for (const i of input.invoices) {
    lines.push({ date: i.issueDate, kind: i.isFee ? 'fee' : 'invoice', document: i.number || i.reference || 'Invoice', reference: i.reference, dueDate: i.dueDate, debit: i.total, credit: 0 });
    if (i.deposit !== 0) lines.push({ date: i.issueDate, kind: 'deposit', document: i.number || 'Deposit', reference: 'Deposit taken with the invoice', dueDate: null, debit: 0, credit: i.deposit });
  }
  for (const c of input.credits) {
    const document = c.number || c.reference || LINE_KIND_WORDS[c.kind];
    lines.push({ date: c.date, kind: c.kind, document, reference: c.reference, dueDate: null, debit: 0, credit: c.amount });
    for (const r of c.refunds) lines.push({ date: r.date, kind: 'refund', document, reference: `Refund of ${LINE_KIND_WORDS[c.kind].toLowerCase()}`, dueDate: null, debit: r.amount, credit: 0 });
  }
  lines.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : ORDER[a.kind] - ORDER[b.kind] || (a.document < b.document ? -1 : a.document > b.document ? 1 : 0)));
  let balance = 0;
  return lines.map((l) => {
    balance += l.debit - l.credit;
    return { ...l, balance };
  });
}

export interface ActivityStatement {
  from: CalendarDate;
  to: CalendarDate;
  opening: Minor;
  lines: LedgerLine[];
  closing: Minor;
  debits: Minor;
  credits: Minor;
}

/** Activity for [from, to]: the balance brought forward, the period's lines, the balance carried. */
export function activityStatement(input: StatementInput, from: CalendarDate, to: CalendarDate): ActivityStatement {
  const all = billingLedger(input);
  const before = all.filter((l) => l.date < from);
  const opening = before.length ? before[before.length - 1]!.balance : 0;
  const lines = all.filter((l) => l.date >= from && l.date <= to);
  const debits = lines.reduce((s, l) => s + l.debit, 0);
  const credits = lines.reduce((s, l) => s + l.credit, 0);
  return { from, to, opening, lines, closing: opening + debits - credits, debits, credits };
}

export const AGING_BUCKETS = ['current', '1_30', '31_60', '61_90', 'over_90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];
export const AGING_WORDS: Record<AgingBucket, string> = { current: 'Not yet due', '1_30': '1–30 days overdue', '31_60': '31–60 days overdue', '61_90': '61–90 days overdue', over_90: 'Over 90 days overdue' };

export function agingBucket(dueDate: CalendarDate | null, issueDate: CalendarDate, asOf: CalendarDate): AgingBucket {
  const late = diffDays(dueDate ?? issueDate, asOf);
  if (late <= 0) return 'current';
  if (late <= 30) return '1_30';
  if (late <= 60) return '31_60';
  if (late <= 90) return '61_90';
  return 'over_90';
}

export interface OpenItem {
  kind: LineKind;
  document: string;
  reference: string;
  date: CalendarDate;
  dueDate: CalendarDate | null;
  /** Invoice: what it was raised for; credit: its amount. */
  original: Minor;
  /** Invoice: still owed as of the day (positive); credit: not yet applied (negative). */
  open: Minor;
  /** Invoices only. */
  bucket: AgingBucket | null;
  daysOverdue: number;
}

export interface OpenItemsStatement {
  asOf: CalendarDate;
  items: OpenItem[];
  aging: Record<AgingBucket, Minor>;
  /** Credit not yet applied as of the day (zero or negative). */
  unapplied: Minor;
  closing: Minor;
}

const sumTo = (xs: readonly { date: CalendarDate; amount: Minor }[], asOf: CalendarDate) => xs.reduce((s, x) => (x.date <= asOf ? s + x.amount : s), 0);

/** What was open on `asOf`: invoices with a balance, credit not yet applied, and the invoices' aging. */
export function openItemsStatement(input: StatementInput, asOf: CalendarDate): OpenItemsStatement {
  const items: OpenItem[] = [];
  const aging = Object.fromEntries(AGING_BUCKETS.map((b) => [b, 0])) as Record<AgingBucket, Minor>;
  for (const i of input.invoices) {
    if (i.issueDate > asOf) continue;
    // The deposit is counted among settlements by load.ts (dated the issue day).
    const open = i.total - sumTo(i.settlements, asOf);
    if (open === 0) continue;
    const bucket = agingBucket(i.dueDate, i.issueDate, asOf);
    aging[bucket] += open;
    items.push({ kind: i.isFee ? 'fee' : 'invoice', document: i.number || i.reference || 'Invoice', reference: i.reference, date: i.issueDate, dueDate: i.dueDate, original: i.total, open, bucket, daysOverdue: Math.max(0, diffDays(i.dueDate ?? i.issueDate, asOf)) });
  }
  let unapplied = 0;
  for (const c of input.credits) {
    if (c.date > asOf) continue;
    const left = c.amount - sumTo(c.allocations, asOf) - sumTo(c.refunds, asOf);
    if (left === 0) continue;
    unapplied -= left;
    items.push({ kind: c.kind, document: c.number || c.reference || LINE_KIND_WORDS[c.kind], reference: c.reference, date: c.date, dueDate: null, original: c.amount, open: -left, bucket: null, daysOverdue: 0 });
  }
  items.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.document < b.document ? -1 : 1));
  const invoiced = AGING_BUCKETS.reduce((s, b) => s + aging[b], 0);
  return { asOf, items, aging, unapplied, closing: invoiced + unapplied };
}
