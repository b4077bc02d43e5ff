/**
 * A/R metrics: pure functions, no I/O. Each metric is documented on MetricsResult (types.ts),
 * its formula in words on its dashboard tile (server/analytics/kpis.ts).
 *
 * Decisions beyond the definitions:
 * - An invoice without a due date is due on its issue date.
 * - Settlements (payments and credit-note allocations) count on their own dates; an
 *   overpaid invoice contributes 0 to A/R, never a negative balance. "Collected" is every
 *   settlement dated in the period, credit allocations included.
 * - Settled date (DBT, days to pay) = the day the balance reached zero and stayed there,
 *   never before the issue date; invoices are weighted by their total.
 * - Amounts are exact integer minor units. Ratios are exact fractions rounded once, half
 *   away from zero, to 2 decimals (days and CEI percent); ADD is (AR − CurrentAR) / S × D
 *   rounded on its own, so it can differ by 0.01 from the rounded DSO − BPDSO.
 * - Undefined ratios are null. Countback DSO is 0 when there is no A/R but there were
 *   sales, and null when there never were sales or the sales cannot explain the A/R.
 * - One currency per computation: mixed currencies throw; convert first (convertInvoices).
 */
export { amountNumber, computeMetrics, type MetricsJson, toMetricsJson } from './compute-metrics';
export { convertInvoices } from './convert-invoices';
export { type CountbackSegment, countbackAdd, countbackDays, countbackSegments } from './countback';
export { computePeriods } from './engine';
export { historyToMetricInvoices } from './from-history';
export { type CumulativeState, EMPTY_STATE, metricsFromStates, statesNeeded } from './from-states';
export { MetricLedger, metricLedger } from './ledger';
export { monthlySeries, monthPeriods } from './monthly-series';
export { DEFAULT_HELP_THRESHOLDS, type HelpInput, type HelpThresholds, type HelpVerdict, needsHelp } from './needs-help';
export { type Aging, type MetricInvoice, MetricsError, type MetricsResult, type Period } from './types';
