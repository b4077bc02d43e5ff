/**
 * Cancellations (issue #19, "When money goes wrong"; docs/decisions/048): a client's customer
 * cancels part or all of a service. Pure — no I/O: `service.ts` loads the invoices, their lines,
 * plans and offers; this says what the cancellation credits, where each credit goes and what it
 * stops. Money is integer minor units throughout (bigint for products and quotients).
 *
 * The service period runs from `start` up to `end`: `end` is the day the paid term runs out (a
 * subscription's renewal day, "1 January 2027 to 1 January 2028"), and the effective date is the
 * first day the customer no longer has the service. So the period has `end − start` days, the
 * unused part `end − effective` of them (clamped to the period): cancelling on or before the start
 * credits everything, on or after the end nothing.
 *
 * Rounding (decision 048): each line's net and tax are prorated separately and each is rounded
 * half up to the minor unit. A fraction of at most one of a non-negative whole number of minor
 * units rounds to at most that number, so a line's credit never exceeds its net, its tax or its
 * total; the credit of an invoice is the exact sum of its lines' credits.
 */
import { addDays, addMonths, type CalendarDate, diffDays, isCalendarDate } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import { reconcileInstalments } from '../domain/collections/plans';

export const CANCEL_METHODS = ['by_days', 'fixed_schedule'] as const;
export type CancelMethod = (typeof CANCEL_METHODS)[number];

/**
 * A fixed schedule: the share of a line credited when the cancellation takes effect in a month of
 * the term. Rows in order: the first row whose `throughMonth` is at least the month of the term
 * (month 1 = from the start up to the day before the same day a month later) gives the percent
 * (a decimal with at most 2 places, 0–100); after the last row nothing is credited.
 */
export interface ScheduleRow {
  throughMonth: number;
  percent: string;
}
export const DEFAULT_SCHEDULE: readonly ScheduleRow[] = [
  { throughMonth: 1, percent: '75' },
  { throughMonth: 3, percent: '50' },
  { throughMonth: 6, percent: '25' },
];

export interface CancelLine {
  lineNo: number;
  description: string;
  /** Without tax. Never negative (an invoice with a discount line is cancelled whole, as one line). */
  net: Minor;
  tax: Minor;
  /** The ledger's tax code on the line (decision 061), carried to the credit note; null/absent when none. */
  taxCode?: string | null;
}

export interface CancelInvoice {
  invoiceId: string;
  number: string;
  currency: string;
  /** What the invoice still owes in the ledger (0 when paid, voided or not open). */
  open: Minor;
  lines: CancelLine[];
  /** Which lines are cancelled: all of them, or the line numbers chosen. */
  chosen: 'all' | number[];
}

export interface ServiceTerms {
  start: CalendarDate;
  end: CalendarDate;
  effective: CalendarDate;
  method: CancelMethod;
  schedule?: readonly ScheduleRow[];
}

export interface LineCredit {
  lineNo: number;
  description: string;
  lineTotal: Minor;
  net: Minor;
  tax: Minor;
  credit: Minor;
  /** The line's tax code: the credit note line carries it with `net` and `tax` (decision 061). */
  taxCode: string | null;
}

export interface InvoiceCredit {
  invoiceId: string;
  number: string;
  currency: string;
  open: Minor;
  lines: LineCredit[];
  credit: Minor;
  /** Applied to what the invoice still owes. */
  allocated: Minor;
  /** Already paid: left on the customer's account as credit. */
  leftAsCredit: Minor;
  /** Nothing is owed on the invoice once the credit is allocated. */
  settles: boolean;
}

/** A payment plan covering some of the invoices, as the core needs it. */
export interface PlanFact {
  planId: string;
  invoiceIds: string[];
  /** Plans that post their instalments as ledger invoices are not changed by Arcus. */
  postsInvoices: boolean;
  /** What the plan's invoices owe now. */
  owed: Minor;
  instalments: { seq: number; amount: Minor; paid: Minor; status: 'paid' | 'due' | 'missed'; dueDate: CalendarDate }[];
}

export type PlanEffect =
  /** Nothing is owed on the plan's invoices afterwards: the plan ends now, its unpaid instalments cancelled. */
  | { planId: string; kind: 'ends'; cancels: { seq: number; amount: Minor; dueDate: CalendarDate }[] }
  /** Less is owed: once the credit is in the ledger the plan's own reconciliation shrinks these instalments (the last first). */
  | { planId: string; kind: 'shrinks'; by: Minor; changes: { seq: number; from: Minor; to: Minor }[] }
  /** The plan's instalments are ledger invoices: nothing is changed, the collector is told. */
  | { planId: string; kind: 'posted'; by: Minor };

export interface OfferFact {
  offerId: string;
  invoiceId: string;
  discount: Minor;
  currency: string;
  expiresOn: CalendarDate;
}

export interface CancellationResult {
  invoices: InvoiceCredit[];
  credit: Minor;
  allocated: Minor;
  leftAsCredit: Minor;
  plans: PlanEffect[];
  /** Offers on the cancelled invoices, withdrawn. */
  offers: OfferFact[];
}

export type CancelProblem =
  | { field: 'end'; message: string }
  | { field: 'lines'; message: string }
  | { field: 'schedule'; message: string }
  | { field: 'invoices'; message: string };

export class CancelError extends Error {
  override name = 'CancelError';
  constructor(readonly problem: CancelProblem) {
    super(problem.message);
  }
}

/** a × num / den rounded half up (a ≥ 0, num ≥ 0, den > 0). */
function mulDivHalfUp(a: Minor, num: bigint, den: bigint): Minor {
  return Number((BigInt(a) * num * 2n + den) / (2n * den));
}

/** The month of the term the effective date falls in (1 = the first), for a date inside the period. */
export function monthOfTerm(start: CalendarDate, effective: CalendarDate): number {
  let m = 1;
  while (addMonths(start, m) <= effective) m += 1;
  return m;
}

/** A percent string ("37.5") as hundredths of a percent (3750). */
function percentHundredths(p: string): bigint {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(p);
  if (!m) throw new CancelError({ field: 'schedule', message: 'Each percentage in the schedule must be a number from 0 to 100 with at most two decimals.' });
  const v = BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
  if (v > 10_000n) throw new CancelError({ field: 'schedule', message: 'Each percentage in the schedule must be a number from 0 to 100 with at most two decimals.' });
  return v;
}

export function checkSchedule(rows: readonly ScheduleRow[]): void {
  let last = 0;
  for (const r of rows) {
    if (!Number.isInteger(r.throughMonth) || r.throughMonth <= last || r.throughMonth > 120) throw new CancelError({ field: 'schedule', message: 'The schedule’s months must go up, from 1 to at most 120.' });
    last = r.throughMonth;
    percentHundredths(r.percent);
  }
}

/**
 * The share of a line credited, as a fraction num/den: by days, the unused days of the period; on a
 * fixed schedule, the percent of the month of the term the effective date falls in.
 */
export function creditShare(t: ServiceTerms): { num: bigint; den: bigint } {
  const days = diffDays(t.start, t.end);
  if (days <= 0) throw new CancelError({ field: 'end', message: 'The service must end after the day it starts.' });
  if (t.effective <= t.start) return { num: 1n, den: 1n };
  if (t.effective >= t.end) return { num: 0n, den: 1n };
  if (t.method === 'by_days') return { num: BigInt(diffDays(t.effective, t.end)), den: BigInt(days) };
  const rows = t.schedule ?? DEFAULT_SCHEDULE;
  checkSchedule(rows);
  const month = monthOfTerm(t.start, t.effective);
  const row = rows.find((r) => month <= r.throughMonth);
  return row ? { num: percentHundredths(row.percent), den: 10_000n } : { num: 0n, den: 1n };
}

/** The credit on one line: net and tax prorated separately, each rounded half up. */
export function lineCredit(line: CancelLine, share: { num: bigint; den: bigint }): LineCredit {
  const net = mulDivHalfUp(line.net, share.num, share.den);
  const tax = mulDivHalfUp(line.tax, share.num, share.den);
  return { lineNo: line.lineNo, description: line.description, lineTotal: line.net + line.tax, net, tax, credit: net + tax, taxCode: line.taxCode ?? null };
}

/**
 * What cancelling the chosen lines of these invoices from `terms.effective` credits, where each
 * credit goes (the open balance first, the rest left as the customer's credit), and what it stops:
 * the plans over those invoices and their discount offers.
 */
export function planCancellation(input: { invoices: CancelInvoice[]; terms: ServiceTerms; plans?: PlanFact[]; offers?: OfferFact[] }): CancellationResult {
  if (input.invoices.length === 0) throw new CancelError({ field: 'invoices', message: 'Choose at least one invoice.' });
  const currencies = new Set(input.invoices.map((i) => i.currency));
  if (currencies.size > 1) throw new CancelError({ field: 'invoices', message: 'Choose invoices in one currency: cancel each currency separately.' });
  const share = creditShare(input.terms);
  const out: InvoiceCredit[] = input.invoices.map((inv) => {
    const lines = inv.chosen === 'all' ? inv.lines : inv.lines.filter((l) => (inv.chosen as number[]).includes(l.lineNo));
    if (lines.length === 0) throw new CancelError({ field: 'lines', message: `Choose at least one line of invoice ${inv.number || 'without a number'}.` });
    if (inv.chosen !== 'all' && lines.length !== new Set(inv.chosen).size) throw new CancelError({ field: 'lines', message: `A chosen line is not on invoice ${inv.number || 'without a number'}.` });
    for (const l of lines) if (l.net < 0 || l.tax < 0) throw new CancelError({ field: 'lines', message: `A line of invoice ${inv.number || 'without a number'} is a discount or refund: cancel the whole invoice.` });
    const credits = lines.map((l) => lineCredit(l, share));
    const credit = credits.reduce((s, c) => s + c.credit, 0);
    const open = Math.max(0, inv.open);
    const allocated = Math.min(credit, open);
    return { invoiceId: inv.invoiceId, number: inv.number, currency: inv.currency, open, lines: credits, credit, allocated, leftAsCredit: credit - allocated, settles: open - allocated === 0 };
  });
  const allocatedOn = new Map(out.map((i) => [i.invoiceId, i.allocated]));
  const plans: PlanEffect[] = [];
  for (const p of input.plans ?? []) {
    const by = p.invoiceIds.reduce((s, id) => s + (allocatedOn.get(id) ?? 0), 0);
    if (by === 0) continue;
    if (p.postsInvoices) {
      plans.push({ planId: p.planId, kind: 'posted', by });
      continue;
    }
    const owedAfter = Math.max(0, p.owed - by);
    if (owedAfter === 0) {
      plans.push({ planId: p.planId, kind: 'ends', cancels: p.instalments.filter((s) => s.status !== 'paid').map((s) => ({ seq: s.seq, amount: s.amount - s.paid, dueDate: s.dueDate })) });
      continue;
    }
    const r = reconcileInstalments(p.instalments, owedAfter);
    plans.push({ planId: p.planId, kind: 'shrinks', by, changes: r.kind === 'reduce' || r.kind === 'settled' ? r.changes : [] });
  }
  const ids = new Set(out.filter((i) => i.credit > 0).map((i) => i.invoiceId));
  return {
    invoices: out,
    credit: out.reduce((s, i) => s + i.credit, 0),
    allocated: out.reduce((s, i) => s + i.allocated, 0),
    leftAsCredit: out.reduce((s, i) => s + i.leftAsCredit, 0),
    plans,
    offers: (input.offers ?? []).filter((o) => ids.has(o.invoiceId)),
  };
}

/** A code that says the line is taxed: any but none and QuickBooks' US "NON". */
const taxable = (code: string | null | undefined): boolean => !!code && code.toUpperCase() !== 'NON';

/**
 * Lines as the ledger keeps them → lines the core prorates. `gross` is what the line adds to the
 * invoice; tax the ledger keeps on the invoice only (QuickBooks) or a rounding difference is spread
 * by net, largest remainder, so the lines add up to the invoice total exactly — over the lines whose
 * tax code says they are taxed when there are such lines (decision 061: an untaxed line stays
 * untaxed), else over all of them. An invoice with a negative line (a discount) becomes one line for
 * the whole invoice, with the lines' tax code when they all share one. Each line keeps its tax code.
 */
export function linesOf(invoice: { number: string; total: Minor; totalTax: Minor }, ledgerLines: { lineNo: number; description: string; net: Minor; tax: Minor; taxCode?: string | null }[]): CancelLine[] {
  const codes = new Set(ledgerLines.map((l) => l.taxCode ?? null));
  const shared = codes.size === 1 ? [...codes][0]! : null;
  const whole = (): CancelLine[] => [{ lineNo: 0, description: `All of invoice ${invoice.number || 'without a number'}`, net: invoice.total - invoice.totalTax, tax: invoice.totalTax, taxCode: shared }];
  if (ledgerLines.length === 0 || ledgerLines.some((l) => l.net < 0 || l.tax < 0) || invoice.total < 0 || invoice.totalTax < 0) return whole();
  const own = ledgerLines.map((l) => ({ ...l, taxCode: l.taxCode ?? null }));
  const sum = own.reduce((s, l) => s + l.net + l.tax, 0);
  const rest = invoice.total - sum;
  if (rest === 0) return own;
  const coded = own.filter((l) => taxable(l.taxCode) && l.net > 0);
  const over = coded.length > 0 ? new Set(coded.map((l) => l.lineNo)) : new Set(own.map((l) => l.lineNo));
  const netSum = own.reduce((s, l) => s + (over.has(l.lineNo) ? l.net : 0), 0);
  if (rest < 0 || netSum === 0) return whole();
  // Spread the rest (invoice-level tax) by net, largest remainder; ties to the earlier line.
  const shares = own.map((l, i) => {
    const num = over.has(l.lineNo) ? BigInt(rest) * BigInt(l.net) : 0n;
    return { i, base: Number(num / BigInt(netSum)), rem: num % BigInt(netSum), in: over.has(l.lineNo) };
  });
  let left = rest - shares.reduce((s, x) => s + x.base, 0);
  const order = shares.filter((x) => x.in).sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  const extra = new Map<number, number>();
  for (const x of order) {
    if (left === 0) break;
    extra.set(x.i, 1);
    left -= 1;
  }
  return own.map((l, i) => ({ ...l, tax: l.tax + shares[i]!.base + (extra.get(i) ?? 0) }));
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/**
 * The service period a line's description names, when it names one: the first two dates in it,
 * written `2027-01-01` or `1 January 2027` (month names in English, in full or their first three
 * letters). People write a period with its last day ("1 January 2027 – 31 December 2027"), so the
 * period's end is the day after the second date. Null when there are not two dates in order.
 */
export function periodFromText(text: string): { start: CalendarDate; end: CalendarDate } | null {
  const found: CalendarDate[] = [];
  const re = /(\d{4})-(\d{2})-(\d{2})|(\d{1,2})(?:st|nd|rd|th)? ([A-Za-z]{3,9})\.? (\d{4})/g;
  for (const m of text.matchAll(re)) {
    let d: string | null = null;
    if (m[1]) d = `${m[1]}-${m[2]}-${m[3]}`;
    else {
      const name = m[5]!.toLowerCase();
      const month = MONTHS.findIndex((x) => x === name || (name.length === 3 && x.startsWith(name)));
      if (month >= 0) d = `${m[6]}-${String(month + 1).padStart(2, '0')}-${m[4]!.padStart(2, '0')}`;
    }
    if (d && isCalendarDate(d)) found.push(d);
    if (found.length === 2) break;
  }
  if (found.length < 2 || found[1]! < found[0]!) return null;
  return { start: found[0]!, end: addDays(found[1]!, 1) };
}

/** The debtor's email, in lines (English unless told): server/cancellations/words.ts, per language. */
export { noticeLines } from './words';
