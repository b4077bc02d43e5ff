import { type Column, columnValue, type ResolvedColumn, resolveColumns } from './columns';
import { median } from './metrics';

/**
 * Gradient-boosted shallow regression trees on histogram-binned inputs (no sampling, so
 * fully deterministic):
 *  - loss 'logloss': P(late); Newton leaves −ΣG/(ΣH+λ); the model returns a probability;
 *  - loss 'l1': days to settle under absolute error (LAD-TreeBoost: trees fitted to the
 *    sign of the residual, each leaf set to the median residual); returns a number.
 * Optionally boosts from an offset (a feature — e.g. the customer's shrunk late share — in
 * link space) instead of a constant, so the trees learn corrections to a sound prior.
 */
export interface TreeNodes {
  /** Column index into `columns`, or −1 for a leaf. */
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface BoostedModel {
  kind: 'boosted';
  loss: 'logloss' | 'l1';
  columns: Column[];
  offset: Column | null;
  base: number;
  learningRate: number;
  trees: TreeNodes[];
}

export interface BoostOptions {
  loss: 'logloss' | 'l1';
  rounds?: number;
  depth?: number;
  learningRate?: number;
  minLeaf?: number;
  lambda?: number;
  bins?: number;
}

/** Split thresholds for one column: up to bins−1 values v, rows with x <= v go left. */
function thresholdsFor(values: Float64Array, bins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const uniq: number[] = [];
  for (const v of sorted) if (uniq.length === 0 || v !== uniq[uniq.length - 1]) uniq.push(v);
  if (uniq.length <= 1) return [];
  if (uniq.length <= bins) {
    const out: number[] = [];
    for (let i = 0; i + 1 < uniq.length; i++) out.push((uniq[i]! + uniq[i + 1]!) / 2);
    return out;
  }
  const out: number[] = [];
  for (let b = 1; b < bins; b++) {
    const v = sorted[Math.floor((b * sorted.length) / bins)]!;
    // The cut is the midpoint below the quantile value, so equal values stay together.
    const pos = lowerBound(uniq, v);
    if (pos === 0) continue;
    const cut = (uniq[pos - 1]! + uniq[pos]!) / 2;
    if (out.length === 0 || cut > out[out.length - 1]!) out.push(cut);
  }
  return out;
}

function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function linkOffset(loss: 'logloss' | 'l1', v: number): number {
  if (loss === 'l1') return v;
  const p = Math.min(1 - 1e-6, Math.max(1e-6, v));
  return Math.log(p / (1 - p));
}

/**
 * Fit on a dense matrix `x` (n × columns.length, values already transformed). `offset`, if
 * given, holds each row's raw offset column value (a share for logloss, days for l1).
 * With a `validation` set, `validationLoss[k]` is its mean loss after k trees (k = 0 … rounds).
 */
export function fitBoosted(
  x: Float64Array,
  y: ArrayLike<number>,
  columns: Column[],
  options: BoostOptions,
  offset: { column: Column; values: Float64Array } | null = null,
  validation: { x: Float64Array; y: ArrayLike<number>; offset: Float64Array | null } | null = null,
): BoostedModel & { validationLoss: number[] } {
  const { loss } = options;
  const rounds = options.rounds ?? 100;
  const depth = options.depth ?? 2;
  const lr = options.learningRate ?? 0.1;
  const minLeaf = options.minLeaf ?? 20;
  const lambda = options.lambda ?? 1;
  const maxBins = Math.min(255, options.bins ?? 32);
  const n = y.length;
  const d = columns.length;
  if (x.length !== n * d) throw new RangeError('x and y do not match');
  if (n === 0) throw new RangeError('no training rows');

  // Bin every column.
  const thresholds: number[][] = [];
  const binned = new Uint8Array(n * d);
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let r = 0; r < n; r++) col[r] = x[r * d + j]!;
    const t = thresholdsFor(col, maxBins);
    thresholds.push(t);
    for (let r = 0; r < n; r++) binned[r * d + j] = lowerBound(t, col[r]!);
  }
  const B = maxBins;

  // Starting scores.
  const score = new Float64Array(n);
  if (offset) for (let r = 0; r < n; r++) score[r] = linkOffset(loss, offset.values[r]!);
  let base: number;
  if (loss === 'l1') {
    const resid = new Float64Array(n);
    for (let r = 0; r < n; r++) resid[r] = y[r]! - score[r]!;
    base = median(resid);
  } else {
    base = 0;
    for (let it = 0; it < 30; it++) {
      let g = 0;
      let h = 0;
      for (let r = 0; r < n; r++) {
        const p = sigmoid(score[r]! + base);
        g += p - y[r]!;
        h += p * (1 - p);
      }
      const step = -g / (h + 1e-9);
      base += step;
      if (Math.abs(step) < 1e-12) break;
    }
  }
  for (let r = 0; r < n; r++) score[r]! += base;
  const nv = validation ? validation.y.length : 0;
  const vScore = new Float64Array(nv);
  for (let r = 0; r < nv; r++) vScore[r] = base + (validation!.offset ? linkOffset(loss, validation!.offset[r]!) : 0);
  const validationLoss: number[] = [];
  const vLoss = () => {
    let sum = 0;
    for (let r = 0; r < nv; r++) {
      const yv = validation!.y[r]!;
      if (loss === 'l1') sum += Math.abs(yv - vScore[r]!);
      else {
        const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(vScore[r]!)));
        sum -= yv ? Math.log(p) : Math.log(1 - p);
      }
    }
    return sum / Math.max(1, nv);
  };
  if (validation) validationLoss.push(vLoss());

  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const histG = new Float64Array(d * B);
  const histH = new Float64Array(d * B);
  const histN = new Int32Array(d * B);
  const trees: TreeNodes[] = [];
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const resid = new Float64Array(n);

  for (let round = 0; round < rounds; round++) {
    for (let r = 0; r < n; r++) {
      if (loss === 'logloss') {
        const p = sigmoid(score[r]!);
        grad[r] = p - y[r]!;
        hess[r] = Math.max(p * (1 - p), 1e-12);
      } else {
        const e = y[r]! - score[r]!;
        grad[r] = e > 0 ? -1 : e < 0 ? 1 : 0;
        hess[r] = 1;
      }
    }
    const tree: TreeNodes = { feature: [], threshold: [], left: [], right: [], value: [] };
    const grow = (rows: Int32Array, level: number): number => {
      const id = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      let G = 0;
      let H = 0;
      for (const r of rows) {
        G += grad[r]!;
        H += hess[r]!;
      }
      let bestGain = 1e-12;
      let bestF = -1;
      let bestB = -1;
      if (level < depth && rows.length >= 2 * minLeaf) {
        histG.fill(0);
        histH.fill(0);
        histN.fill(0);
        for (const r of rows) {
          const g = grad[r]!;
          const h = hess[r]!;
          for (let j = 0; j < d; j++) {
            const k = j * B + binned[r * d + j]!;
            histG[k]! += g;
            histH[k]! += h;
            histN[k]!++;
          }
        }
        const parent = (G * G) / (H + lambda);
        for (let j = 0; j < d; j++) {
          const nb = thresholds[j]!.length;
          let gl = 0;
          let hl = 0;
          let nl = 0;
          for (let b = 0; b < nb; b++) {
            const k = j * B + b;
            gl += histG[k]!;
            hl += histH[k]!;
            nl += histN[k]!;
            const nr = rows.length - nl;
            if (nl < minLeaf) continue;
            if (nr < minLeaf) break;
            const gr = G - gl;
            const hr = H - hl;
            const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = j;
              bestB = b;
            }
          }
        }
      }
      if (bestF < 0) {
        if (loss === 'logloss') tree.value[id] = -G / (H + lambda);
        else {
          const rs = new Float64Array(rows.length);
          for (let i = 0; i < rows.length; i++) rs[i] = resid[rows[i]!]!;
          tree.value[id] = median(rs);
        }
        return id;
      }
      let nl = 0;
      for (const r of rows) if (binned[r * d + bestF]! <= bestB) nl++;
      const leftRows = new Int32Array(nl);
      const rightRows = new Int32Array(rows.length - nl);
      let a = 0;
      let b = 0;
      for (const r of rows) {
        if (binned[r * d + bestF]! <= bestB) leftRows[a++] = r;
        else rightRows[b++] = r;
      }
      tree.feature[id] = bestF;
      tree.threshold[id] = thresholds[bestF]![bestB]!;
      const l = grow(leftRows, level + 1);
      const rr = grow(rightRows, level + 1);
      tree.left[id] = l;
      tree.right[id] = rr;
      return id;
    };
    if (loss === 'l1') for (let r = 0; r < n; r++) resid[r] = y[r]! - score[r]!;
    grow(all, 0);
    for (let i = 0; i < tree.value.length; i++) tree.value[i] = tree.value[i]! * lr;
    for (let r = 0; r < n; r++) {
      let node = 0;
      while (tree.feature[node]! >= 0) {
        const f = tree.feature[node]!;
        node = x[r * d + f]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
      }
      score[r]! += tree.value[node]!;
    }
    if (validation) {
      const vx = validation.x;
      for (let r = 0; r < nv; r++) {
        let node = 0;
        while (tree.feature[node]! >= 0) {
          const f = tree.feature[node]!;
          node = vx[r * d + f]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
        }
        vScore[r]! += tree.value[node]!;
      }
      validationLoss.push(vLoss());
    }
    trees.push(tree);
  }
  return { kind: 'boosted', loss, columns, offset: offset?.column ?? null, base, learningRate: lr, trees, validationLoss };
}

/** A compiled boosted model: scores raw feature rows (probability for logloss). */
export function compileBoosted(model: BoostedModel): (row: ArrayLike<number>) => number {
  const cols: ResolvedColumn[] = resolveColumns(model.columns);
  const off = model.offset ? resolveColumns([model.offset])[0]! : null;
  const d = cols.length;
  const x = new Float64Array(d);
  const trees = model.trees;
  const T = trees.length;
  // Every tree of depth ≤ 2 is packed as a complete tree: 3 split slots (root, left, right)
  // and 4 leaves. A missing split becomes "always left" (threshold +∞) with both leaves equal.
  const feat = new Int32Array(T * 3);
  const thr = new Float64Array(T * 3).fill(Number.POSITIVE_INFINITY);
  const leaf = new Float64Array(T * 4);
  const pack = (t: number, tree: TreeNodes): boolean => {
    const { feature, threshold, left, right, value } = tree;
    if (feature[0]! < 0) {
      leaf.fill(value[0]!, t * 4, t * 4 + 4);
      return true;
    }
    feat[t * 3] = feature[0]!;
    thr[t * 3] = threshold[0]!;
    const kids = [left[0]!, right[0]!];
    for (let k = 0; k < 2; k++) {
      const node = kids[k]!;
      const slot = t * 3 + 1 + k;
      if (feature[node]! < 0) {
        leaf[t * 4 + 2 * k] = value[node]!;
        leaf[t * 4 + 2 * k + 1] = value[node]!;
        continue;
      }
      const l = left[node]!;
      const r = right[node]!;
      if (feature[l]! >= 0 || feature[r]! >= 0) return false; // deeper than 2
      feat[slot] = feature[node]!;
      thr[slot] = threshold[node]!;
      leaf[t * 4 + 2 * k] = value[l]!;
      leaf[t * 4 + 2 * k + 1] = value[r]!;
    }
    return true;
  };
  const packed = trees.every((tree, t) => pack(t, tree));
  const logloss = model.loss === 'logloss';
  const start = (row: ArrayLike<number>) => {
    for (let j = 0; j < d; j++) x[j] = columnValue(row, cols[j]!);
    return model.base + (off ? linkOffset(model.loss, row[off.index]!) : 0);
  };
  if (packed) {
    return (row) => {
      let s = start(row);
      for (let t = 0, b = 0, q = 0; t < T; t++, b += 3, q += 4) {
        // +!(x <= t): 0 = left, 1 = right, without a branch (and NaN goes right, as below).
        const k = +!(x[feat[b]!]! <= thr[b]!);
        const j = b + 1 + k;
        s += leaf[q + 2 * k + +!(x[feat[j]!]! <= thr[j]!)]!;
      }
      return logloss ? sigmoid(s) : s;
    };
  }
  return (row) => {
    let s = start(row);
    for (const tree of trees) {
      let node = 0;
      while (tree.feature[node]! >= 0) node = x[tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
      s += tree.value[node]!;
    }
    return logloss ? sigmoid(s) : s;
  };
}
