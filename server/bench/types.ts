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

/** A seeded PRNG (mulberry32) so benchmark inputs are the same every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
