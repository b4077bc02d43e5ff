/**
 * The firm's portfolio: one row per client organisation with its A/R, overdue share, DSO, CEI,
 * DSO trend against 90 days earlier and the needs-help verdict, each organisation converted
 * to the firm's reporting currency with the firm's rate. An organisation without a rate keeps
 * its own currency, is flagged, and is left out of the totals — currencies are never summed
 * silently. Ratios are computed in the organisation's base currency (conversion changes none).
 */
import type { Db } from '../db/client';
import { type Aging, type HelpThresholds, needsHelp, type Period } from '../domain/metrics';
import { type Minor, mulRate } from '../../kernel/money';
import { resolveRates } from './exchange-rates';
import { dsoOf, helpInput, type PeriodFigures, type PeriodRatios, ratiosFromFigures } from './figures';
import { listOrganisations, type OrganisationInfo } from './organisations';
import { comparePeriod, periodDays } from './period';
import { type OrganisationFigures, queryPortfolioFigures } from './portfolio-sql';

export interface PortfolioRow extends PeriodRatios {
  organisationId: string;
  name: string;
  provider: OrganisationInfo['provider'];
  status: string;
  baseCurrency: string;
  /** The currency of this row's amounts: the reporting currency when converted, else the base. */
  currency: string;
  converted: boolean;
  rate: { value: string; asOf: string } | null;
  /** Why the row is not in the totals (no rate), or null. */
  note: string | null;
  arEnd: Minor;
  overdue: Minor;
  creditSales: Minor;
  aging: Aging;
  openInvoices: number;
  dsoCompare: number | null;
  trend: { direction: 'up' | 'down' | 'flat'; changePct: number } | null;
  needsHelp: { flag: boolean; reasons: string[] };
}

export interface Portfolio {
  period: Period;
  compare: Period;
  reportingCurrency: string;
  rows: PortfolioRow[];
  totals: {
    currency: string;
    organisations: number;
    arEnd: Minor;
    overdue: Minor;
    creditSales: Minor;
    aging: Aging;
    overduePct: number | null;
    dso: number | null;
    needsHelp: number;
    excluded: { organisationId: string; name: string; currency: string }[];
    note: string | null;
  };
}

const EMPTY_AGING: Aging = { current: 0, d1_30: 0, d31_60: 0, d61_90: 0, d91_plus: 0 };
const BUCKETS = ['current', 'd1_30', 'd31_60', 'd61_90', 'd91_plus'] as const;

/** Buckets converted cumulatively, so they still sum to the converted total. */
function convertAging(aging: Aging, rate: string): Aging {
  const out = { ...EMPTY_AGING };
  let cum = 0;
  let convertedCum = 0;
  for (const b of BUCKETS) {
    cum += aging[b];
    const next = mulRate(cum, rate);
    out[b] = next - convertedCum;
    convertedCum = next;
  }
  return out;
}

function trendOf(now: number | null, before: number | null): PortfolioRow['trend'] {
  if (now === null || before === null || before === 0) return null;
  const changePct = Math.round(((now - before) / before) * 1000) / 10;
  return { direction: changePct > 0 ? 'up' : changePct < 0 ? 'down' : 'flat', changePct };
}

export function buildPortfolioRow(org: OrganisationInfo, figures: OrganisationFigures | undefined, days: { current: number; compare: number }, rate: { value: string; asOf: string } | null, reportingCurrency: string, thresholds: Partial<HelpThresholds>): PortfolioRow {
  const current: PeriodFigures = figures?.current ?? { days: days.current, creditSales: 0, arOpen: 0, arEnd: 0, aging: { ...EMPTY_AGING } };
  const ratios = ratiosFromFigures(current);
  const dsoCompare = figures ? dsoOf(figures.compare.arEnd, figures.compare.creditSales, figures.compare.days) : null;
  const verdict = needsHelp(helpInput(current, ratios), { dso: dsoCompare, cei: null, arEnd: 0, aging: EMPTY_AGING }, thresholds);
  const same = org.baseCurrency === reportingCurrency;
  const convert = same || rate !== null;
  const r = same ? '1' : (rate?.value ?? '1');
  const aging = convert && !same ? convertAging(current.aging, r) : current.aging;
  const arEnd = convert && !same ? mulRate(current.arEnd, r) : current.arEnd;
  return {
    organisationId: org.id,
    name: org.name,
    provider: org.provider,
    status: org.status,
    baseCurrency: org.baseCurrency,
    currency: convert ? reportingCurrency : org.baseCurrency,
    converted: convert && !same,
    rate: same ? null : rate,
    note: convert ? null : `No rate from ${org.baseCurrency} to ${reportingCurrency}: shown in ${org.baseCurrency} and left out of the totals`,
    ...ratios,
    arEnd,
    overdue: arEnd - aging.current,
    creditSales: convert && !same ? mulRate(current.creditSales, r) : current.creditSales,
    aging,
    openInvoices: figures?.openInvoices ?? 0,
    dsoCompare,
    trend: trendOf(ratios.dso, dsoCompare),
    needsHelp: verdict,
  };
}

export async function getPortfolio(db: Db, params: { firmId: string; period: Period; reportingCurrency: string; thresholds: Partial<HelpThresholds> }): Promise<Portfolio> {
  const { firmId, period, reportingCurrency } = params;
  const compare = comparePeriod(period);
  const [orgs, figures, rates] = await Promise.all([
    listOrganisations(db, firmId),
    queryPortfolioFigures(db, { firmId, period, compare }),
    resolveRates(db, firmId, reportingCurrency, period.to),
  ]);
  const byOrg = new Map(figures.map((f) => [f.organisationId, f]));
  const days = { current: periodDays(period), compare: periodDays(compare) };
  const rows = orgs.map((org) => {
    const rate = rates.get(org.baseCurrency);
    return buildPortfolioRow(org, byOrg.get(org.id), days, rate ? { value: rate.rate, asOf: rate.asOf } : null, reportingCurrency, params.thresholds);
  });
  const included = rows.filter((r) => r.currency === reportingCurrency);
  const excluded = rows.filter((r) => r.currency !== reportingCurrency);
  const sum = (f: (r: PortfolioRow) => Minor) => included.reduce((s, r) => s + f(r), 0);
  const aging = { ...EMPTY_AGING };
  for (const b of BUCKETS) aging[b] = sum((r) => r.aging[b]);
  const totalFigures: PeriodFigures = { days: days.current, creditSales: sum((r) => r.creditSales), arOpen: 0, arEnd: sum((r) => r.arEnd), aging };
  const totalRatios = ratiosFromFigures(totalFigures);
  return {
    period,
    compare,
    reportingCurrency,
    rows,
    totals: {
      currency: reportingCurrency,
      organisations: included.length,
      arEnd: totalFigures.arEnd,
      overdue: totalFigures.arEnd - aging.current,
      creditSales: totalFigures.creditSales,
      aging,
      overduePct: totalRatios.overduePct,
      dso: totalRatios.dso,
      needsHelp: rows.filter((r) => r.needsHelp.flag).length,
      excluded: excluded.map((r) => ({ organisationId: r.organisationId, name: r.name, currency: r.currency })),
      note:
        excluded.length === 0
          ? null
          : `${excluded.length} organisation${excluded.length === 1 ? '' : 's'} without a rate to ${reportingCurrency} (${[...new Set(excluded.map((r) => r.currency))].join(', ')}) ${excluded.length === 1 ? 'is' : 'are'} not in these totals.`,
    },
  };
}
