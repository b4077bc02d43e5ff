import { addDays, type CalendarDate, diffDays } from '../dates';
import { type BaselineModel, baselineDays, baselineLate, fitBaseline } from './baseline';
import { type BoostedModel, compileBoosted, fitBoosted } from './boosting';
import { type Column, gather, resolveColumns } from './columns';
import { extractFeatures, F, type FeatureMatrix, type FeatureOptions, forEachFeatureRow } from './features';
import { daysToSettle, isLate, type ScoringInvoice } from './invoice';
import { compileLinear, fitLinear, type LinearModel } from './linear';
import { quantile } from './metrics';

/**
 * The scoring model: P(paid late) and days to settle for an invoice from its features at
 * issue date, plus an interval for the pay date. Serialisable as JSON (store it, reload
 * it, `compileModel` it). See docs/decisions/003-scoring-method.md for how the methods
 * were chosen.
 */
export type LateMethod = 'baseline' | 'logistic' | 'boosted';
export type DaysMethod = 'baseline' | 'shrunk-median' | 'linear' | 'boosted';
export const LATE_METHODS: readonly LateMethod[] = ['baseline', 'logistic', 'boosted'];
export const DAYS_METHODS: readonly DaysMethod[] = ['baseline', 'shrunk-median', 'linear', 'boosted'];

export interface ModelSpec {
  late: LateMethod;
  days: DaysMethod;
  /** Use the invoice's own Disputed flag as an input (history dispute counts are always used). */
  useDisputed: boolean;
  /** Boosted models start from the shrunk customer rate / median instead of a constant. */
  boostFromPrior: boolean;
  rounds: number;
}

/** The method the CLI and the app use (chosen by measurement, decision record 003). */
export const RECOMMENDED_SPEC: Readonly<ModelSpec> = {
  late: 'logistic',
  days: 'boosted',
  useDisputed: true,
  boostFromPrior: true,
  rounds: 100,
};

export interface ScoringModel {
  version: 1;
  spec: ModelSpec;
  baseline: BaselineModel;
  late: LinearModel | BoostedModel | null;
  days: LinearModel | BoostedModel | null;
  /** Quantiles of (actual − predicted) days to settle on the training set. */
  residual: { p10: number; p50: number; p90: number };
  nTrain: number;
}

/** Inputs of the P(late) models. */
export function lateColumns(useDisputed: boolean): Column[] {
  const cols: Column[] = [
    { feature: 'amountLog' },
    { feature: 'paperless' },
    { feature: 'termsDays' },
    { feature: 'histCount', transform: 'log1p' },
    { feature: 'histLateShare', transform: 'logit' },
    { feature: 'histLateShareUndisputed', transform: 'logit' },
    { feature: 'histMeanDaysLateShrunk' },
    { feature: 'histMedianPastDue' },
    { feature: 'histMedianPastDueUndisputed' },
    { feature: 'histRecentPastDue' },
    { feature: 'histPaperlessShare' },
    { feature: 'histTrendPerQuarter' },
    { feature: 'histDisputeShare' },
    { feature: 'histDisputesLastYear', transform: 'log1p' },
    { feature: 'daysSinceLastSettled', transform: 'log1p' },
    { feature: 'amountVsTypical' },
    { feature: 'openCount', transform: 'log1p' },
    { feature: 'openOverdueCount', transform: 'log1p' },
    { feature: 'maxDaysOverdue', transform: 'log1p' },
    { feature: 'groupLateShare', transform: 'logit' },
  ];
  if (useDisputed) cols.unshift({ feature: 'disputed' });
  return cols;
}

/** Inputs of the days-to-settle models. */
export function daysColumns(useDisputed: boolean): Column[] {
  return [
    ...lateColumns(useDisputed),
    { feature: 'histMedianDaysToSettle' },
    { feature: 'histMedianDaysToSettleShrunk' },
    { feature: 'expectedDaysToSettle' },
    { feature: 'histMeanDaysToSettleShrunk' },
    { feature: 'firmMedianDaysToSettle' },
  ];
}

export interface TrainingSet {
  matrix: FeatureMatrix;
  rows: ArrayLike<number>;
  late: ArrayLike<number>;
  daysToSettle: ArrayLike<number>;
}

/** Fit a model on the chosen rows of a feature matrix (all of them settled). */
export function trainModel(set: TrainingSet, spec: ModelSpec = RECOMMENDED_SPEC): ScoringModel {
  const { matrix, rows, late, daysToSettle: days } = set;
  const n = rows.length;
  if (n === 0) throw new RangeError('no settled invoices to train on');
  const yLate = new Float64Array(n);
  const yDays = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    yLate[r] = late[rows[r]!]! ? 1 : 0;
    yDays[r] = days[rows[r]!]!;
  }
  const baseline = fitBaseline(yLate, yDays);
  const offsetValues = (col: number) => {
    const v = new Float64Array(n);
    for (let r = 0; r < n; r++) v[r] = matrix.data[rows[r]! * matrix.cols + col]!;
    return v;
  };

  let lateModel: LinearModel | BoostedModel | null = null;
  if (spec.late !== 'baseline') {
    const cols = lateColumns(spec.useDisputed);
    const x = gather(matrix.data, matrix.cols, rows, resolveColumns(cols));
    lateModel =
      spec.late === 'logistic'
        ? fitLinear('logistic', x, yLate, cols, 1)
        : fitBoosted(
            x,
            yLate,
            cols,
            { loss: 'logloss', rounds: spec.rounds, depth: 2, learningRate: 0.05, minLeaf: 20, lambda: 5 },
            spec.boostFromPrior ? { column: { feature: 'histLateShare' }, values: offsetValues(F.histLateShare) } : null,
          );
  }

  let daysModel: LinearModel | BoostedModel | null = null;
  if (spec.days === 'linear' || spec.days === 'boosted') {
    const cols = daysColumns(spec.useDisputed);
    const x = gather(matrix.data, matrix.cols, rows, resolveColumns(cols));
    daysModel =
      spec.days === 'linear'
        ? fitLinear('ridge', x, yDays, cols, 1)
        : fitBoosted(
            x,
            yDays,
            cols,
            { loss: 'l1', rounds: spec.rounds, depth: 2, learningRate: 0.1, minLeaf: 20, lambda: 1 },
            spec.boostFromPrior
              ? { column: { feature: 'expectedDaysToSettle' }, values: offsetValues(F.expectedDaysToSettle) }
              : null,
          );
  }

  const model: ScoringModel = {
    version: 1,
    spec: { ...spec },
    baseline,
    late: lateModel,
    days: daysModel,
    residual: { p10: 0, p50: 0, p90: 0 },
    nTrain: n,
  };
  const score = compileModel(model);
  const resid = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    resid[r] = yDays[r]! - score(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols)).daysToSettle;
  }
  model.residual = { p10: quantile(resid, 0.1), p50: quantile(resid, 0.5), p90: quantile(resid, 0.9) };
  return model;
}

export interface RowScore {
  /** Probability the invoice is paid after its due date. */
  pLate: number;
  /** Predicted days from issue to settlement (≥ 0). */
  daysToSettle: number;
  /** The protocol baseline's figures, for comparison. */
  baselineLate: number;
  baselineDays: number;
}

/** Compile a (possibly deserialised) model into a fast scorer of feature rows. */
export function compileModel(model: ScoringModel): (row: ArrayLike<number>) => RowScore {
  const late = model.late ? (model.late.kind === 'boosted' ? compileBoosted(model.late) : compileLinear(model.late)) : null;
  const days = model.days ? (model.days.kind === 'boosted' ? compileBoosted(model.days) : compileLinear(model.days)) : null;
  const b = model.baseline;
  const method = model.spec.days;
  return (row) => {
    const count = row[F.histCount]!;
    const bl = baselineLate(b, row[F.histLateCount]!, count);
    const bd = baselineDays(b, row[F.histMedianDaysToSettle]!, count);
    const pLate = late ? late(row) : bl;
    let d: number;
    if (days) d = days(row);
    else if (method === 'shrunk-median') d = row[F.histMedianDaysToSettleShrunk]!;
    else d = bd;
    return { pLate, daysToSettle: Math.max(0, d), baselineLate: bl, baselineDays: bd };
  };
}

export interface PayDatePrediction {
  date: CalendarDate;
  /** ~10th and ~90th percentile of the pay date (training residual quantiles). */
  low: CalendarDate;
  high: CalendarDate;
}

/** Days from issue: the predicted pay day and its 10–90% band from training residuals. */
export function payDayBand(model: ScoringModel, predictedDays: number): { mid: number; low: number; high: number } {
  const mid = Math.round(predictedDays);
  const low = Math.min(mid, Math.max(0, Math.round(predictedDays + model.residual.p10)));
  const high = Math.max(mid, Math.round(predictedDays + model.residual.p90));
  return { mid, low, high };
}

/** Pay date = issue date + predicted days, with the empirical 10–90% residual band. */
export function predictPayDate(model: ScoringModel, issueDate: CalendarDate, predictedDays: number): PayDatePrediction {
  const b = payDayBand(model, predictedDays);
  return { date: addDays(issueDate, b.mid), low: addDays(issueDate, b.low), high: addDays(issueDate, b.high) };
}

export interface InvoiceScore extends PayDatePrediction {
  id: string;
  pLate: number;
  daysToSettle: number;
}

/**
 * Score invoices as of their issue dates: one chronological sweep (history = the other
 * invoices in `invoices` settled before each issue date), one pass of the model per row.
 * Results are in input order.
 */
export function scoreInvoices(model: ScoringModel, invoices: readonly ScoringInvoice[], options: FeatureOptions = {}): InvoiceScore[] {
  const score = compileModel(model);
  const out = new Array<InvoiceScore>(invoices.length);
  forEachFeatureRow(
    invoices,
    (i, row) => {
      const s = score(row);
      const inv = invoices[i]!;
      out[i] = { id: inv.id, pLate: s.pLate, daysToSettle: s.daysToSettle, ...predictPayDate(model, inv.issueDate, s.daysToSettle) };
    },
    options,
  );
  return out;
}

/** Labels of settled invoices (NaN / 0 for open ones). */
export function labelsOf(invoices: readonly ScoringInvoice[]): { late: Uint8Array; daysToSettle: Float64Array } {
  const late = new Uint8Array(invoices.length);
  const days = new Float64Array(invoices.length).fill(Number.NaN);
  invoices.forEach((inv, i) => {
    late[i] = isLate(inv) ? 1 : 0;
    const d = daysToSettle(inv);
    if (d !== null) days[i] = d;
  });
  return { late, daysToSettle: days };
}

/**
 * Train on every invoice settled before `before` (the app's nightly fit: pass today).
 * Features come from the same single sweep, so each training row sees only its own past.
 */
export function fitScoringModel(
  invoices: readonly ScoringInvoice[],
  before: CalendarDate,
  spec: ModelSpec = RECOMMENDED_SPEC,
  options: FeatureOptions = {},
): ScoringModel {
  const matrix = extractFeatures(invoices, options);
  const labels = labelsOf(invoices);
  const rows: number[] = [];
  invoices.forEach((inv, i) => {
    if (inv.settledDate !== null && diffDays(inv.settledDate, before) > 0) rows.push(i);
  });
  return trainModel({ matrix, rows, late: labels.late, daysToSettle: labels.daysToSettle }, spec);
}
