import { type Column, columnValue, type ResolvedColumn, resolveColumns } from './columns';

/**
 * Linear models on standardised inputs, fitted exactly (no randomness):
 *  - logistic regression with an L2 penalty by Newton–Raphson / IRLS;
 *  - ridge least squares (a linear regression of days to settle);
 *  - least absolute deviations (median regression, by iteratively reweighted least squares
 *    with weights 1/max(|residual|, 0.5)), the loss MAE rewards.
 * The intercept is not penalised.
 */
export interface LinearModel {
  kind: 'logistic' | 'ridge' | 'lad';
  columns: Column[];
  mean: number[];
  scale: number[];
  weights: number[];
  intercept: number;
  l2: number;
}

/** Solve A·x = b for symmetric positive-definite A (d×d row-major); A and b are not kept. */
export function choleskySolve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (s <= 0) throw new RangeError('matrix is not positive definite');
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j]!;
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * y[k]!;
    y[i] = s / l[i * d + i]!;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * x[k]!;
    x[i] = s / l[i * d + i]!;
  }
  return x;
}

function standardise(x: Float64Array, n: number, d: number): { mean: number[]; scale: number[]; z: Float64Array } {
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j]! += x[r * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(1, n);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < d; j++) {
      const v = x[r * d + j]! - mean[j]!;
      scale[j]! += v * v;
    }
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(scale[j]! / Math.max(1, n));
    scale[j] = sd > 1e-12 ? sd : 1;
  }
  const z = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) z[r * d + j] = (x[r * d + j]! - mean[j]!) / scale[j]!;
  return { mean, scale, z };
}

/**
 * Fit on a dense matrix `x` (n × columns.length, values already transformed as the columns
 * say — see `gather`). `y` is 0/1 for logistic, a number for ridge.
 */
export function fitLinear(
  kind: 'logistic' | 'ridge' | 'lad',
  x: Float64Array,
  y: ArrayLike<number>,
  columns: Column[],
  l2 = 1,
  maxIterations = 50,
): LinearModel {
  const d = columns.length;
  const n = y.length;
  if (x.length !== n * d) throw new RangeError('x and y do not match');
  const { mean, scale, z } = standardise(x, n, d);
  const p = d + 1; // θ0 = intercept
  const theta = new Float64Array(p);
  if (kind === 'logistic') {
    let pos = 0;
    for (let r = 0; r < n; r++) pos += y[r]!;
    const rate = Math.min(1 - 1e-6, Math.max(1e-6, pos / Math.max(1, n)));
    theta[0] = Math.log(rate / (1 - rate));
  }
  const iterations = kind === 'ridge' ? 1 : maxIterations;
  if (kind === 'lad') {
    // Start from the median so the first reweighting is sensible.
    const ys = Float64Array.from({ length: n }, (_, r) => y[r]!).sort();
    theta[0] = n > 0 ? ys[Math.floor((n - 1) / 2)]! : 0;
  }
  const hess = new Float64Array(p * p);
  const grad = new Float64Array(p);
  const xi = new Float64Array(p);
  for (let it = 0; it < iterations; it++) {
    hess.fill(0);
    grad.fill(0);
    for (let r = 0; r < n; r++) {
      xi[0] = 1;
      for (let j = 0; j < d; j++) xi[j + 1] = z[r * d + j]!;
      let eta = 0;
      for (let j = 0; j < p; j++) eta += theta[j]! * xi[j]!;
      let w: number;
      let resid: number;
      if (kind === 'logistic') {
        const mu = 1 / (1 + Math.exp(-eta));
        w = Math.max(mu * (1 - mu), 1e-10);
        resid = y[r]! - mu;
      } else if (kind === 'lad') {
        resid = y[r]! - eta;
        w = 1 / Math.max(Math.abs(resid), 0.5);
      } else {
        w = 1;
        resid = y[r]! - eta;
      }
      const gr = kind === 'lad' ? w * resid : resid;
      for (let a = 0; a < p; a++) {
        grad[a]! += gr * xi[a]!;
        const wa = w * xi[a]!;
        for (let b = 0; b <= a; b++) hess[a * p + b]! += wa * xi[b]!;
      }
    }
    for (let a = 1; a < p; a++) {
      hess[a * p + a]! += l2;
      grad[a]! -= l2 * theta[a]!;
    }
    for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) hess[a * p + b] = hess[b * p + a]!;
    hess[0]! += 1e-9;
    const step = choleskySolve(hess, grad, p);
    let biggest = 0;
    for (let j = 0; j < p; j++) {
      theta[j]! += step[j]!;
      biggest = Math.max(biggest, Math.abs(step[j]!));
    }
    if (biggest < (kind === 'lad' ? 1e-6 : 1e-10)) break;
  }
  return { kind, columns, mean, scale, weights: Array.from(theta.subarray(1)), intercept: theta[0]!, l2 };
}

/** A compiled linear model: resolves feature names once, then scores raw feature rows. */
export function compileLinear(model: LinearModel): (row: ArrayLike<number>) => number {
  const cols: ResolvedColumn[] = resolveColumns(model.columns);
  const { mean, scale, weights, intercept } = model;
  const d = cols.length;
  const logistic = model.kind === 'logistic';
  return (row) => {
    let eta = intercept;
    for (let j = 0; j < d; j++) eta += (weights[j]! * (columnValue(row, cols[j]!) - mean[j]!)) / scale[j]!;
    return logistic ? 1 / (1 + Math.exp(-eta)) : eta;
  };
}

/** Per-column contributions to the linear predictor (weight × standardised value). */
export function linearContributions(model: LinearModel, row: ArrayLike<number>): number[] {
  const cols = resolveColumns(model.columns);
  return cols.map((c, j) => (model.weights[j]! * (columnValue(row, c) - model.mean[j]!)) / model.scale[j]!);
}
