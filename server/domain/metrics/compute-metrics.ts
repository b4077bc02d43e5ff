import { fromMinor, type Minor } from '../../../kernel/money';
import { computePeriods } from './engine';
import type { MetricLedger } from './ledger';
import type { MetricInvoice, MetricsResult, Period } from './types';

/**
 * All metrics (MetricsResult, types.ts) for one period [from, to].
 * Invoices must share one currency (see convertInvoices); an invoice without a due date
 * is due on its issue date. Several computations over the same invoices can share one
 * conversion: pass `metricLedger(invoices)` instead of the list.
 */
export function computeMetrics(invoices: Iterable<MetricInvoice> | MetricLedger, period: Period): MetricsResult {
  return computePeriods(invoices, [period])[0]!;
}

/** The CLI's JSON shape (keys fixed). Amounts are 2-decimal numbers made from exact minor units. */
export interface MetricsJson {
  credit_sales: number;
  ar_open: number;
  ar_end: number;
  current_ar_end: number;
  dso: number | null;
  best_possible_dso: number | null;
  add: number | null;
  dso_countback: number | null;
  cei: number | null;
  dbt: number | null;
  avg_days_to_pay: number | null;
  collected: number;
  aging: { current: number; d1_30: number; d31_60: number; d61_90: number; d91_plus: number };
}

/**
 * An amount as a JSON number: the exact decimal text of the minor units, read as a double.
 * That double prints back as the same decimal for any amount of up to 15 significant
 * digits (under 10 trillion with cents).
 */
export function amountNumber(units: Minor): number {
  return Number(fromMinor(units));
}

export function toMetricsJson(r: MetricsResult): MetricsJson {
  return {
    credit_sales: amountNumber(r.creditSales),
    ar_open: amountNumber(r.arOpen),
    ar_end: amountNumber(r.arEnd),
    current_ar_end: amountNumber(r.currentArEnd),
    dso: r.dso,
    best_possible_dso: r.bestPossibleDso,
    add: r.add,
    dso_countback: r.dsoCountback,
    cei: r.cei,
    dbt: r.dbt,
    avg_days_to_pay: r.avgDaysToPay,
    collected: amountNumber(r.collected),
    aging: {
      current: amountNumber(r.aging.current),
      d1_30: amountNumber(r.aging.d1_30),
      d31_60: amountNumber(r.aging.d31_60),
      d61_90: amountNumber(r.aging.d61_90),
      d91_plus: amountNumber(r.aging.d91_plus),
    },
  };
}
