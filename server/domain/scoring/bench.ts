import { forEachFeatureRow } from './features';
import { compileModel, fitScoringModel, RECOMMENDED_SPEC } from './model';
import { syntheticInvoices } from './synthetic';

export interface ScoringBench {
  invoices: number;
  /** Feature sweep + scoring, per second (the figure `benchScoring` returns). */
  invoicesPerSecond: number;
  seconds: number;
  /** Training on a fixed 20,000-invoice sample (not part of the timed figure). */
  trainSeconds: number;
}

const TRAIN_SAMPLE = 20_000;

/**
 * Throughput of scoring: generate n synthetic invoices (untimed), fit the recommended
 * model on a 20,000-invoice sample (untimed), then time the chronological feature sweep
 * over all n invoices plus P(late), days to settle and the pay-date band for each one.
 */
export function benchScoringDetail(n: number): ScoringBench {
  const invoices = syntheticInvoices(n, { seed: 7 });
  const t0 = performance.now();
  const sample = syntheticInvoices(Math.min(n, TRAIN_SAMPLE), { seed: 8 });
  const model = fitScoringModel(sample, '2099-01-01', RECOMMENDED_SPEC);
  const t1 = performance.now();
  const score = compileModel(model);
  const pLate = new Float64Array(n);
  const days = new Float64Array(n);
  forEachFeatureRow(invoices, (i, row) => {
    const s = score(row);
    pLate[i] = s.pLate;
    days[i] = s.daysToSettle;
  });
  const t2 = performance.now();
  const seconds = (t2 - t1) / 1000;
  return { invoices: n, invoicesPerSecond: n / seconds, seconds, trainSeconds: (t1 - t0) / 1000 };
}

/** Invoices per second for extracting features and scoring n synthetic invoices. */
export function benchScoring(n: number): number {
  return benchScoringDetail(n).invoicesPerSecond;
}
