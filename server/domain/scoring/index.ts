/**
 * Invoice and customer scoring: P(paid late), days to settle, a pay-date band, reasons in
 * words and a customer segment. Pure functions, no I/O. How the method was chosen:
 * docs/decisions/003-scoring-method.md.
 *
 * Typical app use (nightly):
 *   const model = fitScoringModel(allInvoices, today);            // train on what settled before today
 *   const scores = scoreInvoices(model, allInvoices);              // every invoice as of its issue date
 *   const snaps = customerSnapshots(allInvoices, today);           // each customer as known today
 *   for (const [id, f] of snaps) { customerRisk(f); explain(f); }
 */
export { type BacktestMetrics, type BacktestResult, BacktestError, runBacktest } from './backtest';
export { type BaselineModel, baselineDays, baselineLate, fitBaseline } from './baseline';
export { type CustomerRisk, type CustomerSegment, customerRisk, explain, explainReasons, type Reason } from './explain';
export {
  type CustomerProbe,
  customerSnapshots,
  DEFAULT_PRIOR,
  extractFeatures,
  F,
  FEATURE_NAMES,
  type FeatureMatrix,
  type FeatureName,
  type FeatureOptions,
  featuresOf,
  forEachFeatureRow,
  type InvoiceFeatures,
  toFeatureObject,
  toFeatureRow,
} from './features';
export { daysLate, daysToSettle, fromHistoryInvoice, isLate, type ScoringInvoice } from './invoice';
export { auc, brier, mae } from './metrics';
export {
  compileModel,
  DAYS_METHODS,
  type DaysMethod,
  fitScoringModel,
  type InvoiceScore,
  LATE_METHODS,
  type LateMethod,
  type ModelSpec,
  type PayDatePrediction,
  predictPayDate,
  RECOMMENDED_SPEC,
  type RowScore,
  type ScoringModel,
  scoreInvoices,
  trainModel,
} from './model';
