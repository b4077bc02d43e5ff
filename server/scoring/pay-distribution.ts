/**
 * The distribution of an invoice's days to settle (days from issue), as a continuous
 * piecewise-linear CDF through strictly increasing knots. It comes from the pure model's
 * prediction plus its training-residual percentiles (the same numbers that give the 10–90 %
 * pay-date band), is mixed between the organisation's and the firm's model, conditioned on
 * the invoice still being open, stored as 21 quantiles, and read back for the cash forecast.
 * Pure functions, no I/O.
 */
import type { ResidualBucket, ScoringModel } from '../domain/scoring/model';

export interface PayDistribution {
  /** Days from issue, strictly increasing. */
  x: number[];
  /** CDF at each knot, non-decreasing, from 0 to 1. */
  p: number[];
}

/** Knots closer than this are merged (a tie in the percentiles is a point mass: a steep ramp). */
const EPS = 1e-6;
/** Conditioning on "still open" keeps the shape while at least this much mass is left. */
const MIN_TAIL = 0.01;
/** Stored quantiles: 0, 5, …, 100 %. */
export const STORED_QUANTILES = 21;

function strictlyIncreasing(values: readonly number[]): number[] {
  const out: number[] = [];
  for (const v of values) out.push(out.length === 0 ? v : Math.max(v, out[out.length - 1]! + EPS));
  return out;
}

/** The residual percentiles a model uses for a customer with `histCount` settled invoices. */
export function residualPercentiles(model: ScoringModel, histCount: number): readonly number[] {
  let pct: ResidualBucket = model.residuals[0]!;
  for (const bucket of model.residuals) if (histCount >= bucket.minHistory) pct = bucket;
  return pct.percentiles;
}

/** days + residual percentile k at probability k/(n−1), never below 0 days. */
export function fromPercentiles(days: number, percentiles: readonly number[]): PayDistribution {
  const n = percentiles.length;
  return { x: strictlyIncreasing(percentiles.map((r) => Math.max(0, days + r))), p: percentiles.map((_, k) => k / (n - 1)) };
}

/** Quantiles (probabilities evenly spaced from 0 to 1) back to a distribution. */
export function fromQuantiles(q: readonly number[]): PayDistribution {
  return fromPercentiles(0, q);
}

export function cdf(d: PayDistribution, x: number): number {
  const { x: xs, p } = d;
  const last = xs.length - 1;
  if (x <= xs[0]!) return x < xs[0]! ? 0 : p[0]!;
  if (x >= xs[last]!) return 1;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid;
  }
  return p[lo]! + ((p[hi]! - p[lo]!) * (x - xs[lo]!)) / (xs[hi]! - xs[lo]!);
}

export function quantile(d: PayDistribution, u: number): number {
  const { x, p } = d;
  const last = x.length - 1;
  if (u <= p[0]!) return x[0]!;
  if (u >= p[last]!) return x[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p[mid]! < u) lo = mid;
    else hi = mid;
  }
  const dp = p[hi]! - p[lo]!;
  return dp > 0 ? x[lo]! + ((x[hi]! - x[lo]!) * (u - p[lo]!)) / dp : x[hi]!;
}

/** A weighted mixture (weights summing to 1); exact, since each part is linear between its own knots. */
export function mixture(parts: readonly { dist: PayDistribution; weight: number }[]): PayDistribution {
  const live = parts.filter((part) => part.weight > 0);
  if (live.length === 1) return live[0]!.dist;
  const total = live.reduce((s, part) => s + part.weight, 0);
  const xs = strictlyIncreasing([...new Set(live.flatMap((part) => part.dist.x))].sort((a, b) => a - b));
  const p = xs.map((x) => live.reduce((s, part) => s + (part.weight / total) * cdf(part.dist, x), 0));
  p[p.length - 1] = 1;
  return { x: xs, p };
}

/**
 * Given that the invoice is not settled before `a` days: F(x | D ≥ a). When (almost) all of
 * the predicted mass lies before `a` — the invoice is older than anything its customer's
 * history suggests — the same spread is moved to start at `a` instead.
 */
export function conditionFrom(d: PayDistribution, a: number): PayDistribution {
  const fa = cdf(d, a);
  if (1 - fa < MIN_TAIL) {
    const shift = a - d.x[0]!;
    return { x: d.x.map((x) => x + shift), p: d.p.map((p, k) => (k === 0 ? 0 : p)) };
  }
  if (fa === 0 && d.x[0]! >= a) return d;
  const x: number[] = [a];
  const p: number[] = [0];
  for (let k = 0; k < d.x.length; k++) {
    if (d.x[k]! <= a + EPS) continue;
    x.push(d.x[k]!);
    p.push((d.p[k]! - fa) / (1 - fa));
  }
  p[p.length - 1] = 1;
  return { x, p };
}

/** The distribution's quantiles at 0, 1/(n−1), …, 1 (for storage). */
export function quantilesOf(d: PayDistribution, n = STORED_QUANTILES): number[] {
  return Array.from({ length: n }, (_, k) => quantile(d, k / (n - 1)));
}

/** Whole days from issue: the median and the 10th–90th percentiles, rounded. */
export function payDays(d: PayDistribution): { median: number; low: number; high: number } {
  return { median: Math.round(quantile(d, 0.5)), low: Math.round(quantile(d, 0.1)), high: Math.round(quantile(d, 0.9)) };
}
