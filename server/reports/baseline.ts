/**
 * The baseline frozen when a client's service starts: the KPIs over the 3 and the 6 calendar
 * months before the start date (the start day itself is the service's first day, not the
 * baseline's). Pure: no I/O. Stored as JSON (migration 0035) and never recomputed, so later
 * ledger corrections do not move the yardstick.
 */
import { type CalendarDate, isCalendarDate } from '../../kernel/dates';
import type { MetricInvoice } from '../domain/metrics';
import { monthsBefore, type WindowKpis, windowKpis } from './kpis';

export const BASELINE_VERSION = 1;

export interface Baseline {
  version: typeof BASELINE_VERSION;
  startDate: CalendarDate;
  /** The organisation's base currency: every amount below is in its minor units. */
  currency: string;
  threeMonths: WindowKpis;
  sixMonths: WindowKpis;
}

export function computeBaseline(invoices: readonly MetricInvoice[], startDate: CalendarDate, currency: string): Baseline {
  if (!isCalendarDate(startDate)) throw new Error(`not a calendar date: ${JSON.stringify(startDate)}`);
  const [threeMonths, sixMonths] = windowKpis(invoices, [monthsBefore(startDate, 3), monthsBefore(startDate, 6)]);
  return { version: BASELINE_VERSION, startDate, currency, threeMonths: threeMonths!, sixMonths: sixMonths! };
}
