/**
 * Benchmarks: the firm's clients compared with each other by quartile (DSO, CEI, DBT, overdue
 * share; type-7 quartiles, docs/decisions/037), and the firm's own performance over time — the
 * average gain across managed clients, month by month, each client's gain being the monthly
 * report's (server/reports/gains.ts: the 3 months ending the month's last day against the frozen
 * 3-month baseline).
 */
import { addMonths, type CalendarDate, endOfMonth, longDate, startOfMonth } from '../../kernel/dates';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../analytics/ledger-invoices';
import type { Db } from '../db/client';
import type { Period } from '../domain/metrics';
import type { Baseline } from '../reports/baseline';
import { monthlyGains } from '../reports/gains';
import { monthsEnding, windowKpis } from '../reports/kpis';
import { BENCHMARK_METRICS, type ClientMonthGain, firmPerformance, LOWER_IS_BETTER, METRIC_WORDS, QUARTER_WORDS, quarterOf, quartiles } from './core';
import { listServices, loadFirmFigures } from './figures';
import { periodText } from './opportunities';

export interface BenchmarksView {
  periodText: string;
  /** How quartiles are taken, in words. */
  method: string;
  metrics: { name: string; unit: 'days' | '%'; lowerIsBetter: boolean; q1: number | null; median: number | null; q3: number | null; clients: number }[];
  clients: { organisationId: string; name: string; cells: { value: number | null; quarter: 1 | 2 | 3 | 4 | null; quarterText: string }[] }[];
  performance: {
    sentence: string;
    months: { monthName: string; clients: number; dsoReduction: number | null; ceiGain: number | null; overdueReduction: number | null }[];
  };
}

/** Months shown in the firm's performance over time. */
export const PERFORMANCE_MONTHS = 12;

const monthName = (month: string) => longDate(`${month}-01`).replace(/^1 /, '');

/** Each managed client's gain for each month from its service's start (at most the last PERFORMANCE_MONTHS full months). */
export async function managedGains(db: Db, firmId: string, lastMonthEnd: CalendarDate): Promise<ClientMonthGain[]> {
  const services = await listServices(db, firmId);
  const firstMonth = startOfMonth(addMonths(startOfMonth(lastMonthEnd), -(PERFORMANCE_MONTHS - 1)));
  const out: ClientMonthGain[] = [];
  for (const [organisationId, s] of services) {
    const baseline = s.baseline as Baseline;
    const monthEnds: CalendarDate[] = [];
    for (let m = firstMonth; m <= lastMonthEnd; m = addMonths(m, 1)) if (endOfMonth(m) >= s.startDate) monthEnds.push(endOfMonth(m));
    if (monthEnds.length === 0) continue;
    const base = toBaseMetricInvoices(await loadLedgerInvoices(db, { firmId, organisationId }), baseline.currency);
    const windows = windowKpis(base, monthEnds.map((d) => monthsEnding(d, 3)));
    for (const [i, now] of windows.entries()) {
      const g = monthlyGains(baseline, now);
      const change = (k: 'cei' | 'overduePct') => g.kpis.find((x) => x.key === k)?.change ?? null;
      const overdue = change('overduePct');
      out.push({ month: monthEnds[i]!.slice(0, 7), dsoReduction: g.dsoReduction, ceiGain: change('cei'), overdueReduction: overdue === null ? null : -overdue });
    }
  }
  return out;
}

export async function getBenchmarks(db: Db, p: { firmId: string; period: Period; today: CalendarDate }): Promise<BenchmarksView> {
  const f = await loadFirmFigures(db, p);
  const qs = BENCHMARK_METRICS.map((m) => quartiles(f.clients.map((c) => c[m])));
  // The last full month before the period's end month (a month's gain needs the month to be over).
  const lastMonthEnd = endOfMonth(addMonths(startOfMonth(p.period.to), -1));
  const months = firmPerformance(await managedGains(db, p.firmId, lastMonthEnd));
  return {
    periodText: periodText(p.period),
    method:
      'Quartiles by linear interpolation between the sorted values (the usual spreadsheet method): the first quartile is a quarter of the way from the lowest to the highest, the median half way. A client on a boundary counts in the better quarter. Clients without a figure are left out of that measure.',
    metrics: BENCHMARK_METRICS.map((m, i) => ({ ...METRIC_WORDS[m], lowerIsBetter: LOWER_IS_BETTER[m], q1: qs[i]?.q1 ?? null, median: qs[i]?.median ?? null, q3: qs[i]?.q3 ?? null, clients: qs[i]?.count ?? 0 })),
    clients: f.clients.map((c) => ({
      organisationId: c.organisationId,
      name: c.name,
      cells: BENCHMARK_METRICS.map((m, i) => {
        const quarter = quarterOf(c[m], qs[i] ?? null, LOWER_IS_BETTER[m]);
        return { value: c[m], quarter, quarterText: quarter === null ? 'No figure' : QUARTER_WORDS[quarter] };
      }),
    })),
    performance: {
      sentence:
        months.length === 0
          ? 'No client has a managed service yet, so there are no gains to show.'
          : `The average gain of the managed clients each month: the 3 months to the month's end against each client's baseline, frozen when its service started (as in the monthly report). Positive is better.`,
      months: months.map((m) => ({ monthName: monthName(m.month), clients: m.clients, dsoReduction: m.dsoReduction, ceiGain: m.ceiGain, overdueReduction: m.overdueReduction })),
    },
  };
}
