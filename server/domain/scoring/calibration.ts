/**
 * Calibration of P(late) and of the pay-date band (docs/decisions/034-calibration-and-bands.md).
 * Pure functions, no randomness.
 *
 *  - `fitIsotonic`: pool-adjacent-violators (PAV) on (raw probability, 0/1 outcome) pairs — the
 *    non-decreasing step function closest in squared error to the outcomes. Stored as the
 *    blocks' mean raw probability (`x`) and observed late share (`y`); `applyCalibration`
 *    interpolates linearly between block points (flat beyond the ends), so distinct raw scores
 *    keep distinct calibrated scores wherever the blocks differ.
 *  - `fitPlatt`: logistic regression of the outcome on logit(raw probability), two numbers.
 *  - `conformalScale`: the factor that widens (or narrows) residual percentiles so that the
 *    10th–90th band covers a nominal share of out-of-sample residuals (split conformal).
 */

export type CalibrationMap =
  | { kind: 'isotonic'; x: number[]; y: number[] }
  | { kind: 'platt'; a: number; b: number };

/** Calibrated probabilities are kept inside [FLOOR, 1 − FLOOR]. */
const FLOOR = 0.005;
/**
 * An isotonic map is flat within a block and beyond its end points, which would tie scores the
 * raw model ranks apart (and cost AUC and the worklist order). The map's output is mixed with
 * this share of the raw probability, so it is strictly increasing and the ranking is the raw one.
 */
export const TIE_BREAK = 0.01;

function clampP(p: number): number {
  return Math.min(1 - FLOOR, Math.max(FLOOR, p));
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

/**
 * Isotonic regression by PAV. Ties in `p` form one starting block (their order cannot matter).
 * Returns the block points; `applyCalibration` reads them.
 */
export function fitIsotonic(p: ArrayLike<number>, y: ArrayLike<number | boolean>): CalibrationMap {
  const n = p.length;
  if (y.length !== n) throw new RangeError('probabilities and labels differ in length');
  if (n === 0) throw new RangeError('no rows to calibrate on');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
  // Blocks: sum of x, sum of y, weight.
  const sx: number[] = [];
  const sy: number[] = [];
  const w: number[] = [];
  let i = 0;
  while (i < n) {
    let j = i;
    let bx = 0;
    let by = 0;
    while (j < n && p[order[j]!] === p[order[i]!]) {
      bx += p[order[j]!]!;
      by += y[order[j]!] ? 1 : 0;
      j++;
    }
    sx.push(bx);
    sy.push(by);
    w.push(j - i);
    // Merge backwards while the previous block's mean is above this one's.
    while (sy.length > 1) {
      const k = sy.length - 1;
      if (sy[k - 1]! / w[k - 1]! <= sy[k]! / w[k]!) break;
      sx[k - 1]! += sx[k]!;
      sy[k - 1]! += sy[k]!;
      w[k - 1]! += w[k]!;
      sx.pop();
      sy.pop();
      w.pop();
    }
    i = j;
  }
  return { kind: 'isotonic', x: sx.map((s, k) => s / w[k]!), y: sy.map((s, k) => s / w[k]!) };
}

/** Platt scaling: P(late) = σ(a · logit(p) + b), by Newton–Raphson with a tiny ridge for separable data. */
export function fitPlatt(p: ArrayLike<number>, y: ArrayLike<number | boolean>): CalibrationMap {
  const n = p.length;
  if (y.length !== n) throw new RangeError('probabilities and labels differ in length');
  if (n === 0) throw new RangeError('no rows to calibrate on');
  let a = 1;
  let b = 0;
  const ridge = 1e-3;
  for (let it = 0; it < 100; it++) {
    let g0 = -ridge * (a - 1);
    let g1 = -ridge * b;
    let h00 = ridge;
    let h01 = 0;
    let h11 = ridge;
    for (let i = 0; i < n; i++) {
      const z = logit(p[i]!);
      const mu = 1 / (1 + Math.exp(-(a * z + b)));
      const r = (y[i] ? 1 : 0) - mu;
      const v = Math.max(mu * (1 - mu), 1e-10);
      g0 += r * z;
      g1 += r;
      h00 += v * z * z;
      h01 += v * z;
      h11 += v;
    }
    const det = h00 * h11 - h01 * h01;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a += da;
    b += db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { kind: 'platt', a, b };
}

/**
 * Apply a calibration map to a raw probability (null = identity), kept inside [0.5%, 99.5%]
 * (an isotonic map: 99% the map, clamped, + 1% the raw probability — strictly increasing).
 */
export function applyCalibration(map: CalibrationMap | null | undefined, p: number): number {
  if (!map) return p;
  if (map.kind === 'platt') return clampP(1 / (1 + Math.exp(-(map.a * logit(p) + map.b))));
  const { x, y } = map;
  const last = x.length - 1;
  let q: number;
  if (p <= x[0]!) q = y[0]!;
  else if (p >= x[last]!) q = y[last]!;
  else {
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (x[mid]! <= p) lo = mid;
      else hi = mid;
    }
    const t = x[hi]! > x[lo]! ? (p - x[lo]!) / (x[hi]! - x[lo]!) : 1;
    q = y[lo]! + (y[hi]! - y[lo]!) * t;
  }
  return (1 - TIE_BREAK) * clampP(q) + TIE_BREAK * Math.min(1, Math.max(0, p));
}

/**
 * Split-conformal width of the pay-date band. Each out-of-sample residual `r[i]` comes with the
 * band [low[i], high[i]] the model would give it (low ≤ 0 ≤ high, e.g. the 10th and 90th
 * training-residual percentiles of its history bucket). Returns the smallest factor c such that
 * at least `coverage` of the residuals lie inside [c·low, c·high] — the ⌈(n+1)·coverage⌉-th
 * smallest of the per-row factors that would just cover each one. 1 when there are no rows.
 * `slack` (≥ 0) is subtracted from each residual's size first: when outcomes are whole days and
 * the band's ends are rounded, a residual within half a day of an end is already covered.
 */
export function conformalScale(
  r: ArrayLike<number>,
  low: ArrayLike<number>,
  high: ArrayLike<number>,
  coverage: number,
  slack = 0,
): number {
  const n = r.length;
  if (low.length !== n || high.length !== n) throw new RangeError('residuals and bands differ in length');
  if (n === 0) return 1;
  const need = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = r[i]! > 0 ? Math.max(0, r[i]! - slack) : Math.min(0, r[i]! + slack);
    if (v >= 0) need[i] = v === 0 ? 0 : high[i]! > 0 ? v / high[i]! : Number.POSITIVE_INFINITY;
    else need[i] = low[i]! < 0 ? v / low[i]! : Number.POSITIVE_INFINITY;
  }
  need.sort();
  const k = Math.min(n, Math.ceil((n + 1) * coverage)) - 1;
  const c = need[Math.max(0, k)]!;
  return Number.isFinite(c) ? c : 1;
}
