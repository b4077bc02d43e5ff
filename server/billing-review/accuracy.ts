/**
 * Billing accuracy (issue #21), pure: the share of invoices issued in a period that were not
 * credited or voided within N days of their issue date (N = 30 by default), the reasons by category
 * and the monthly trend. An invoice counts once its N days have passed (younger ones can still
 * change; they are reported as "still within the window"). A credit within the window that covers
 * the whole invoice is "Credited in full", less is "Credited in part"; voided (or deleted) within
 * the window is "Voided"; an issued invoice whose total, lines or due date the ledger changed within
 * the window is "Amended" (the sync records the first such change, migration 0057). Money in minor units; dates are calendar days in the organisation's time zone.
 */
import { addDays, addMonths, type CalendarDate, longDate, startOfMonth } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';

export const ACCURACY_WINDOW_DAYS = 30;

export const REASONS = ['voided', 'credited_in_full', 'credited_in_part', 'amended'] as const;
export type Reason = (typeof REASONS)[number];
export const REASON_WORDS: Record<Reason, string> = { voided: 'Voided', credited_in_full: 'Credited in full', credited_in_part: 'Credited in part', amended: 'Amended' };

export interface IssuedInvoice {
  issueDate: CalendarDate;
  total: Minor;
  /** The day it was voided or deleted in the ledger; null when it stands. */
  voidedOn: CalendarDate | null;
  /** Credit notes applied to it, by day. */
  credits: readonly { date: CalendarDate; amount: Minor }[];
  /** The day the ledger first changed its total, lines or due date after it was issued; null when never (or not known). */
  amendedOn?: CalendarDate | null;
}

/** Why an invoice was not right first time, or null when it stood for its first `windowDays`. */
export function reasonOf(inv: IssuedInvoice, windowDays: number): Reason | null {
  const end = addDays(inv.issueDate, windowDays);
  if (inv.voidedOn !== null && inv.voidedOn <= end) return 'voided';
  const credited = inv.credits.filter((c) => c.date <= end).reduce((s, c) => s + c.amount, 0);
  if (credited > 0) return credited >= inv.total ? 'credited_in_full' : 'credited_in_part';
  if (inv.amendedOn != null && inv.amendedOn <= end) return 'amended';
  return null;
}

export interface AccuracyFigure {
  /** Invoices whose window has passed. */
  counted: number;
  accurate: number;
  /** accurate / counted, 0–1; null when none counted. */
  rate: number | null;
  rateText: string;
  /** Issued in the period but still within their window. */
  pending: number;
  reasons: { reason: Reason; reasonText: string; count: number }[];
}

export interface AccuracyMonth extends AccuracyFigure {
  month: string;
  monthText: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const monthText = (first: CalendarDate) => `${MONTHS[Number(first.slice(5, 7)) - 1]} ${first.slice(0, 4)}`;

/** The figure for invoices issued from `from` to `to` (inclusive), as of `today`. */
export function accuracyOf(invoices: readonly IssuedInvoice[], from: CalendarDate, to: CalendarDate, today: CalendarDate, windowDays = ACCURACY_WINDOW_DAYS): AccuracyFigure {
  const inPeriod = invoices.filter((i) => i.issueDate >= from && i.issueDate <= to && i.total > 0);
  const matured = inPeriod.filter((i) => addDays(i.issueDate, windowDays) <= today);
  const counts = new Map<Reason, number>();
  for (const i of matured) {
    const r = reasonOf(i, windowDays);
    if (r) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const wrong = [...counts.values()].reduce((a, b) => a + b, 0);
  const accurate = matured.length - wrong;
  const rate = matured.length ? accurate / matured.length : null;
  return {
    counted: matured.length,
    accurate,
    rate,
    rateText: rate === null ? 'No invoices old enough to count yet' : `${(rate * 100).toFixed(1)}% (${accurate} of ${matured.length} invoice${matured.length === 1 ? '' : 's'} stood for ${windowDays} days)`,
    pending: inPeriod.length - matured.length,
    reasons: REASONS.filter((r) => counts.has(r)).map((r) => ({ reason: r, reasonText: REASON_WORDS[r], count: counts.get(r)! })),
  };
}

/** The last `months` calendar months up to the one holding `today`, oldest first. */
export function accuracyTrend(invoices: readonly IssuedInvoice[], today: CalendarDate, months = 12, windowDays = ACCURACY_WINDOW_DAYS): AccuracyMonth[] {
  const current = startOfMonth(today);
  const out: AccuracyMonth[] = [];
  for (let k = months - 1; k >= 0; k--) {
    const first = addMonths(current, -k);
    const last = addDays(addMonths(first, 1), -1);
    out.push({ month: first.slice(0, 7), monthText: monthText(first), ...accuracyOf(invoices, first, last, today, windowDays) });
  }
  return out;
}

/** "Invoices issued 1 January 2026 to 31 January 2026". */
export const periodText = (from: CalendarDate, to: CalendarDate) => `Invoices issued ${longDate(from)} to ${longDate(to)}`;
