import { addDays, type CalendarDate, toDayNumber } from '../../../kernel/dates';
import { type BaselineModel, baselineDays, baselineLate, fitBaseline } from './baseline';
import { type BoostedModel, compileBoosted, fitBoosted } from './boosting';
import { type Column, gather, resolveColumns } from './columns';
import { extractFeatures, F, type FeatureMatrix, type FeatureName, type FeatureOptions, forEachFeatureRow } from './features';
import { daysToSettle, isLate, type ScoringInvoice } from './invoice';
import { compileLinear, fitLinear, type LinearModel } from './linear';
import { quantile } from './metrics';

/**
 * The scoring model: P(paid late) and days to settle for an invoice from its features at
 * issue date, plus an interval for the pay date. Serialisable as JSON (store it, reload
 * it, `compileModel` it). See docs/decisions/003-scoring-method.md for how the methods
 * were chosen.
 */
export type LateMethod = 'baseline' | 'logistic' | 'boosted' | 'days-distribution' | 'blend';
export type DaysMethod = 'baseline' | 'shrunk-median' | 'linear' | 'lad' | 'boosted';
export const LATE_METHODS: readonly LateMethod[] = ['baseline', 'logistic', 'boosted', 'days-distribution', 'blend'];
export const DAYS_METHODS: readonly DaysMethod[] = ['baseline', 'shrunk-median', 'linear', 'lad', 'boosted'];

export interface ModelSpec {
  /**
   * P(late): the protocol baseline; L2 logistic regression; boosted depth-2 trees on log
   * loss; or read off the days model — P(predicted days + residual > terms), the residual
   * drawn from the training residuals; or 'blend', the mean of 'boosted' and
   * 'days-distribution'.
   */
  late: LateMethod;
  /**
   * Days to settle: the baseline; the customer median shrunk toward the firm median
   * (1 pseudo-invoice); ridge or least-absolute-deviation linear regression; boosted
   * depth-2 trees on absolute loss.
   */
  days: DaysMethod;
  /** Use the invoice's own Disputed flag as an input (history dispute counts are always used). */
  useDisputed: boolean;
  /** Boosted models start from the shrunk customer rate / expected days instead of a constant. */
  boostFromPrior: boolean;
  /**
   * Boosting rounds, or 'auto': chosen on a time-ordered hold-out inside the training set
   * (train on what settled before the last quarter of training issue dates, validate on the
   * invoices issued in that quarter), then refitted on the whole training set.
   */
  rounds: number | 'auto';
}

/** The method the CLI and the app use (chosen by measurement, decision record 003). */
export const RECOMMENDED_SPEC: Readonly<ModelSpec> = {
  late: 'blend',
  days: 'lad',
  useDisputed: true,
  boostFromPrior: false,
  rounds: 'auto',
};

export interface ScoringModel {
  version: 1;
  spec: ModelSpec;
  baseline: BaselineModel;
  late: LinearModel | BoostedModel | null;
  days: LinearModel | BoostedModel | null;
  /**
   * Training residuals (actual − predicted days to settle) by how much history the customer
   * had: percentiles 0…100 per bucket. They give the pay-date band (10th–90th) and the
   * 'days-distribution' P(late). A bucket applies from `minHistory` settled invoices up.
   */
  residuals: ResidualBucket[];
  nTrain: number;
}

export interface ResidualBucket {
  minHistory: number;
  n: number;
  percentiles: number[];
}

/** History-count buckets for residuals; a bucket with fewer rows uses all residuals. */
const RESIDUAL_BUCKETS = [0, 1, 3, 6, 12];
const MIN_BUCKET_ROWS = 40;

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
  /** Matrix rows to train on (settled invoices). */
  rows: ArrayLike<number>;
  /** Per matrix row: late (0/1), days to settle, issue and settlement day numbers. */
  late: ArrayLike<number>;
  daysToSettle: ArrayLike<number>;
  issueDay: ArrayLike<number>;
  settleDay: ArrayLike<number>;
}

const LATE_BOOST = { loss: 'logloss', depth: 2, learningRate: 0.1, minLeaf: 20, lambda: 5 } as const;
const DAYS_BOOST = { loss: 'l1', depth: 2, learningRate: 0.1, minLeaf: 20, lambda: 1 } as const;
const MAX_AUTO_ROUNDS = 300;
const DEFAULT_ROUNDS = 100;

/**
 * Split training rows in time for choosing the number of boosting rounds: validation = rows
 * issued in the last quarter of the training issue dates, inner training = rows settled
 * before that. Null when either side would be too small to be worth it.
 */
function innerSplit(set: TrainingSet): { fit: number[]; check: number[] } | null {
  const issues = Array.from(set.rows, (i) => set.issueDay[i]!).sort((a, b) => a - b);
  const cut = issues[Math.floor(issues.length * 0.75)]!;
  const fit: number[] = [];
  const check: number[] = [];
  for (let r = 0; r < set.rows.length; r++) {
    const i = set.rows[r]!;
    if (set.settleDay[i]! < cut) fit.push(i);
    if (set.issueDay[i]! >= cut) check.push(i);
  }
  return fit.length >= 50 && check.length >= 30 ? { fit, check } : null;
}

function bestRounds(curve: number[]): number {
  let best = 1;
  for (let k = 1; k < curve.length; k++) if (curve[k]! < curve[best]! - 1e-12) best = k;
  return Math.max(10, best);
}

/** Fit a model on the chosen rows of a feature matrix (all of them settled). */
export function trainModel(set: TrainingSet, spec: ModelSpec = RECOMMENDED_SPEC): ScoringModel {
  const { matrix, rows } = set;
  const n = rows.length;
  if (n === 0) throw new RangeError('no settled invoices to train on');
  const column = (rs: ArrayLike<number>, col: number) => Float64Array.from({ length: rs.length }, (_, r) => matrix.data[rs[r]! * matrix.cols + col]!);
  const labels = (rs: ArrayLike<number>, y: ArrayLike<number>) => Float64Array.from({ length: rs.length }, (_, r) => y[rs[r]!]!);
  const yLate = labels(rows, set.late);
  const yDays = labels(rows, set.daysToSettle);
  const baseline = fitBaseline(yLate, yDays);
  const inner = spec.rounds === 'auto' ? innerSplit(set) : null;

  /** `y` is indexed by matrix row. */
  const boost = (
    cols: Column[],
    y: ArrayLike<number>,
    options: typeof LATE_BOOST | typeof DAYS_BOOST,
    offsetFeature: FeatureName | null,
  ): BoostedModel => {
    const resolved = resolveColumns(cols);
    let rounds = typeof spec.rounds === 'number' ? spec.rounds : DEFAULT_ROUNDS;
    if (inner) {
      const probe = fitBoosted(
        gather(matrix.data, matrix.cols, inner.fit, resolved),
        labels(inner.fit, y),
        cols,
        { ...options, rounds: MAX_AUTO_ROUNDS },
        offsetFeature ? { column: { feature: offsetFeature }, values: column(inner.fit, F[offsetFeature]) } : null,
        {
          x: gather(matrix.data, matrix.cols, inner.check, resolved),
          y: labels(inner.check, y),
          offset: offsetFeature ? column(inner.check, F[offsetFeature]) : null,
        },
      );
      rounds = bestRounds(probe.validationLoss);
    }
    const { validationLoss: _, ...model } = fitBoosted(
      gather(matrix.data, matrix.cols, rows, resolved),
      labels(rows, y),
      cols,
      { ...options, rounds },
      offsetFeature ? { column: { feature: offsetFeature }, values: column(rows, F[offsetFeature]) } : null,
    );
    return model;
  };

  let daysModel: LinearModel | BoostedModel | null = null;
  const dCols = daysColumns(spec.useDisputed);
  if (spec.days === 'linear' || spec.days === 'lad') {
    daysModel = fitLinear(spec.days === 'linear' ? 'ridge' : 'lad', gather(matrix.data, matrix.cols, rows, resolveColumns(dCols)), yDays, dCols, 1);
  } else if (spec.days === 'boosted') {
    daysModel = boost(dCols, set.daysToSettle, DAYS_BOOST, spec.boostFromPrior ? 'expectedDaysToSettle' : null);
  }

  let lateModel: LinearModel | BoostedModel | null = null;
  const lCols = lateColumns(spec.useDisputed);
  if (spec.late === 'logistic') {
    lateModel = fitLinear('logistic', gather(matrix.data, matrix.cols, rows, resolveColumns(lCols)), yLate, lCols, 1);
  } else if (spec.late === 'boosted' || spec.late === 'blend') {
    lateModel = boost(lCols, set.late, LATE_BOOST, spec.boostFromPrior ? 'histLateShare' : null);
  }

  const model: ScoringModel = {
    version: 1,
    spec: { ...spec },
    baseline,
    late: lateModel,
    days: daysModel,
    residuals: [{ minHistory: 0, n: 0, percentiles: new Array<number>(101).fill(0) }],
    nTrain: n,
  };
  // Residuals need the days part only, so the late part may read them afterwards.
  const score = compileModel(model);
  const resid = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    resid[r] = yDays[r]! - score(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols)).daysToSettle;
  }
  const percentiles = (v: ArrayLike<number>) => {
    const sorted = Float64Array.from(v).sort();
    return Array.from({ length: 101 }, (_, k) => quantile(sorted, k / 100));
  };
  const pooled = percentiles(resid);
  model.residuals = RESIDUAL_BUCKETS.map((minHistory, b) => {
    const maxHistory = RESIDUAL_BUCKETS[b + 1] ?? Number.POSITIVE_INFINITY;
    const inBucket: number[] = [];
    for (let r = 0; r < n; r++) {
      const h = matrix.data[rows[r]! * matrix.cols + F.histCount]!;
      if (h >= minHistory && h < maxHistory) inBucket.push(resid[r]!);
    }
    return { minHistory, n: inBucket.length, percentiles: inBucket.length >= MIN_BUCKET_ROWS ? percentiles(inBucket) : pooled };
  });
  return model;
}

/** P(residual > t) from percentiles 0…100, linear between them, kept inside [0.5%, 99.5%]. */
function exceedance(percentiles: readonly number[], t: number): number {
  const last = percentiles.length - 1;
  let cdf: number;
  if (t < percentiles[0]!) cdf = 0;
  else if (t >= percentiles[last]!) cdf = 1;
  else {
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (percentiles[mid]! <= t) lo = mid;
      else hi = mid;
    }
    const a = percentiles[lo]!;
    const b = percentiles[hi]!;
    cdf = (lo + (b > a ? (t - a) / (b - a) : 1)) / last;
  }
  return Math.min(0.995, Math.max(0.005, 1 - cdf));
}

export interface RowScore {
  /** Probability the invoice is paid after its due date. */
  pLate: number;
  /** Predicted days from issue to settlement (≥ 0). */
  daysToSettle: number;
  /** 10th–90th percentile band of the days to settle (whole days, low ≤ round(days) ≤ high). */
  daysLow: number;
  daysHigh: number;
  /** The protocol baseline's figures, for comparison. */
  baselineLate: number;
  baselineDays: number;
}

/** Compile a (possibly deserialised) model into a fast scorer of feature rows. */
export function compileModel(model: ScoringModel): (row: ArrayLike<number>) => RowScore {
  const late = model.late ? (model.late.kind === 'boosted' ? compileBoosted(model.late) : compileLinear(model.late)) : null;
  const days = model.days ? (model.days.kind === 'boosted' ? compileBoosted(model.days) : compileLinear(model.days)) : null;
  const b = model.baseline;
  const daysMethod = model.spec.days;
  const fromDays = model.spec.late === 'days-distribution' || model.spec.late === 'blend';
  const blend = model.spec.late === 'blend';
  const buckets = model.residuals;
  return (row) => {
    const count = row[F.histCount]!;
    const bl = baselineLate(b, row[F.histLateCount]!, count);
    const bd = baselineDays(b, row[F.histMedianDaysToSettle]!, count);
    let d: number;
    if (days) d = days(row);
    else if (daysMethod === 'shrunk-median') d = row[F.histMedianDaysToSettleShrunk]!;
    else d = bd;
    d = Math.max(0, d);
    let pct = buckets[0]!.percentiles;
    for (const bucket of buckets) if (count >= bucket.minHistory) pct = bucket.percentiles;
    let pLate: number;
    if (blend) pLate = (late!(row) + exceedance(pct, row[F.termsDays]! - d)) / 2;
    else if (late) pLate = late(row);
    else if (fromDays) pLate = exceedance(pct, row[F.termsDays]! - d);
    else pLate = bl;
    const mid = Math.round(d);
    const low = Math.min(mid, Math.max(0, Math.round(d + pct[10]!)));
    const high = Math.max(mid, Math.round(d + pct[90]!));
    return { pLate, daysToSettle: d, daysLow: low, daysHigh: high, baselineLate: bl, baselineDays: bd };
  };
}

export interface PayDatePrediction {
  date: CalendarDate;
  /** ~10th and ~90th percentile of the pay date (training residual quantiles). */
  low: CalendarDate;
  high: CalendarDate;
}

/** Pay date = issue date + predicted days, with the empirical 10–90% residual band. */
export function predictPayDate(issueDate: CalendarDate, score: Pick<RowScore, 'daysToSettle' | 'daysLow' | 'daysHigh'>): PayDatePrediction {
  return {
    date: addDays(issueDate, Math.round(score.daysToSettle)),
    low: addDays(issueDate, score.daysLow),
    high: addDays(issueDate, score.daysHigh),
  };
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
      out[i] = { id: inv.id, pLate: s.pLate, daysToSettle: s.daysToSettle, ...predictPayDate(inv.issueDate, s) };
    },
    options,
  );
  return out;
}

/** Labels and day numbers per invoice (late 0, days/settle day NaN for open ones). */
export function labelsOf(invoices: readonly ScoringInvoice[]): {
  late: Uint8Array;
  daysToSettle: Float64Array;
  issueDay: Float64Array;
  settleDay: Float64Array;
} {
  const late = new Uint8Array(invoices.length);
  const days = new Float64Array(invoices.length).fill(Number.NaN);
  const issueDay = new Float64Array(invoices.length);
  const settleDay = new Float64Array(invoices.length).fill(Number.NaN);
  invoices.forEach((inv, i) => {
    late[i] = isLate(inv) ? 1 : 0;
    const d = daysToSettle(inv);
    if (d !== null) days[i] = d;
    issueDay[i] = toDayNumber(inv.issueDate);
    if (inv.settledDate !== null) settleDay[i] = toDayNumber(inv.settledDate);
  });
  return { late, daysToSettle: days, issueDay, settleDay };
}

/**
 * Train on the invoices settled before `before` (the app's nightly fit: pass today) — at
 * most `maxTrainRows` of them, the most recently settled (default 200,000; boosting time
 * grows linearly with rows). Features come from the same single sweep, so each training row
 * sees only its own past.
 */
export function fitScoringModel(
  invoices: readonly ScoringInvoice[],
  before: CalendarDate,
  spec: ModelSpec = RECOMMENDED_SPEC,
  options: FeatureOptions & { maxTrainRows?: number } = {},
): ScoringModel {
  const matrix = extractFeatures(invoices, options);
  const labels = labelsOf(invoices);
  const cut = toDayNumber(before);
  let rows: number[] = [];
  for (let i = 0; i < invoices.length; i++) if (labels.settleDay[i]! < cut) rows.push(i);
  const max = options.maxTrainRows ?? 200_000;
  if (rows.length > max) {
    rows = rows
      .sort((a, b) => labels.settleDay[b]! - labels.settleDay[a]! || a - b)
      .slice(0, max)
      .sort((a, b) => a - b);
  }
  return trainModel({ matrix, rows, ...labels }, spec);
}
