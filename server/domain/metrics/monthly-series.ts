import { addMonths, type CalendarDate, endOfMonth, isCalendarDate, minDate, startOfMonth } from '../../../kernel/dates';
import { computePeriods } from './engine';
import type { MetricLedger } from './ledger';
import { type MetricInvoice, MetricsError, type MetricsResult, type Period } from './types';

/** The calendar months ending with endDate's month, oldest first; the last one ends on endDate. */
export function monthPeriods(endDate: CalendarDate, months = 24): Period[] {
  if (!isCalendarDate(endDate)) throw new MetricsError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(endDate)}`);
  if (!Number.isInteger(months) || months < 1) throw new MetricsError('months must be a positive whole number');
  const periods: Period[] = [];
  for (let i = months - 1; i >= 0; i--) {
    const from = startOfMonth(addMonths(startOfMonth(endDate), -i));
    periods.push({ from, to: minDate(endOfMonth(from), endDate) });
  }
  return periods;
}

/**
 * Trend: one MetricsResult per calendar month (period = the month, the last one clipped to
 * endDate), oldest first, all from a single pass over the invoices.
 */
export function monthlySeries(invoices: Iterable<MetricInvoice> | MetricLedger, endDate: CalendarDate, months = 24): MetricsResult[] {
  return computePeriods(invoices, monthPeriods(endDate, months));
}
