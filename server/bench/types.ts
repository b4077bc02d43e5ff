/** One printed figure of `npm run bench`; a ratio is against a baseline measured in the same run. */
export interface BenchFigure {
  bench: string;
  figure: string;
  value: number;
  unit: string;
  /** What the figure is compared to, measured in the same run. */
  baseline?: { label: string; value: number };
  /** value / baseline (or the inverse where stated in the figure's name). */
  ratio?: number;
  target?: string;
}

export interface Bench {
  name: string;
  summary: string;
  run(options: { scale: number }): Promise<BenchFigure[]>;
}

export function timeIt<T>(fn: () => T): { ms: number; result: T } {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

/** Seeded inputs, so benchmark data is the same every run. */
export { mulberry32 as prng } from '../domain/random';
