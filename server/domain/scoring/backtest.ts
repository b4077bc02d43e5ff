import type { CalendarDate } from '../../../kernel/dates';
import { extractFeatures, F, type FeatureMatrix, type FeatureOptions } from './features';
import type { ScoringInvoice } from './invoice';
import { auc, brier, type CalibrationBin, calibrationBins, ece, mae } from './metrics';
import { compileModel, labelsOf, type ModelSpec, RECOMMENDED_SPEC, type RowScore, type ScoringModel, trainModel } from './model';
import { NOFIT_FEATURE_OPTIONS, noFitScore } from './nofit';

/**
 * The backtest protocol:
 *  - train on invoices SETTLED before the split;
 *  - test on invoices ISSUED on or after the split, each predicted from what was known on
 *    its own issue date (its own fields and the invoices settled before then — which
 *    includes invoices settled between the split and that date);
 *  - test invoices still unsettled in the data cannot be scored: they are excluded and
 *    counted (`n_unsettled`); `n_test` is the scored count.
 * Invoices issued before the split but settled on or after it are in neither set (they
 * still enter later invoices' history once settled).
 */
export interface BacktestMetrics {
  auc_late: number;
  brier_late: number;
  mae_days_to_settle: number;
}

/** One test invoice's prediction (made as of its issue date) next to what happened. */
export interface BacktestPrediction {
  /** Input index of the invoice. */
  index: number;
  pLate: number;
  late: boolean;
  /** Predicted days from issue to settlement and its 10–90% band (whole days). */
  daysToSettle: number;
  daysLow: number;
  daysHigh: number;
  actualDays: number;
}

export interface BacktestResult extends BacktestMetrics {
  split: CalendarDate;
  n_train: number;
  n_test: number;
  n_unsettled: number;
  baseline: BacktestMetrics;
  /** Share of test invoices settled inside the predicted 10–90% pay-date band. */
  interval_coverage: number;
  /** Expected calibration error of P(late), 10 equal-width bins. */
  ece_late: number;
  /** The reliability table behind `ece_late` (non-empty bins). */
  calibration_bins: CalibrationBin[];
  /** Every scored test invoice, in test order (issue order of the input). */
  predictions: BacktestPrediction[];
  model: ScoringModel;
}

/** The no-fit method (nofit.ts) on the same test invoices: nothing is trained. */
export interface NoFitBacktestResult extends BacktestMetrics {
  split: CalendarDate;
  n_test: number;
  n_unsettled: number;
  ece_late: number;
  interval_coverage: number;
  calibration_bins: CalibrationBin[];
  predictions: BacktestPrediction[];
  /**
   * The protocol's baseline without a training set: the customer's late share shrunk (k = 5)
   * toward the organisation's share so far (itself shrunk to the fixed prior), and the
   * customer's median days to settle (the organisation's so far without history) — all as of
   * each invoice's issue date.
   */
  baseline: BacktestMetrics;
}

export class BacktestError extends Error {
  override name = 'BacktestError';
}

/** Train and test rows of the protocol (by input index), and the count of unsettled test invoices. */
function splitRows(invoices: readonly ScoringInvoice[], split: CalendarDate, needTrain: boolean): { train: number[]; test: number[]; unsettled: number } {
  const train: number[] = [];
  const test: number[] = [];
  let unsettled = 0;
  invoices.forEach((inv, i) => {
    if (inv.settledDate !== null && inv.settledDate < split) train.push(i);
    if (inv.issueDate >= split) {
      if (inv.settledDate === null) unsettled++;
      else test.push(i);
    }
  });
  if (needTrain && train.length === 0) throw new BacktestError(`no invoices settled before ${split} to train on`);
  if (test.length === 0) throw new BacktestError(`no settled invoices issued on or after ${split} to test on`);
  return { train, test, unsettled };
}

type Scorer = (row: Float64Array) => Pick<RowScore, 'pLate' | 'daysToSettle' | 'daysLow' | 'daysHigh'> & Partial<Pick<RowScore, 'baselineLate' | 'baselineDays'>>;

/** Metrics of a scorer on the test rows (and of the baseline, when the scorer gives it). */
function evaluate(matrix: FeatureMatrix, labels: ReturnType<typeof labelsOf>, test: readonly number[], score: Scorer) {
  const n = test.length;
  const y = new Uint8Array(n);
  const days = new Float64Array(n);
  const pm = new Float64Array(n);
  const dm = new Float64Array(n);
  const pb = new Float64Array(n);
  const db = new Float64Array(n);
  let covered = 0;
  const predictions: BacktestPrediction[] = new Array(n);
  for (let t = 0; t < n; t++) {
    const i = test[t]!;
    const s = score(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols));
    predictions[t] = { index: i, pLate: s.pLate, late: labels.late[i] === 1, daysToSettle: s.daysToSettle, daysLow: s.daysLow, daysHigh: s.daysHigh, actualDays: labels.daysToSettle[i]! };
    y[t] = labels.late[i]!;
    days[t] = labels.daysToSettle[i]!;
    pm[t] = s.pLate;
    dm[t] = s.daysToSettle;
    pb[t] = s.baselineLate ?? Number.NaN;
    db[t] = s.baselineDays ?? Number.NaN;
    if (days[t]! >= s.daysLow && days[t]! <= s.daysHigh) covered++;
  }
  return {
    auc_late: auc(pm, y),
    brier_late: brier(pm, y),
    mae_days_to_settle: mae(dm, days),
    ece_late: ece(pm, y),
    calibration_bins: calibrationBins(pm, y),
    predictions,
    interval_coverage: covered / n,
    baseline: { auc_late: auc(pb, y), brier_late: brier(pb, y), mae_days_to_settle: mae(db, days) },
  };
}

export function runBacktest(
  invoices: readonly ScoringInvoice[],
  split: CalendarDate,
  spec: ModelSpec = RECOMMENDED_SPEC,
  options: FeatureOptions = {},
): BacktestResult {
  const { train, test, unsettled } = splitRows(invoices, split, true);
  const matrix = extractFeatures(invoices, options);
  const labels = labelsOf(invoices);
  const model = trainModel({ matrix, rows: train, ...labels }, spec);
  const m = evaluate(matrix, labels, test, compileModel(model));
  return { split, n_train: train.length, n_test: test.length, n_unsettled: unsettled, ...m, model };
}

/**
 * The same protocol for the no-fit method: each test invoice scored from what was known on
 * its issue date (features with NOFIT_FEATURE_OPTIONS), nothing trained. `useDisputed` as
 * in the fitted spec.
 */
export function runNoFitBacktest(invoices: readonly ScoringInvoice[], split: CalendarDate, useDisputed = true): NoFitBacktestResult {
  const { test, unsettled } = splitRows(invoices, split, false);
  const matrix = extractFeatures(invoices, NOFIT_FEATURE_OPTIONS);
  const m = evaluate(matrix, labelsOf(invoices), test, (row) => ({
    ...noFitScore(row, useDisputed),
    baselineLate: row[F.histLateShare]!,
    baselineDays: row[F.histMedianDaysToSettle]!,
  }));
  return { split, n_test: test.length, n_unsettled: unsettled, ...m };
}
