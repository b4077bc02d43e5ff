/**
 * The service's key figures over one window, read from the metrics engine (server/domain/metrics/,
 * never re-implemented here): DSO, countback DSO, CEI, DBT, overdue share, average days to pay,
 * and the amounts they come from. Pure: no I/O.
 */
import { addDays, addMonths, type CalendarDate } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import { overduePct } from '../analytics/figures';
import { type Aging, computeMetrics, type MetricInvoice, metricLedger, type Period } from '../domain/metrics';

export interface WindowKpis {
  from: CalendarDate;
  to: CalendarDate;
  days: number;
  /** Credit sales (invoices issued) in the window, base-currency minor units. */
  creditSales: Minor;
  arEnd: Minor;
  /** Aging of A/R on the window's last day. */
  aging: Aging;
  dso: number | null;
  dsoCountback: number | null;
  cei: number | null;
  dbt: number | null;
  /** Percent of A/R overdue on the last day. */
  overduePct: number | null;
  avgDaysToPay: number | null;
}

/** The `months` calendar months before `day`: [day − months, day − 1], e.g. 2026-10-01 and 3 → 2026-07-01 … 2026-09-30. */
export function monthsBefore(day: CalendarDate, months: number): Period {
  return { from: addMonths(day, -months), to: addDays(day, -1) };
}

/** The `months` months ending on `day` inclusive: [day + 1 − months, day], e.g. 2026-11-30 and 3 → 2026-09-01 … 2026-11-30 (clamped like addMonths). */
export function monthsEnding(day: CalendarDate, months: number): Period {
  return { from: addMonths(addDays(day, 1), -months), to: day };
}

/** KPIs for several windows (they may overlap) over one conversion of the invoices (base currency, see convertInvoices). */
export function windowKpis(invoices: readonly MetricInvoice[], periods: readonly Period[]): WindowKpis[] {
  if (periods.length === 0) return [];
  const ledger = metricLedger(invoices);
  return periods.map((p) => computeMetrics(ledger, p)).map((m) => ({
    from: m.from,
    to: m.to,
    days: m.days,
    creditSales: m.creditSales,
    arEnd: m.arEnd,
    aging: m.aging,
    dso: m.dso,
    dsoCountback: m.dsoCountback,
    cei: m.cei,
    dbt: m.dbt,
    overduePct: overduePct(m.arEnd, m.currentArEnd),
    avgDaysToPay: m.avgDaysToPay,
  }));
}
