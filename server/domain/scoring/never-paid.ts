/**
 * The chance that an open invoice is never paid (decision 039): a fixed rule, nothing fitted
 * (decision 016). Pure.
 *
 *   excess   = days past due − the customer's usual days late (median of their undisputed paid
 *              invoices, 0 without any or when they pay early) — 40 days overdue is news for a
 *              prompt payer and normal for one who always pays 40 days late;
 *   p        = NEVER_PAID_CURVE at `excess` (straight lines between the points);
 *   disputed: p = 1 − (1 − p) × (1 − DISPUTE_LOSS) (a dispute often ends in a credit note);
 *   capped at NEVER_PAID_MAX.
 *
 * The curve's points are round numbers. The public IBM sample has no unpaid invoice (every
 * invoice of it is settled), so it constrains only the start of the curve — near zero up to a
 * month past the usual, where it costs the IBM forecast 3% of bias; the tail was set on the
 * synthetic demo companies' history (the sandbox generator) by their last-quarter backtests
 * (`arcus forecast-eval`), from a few round grids. A "still paying other invoices" discount was
 * tried there and dropped (it only moved the bias up). See decision 039 for the figures.
 */
import type { CalendarDate } from '../../../kernel/dates';
import { diffDays } from '../../../kernel/dates';

/** Excess days past due → probability of never being paid. */
export const NEVER_PAID_CURVE: readonly (readonly [number, number])[] = [
  [0, 0.005],
  [30, 0.05],
  [90, 0.4],
  [180, 0.75],
  [365, 0.9],
  [730, 0.95],
];
export const DISPUTE_LOSS = 0.2;
export const NEVER_PAID_MAX = 0.95;

export function curveAt(excess: number): number {
  const pts = NEVER_PAID_CURVE;
  if (excess <= pts[0]![0]) return pts[0]![1];
  for (let k = 1; k < pts.length; k++) {
    const [x1, y1] = pts[k]!;
    const [x0, y0] = pts[k - 1]!;
    if (excess <= x1) return y0 + ((y1 - y0) * (excess - x0)) / (x1 - x0);
  }
  return pts[pts.length - 1]![1];
}

export interface NeverPaidInput {
  daysPastDue: number;
  /** The customer's usual days late (median of undisputed paid invoices; 0 without). */
  usualDaysLate: number;
  disputed: boolean;
}

export function neverPaidProbability(x: NeverPaidInput): number {
  const excess = x.daysPastDue - Math.max(0, x.usualDaysLate);
  let p = curveAt(excess);
  if (x.disputed) p = 1 - (1 - p) * (1 - DISPUTE_LOSS);
  return Math.min(NEVER_PAID_MAX, p);
}

/** One invoice of a customer's history, as far as this rule reads it. */
export interface NeverPaidInvoice {
  id: string;
  dueDate: CalendarDate;
  settledDate: CalendarDate | null;
  disputedOn: CalendarDate | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * P(never paid) of each of a customer's invoices open at the end of `day`, by invoice id.
 * `invoices`: the customer's history as known at `day`.
 */
export function neverPaidOfCustomer(invoices: readonly NeverPaidInvoice[], day: CalendarDate): Map<string, number> {
  const usualDaysLate = usualDaysLateOf(invoices, day);
  const out = new Map<string, number>();
  for (const inv of invoices) {
    if (inv.settledDate !== null && inv.settledDate <= day) continue;
    out.set(inv.id, neverPaidProbability({ daysPastDue: Math.max(0, diffDays(inv.dueDate, day)), usualDaysLate, disputed: inv.disputedOn !== null && inv.disputedOn <= day }));
  }
  return out;
}

/** The customer's usual days late: median of their undisputed invoices paid by `day` (0 without any). */
export function usualDaysLateOf(invoices: readonly NeverPaidInvoice[], day: CalendarDate): number {
  const paidLate = invoices.filter((inv) => inv.settledDate !== null && inv.settledDate <= day && (inv.disputedOn === null || inv.disputedOn > day)).map((inv) => diffDays(inv.dueDate, inv.settledDate!));
  return paidLate.length > 0 ? median(paidLate) : 0;
}

/**
 * Timing of what may still be paid of a stale invoice — one more than STALE_EXCESS_DAYS past its
 * customer's usual: equally likely on any day of the next STALE_SPREAD_DAYS, not "any moment now"
 * (the pay-date distribution conditioned on a date long passed puts it all in the next weeks).
 */
export const STALE_EXCESS_DAYS = 30;
export const STALE_SPREAD_DAYS = 180;

/** Per open invoice of the customer: its days past due beyond the customer's usual (negative: not yet). */
export function excessOfCustomer(invoices: readonly NeverPaidInvoice[], day: CalendarDate): Map<string, number> {
  const usual = Math.max(0, usualDaysLateOf(invoices, day));
  const out = new Map<string, number>();
  for (const inv of invoices) if (inv.settledDate === null || inv.settledDate > day) out.set(inv.id, diffDays(inv.dueDate, day) - usual);
  return out;
}
