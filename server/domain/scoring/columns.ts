import { F, type FeatureName } from './features';

/**
 * A model input: a named feature, optionally transformed. Models store these by name so a
 * saved model keeps working if the feature list grows.
 */
export type Transform = 'identity' | 'log1p' | 'logit';
export interface Column {
  feature: FeatureName;
  transform?: Transform;
}

export interface ResolvedColumn {
  index: number;
  transform: Transform;
}

export function resolveColumns(columns: readonly Column[]): ResolvedColumn[] {
  return columns.map((c) => {
    const index = F[c.feature];
    if (index === undefined) throw new RangeError(`unknown feature ${c.feature}`);
    return { index, transform: c.transform ?? 'identity' };
  });
}

export function columnValue(row: ArrayLike<number>, c: ResolvedColumn): number {
  const x = row[c.index]!;
  switch (c.transform) {
    case 'log1p':
      return Math.log1p(Math.max(0, x));
    case 'logit': {
      const p = Math.min(1 - 1e-6, Math.max(1e-6, x));
      return Math.log(p / (1 - p));
    }
    default:
      return x;
  }
}

/** Copy the chosen rows × columns of a row-major matrix into a dense Float64Array. */
export function gather(
  data: Float64Array,
  cols: number,
  rows: ArrayLike<number>,
  columns: readonly ResolvedColumn[],
): Float64Array {
  const d = columns.length;
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * cols;
    const row = data.subarray(base, base + cols);
    for (let j = 0; j < d; j++) out[r * d + j] = columnValue(row, columns[j]!);
  }
  return out;
}
