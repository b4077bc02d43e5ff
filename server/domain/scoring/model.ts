import { addDays, type CalendarDate, toDayNumber } from '../../../kernel/dates';
import { type BaselineModel, baselineDays, baselineLate, fitBaseline } from './baseline';
import { type BoostedModel, compileBoosted, fitBoosted } from './boosting';
import { applyCalibration, type CalibrationMap, conformalScale, fitIsotonic, fitPlatt } from './calibration';
import { type Column, gather, resolveColumns } from './columns';
import { DEFAULT_EFFECTS, extractFeatures, F, type FeatureMatrix, type FeatureName, type FeatureOptions, forEachFeatureRow } from './features';
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
  /**
   * Calibration of P(late) (decision 034): 'isotonic' (PAV) or 'platt', fitted on out-of-sample
   * raw scores of the training rows (cross-fitted, `calibrationFolds`); 'none' (or absent, as in
   * models stored before 034) leaves the raw score.
   */
  calibration?: 'isotonic' | 'platt' | 'none';
  /**
   * Pay-date band: 'conformal' scales the residual percentiles by one factor so the 10–90% band
   * covers 80% of out-of-sample residuals (same folds as the calibration); 'in-sample' (or
   * absent) keeps the training residuals as they are.
   */
  band?: 'conformal' | 'in-sample';
  /**
   * Decision 066: the calibration and the band factors are read only on the out-of-sample rows
   * issued in [cut − lagDays − days, cut − lagDays), cut = the day after the last training
   * settlement (days null: from the first row). The rows issued in the last `lagDays` before the
   * cut are in the training set only if they were paid quickly (the late ones have not settled
   * yet), so they would teach the map that invoices are paid earlier than they are. Absent (as
   * in models stored before 066): every out-of-sample row.
   */
  recent?: { lagDays: number; days: number | null };
  /**
   * Decision 066: the share of out-of-sample residuals the conformal band is sized to cover
   * (absent: BAND_COVERAGE, 80%) — chosen on validation windows so that the band covers 80% of
   * *later* invoices, which the training period's rows need not predict exactly.
   */
  bandTarget?: number;
  /**
   * Decision 066: the days to settle are (1 − ruleBlend) × the days model + ruleBlend × the
   * no-fit rule's days (terms + the customer's adjusted, shrunk habit + the fixed effects of a
   * disputed / electronically billed invoice; nofit.ts). Absent: 0, the days model alone.
   */
  ruleBlend?: number;
  /**
   * Decision 072: the P(late) model (logistic or boosted) is trained only on the rows `recent`
   * reads — issued `recent.lagDays` or more before the cut, whose outcome was sure to be known —
   * so it is not taught by the last weeks' invoices, which are in the training set only when they
   * were paid quickly. The days model keeps every settled row (its error grew without them).
   * Absent (or without `recent`, or when that window holds too few rows): every settled row.
   */
  lateOnKnown?: boolean;
}

/** The method the CLI and the app use (chosen by measurement, decision record 003). */
export const RECOMMENDED_SPEC: Readonly<ModelSpec> = {
  late: 'blend',
  days: 'lad',
  useDisputed: true,
  boostFromPrior: false,
  rounds: 'auto',
  // Decision 057: Platt (two numbers) over isotonic — on the validation split the isotonic map,
  // read on ~500 cross-fitted rows, over-fitted them (ECE 0.044 against 0.033).
  calibration: 'platt',
  band: 'conformal',
  // Decision 066, chosen on the validation windows: the map and the band read only on rows whose
  // outcome was sure to be known (issued 75 days or more before the cut — the longest days to
  // settle in the sample's pre-2013 history); the days half the LAD model, half the no-fit rule
  // (MAE lower on every window); the band sized for 78% of those rows (with the blend, 80% and
  // 82% covered more than 82% of one window's invoices).
  recent: { lagDays: 75, days: null },
  ruleBlend: 0.5,
  bandTarget: 0.78,
  // Decision 072, chosen on rolling validation windows whose outcomes were all known: the P(late)
  // model trained on those same known-outcome rows (its level was 0.02–0.04 low on every window).
  lateOnKnown: true,
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
  /** Map from the raw P(late) to the calibrated one, fitted on cross-fitted out-of-sample scores (absent: none). */
  calibration?: CalibrationMap | null;
  /** The pooled conformal factor (absent: 1); since decision 057 a bucket with enough rows has its own (bandScales). */
  bandScale?: number;
  /** Decision 057: the factor each residual bucket was multiplied by (its own when it had enough out-of-sample rows, else bandScale). */
  bandScales?: number[];
  /** How many out-of-sample rows the calibration and the band factor were read on. */
  nCalibration?: number;
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
    // Decision 057: the customer's habit with disputes and electronic billing taken out, and the
    // days it implies for this invoice.
    { feature: 'histMedianPastDueAdjusted' },
    { feature: 'expectedDaysAdjusted' },
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
    { feature: 'histMedianPastDueAdjustedShrunk' },
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

/** Nominal coverage of the pay-date band (10th–90th percentile). */
export const BAND_COVERAGE = 0.8;

/**
 * Folds for calibration and the band (decision 034): training rows (in input order) dealt into
 * CAL_FOLDS folds, row r to fold r mod CAL_FOLDS; each fold is read by a model fitted on the
 * other folds, so every training row gets an out-of-sample raw P(late) and residual from a model
 * nearly as strong as the final one. Time-ordered folds (fit on the earlier training rows, read
 * the later ones) were tried first and rejected on the validation split: their sub-models, fitted
 * on a few months with little customer history, are far weaker than the refitted model, and
 * the map read from them made calibration worse (ECE 0.08–0.24 against 0.07 uncalibrated).
 */
export const CAL_FOLDS = 4;
const MIN_CAL_FIT = 50;
const MIN_CAL_ROWS = 60;

/**
 * At most this many training rows are cross-fitted for the calibration and the band: above it an
 * even stride through the rows (input order) is used, so training costs at most the final fit plus
 * four fits of CAL_MAX_ROWS·¾ rows however large the organisation (decision 034).
 */
export const CAL_MAX_ROWS = 20_000;

/** The rows the calibration reads: all of them, or an even stride of CAL_MAX_ROWS. */
export function calibrationSample(rows: ArrayLike<number>, max = CAL_MAX_ROWS): ArrayLike<number> {
  if (rows.length <= max) return rows;
  return Array.from({ length: max }, (_, k) => rows[Math.floor((k * rows.length) / max)]!);
}

/** The calibration folds of a training set, or null when it is too small to be worth it. */
export function calibrationFolds(rows: ArrayLike<number>, folds = CAL_FOLDS): { fit: number[]; check: number[] }[] | null {
  const out = Array.from({ length: folds }, () => ({ fit: [] as number[], check: [] as number[] }));
  for (let r = 0; r < rows.length; r++) for (let f = 0; f < folds; f++) (r % folds === f ? out[f]!.check : out[f]!.fit).push(rows[r]!);
  return rows.length >= MIN_CAL_ROWS && out.every((f) => f.fit.length >= MIN_CAL_FIT) ? out : null;
}

function boostedRounds(m: LinearModel | BoostedModel | null): number | null {
  return m && m.kind === 'boosted' ? m.trees.length : null;
}

/**
 * Decision 057: one conformal factor per history bucket (Mondrian split conformal), read on that
 * bucket's out-of-sample rows (`hist[j]` = row j's settled-invoice count); a bucket with fewer
 * than MIN_BUCKET_ROWS of them takes the pooled factor `pooled`. Returns the factor per bucket;
 * each bucket's percentiles are multiplied by its own.
 */
export function conformalFactors(
  buckets: readonly ResidualBucket[],
  hist: readonly number[],
  r: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  pooled: number,
  target = BAND_COVERAGE,
): number[] {
  return buckets.map((b, k) => {
    const upper = buckets[k + 1]?.minHistory ?? Number.POSITIVE_INFINITY;
    const idx: number[] = [];
    for (let j = 0; j < hist.length; j++) if (hist[j]! >= b.minHistory && hist[j]! < upper) idx.push(j);
    const c =
      idx.length >= MIN_BUCKET_ROWS
        ? conformalScale(
            idx.map((j) => r[j]!),
            idx.map((j) => lo[j]!),
            idx.map((j) => hi[j]!),
            target,
            0.5,
          )
        : pooled;
    return c;
  });
}

function scaleBuckets(buckets: ResidualBucket[], factors: readonly number[]): ResidualBucket[] {
  return buckets.map((b, k) => ({ ...b, percentiles: b.percentiles.map((v) => v * factors[k]!) }));
}

function bucketFor(buckets: readonly ResidualBucket[], count: number): ResidualBucket {
  let pct = buckets[0]!;
  for (const bucket of buckets) if (count >= bucket.minHistory) pct = bucket;
  return pct;
}

/**
 * Fit a model on the chosen rows of a feature matrix (all of them settled). With
 * `spec.calibration` / `spec.band` set, every row is also scored out of sample by cross-fitting
 * (calibrationFolds): the isotonic/Platt map is fitted on those raw P(late) scores and the
 * band factor on those residuals, and both are attached to the model fitted on all rows.
 */
export function trainModel(set: TrainingSet, spec: ModelSpec = RECOMMENDED_SPEC): ScoringModel {
  // The window is read off the whole training set (its cut is the day after its last settlement).
  const use = recentFilter(set, spec.recent);
  const trainOn = (rows: ArrayLike<number>, sp: ModelSpec): ScoringModel => {
    const known = spec.lateOnKnown && spec.recent ? Array.from(rows).filter(use) : null;
    return trainUncalibrated({ ...set, rows }, sp, known && known.length >= MIN_CAL_FIT ? known : rows);
  };
  const model = trainOn(set.rows, spec);
  const calibrate = spec.calibration === 'isotonic' || spec.calibration === 'platt';
  const conformal = spec.band === 'conformal';
  if (!calibrate && !conformal) return model;
  const folds = calibrationFolds(calibrationSample(set.rows));
  if (!folds) return model;
  // The sub-models use the final model's boosting rounds (no second inner search).
  const rounds = boostedRounds(model.late) ?? boostedRounds(model.days) ?? spec.rounds;
  const subSpec: ModelSpec = { ...spec, rounds, calibration: 'none', band: 'in-sample' };
  const subs = folds.map((f) => ({ check: f.check, model: trainOn(f.fit, subSpec) }));
  const row = (i: number) => set.matrix.data.subarray(i * set.matrix.cols, (i + 1) * set.matrix.cols);
  for (const sub of subs) sub.check = sub.check.filter(use);
  let c = 1;
  let factors: number[] | null = null;
  if (conformal) {
    const r: number[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    const hist: number[] = [];
    for (const sub of subs) {
      const score = compileModel(sub.model);
      for (const i of sub.check) {
        const x = row(i);
        const pct = bucketFor(sub.model.residuals, x[F.histCount]!).percentiles;
        r.push(set.daysToSettle[i]! - score(x).daysToSettle);
        hist.push(x[F.histCount]!);
        lo.push(Math.min(-0.5, pct[10]!));
        hi.push(Math.max(0.5, pct[90]!));
      }
    }
    // Pay dates are whole days and the band is rounded outward-inclusive: half a day of slack.
    const target = spec.bandTarget ?? BAND_COVERAGE;
    c = conformalScale(r, lo, hi, target, 0.5);
    factors = conformalFactors(model.residuals, hist, r, lo, hi, c, target);
    model.residuals = scaleBuckets(model.residuals, factors);
    model.bandScale = c;
    model.bandScales = factors;
  }
  let n = 0;
  if (calibrate) {
    const p: number[] = [];
    const y: number[] = [];
    for (const sub of subs) {
      // Raw scores as the final model will produce them: residuals widened by the same factor.
      sub.model.residuals = factors ? scaleBuckets(sub.model.residuals, factors) : sub.model.residuals;
      const score = compileModel(sub.model);
      for (const i of sub.check) {
        p.push(score(row(i)).pLate);
        y.push(set.late[i]!);
      }
    }
    model.calibration = spec.calibration === 'platt' ? fitPlatt(p, y) : fitIsotonic(p, y);
    n = p.length;
  }
  model.nCalibration = n || subs.reduce((s, sub) => s + sub.check.length, 0);
  return model;
}

/**
 * Which out-of-sample rows the calibration and band read (spec.recent, decision 066): those issued
 * in the recent window, or every row when the window holds fewer than MIN_CAL_ROWS of them.
 */
export function recentFilter(set: Pick<TrainingSet, 'rows' | 'issueDay' | 'settleDay'>, recent: ModelSpec['recent']): (i: number) => boolean {
  if (!recent) return () => true;
  let last = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < set.rows.length; r++) last = Math.max(last, set.settleDay[set.rows[r]!]!);
  const end = last + 1 - recent.lagDays;
  const start = recent.days === null ? Number.NEGATIVE_INFINITY : end - recent.days;
  const inWindow = (i: number) => set.issueDay[i]! >= start && set.issueDay[i]! < end;
  let n = 0;
  for (let r = 0; r < set.rows.length; r++) if (inWindow(set.rows[r]!)) n++;
  return n >= MIN_CAL_ROWS ? inWindow : () => true;
}

/** `lateRows`: the rows the P(late) model is trained on (spec.lateOnKnown), by default all of them. */
function trainUncalibrated(set: TrainingSet, spec: ModelSpec, lateRows: ArrayLike<number> = set.rows): ScoringModel {
  const { matrix, rows } = set;
  const n = rows.length;
  if (n === 0) throw new RangeError('no settled invoices to train on');
  const column = (rs: ArrayLike<number>, col: number) => Float64Array.from({ length: rs.length }, (_, r) => matrix.data[rs[r]! * matrix.cols + col]!);
  const labels = (rs: ArrayLike<number>, y: ArrayLike<number>) => Float64Array.from({ length: rs.length }, (_, r) => y[rs[r]!]!);
  const yLate = labels(rows, set.late);
  const yDays = labels(rows, set.daysToSettle);
  const baseline = fitBaseline(yLate, yDays);

  /** `y` is indexed by matrix row; `rs` are the rows to fit on. */
  const boost = (
    cols: Column[],
    y: ArrayLike<number>,
    options: typeof LATE_BOOST | typeof DAYS_BOOST,
    offsetFeature: FeatureName | null,
    rs: ArrayLike<number>,
  ): BoostedModel => {
    const inner = spec.rounds === 'auto' ? innerSplit({ ...set, rows: rs }) : null;
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
      gather(matrix.data, matrix.cols, rs, resolved),
      labels(rs, y),
      cols,
      { ...options, rounds },
      offsetFeature ? { column: { feature: offsetFeature }, values: column(rs, F[offsetFeature]) } : null,
    );
    return model;
  };

  let daysModel: LinearModel | BoostedModel | null = null;
  const dCols = daysColumns(spec.useDisputed);
  if (spec.days === 'linear' || spec.days === 'lad') {
    daysModel = fitLinear(spec.days === 'linear' ? 'ridge' : 'lad', gather(matrix.data, matrix.cols, rows, resolveColumns(dCols)), yDays, dCols, 1);
  } else if (spec.days === 'boosted') {
    daysModel = boost(dCols, set.daysToSettle, DAYS_BOOST, spec.boostFromPrior ? 'expectedDaysToSettle' : null, rows);
  }

  let lateModel: LinearModel | BoostedModel | null = null;
  const lCols = lateColumns(spec.useDisputed);
  if (spec.late === 'logistic') {
    lateModel = fitLinear('logistic', gather(matrix.data, matrix.cols, lateRows, resolveColumns(lCols)), labels(lateRows, set.late), lCols, 1);
  } else if (spec.late === 'boosted' || spec.late === 'blend') {
    lateModel = boost(lCols, set.late, LATE_BOOST, spec.boostFromPrior ? 'histLateShare' : null, lateRows);
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
  let fallback = pooled;
  model.residuals = RESIDUAL_BUCKETS.map((minHistory, b) => {
    const maxHistory = RESIDUAL_BUCKETS[b + 1] ?? Number.POSITIVE_INFINITY;
    const inBucket: number[] = [];
    for (let r = 0; r < n; r++) {
      const h = matrix.data[rows[r]! * matrix.cols + F.histCount]!;
      if (h >= minHistory && h < maxHistory) inBucket.push(resid[r]!);
    }
    if (inBucket.length >= MIN_BUCKET_ROWS) {
      const own = percentiles(inBucket);
      fallback = own;
      return { minHistory, n: inBucket.length, percentiles: own };
    }
    // Too few rows: the nearest bucket with less history that had enough, else all rows. (Until
    // decision 034 it was all rows, which on a short training period gave customers with long
    // histories the wide residuals of new ones.)
    return { minHistory, n: inBucket.length, percentiles: fallback };
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

/**
 * The no-fit rule's days to settle for a feature row (nofit.ts `noFitScore`, decision 057): terms +
 * the customer's adjusted, shrunk habit + the fixed disputed / electronic-billing effects, ≥ 0.
 */
export function ruleDays(row: ArrayLike<number>, useDisputed: boolean): number {
  const disputed = useDisputed && row[F.disputed]! === 1;
  return Math.max(
    0,
    row[F.termsDays]! + row[F.histMedianPastDueAdjustedShrunk]! + (disputed ? DEFAULT_EFFECTS.disputed : 0) + (row[F.paperless]! === 1 ? DEFAULT_EFFECTS.paperless : 0),
  );
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
  const calibration = model.calibration ?? null;
  const ruleBlend = model.spec.ruleBlend ?? 0;
  const useDisputed = model.spec.useDisputed;
  return (row) => {
    const count = row[F.histCount]!;
    const bl = baselineLate(b, row[F.histLateCount]!, count);
    const bd = baselineDays(b, row[F.histMedianDaysToSettle]!, count);
    let d: number;
    if (days) d = days(row);
    else if (daysMethod === 'shrunk-median') d = row[F.histMedianDaysToSettleShrunk]!;
    else d = bd;
    if (ruleBlend > 0) d = (1 - ruleBlend) * d + ruleBlend * ruleDays(row, useDisputed);
    d = Math.max(0, d);
    let pct = buckets[0]!.percentiles;
    for (const bucket of buckets) if (count >= bucket.minHistory) pct = bucket.percentiles;
    let pLate: number;
    if (blend) pLate = (late!(row) + exceedance(pct, row[F.termsDays]! - d)) / 2;
    else if (late) pLate = late(row);
    else if (fromDays) pLate = exceedance(pct, row[F.termsDays]! - d);
    else pLate = bl;
    pLate = applyCalibration(calibration, pLate);
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
