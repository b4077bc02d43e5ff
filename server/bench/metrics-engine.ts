/**
 * The pure metrics engine over 1M invoices (times the scale), against a baseline in the same
 * run: one plain pass that only sums the same invoices' totals and settlements. Each figure is
 * the median of 5 rounds, every round timing the baseline and each figure once, in turn, so a
 * busy machine slows both alike. Figures: converting the invoices to columns (metricLedger,
 * which reads every date string), computeMetrics and monthlySeries on the columns, and
 * computeMetrics on the MetricInvoice list (conversion included, what a single call costs).
 */
import { addDays, fromDayNumber, toDayNumber } from '../../kernel/dates';
import type { MetricInvoice } from '../domain/metrics';
import { computeMetrics, metricLedger, monthlySeries } from '../domain/metrics';
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

/** Rounds per figure; each figure is the median of its rounds, measured interleaved with its baseline. */
const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export const metricsEngineBench: Bench = {
  name: 'metrics-engine',
  summary: 'A/R metrics for one period and a 24-month series over 1M invoices (median of 5 interleaved rounds)',
  async run({ scale }) {
    const n = Math.round(1_000_000 * scale);
    const data = invoices(n);
    const period = { from: '2025-07-01', to: '2025-09-30' };
    const times = { plain: [] as number[], ledger: [] as number[], period: [] as number[], series: [] as number[], endToEnd: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      times.plain.push(
        timeIt(() => {
          let s = 0;
          for (const inv of data) {
            s += inv.total;
            for (const x of inv.settlements) s -= x.amount;
          }
          return s;
        }).ms,
      );
      const ledger = timeIt(() => metricLedger(data));
      times.ledger.push(ledger.ms);
      times.period.push(timeIt(() => computeMetrics(ledger.result, period)).ms);
      times.series.push(timeIt(() => monthlySeries(ledger.result, '2025-11-30', 24)).ms);
      times.endToEnd.push(timeIt(() => computeMetrics(data, period)).ms);
    }
    const baseline = { label: 'plain summing pass', value: median(times.plain) };
    const figure = (name: string, ms: number[], target?: string) => {
      const value = median(ms);
      return { bench: this.name, figure: `${name}, ${n.toLocaleString('en')} invoices`, value, unit: 'ms', baseline, ratio: value / baseline.value, ...(target ? { target } : {}) };
    };
    return [
      figure('metricLedger (dates and amounts to columns, once per load)', times.ledger),
      figure('computeMetrics on the ledger', times.period, '≤ 5× the plain pass'),
      figure('monthlySeries (24 months) on the ledger', times.series, '≤ 5× the plain pass'),
      figure('computeMetrics on the invoice list (conversion included)', times.endToEnd, '≤ 5× the plain pass'),
    ];
  },
};
