/**
 * One organisation's dashboard in its base currency, from its rollups (decision 059): KPIs with
 * formulas, aging, a 24-month DSO / CEI series, the needs-help verdict against the period 90 days
 * earlier, and the customers with the most overdue.
 */
import { type CalendarDate, endOfMonth } from '../../kernel/dates';
import type { Db } from '../db/client';
import { amountNumber, computeMetrics, type HelpThresholds, type MetricInvoice, type MetricsResult, metricLedger, metricsFromStates, monthlySeries, monthPeriods, needsHelp, type Period } from '../domain/metrics';
import { pageCustomers } from './customer-list-sql';
import { loadTopOverdue } from './customer-overdue';
import { type CustomerSummary, compareNames, summariseCustomers } from './customers';
import { invoiceCurrencies, loadDashboardStates } from './dashboard-rollups';
import { buildKpis } from './kpis';
import { loadBaseMetricInvoices, loadLedgerInvoices, toBaseMetricInvoices } from './ledger-invoices';
import type { LedgerLinkTarget } from './ledger-links';
import { listContacts, type OrganisationInfo } from './organisations';
import { comparePeriod } from './period';

export const SERIES_MONTHS = 24;

export interface AgingBar {
  bucket: keyof MetricsResult['aging'];
  label: string;
  amount: number;
}

export const AGING_LABELS: Record<keyof MetricsResult['aging'], string> = {
  current: 'Current',
  d1_30: '1–30 days',
  d31_60: '31–60 days',
  d61_90: '61–90 days',
  d91_plus: '91+ days',
};

export function agingBars(aging: MetricsResult['aging']): AgingBar[] {
  return (Object.keys(AGING_LABELS) as (keyof MetricsResult['aging'])[]).map((bucket) => ({ bucket, label: AGING_LABELS[bucket], amount: amountNumber(aging[bucket]) }));
}

export interface SeriesPoint {
  month: string;
  from: string;
  to: string;
  dso: number | null;
  bestPossibleDso: number | null;
  cei: number | null;
  arEnd: number;
  creditSales: number;
  collected: number;
  avgDaysToPay: number | null;
  /** The month is cut short by the period's end (month to date): its figures are not comparable with whole months. */
  partial: boolean;
}

export function seriesPoints(series: MetricsResult[]): SeriesPoint[] {
  return series.map((m) => ({
    month: m.from.slice(0, 7),
    from: m.from,
    to: m.to,
    dso: m.dso,
    bestPossibleDso: m.bestPossibleDso,
    cei: m.cei,
    arEnd: amountNumber(m.arEnd),
    creditSales: amountNumber(m.creditSales),
    collected: amountNumber(m.collected),
    avgDaysToPay: m.avgDaysToPay,
    partial: m.to !== endOfMonth(m.from),
  }));
}

export function customerJson(c: CustomerSummary) {
  return {
    ...c,
    arEnd: amountNumber(c.arEnd),
    overdue: amountNumber(c.overdue),
    creditSales: amountNumber(c.creditSales),
    collected: amountNumber(c.collected),
    aging: Object.fromEntries(Object.entries(c.aging).map(([k, v]) => [k, amountNumber(v)])),
  };
}

/**
 * The organisation dashboard (decisions 050, 059, 064): the figures from the rollups — the
 * organisation's cumulative state at the days the period, the comparison period, the 24 months and
 * countback need, one bounded statement (`loadDashboardStates`), turned into the engine's figures by
 * `metricsFromStates` — and the customers' part — top overdue, how many customers and open
 * invoices — from the per-customer state (`loadTopOverdue`, ten index entries and one totals row)
 * when the period ends on the organisation's today, else from the Customers list's SQL (one page of
 * ten over the invoices open at the period's end), plus the invoice currencies (one probe per
 * currency). Nothing here reads every invoice on the default period. Equal to
 * `getDashboardInMemory`, the path of before decision 050 and the reference of
 * test/scale/dashboard-sql.test.ts, and to `getDashboardFromCustomerList`.
 */
export async function getDashboard(db: Db, params: DashboardParams) {
  return dashboardFromRollups(db, params, params.today !== undefined && params.today === params.period.to);
}

/** The dashboard with its customers' part from the Customers list's statement (decisions 050, 059): the reference of decision 064's state, and the bench's baseline. */
export async function getDashboardFromCustomerList(db: Db, params: DashboardParams) {
  return dashboardFromRollups(db, params, false);
}

async function dashboardFromRollups(db: Db, params: DashboardParams, fromState: boolean) {
  const { firmId, organisation: org, period } = params;
  const site = params.site ?? org.provider;
  const compare = comparePeriod(period);
  const months = monthPeriods(period.to, SERIES_MONTHS);
  const periods = [period, compare, ...months];
  const scope = { firmId, organisationId: org.id, baseCurrency: org.baseCurrency, period, site };
  const customersPart = async () => (fromState ? await loadTopOverdue(db, scope) : null) ?? (await pageCustomers(db, scope, { sort: 'overdue', limit: 10, onlyOverdue: true }));
  const [states, top, currencies] = await Promise.all([loadDashboardStates(db, { firmId, organisationId: org.id, periods }), customersPart(), invoiceCurrencies(db, { firmId, organisationId: org.id })]);
  const [current, previous, ...series] = metricsFromStates(periods, states.at, states.firstIssue, states.invoices > 0 ? org.baseCurrency : null);
  return dashboardOf(params, { current: current!, compare: previous!, series }, {
    topOverdue: top.rows.map(({ risk: _risk, ...c }) => c),
    counts: { invoices: states.invoices, customers: top.total, openInvoices: top.openInvoices },
    currencies,
  });
}

/**
 * The dashboard as decision 050 computed it: the engine over one row per invoice read from the
 * settlement summary (linear in invoices). Kept as a second reference for the tests and the bench.
 */
export async function getDashboardFromSummary(db: Db, params: DashboardParams) {
  const { firmId, organisation: org, period } = params;
  const site = params.site ?? org.provider;
  const [{ invoices: base, currencies }, top] = await Promise.all([
    loadBaseMetricInvoices(db, { firmId, organisationId: org.id, baseCurrency: org.baseCurrency }),
    pageCustomers(db, { firmId, organisationId: org.id, baseCurrency: org.baseCurrency, period, site }, { sort: 'overdue', limit: 10, onlyOverdue: true }),
  ]);
  return dashboardOf(params, engineFigures(base, period), {
    topOverdue: top.rows.map(({ risk: _risk, ...c }) => c),
    counts: { invoices: base.length, customers: top.total, openInvoices: top.openInvoices },
    currencies,
  });
}

interface DashboardFigures {
  current: MetricsResult;
  compare: MetricsResult;
  series: MetricsResult[];
}

/** The engine's figures over the invoices: the period, the comparison period, 24 months. */
function engineFigures(base: readonly MetricInvoice[], period: Period): DashboardFigures {
  // Converted to columns once for the three passes (decision 022's MetricLedger).
  const ledger = metricLedger(base);
  return { current: computeMetrics(ledger, period), compare: computeMetrics(ledger, comparePeriod(period)), series: monthlySeries(ledger, period.to, SERIES_MONTHS) };
}

interface DashboardParams {
  firmId: string;
  organisation: OrganisationInfo;
  period: Period;
  thresholds: Partial<HelpThresholds>;
  site?: LedgerLinkTarget;
  /** The organisation's today: when the period ends on it, the customers' part comes from the per-customer state (decision 064). */
  today?: CalendarDate;
}

function dashboardOf(params: DashboardParams, figures: DashboardFigures, parts: { topOverdue: CustomerSummary[]; counts: { invoices: number; customers: number; openInvoices: number }; currencies: Iterable<string> }) {
  const { organisation: org, period } = params;
  const { current, compare, series } = figures;
  return {
    organisation: org,
    currency: org.baseCurrency,
    period: { ...period, days: current.days },
    compare: { from: compare.from, to: compare.to, dso: compare.dso },
    kpis: buildKpis(current),
    aging: agingBars(current.aging),
    series: seriesPoints(series),
    needsHelp: needsHelp(current, compare, params.thresholds),
    topOverdue: parts.topOverdue.map(customerJson),
    counts: parts.counts,
    foreignCurrencies: [...new Set(parts.currencies)].filter((c) => c !== org.baseCurrency).sort(),
  };
}

/** The dashboard as it was computed before decision 050: the whole ledger and every customer in memory. The reference for the tests and the bench. */
export async function getDashboardInMemory(db: Db, params: DashboardParams) {
  const { firmId, organisation: org, period } = params;
  const [ledger, contacts] = await Promise.all([loadLedgerInvoices(db, { firmId, organisationId: org.id }), listContacts(db, firmId, org.id)]);
  const base = toBaseMetricInvoices(ledger, org.baseCurrency);
  const customers = summariseCustomers(base, contacts, period, params.site ?? org.provider);
  const topOverdue = customers
    .filter((c) => c.overdue > 0)
    .sort((a, b) => b.overdue - a.overdue || compareNames(a, b))
    .slice(0, 10);
  return dashboardOf(params, engineFigures(base, period), {
    topOverdue,
    counts: { invoices: ledger.length, customers: customers.length, openInvoices: customers.reduce((s, c) => s + c.openInvoices, 0) },
    currencies: ledger.map((i) => i.currency),
  });
}
