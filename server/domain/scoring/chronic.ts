/**
 * Chronic late payers (decision 039): an explicit, stable definition on the customer's own
 * last invoices, what to do about them, and how many there are month by month. Pure: no I/O.
 *
 * A customer is a chronic late payer on a day when, of their last `CHRONIC_WINDOW` invoices
 * settled by then (at least `CHRONIC_MIN_INVOICES` of them), at least `CHRONIC_LATE_SHARE` were
 * paid after the due date and the median days late (days after the due date, early = negative)
 * is at least `CHRONIC_MEDIAN_DAYS`. Both conditions over the same fixed window: one late or
 * early invoice moves the customer in or out only when it tips a majority, never by a rate
 * shrunk toward a prior, so the label is stable from month to month.
 */
import { addMonths, type CalendarDate, diffDays, endOfMonth } from '../../../kernel/dates';

/** The customer's last this-many settled invoices are looked at… */
export const CHRONIC_WINDOW = 10;
/** …and at least this many are needed to say anything. */
export const CHRONIC_MIN_INVOICES = 5;
/** Share of those paid after the due date. */
export const CHRONIC_LATE_SHARE = 0.6;
/** Median days after the due date. */
export const CHRONIC_MEDIAN_DAYS = 10;

/** The definition in one sentence (shown with the segment). */
export const CHRONIC_DEFINITION = `Late on at least ${CHRONIC_LATE_SHARE * 100}% of their last ${CHRONIC_WINDOW} paid invoices (at least ${CHRONIC_MIN_INVOICES} needed), by a median of ${CHRONIC_MEDIAN_DAYS} days or more.`;

/** What to do about a chronic late payer, in words. */
export const CHRONIC_ACTIONS: readonly { title: string; text: string }[] = [
  { title: 'Shorter terms', text: 'Move them to shorter payment terms (e.g. 14 days instead of 30), so the habitual delay lands nearer your real due date.' },
  { title: 'Direct debit', text: 'Ask for a direct debit mandate or card on file and collect on the due date.' },
  { title: 'Deposits', text: 'Take a deposit or part-payment up front on new orders.' },
  { title: 'Stop supply', text: 'Hold new orders while anything is more than 30 days overdue, and tell them so in advance.' },
];

export interface ChronicInvoice {
  dueDate: CalendarDate;
  settledDate: CalendarDate | null;
}

export interface ChronicVerdict {
  chronic: boolean;
  /** Invoices looked at (≤ CHRONIC_WINDOW); 0 = not enough history. */
  invoices: number;
  lateShare: number;
  medianDaysLate: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The definition applied to one customer's invoices as of the end of `day`. */
export function chronicLate(invoices: readonly ChronicInvoice[], day: CalendarDate): ChronicVerdict {
  const settled = invoices
    .filter((inv) => inv.settledDate !== null && inv.settledDate <= day)
    .sort((a, b) => a.settledDate!.localeCompare(b.settledDate!) || a.dueDate.localeCompare(b.dueDate))
    .slice(-CHRONIC_WINDOW);
  if (settled.length < CHRONIC_MIN_INVOICES) return { chronic: false, invoices: 0, lateShare: 0, medianDaysLate: 0 };
  const late = settled.map((inv) => diffDays(inv.dueDate, inv.settledDate!));
  const lateShare = late.filter((d) => d > 0).length / late.length;
  const medianDaysLate = median(late);
  return { chronic: lateShare >= CHRONIC_LATE_SHARE && medianDaysLate >= CHRONIC_MEDIAN_DAYS, invoices: settled.length, lateShare, medianDaysLate };
}

export interface ChronicMonth {
  /** The month's last day (or `day` for the current month). */
  asOf: CalendarDate;
  /** Customers with enough paid invoices to judge. */
  judged: number;
  chronic: number;
  /** chronic / judged, or null when no one could be judged. */
  share: number | null;
}

/** Month by month over the last `months` months to `day` (the current month as of `day`): how many customers were chronic late payers. */
export function chronicTrend(customers: Iterable<readonly ChronicInvoice[]>, day: CalendarDate, months = 12): ChronicMonth[] {
  const ends: CalendarDate[] = [];
  for (let k = months - 1; k >= 1; k--) ends.push(endOfMonth(addMonths(day, -k)));
  ends.push(day);
  const list = [...customers];
  return ends.map((asOf) => {
    let judged = 0;
    let chronic = 0;
    for (const invoices of list) {
      const v = chronicLate(invoices, asOf);
      if (v.invoices === 0) continue;
      judged++;
      if (v.chronic) chronic++;
    }
    return { asOf, judged, chronic, share: judged > 0 ? Math.round((chronic / judged) * 1000) / 1000 : null };
  });
}
