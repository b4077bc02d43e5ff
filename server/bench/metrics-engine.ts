/**
 * The pure metrics engine over 1M invoices (times the scale), against a baseline in the same
 * run: one plain pass that only sums the same invoices' totals and settlements.
 */
import { addDays, fromDayNumber, toDayNumber } from '../../kernel/dates';
import { computeMetrics, monthlySeries } from '../domain/metrics';
import type { MetricInvoice } from '../domain/metrics';
import { type Bench, prng, timeIt } from './types';

function invoices(n: number): MetricInvoice[] {
  const rand = prng(7);
  const start = toDayNumber('2024-01-01');
  const out: MetricInvoice[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const issue = fromDayNumber(start + Math.floor(rand() * 700));
    const total = 1000 + Math.floor(rand() * 500_000);
    const paidAfter = Math.floor(rand() * 90);
    const settlements = rand() < 0.85 ? [{ date: addDays(issue, paidAfter), amount: total }] : rand() < 0.5 ? [{ date: addDays(issue, paidAfter), amount: Math.floor(total / 2) }] : [];
    out[i] = { id: String(i), customerId: `c${i % 5000}`, currency: 'USD', issueDate: issue, dueDate: addDays(issue, 30), total, settlements };
  }
  return out;
}

export const metricsEngineBench: Bench = {
  name: 'metrics-engine',
  summary: 'A/R metrics for one period and a 24-month series over 1M invoices',
  async run({ scale }) {
    const n = Math.round(1_000_000 * scale);
    const data = invoices(n);
    const baseline = timeIt(() => {
      let s = 0;
      for (const inv of data) {
        s += inv.total;
        for (const x of inv.settlements) s -= x.amount;
      }
      return s;
    });
    const period = timeIt(() => computeMetrics(data, { from: '2025-07-01', to: '2025-09-30' }));
    const series = timeIt(() => monthlySeries(data, '2025-11-30', 24));
    return [
      { bench: this.name, figure: `computeMetrics, ${n.toLocaleString('en')} invoices`, value: period.ms, unit: 'ms', baseline: { label: 'plain summing pass', value: baseline.ms }, ratio: period.ms / baseline.ms },
      { bench: this.name, figure: `monthlySeries (24 months), ${n.toLocaleString('en')} invoices`, value: series.ms, unit: 'ms', baseline: { label: 'plain summing pass', value: baseline.ms }, ratio: series.ms / baseline.ms },
    ];
  },
};
