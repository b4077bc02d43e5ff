/**
 * The firm's portfolio: one row per client organisation with its A/R, overdue share, DSO, CEI,
 * DSO trend against 90 days earlier and the needs-help verdict, each organisation converted
 * to the firm's reporting currency with the firm's rate or, without one, a rate from its
 * ledgers (server/domain/reporting-rates.ts), each rate with its source and date and a warning
 * when it is stale. An organisation without any rate keeps its own currency, is flagged, and is
 * left out of the totals, by name — currencies are never summed silently. Ratios are computed in
 * the organisation's base currency (conversion changes none).
 */
import type { Db } from '../db/client';
import { type CalendarDate, minDate } from '../../kernel/dates';
import { type Aging, type HelpThresholds, needsHelp, type Period } from '../domain/metrics';
import { chooseRate, isStale, type LedgerDocument, missingRateNote, rateSourceWords, staleRateWarning, type UsedRate } from '../domain/reporting-rates';
import { type Minor, mulRate } from '../../kernel/money';
import { resolveRates } from './exchange-rates';
import { latestLedgerRates } from './ledger-rates';
import { dsoOf, helpInput, type PeriodFigures, type PeriodRatios, ratiosFromFigures } from './figures';
import { listOrganisations, type OrganisationInfo } from './organisations';
import { comparePeriod, periodDays } from './period';
import { queryPortfolioRollups } from './portfolio-rollups';
import { type OrganisationFigures, queryPortfolioFigures } from './portfolio-sql';

/** Where the figures come from: the rollups (the default), or one pass over the invoices (the reference the tests and the bench compare with). */
export type PortfolioSource = 'rollups' | 'invoices';

export interface PortfolioRow extends PeriodRatios {
  organisationId: string;
  name: string;
  provider: OrganisationInfo['provider'];
  status: string;
  baseCurrency: string;
  /** The currency of this row's amounts: the reporting currency when converted, else the base. */
  currency: string;
  converted: boolean;
  rate: RowRate | null;
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

/** The rate a row was converted with: its value, date, where it came from in words, and whether it is stale. */
export interface RowRate {
  value: string;
  asOf: string;
  source: 'entered' | 'ledger';
  /** "entered by your firm, dated 3 March 2021" / "from Xero invoice INV-0042 of Thames Studio, 28 November 2026". */
  from: string;
  stale: boolean;
}

/** One rate the portfolio used (one per converted currency). */
export interface PortfolioRate extends RowRate {
  currency: string;
  /** The stale warning in plain words, or null. */
  warning: string | null;
}

export interface Portfolio {
  period: Period;
  compare: Period;
  reportingCurrency: string;
  /** The day rates are judged stale against: today, or the period's end if earlier. */
  ratesCheckedOn: CalendarDate;
  rates: PortfolioRate[];
  /** Stale-rate warnings, one per currency, in plain words. */
  warnings: string[];
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

export function buildPortfolioRow(org: OrganisationInfo, figures: OrganisationFigures | undefined, days: { current: number; compare: number }, rate: RowRate | null, reportingCurrency: string, thresholds: Partial<HelpThresholds>): PortfolioRow {
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

/**
 * `today`: the caller's calendar day (from the injected clock); rates are judged stale against it,
 * or against the period's end when that is earlier. Without it, the period's end.
 */
export async function getPortfolio(db: Db, params: { firmId: string; period: Period; reportingCurrency: string; thresholds: Partial<HelpThresholds>; today?: CalendarDate; source?: PortfolioSource }): Promise<Portfolio> {
  const { firmId, period, reportingCurrency } = params;
  const compare = comparePeriod(period);
  const query = params.source === 'invoices' ? queryPortfolioFigures : queryPortfolioRollups;
  const [orgs, figures, entered] = await Promise.all([
    listOrganisations(db, firmId),
    query(db, { firmId, period, compare }),
    resolveRates(db, firmId, reportingCurrency, period.to),
  ]);
  const needed = [...new Set(orgs.map((o) => o.baseCurrency))].filter((c) => c !== reportingCurrency).sort();
  const unentered = needed.filter((c) => !entered.has(c));
  const fromLedgers = unentered.length === 0 ? new Map<string, LedgerDocument>() : await latestLedgerRates(db, { firmId, reportingCurrency, currencies: unentered, asOf: period.to });
  const checkedOn = params.today ? minDate(period.to, params.today) : period.to;
  const rates = new Map<string, PortfolioRate>();
  for (const currency of needed) {
    const e = entered.get(currency);
    const used: UsedRate | null = chooseRate(e ? { rate: e.rate, asOf: e.asOf } : null, fromLedgers.get(currency) ?? null);
    if (!used) continue;
    const stale = isStale(used.asOf, checkedOn);
    rates.set(currency, { currency, value: used.value, asOf: used.asOf, source: used.source, from: rateSourceWords(used), stale, warning: stale ? staleRateWarning(currency, used) : null });
  }
  const byOrg = new Map(figures.map((f) => [f.organisationId, f]));
  const days = { current: periodDays(period), compare: periodDays(compare) };
  const rows = orgs.map((org) => {
    const rate = rates.get(org.baseCurrency);
    return buildPortfolioRow(org, byOrg.get(org.id), days, rate ? { value: rate.value, asOf: rate.asOf, source: rate.source, from: rate.from, stale: rate.stale } : null, reportingCurrency, params.thresholds);
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
    ratesCheckedOn: checkedOn,
    rates: [...rates.values()],
    warnings: [...rates.values()].flatMap((r) => (r.warning ? [r.warning] : [])),
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
      note: missingRateNote(excluded, reportingCurrency),
    },
  };
}
