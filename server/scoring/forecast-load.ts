/**
 * Cash forecasts for the API: per organisation (its base currency) and for the portfolio (the
 * firm's reporting currency, converted with the analytics exchange rates; an organisation
 * without a rate is listed apart and never summed in), plus "last quarter: forecast vs actual".
 *
 * Last quarter: the model is re-run as of the end of the day before the 13 complete weeks
 * that end last Sunday, on the history as it was known then (asKnownAt: invoices issued by
 * then, settlements and disputes dated by then — nothing later), both models refitted on that
 * history alone (only on rows that may train a model — data-use.ts; a Xero organisation is
 * re-run with the no-fit method); its 13-week forecast is compared with what was actually settled on those same
 * invoices in each week, with its bias and weekly MAPE.
 *
 * Never paid and timing (decision 039): every open invoice's P(never paid) (the fixed rule of
 * server/domain/scoring/never-paid.ts, from the history as known on the forecast's day) is taken
 * off before timing; today's forecast also mixes in live promises and payment-plan instalments
 * (timing-load.ts, never-paid-of.ts). The last-quarter re-run uses the never-paid rule but not
 * promises or plans (what was promised as of then is not kept).
 */
import { and, eq, sql } from 'drizzle-orm';
import { addDays, type CalendarDate, toDayNumber, todayIn } from '../../kernel/dates';
import { type Minor, mulRate, toMinor } from '../../kernel/money';
import { resolveRates } from '../analytics/exchange-rates';
import { type Db, queryRows } from '../db/client';
import { firms, organisations } from '../db/schema';
import type { ScoringModel } from '../domain/scoring';
import { cached } from './cache';
import type { TrainingRows } from './data-use';
import { FIRM_MAX_TRAIN_ROWS, fitModel, fitModels, NO_FIT, ORG_MIN_SETTLED, type ScoringModels, scoreOrganisation, settledCount } from './engine';
import { type ForecastItem, forecastWeeks, isoWeekStart, type WeeklyForecast, weeklyForecast } from './forecast';
import { asKnownAt, customerKey, fingerprintOf, type HistoryInvoice, settledBy, toBase } from './history';
import { loadHistory } from './history-load';
import { trainingRowsOf } from './models';
import { neverPaidMap, staleSet, staleTiming, withPromise } from './never-paid-of';
import { fromQuantiles } from './pay-distribution';
import { ensureScored, historiesAt, type OnDemandScoring, type OrganisationRef } from './run';
import { loadPlannedDates } from './timing-load';

export interface LastQuarterWeek {
  weekStart: CalendarDate;
  weekEnd: CalendarDate;
  expected: Minor;
  low: Minor;
  high: Minor;
  actual: Minor;
}

export interface LastQuarter {
  /** Forecast as known at the end of this day. */
  asOf: CalendarDate;
  weeks: LastQuarterWeek[];
  open: Minor;
  expected: Minor;
  actual: Minor;
  invoices: number;
  /** Σ|expected − actual| / Σ actual over the weeks (null without collections). */
  weeklyError: number | null;
  /** (Σ expected − Σ actual) / Σ actual: positive = forecast too high (null without collections). */
  bias: number | null;
  /** Mean over the weeks with collections of |expected − actual| / actual (null without any). */
  mape: number | null;
  /** Expected never to be paid, as forecast then. */
  neverPaid: Minor;
}

/** Bias and weekly MAPE of forecast weeks against actuals. */
export function forecastErrors(weeks: readonly { expected: Minor; actual: Minor }[]): { bias: number | null; mape: number | null; weeklyError: number | null } {
  const expected = weeks.reduce((s, w) => s + w.expected, 0);
  const actual = weeks.reduce((s, w) => s + w.actual, 0);
  const absErr = weeks.reduce((s, w) => s + Math.abs(w.expected - w.actual), 0);
  const withActual = weeks.filter((w) => w.actual > 0);
  return {
    bias: actual > 0 ? (expected - actual) / actual : null,
    mape: withActual.length > 0 ? withActual.reduce((s, w) => s + Math.abs(w.expected - w.actual) / w.actual, 0) / withActual.length : null,
    weeklyError: actual > 0 ? absErr / actual : null,
  };
}

/** The day a last-quarter forecast is made as of: the Sunday before the 13 weeks ending before this week. */
export function lastQuarterAsOf(day: CalendarDate): CalendarDate {
  return addDays(isoWeekStart(addDays(day, 1)), -13 * 7 - 1);
}

/**
 * Pure: from the organisation's and firm's current history (`day` = today), re-run everything
 * as of `lastQuarterAsOf(day)` with only what was known then, and set the actuals beside it.
 */
export function lastQuarterOf(params: {
  organisationId: string;
  orgHistory: readonly HistoryInvoice[];
  /** The firm's rows that may train a model (`TrainingRows.select` of the firm history). */
  rows: TrainingRows;
  day: CalendarDate;
  /** The firm model as of `lastQuarterAsOf(day)`, when already fitted (the portfolio shares one). */
  firmModel?: () => ScoringModel | null;
  /** Apply the never-paid rule (default); false only to measure what it changes (`arcus forecast-eval`). */
  neverPaid?: boolean;
}): LastQuarter {
  const asOf = lastQuarterAsOf(params.day);
  const orgKnown = asKnownAt(params.orgHistory, asOf);
  const known = params.rows.narrow((h) => asKnownAt(h, asOf));
  let models: ScoringModels;
  if (!known.allows(params.organisationId)) models = NO_FIT;
  else if (params.firmModel) {
    const own = known.only(params.organisationId);
    models = { organisation: settledCount(own.history, asOf) >= ORG_MIN_SETTLED ? fitModel(own, asOf) : null, firm: params.firmModel() };
  } else models = fitModels(known, params.organisationId, asOf);
  const scores = scoreOrganisation({ organisationId: params.organisationId, orgHistory: orgKnown, firmHistory: known.history, models, day: asOf });
  const never = params.neverPaid === false ? new Map<string, number>() : neverPaidMap(orgKnown, asOf);
  const stale = params.neverPaid === false ? new Set<string>() : staleSet(orgKnown, asOf);
  const forecast = weeklyForecast(
    scores.invoices.map((s) => ({
      customerKey: customerKey(s.invoice.organisationId, s.invoice.contactExternalId),
      issueDate: s.invoice.issueDate,
      amount: s.balanceBase,
      distribution: stale.has(s.invoice.id) ? staleTiming(s.invoice.issueDate, asOf) : s.distribution,
      pNeverPaid: never.get(s.invoice.id) ?? 0,
    })),
    asOf,
  );
  // Actuals: what those invoices really settled in each week (from the full, current history).
  const now = new Map(params.orgHistory.map((inv) => [inv.id, inv]));
  const first = toDayNumber(forecast.weeks[0]!.weekStart);
  const actual = new Array<Minor>(forecast.weeks.length).fill(0);
  for (const s of scores.invoices) {
    const inv = now.get(s.invoice.id);
    if (!inv) continue;
    let prev = Math.min(inv.total, settledBy(inv, asOf));
    for (let k = 0; k < inv.settlementDays.length; k++) {
      const d = inv.settlementDays[k]!;
      if (d <= asOf) continue;
      const week = Math.floor((toDayNumber(d) - first) / 7);
      if (week >= forecast.weeks.length) break;
      const cum = Math.min(inv.total, inv.settlementCum[k]!);
      actual[week]! += toBase(inv, cum) - toBase(inv, prev);
      prev = cum;
    }
  }
  const weeks = forecast.weeks.map((w, k) => ({ ...w, actual: actual[k]! }));
  const expected = weeks.reduce((s, w) => s + w.expected, 0);
  const collected = weeks.reduce((s, w) => s + w.actual, 0);
  return { asOf, weeks, open: forecast.open, expected, actual: collected, invoices: forecast.invoices, ...forecastErrors(weeks), neverPaid: forecast.neverPaid };
}

interface ScoreRow {
  invoice_id: string;
  organisation_id: string;
  contact_external_id: string;
  issue_date: string;
  amount_due_base: string;
  pay_quantiles: number[] | string;
}

function parseQuantiles(v: number[] | string): number[] {
  return Array.isArray(v) ? v.map(Number) : v.replace(/[{}]/g, '').split(',').map(Number);
}

/**
 * Forecast items from the stored scores of some organisations, amounts converted by `convert`;
 * `never` (P(never paid) by invoice id) and `planned` (promised or planned pay dates) when known.
 */
async function storedItems(
  db: Db,
  firmId: string,
  organisationIds: readonly string[],
  convert: (organisationId: string, amount: Minor) => Minor,
  timing: { never?: ReadonlyMap<string, number>; stale?: ReadonlySet<string>; planned?: ReadonlyMap<string, CalendarDate>; day?: CalendarDate } = {},
): Promise<ForecastItem[]> {
  if (organisationIds.length === 0) return [];
  const rows = await queryRows<ScoreRow>(
    db,
    sql`SELECT s.invoice_id, s.organisation_id, s.contact_external_id, i.issue_date::text AS issue_date, s.amount_due_base::text AS amount_due_base, s.pay_quantiles
        FROM invoice_scores s JOIN invoices i ON i.id = s.invoice_id
        WHERE s.firm_id = ${firmId} AND s.organisation_id IN (${sql.join(
          organisationIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})
        ORDER BY s.organisation_id, i.issue_date, s.invoice_id`,
  );
  return rows.map((r) => {
    const dist = timing.day && timing.stale?.has(r.invoice_id) ? staleTiming(r.issue_date, timing.day) : fromQuantiles(parseQuantiles(r.pay_quantiles));
    const planned = timing.planned?.get(r.invoice_id);
    return {
      customerKey: customerKey(r.organisation_id, r.contact_external_id),
      issueDate: r.issue_date,
      amount: convert(r.organisation_id, toMinor(r.amount_due_base, 2, true)),
      distribution: planned ? withPromise(dist, r.issue_date, planned) : dist,
      pNeverPaid: timing.never?.get(r.invoice_id) ?? 0,
    };
  });
}

export interface OrganisationInfoLite {
  id: string;
  firmId: string;
  name: string;
  baseCurrency: string;
  timezone: string;
}

async function organisationsOf(db: Db, firmId: string, organisationId?: string): Promise<OrganisationInfoLite[]> {
  return db
    .select({ id: organisations.id, firmId: organisations.firmId, name: organisations.name, baseCurrency: organisations.baseCurrency, timezone: organisations.timezone })
    .from(organisations)
    .where(organisationId ? and(eq(organisations.firmId, firmId), eq(organisations.id, organisationId)) : eq(organisations.firmId, firmId))
    .orderBy(organisations.name, organisations.id);
}

export async function findOrganisation(db: Db, firmId: string, organisationId: string): Promise<OrganisationInfoLite | null> {
  return (await organisationsOf(db, firmId, organisationId))[0] ?? null;
}

/** Last quarter for one organisation, cached per week and state of its history. */
export async function organisationLastQuarter(
  db: Db,
  org: OrganisationRef,
  day: CalendarDate,
  shared?: { firmHistory: readonly HistoryInvoice[]; rows: TrainingRows; firmModel: () => ScoringModel | null },
): Promise<LastQuarter> {
  const firmHistory = shared ? asKnownAt(shared.firmHistory, day) : (await historiesAt(db, org, day)).firmHistory;
  const rows = shared ? shared.rows.narrow((h) => asKnownAt(h, day)) : await trainingRowsOf(db, org.firmId, firmHistory);
  const orgHistory = firmHistory.filter((inv) => inv.organisationId === org.id);
  // 'np3:' — the never-paid rule and the error figures (decision 039), the no-fit band and calibration of
  // decision 066, the no-fit calibration constants of decision 072: earlier cached results are recomputed.
  return cached(db, { firmId: org.firmId, organisationId: org.id, kind: 'last_quarter', asOf: lastQuarterAsOf(day), fingerprint: `np3:${fingerprintOf(orgHistory, day)}` }, () =>
    lastQuarterOf({ organisationId: org.id, orgHistory, rows, day, ...(shared ? { firmModel: shared.firmModel } : {}) }),
  );
}

export interface OrganisationForecast {
  organisation: { id: string; name: string };
  currency: string;
  forecast: WeeklyForecast;
  lastQuarter: LastQuarter;
  /** Never scored and too big to score in this request: its run is requested, its open invoices are not forecast yet. */
  scoringPending: { organisationName: string }[];
}

export async function organisationForecast(db: Db, org: OrganisationInfoLite, now = new Date(), onDemand: OnDemandScoring = {}): Promise<OrganisationForecast> {
  const day = todayIn(org.timezone, now);
  const pending = await ensureScored(db, org.firmId, [org.id], now, onDemand);
  const orgHistory = asKnownAt(await loadHistory(db, { firmId: org.firmId, organisationId: org.id }), day);
  const timing = { day, never: neverPaidMap(orgHistory, day), stale: staleSet(orgHistory, day), planned: await loadPlannedDates(db, org.firmId, [org.id], day) };
  const items = await storedItems(db, org.firmId, [org.id], (_, amount) => amount, timing);
  return {
    organisation: { id: org.id, name: org.name },
    currency: org.baseCurrency,
    forecast: weeklyForecast(items, day),
    lastQuarter: await organisationLastQuarter(db, org, day),
    scoringPending: pending.length > 0 ? [{ organisationName: org.name }] : [],
  };
}

export interface PortfolioForecast {
  currency: string;
  forecast: WeeklyForecast;
  /** Each organisation's 13-week total in its own currency, and whether the portfolio includes it. */
  organisations: { id: string; name: string; currency: string; expected13Weeks: Minor; open: Minor; included: boolean; rate: string | null }[];
  /** Organisations left out of the totals: no exchange rate to the reporting currency. */
  excluded: { id: string; name: string; currency: string }[];
  lastQuarter: { asOf: CalendarDate; weeks: LastQuarterWeek[]; expected: Minor; actual: Minor; weeklyError: number | null; bias: number | null; mape: number | null };
  /** Organisations never scored and too big to score in this request (their runs are requested). */
  scoringPending: { organisationName: string }[];
}

/**
 * The portfolio in the firm's reporting currency. "Today" is the UTC day (organisations' own
 * days differ by at most one); the band comes from one joint simulation over all included
 * invoices. The last-quarter band is the sum of the organisations' bands (wider than a joint
 * band: an upper bound on the spread).
 */
export async function portfolioForecast(db: Db, firmId: string, now = new Date(), onDemand: OnDemandScoring = {}): Promise<PortfolioForecast> {
  const day = todayIn('UTC', now);
  const [firm] = await db.select({ reportingCurrency: firms.reportingCurrency }).from(firms).where(eq(firms.id, firmId)).limit(1);
  const currency = firm?.reportingCurrency ?? 'USD';
  const orgs = await organisationsOf(db, firmId);
  const pending = new Set(
    await ensureScored(
      db,
      firmId,
      orgs.map((o) => o.id),
      now,
      onDemand,
    ),
  );
  const rates = await resolveRates(db, firmId, currency, day);
  const rateOf = new Map<string, string | null>(orgs.map((o) => [o.id, o.baseCurrency === currency ? '1' : (rates.get(o.baseCurrency)?.rate ?? null)]));
  const included = orgs.filter((o) => rateOf.get(o.id) !== null);
  const convert = (organisationId: string, amount: Minor) => {
    const rate = rateOf.get(organisationId)!;
    return rate === '1' ? amount : mulRate(amount, rate);
  };
  const firmHistory = orgs.length > 0 ? asKnownAt(await loadHistory(db, { firmId }), day) : [];
  const timing = {
    day,
    never: neverPaidMap(firmHistory, day),
    stale: staleSet(firmHistory, day),
    planned: await loadPlannedDates(
      db,
      firmId,
      orgs.map((o) => o.id),
      day,
    ),
  };
  const items = await storedItems(
    db,
    firmId,
    included.map((o) => o.id),
    convert,
    timing,
  );
  const forecast = weeklyForecast(items, day);

  const perOrg: PortfolioForecast['organisations'] = [];
  const frame = forecastWeeks(day);
  const lq = frame.map(() => ({ expected: 0, low: 0, high: 0, actual: 0 }));
  let lqWeeks: LastQuarterWeek[] = [];
  const rows = await trainingRowsOf(db, firmId, firmHistory);
  // One firm model as of last quarter for every organisation, fitted only if some cache misses.
  let firmModelThen: ScoringModel | null | undefined;
  const firmModel = () => {
    if (firmModelThen === undefined) {
      const asOf = lastQuarterAsOf(day);
      firmModelThen = fitModel(
        rows.narrow((h) => asKnownAt(h, asOf)),
        asOf,
        FIRM_MAX_TRAIN_ROWS,
      );
    }
    return firmModelThen;
  };
  for (const org of orgs) {
    const own = weeklyForecast(await storedItems(db, firmId, [org.id], (_, a) => a, timing), day, { draws: 0 });
    const rate = rateOf.get(org.id) ?? null;
    perOrg.push({ id: org.id, name: org.name, currency: org.baseCurrency, expected13Weeks: own.weeks.reduce((s, w) => s + w.expected, 0), open: own.open, included: rate !== null, rate });
    if (rate === null) continue;
    const q = await organisationLastQuarter(db, org, day, { firmHistory, rows, firmModel });
    q.weeks.forEach((w, k) => {
      const c = (a: Minor) => (rate === '1' ? a : mulRate(a, rate));
      lq[k]!.expected += c(w.expected);
      lq[k]!.low += c(w.low);
      lq[k]!.high += c(w.high);
      lq[k]!.actual += c(w.actual);
    });
    lqWeeks = q.weeks;
  }
  const asOf = lastQuarterAsOf(day);
  const weeks = (lqWeeks.length ? lqWeeks : forecastWeeks(asOf).map((w) => ({ ...w, expected: 0, low: 0, high: 0, actual: 0 }))).map((w, k) => ({ weekStart: w.weekStart, weekEnd: w.weekEnd, ...lq[k]! }));
  const expected = weeks.reduce((s, w) => s + w.expected, 0);
  const actual = weeks.reduce((s, w) => s + w.actual, 0);
  return {
    currency,
    forecast,
    organisations: perOrg,
    excluded: orgs.filter((o) => rateOf.get(o.id) === null).map((o) => ({ id: o.id, name: o.name, currency: o.baseCurrency })),
    lastQuarter: { asOf, weeks, expected, actual, ...forecastErrors(weeks) },
    scoringPending: orgs.filter((o) => pending.has(o.id)).map((o) => ({ organisationName: o.name })),
  };
}
