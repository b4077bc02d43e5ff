import type { CalendarDate } from '../../../kernel/dates';
import type { Minor } from '../../../kernel/money';

/**
 * One invoice as the metrics see it, whichever ledger (or CSV) it came from.
 *
 * - `total` is the invoice amount in integer minor units of `currency` (never negative).
 * - `settlements` are payment allocations AND credit-note allocations against the invoice,
 *   each counted on its own date (a part payment reduces the balance from its date on).
 *   They need not be sorted. A negative amount is a reversal (e.g. a refunded payment).
 * - `dueDate: null` means the invoice is treated as due on its issue date.
 * - Voided / deleted invoices are simply not passed in.
 */
export interface MetricInvoice {
  id: string;
  customerId: string;
  currency: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  total: Minor;
  settlements: { date: CalendarDate; amount: Minor }[];
}

/** An inclusive range of calendar days. */
export interface Period {
  from: CalendarDate;
  to: CalendarDate;
}

/** A/R at a day split by days past due (t − due date). */
export interface Aging {
  current: Minor;
  d1_30: Minor;
  d31_60: Minor;
  d61_90: Minor;
  d91_plus: Minor;
}

/**
 * Metrics for one period. Amounts are exact minor units. Ratios (days, percent) are
 * computed as exact fractions of integers and rounded once, half away from zero, to 2
 * decimals; `null` when undefined (a zero denominator), never 0, NaN or Infinity.
 */
export interface MetricsResult {
  from: CalendarDate;
  to: CalendarDate;
  /** D: days in [from, to], inclusive. */
  days: number;
  /** The one currency of the invoices, or null when there were none. */
  currency: string | null;
  /** S: total of invoices issued in [from, to]. */
  creditSales: Minor;
  /** AR(from − 1). */
  arOpen: Minor;
  /** AR(to). */
  arEnd: Minor;
  /** CurrentAR(to): the part of AR(to) not overdue at `to`. */
  currentArEnd: Minor;
  /** Aging of AR(to) at `to`; the buckets sum to arEnd and `current` equals currentArEnd. */
  aging: Aging;
  /** Settlements (payments and credit allocations) dated in [from, to]. */
  collected: Minor;
  dso: number | null;
  bestPossibleDso: number | null;
  add: number | null;
  dsoCountback: number | null;
  /** Percent (98 means 98%). */
  cei: number | null;
  dbt: number | null;
  avgDaysToPay: number | null;
}

export class MetricsError extends Error {
  override name = 'MetricsError';
}
