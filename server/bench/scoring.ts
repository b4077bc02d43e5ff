/** Scoring throughput over 1M synthetic invoices, beside a plain pass over the same invoices. */
import { benchScoringDetail } from '../domain/scoring/bench';
import { syntheticInvoices } from '../domain/scoring/synthetic';
import { type Bench, timeIt } from './types';

export const scoringBench: Bench = {
  name: 'scoring',
  summary: 'Feature sweep + P(late) + pay date with interval, per invoice',
  async run({ scale }) {
    const n = Math.round(1_000_000 * scale);
    const detail = benchScoringDetail(n);
    const invoices = syntheticInvoices(n, { seed: 7 });
    const plain = timeIt(() => {
      let s = 0;
      for (const inv of invoices) s += inv.amount + (inv.settledDate ? 1 : 0);
      return s;
    });
    const plainPerSecond = n / (plain.ms / 1000);
    return [
      { bench: this.name, figure: `invoices scored per second (${n.toLocaleString('en')} invoices, ${detail.seconds.toFixed(2)} s)`, value: detail.invoicesPerSecond, unit: 'invoices/s', baseline: { label: 'plain pass over the same invoices', value: plainPerSecond }, ratio: detail.invoicesPerSecond / plainPerSecond, target: '1M invoices in seconds' },
      { bench: this.name, figure: 'training on a 20,000-invoice sample (untimed above)', value: detail.trainSeconds * 1000, unit: 'ms' },
    ];
  },
};
