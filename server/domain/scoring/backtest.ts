import type { CalendarDate } from '../../../kernel/dates';
import { extractFeatures, type FeatureOptions } from './features';
import type { ScoringInvoice } from './invoice';
import { auc, brier, mae } from './metrics';
import { compileModel, labelsOf, type ModelSpec, RECOMMENDED_SPEC, type ScoringModel, trainModel } from './model';

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

export interface BacktestResult extends BacktestMetrics {
  split: CalendarDate;
  n_train: number;
  n_test: number;
  n_unsettled: number;
  baseline: BacktestMetrics;
  /** Share of test invoices settled inside the predicted 10–90% pay-date band. */
  interval_coverage: number;
  model: ScoringModel;
}

export class BacktestError extends Error {
  override name = 'BacktestError';
}

export function runBacktest(
  invoices: readonly ScoringInvoice[],
  split: CalendarDate,
  spec: ModelSpec = RECOMMENDED_SPEC,
  options: FeatureOptions = {},
): BacktestResult {
  const matrix = extractFeatures(invoices, options);
  const labels = labelsOf(invoices);
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
  if (train.length === 0) throw new BacktestError(`no invoices settled before ${split} to train on`);
  if (test.length === 0) throw new BacktestError(`no settled invoices issued on or after ${split} to test on`);

  const model = trainModel({ matrix, rows: train, ...labels }, spec);
  const score = compileModel(model);
  const n = test.length;
  const y = new Uint8Array(n);
  const days = new Float64Array(n);
  const pm = new Float64Array(n);
  const dm = new Float64Array(n);
  const pb = new Float64Array(n);
  const db = new Float64Array(n);
  let covered = 0;
  for (let t = 0; t < n; t++) {
    const i = test[t]!;
    const s = score(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols));
    y[t] = labels.late[i]!;
    days[t] = labels.daysToSettle[i]!;
    pm[t] = s.pLate;
    dm[t] = s.daysToSettle;
    pb[t] = s.baselineLate;
    db[t] = s.baselineDays;
    if (days[t]! >= s.daysLow && days[t]! <= s.daysHigh) covered++;
  }
  return {
    split,
    n_train: train.length,
    n_test: n,
    n_unsettled: unsettled,
    auc_late: auc(pm, y),
    brier_late: brier(pm, y),
    mae_days_to_settle: mae(dm, days),
    baseline: { auc_late: auc(pb, y), brier_late: brier(pb, y), mae_days_to_settle: mae(db, days) },
    interval_coverage: covered / n,
    model,
  };
}
