/** A/R metrics: pure functions, no I/O. See DESIGN.md "Metric definitions (exact)". */
export { amountNumber, computeMetrics, type MetricsJson, toMetricsJson } from './compute-metrics';
export { convertInvoices } from './convert-invoices';
export { type CountbackSegment, countbackDays } from './countback';
export { computePeriods } from './engine';
export { historyToMetricInvoices } from './from-history';
export { monthlySeries, monthPeriods } from './monthly-series';
export { DEFAULT_HELP_THRESHOLDS, type HelpInput, type HelpThresholds, type HelpVerdict, needsHelp } from './needs-help';
export { type Aging, type MetricInvoice, MetricsError, type MetricsResult, type Period } from './types';
