/**
 * Backtest metrics. All take parallel arrays; NaN when undefined (no rows, or AUC with
 * only one class present).
 */

type Numbers = ArrayLike<number>;

/**
 * Area under the ROC curve by ranks (Mann–Whitney U): the probability that a random late
 * invoice scores above a random on-time one, ties counting one half (average ranks).
 */
export function auc(scores: Numbers, labels: ArrayLike<boolean | number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError('scores and labels differ in length');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j + 2) / 2; // ranks are 1-based: i+1 … j+1
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean squared error of probabilities against 0/1 outcomes. */
export function brier(probabilities: Numbers, labels: ArrayLike<boolean | number>): number {
  const n = probabilities.length;
  if (labels.length !== n) throw new RangeError('probabilities and labels differ in length');
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = probabilities[i]! - (labels[i] ? 1 : 0);
    s += d * d;
  }
  return s / n;
}

/** Mean absolute error. */
export function mae(predicted: Numbers, actual: Numbers): number {
  const n = predicted.length;
  if (actual.length !== n) throw new RangeError('predicted and actual differ in length');
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(predicted[i]! - actual[i]!);
  return s / n;
}

/** Median (mean of the two middle values for an even count); NaN when empty. */
export function median(values: Numbers): number {
  return quantile(values, 0.5);
}

/** Quantile by linear interpolation between order statistics (type 7); NaN when empty. */
export function quantile(values: Numbers, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sorted = values;
  for (let i = 1; i < n; i++) {
    if (values[i]! < values[i - 1]!) {
      sorted = Float64Array.from(values).sort();
      break;
    }
  }
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Round to `digits` decimals; NaN becomes null (JSON has no NaN). */
export function roundOrNull(x: number, digits: number): number | null {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
}

/** Per equal-width bin of predicted probability: how many, the sum of predictions, the positives. */
function binSums(probabilities: Numbers, labels: ArrayLike<boolean | number>, bins: number): { count: Float64Array; sumP: Float64Array; sumY: Float64Array } {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += labels[i] ? 1 : 0;
  }
  return { count, sumP, sumY };
}

/**
 * Expected calibration error over `bins` equal-width probability bins: Σ (n_b / n) ·
 * |mean predicted − observed share| (a probability of exactly 1 falls in the last bin).
 */
export function ece(probabilities: Numbers, labels: ArrayLike<boolean | number>, bins = 10): number {
  const n = probabilities.length;
  if (labels.length !== n) throw new RangeError('probabilities and labels differ in length');
  if (n === 0) return Number.NaN;
  const { count, sumP, sumY } = binSums(probabilities, labels, bins);
  let e = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) e += Math.abs(sumP[b]! - sumY[b]!) / n;
  return e;
}

/** One bin of a calibration chart: predicted P(late) in [from, to), how many, mean predicted, share observed late. */
export interface CalibrationBin {
  from: number;
  to: number;
  n: number;
  predicted: number;
  observed: number;
}

/**
 * The reliability table behind `ece`: the same `bins` equal-width bins (empty ones left out),
 * each with its count, mean predicted probability and observed share of positives.
 */
export function calibrationBins(probabilities: Numbers, labels: ArrayLike<boolean | number>, bins = 10): CalibrationBin[] {
  const n = probabilities.length;
  if (labels.length !== n) throw new RangeError('probabilities and labels differ in length');
  const { count, sumP, sumY } = binSums(probabilities, labels, bins);
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b]! === 0) continue;
    out.push({ from: b / bins, to: (b + 1) / bins, n: count[b]!, predicted: sumP[b]! / count[b]!, observed: sumY[b]! / count[b]! });
  }
  return out;
}
