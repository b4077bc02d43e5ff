/**
 * Cash forecasts: mass conservation to the cent, a band around the point forecast, ISO weeks,
 * the portfolio in the reporting currency without silent sums across currencies, and last
 * quarter's forecast made only from what was known then.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { TrainingRows } from '../../server/scoring/data-use';
import { fitModels, scoreOrganisation } from '../../server/scoring/engine';
import { apportion, forecastWeeks, isoWeekStart, weeklyForecast } from '../../server/scoring/forecast';
import { findOrganisation, lastQuarterAsOf, lastQuarterOf, organisationForecast, portfolioForecast } from '../../server/scoring/forecast-load';
import { asKnownAt, type HistoryInvoice } from '../../server/scoring/history';
import { loadHistory } from '../../server/scoring/history-load';
import { conditionFrom, fromPercentiles, mixture, quantile } from '../../server/scoring/pay-distribution';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { buildFixture, NOW, type ScoringFixture, TODAY } from './fixture';
import { seedHabits, seedOrg } from './seed';

describe('the weekly forecast (pure)', () => {
  const pct = Array.from({ length: 101 }, (_, k) => -10 + k / 5);
  const items = Array.from({ length: 40 }, (_, i) => ({
    customerKey: `c${i % 7}`,
    issueDate: addDays('2026-05-01', i),
    amount: 100_001 + i * 3_337,
    distribution: fromPercentiles(30 + (i % 5) * 20, pct),
  }));

  it('apportions whole cents that add up exactly', () => {
    expect(apportion(100, [1 / 3, 1 / 3, 1 / 3])).toEqual([34, 33, 33]);
    expect(apportion(1, [0.2, 0.5, 0.3])).toEqual([0, 1, 0]);
    expect(apportion(999_999, [0.1, 0, 0.2, 0.7]).reduce((s, x) => s + x, 0)).toBe(999_999);
  });

  it('spreads every open cent over the 13 ISO weeks or later, with a band around the point forecast', () => {
    const f = weeklyForecast(items, '2026-06-17');
    const total = items.reduce((s, i) => s + i.amount, 0);
    expect(f.weeks).toHaveLength(13);
    expect(f.weeks[0]).toMatchObject({ weekStart: '2026-06-15', weekEnd: '2026-06-21' });
    expect(f.weeks[12]!.weekEnd).toBe('2026-09-13');
    expect(f.weeks.reduce((s, w) => s + w.expected, 0) + f.later).toBe(total);
    expect(f.open).toBe(total);
    for (const w of f.weeks) {
      expect(Number.isInteger(w.expected)).toBe(true);
      expect(w.low).toBeLessThanOrEqual(w.expected);
      expect(w.high).toBeGreaterThanOrEqual(w.expected);
    }
    expect(f.weeks.some((w) => w.high > w.low)).toBe(true);
    // Deterministic (seeded simulation).
    expect(weeklyForecast(items, '2026-06-17')).toEqual(f);
  });

  it('starts on the Monday of tomorrow’s week, and puts what is beyond 13 weeks in "later"', () => {
    expect(isoWeekStart('2026-06-21')).toBe('2026-06-15');
    expect(forecastWeeks('2026-06-21')[0]!.weekStart).toBe('2026-06-22');
    const far = weeklyForecast([{ customerKey: 'x', issueDate: '2026-06-01', amount: 5000, distribution: fromPercentiles(400, pct) }], '2026-06-17');
    expect(far.later).toBe(5000);
    expect(far.weeks.every((w) => w.expected === 0)).toBe(true);
  });

  it('takes each invoice’s chance of never being paid off the top, keeping every cent accounted for', () => {
    const one = { customerKey: 'x', issueDate: '2026-06-01', amount: 10_000, distribution: fromPercentiles(30, pct) };
    const sure = weeklyForecast([one], '2026-06-17', { draws: 0 });
    const doubtful = weeklyForecast([{ ...one, pNeverPaid: 0.8 }], '2026-06-17', { draws: 0 });
    expect(sure.neverPaid).toBe(0);
    expect(doubtful.neverPaid).toBe(8000);
    expect(doubtful.weeks.reduce((s, w) => s + w.expected, 0) + doubtful.later).toBe(2000);
    expect(doubtful.weeks.reduce((s, w) => s + w.expected, 0) + doubtful.later + doubtful.neverPaid).toBe(doubtful.open);
  });

  it('conditions a pay-date distribution on the invoice still being open', () => {
    const d = mixture([
      { dist: fromPercentiles(30, pct), weight: 0.5 },
      { dist: fromPercentiles(50, pct), weight: 0.5 },
    ]);
    const open = conditionFrom(d, 45.5);
    expect(quantile(open, 0)).toBeCloseTo(45.5, 6);
    expect(quantile(open, 0.5)).toBeGreaterThan(45.5);
    // Older than anything predicted: the same spread, from now on.
    const stale = conditionFrom(fromPercentiles(30, pct), 200.5);
    expect(quantile(stale, 0)).toBeCloseTo(200.5, 6);
    expect(quantile(stale, 1) - quantile(stale, 0)).toBeCloseTo(20, 3);
  });
});

describeWith('pg', 'cash forecasts from the database', () => {
  let database: Database;
  let fx: ScoringFixture;

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
  });

  const openCents = (list: { total: string; paidOn: string | null }[]) => list.filter((i) => i.paidOn === null).reduce((s, i) => s + toMinor(i.total), 0);

  it('forecasts an organisation: every open cent in a week or later, the band around it', async () => {
    const org = (await findOrganisation(database.db, fx.firmId, fx.orgA.id))!;
    const f = await organisationForecast(database.db, org, NOW);
    expect(f.currency).toBe('USD');
    expect(f.forecast.weeks[0]!.weekStart).toBe('2026-06-15');
    const expected = f.forecast.weeks.reduce((s, w) => s + w.expected, 0);
    expect(expected + f.forecast.later + f.forecast.neverPaid).toBe(openCents(fx.invoicesA));
    // Organisation A's customers pay within ~2 months: nearly everything lands inside 13 weeks.
    expect(f.forecast.later).toBeLessThan(openCents(fx.invoicesA) / 20);
    for (const w of f.forecast.weeks) expect(w.low <= w.expected && w.expected <= w.high).toBe(true);
  });

  it('forecasts the portfolio in the reporting currency, leaving out what it cannot convert', async () => {
    const gbp = await seedOrg(database.db, fx.firmId, 'Pounds Only', { baseCurrency: 'GBP' });
    await seedHabits(database.db, fx.firmId, gbp.id, [{ externalId: 'uk', name: 'UK Ltd', late: 5, first: '2026-03-01', amount: 5000 }], TODAY, 31);
    const p = await portfolioForecast(database.db, fx.firmId, NOW);
    expect(p.currency).toBe('USD');
    expect(p.excluded).toEqual([{ id: gbp.id, name: 'Pounds Only', currency: 'GBP' }]);
    expect(p.forecast.open).toBe(openCents(fx.invoicesA) + openCents(fx.invoicesB));
    expect(p.forecast.weeks.reduce((s, w) => s + w.expected, 0) + p.forecast.later + p.forecast.neverPaid).toBe(p.forecast.open);
    const pounds = p.organisations.find((o) => o.id === gbp.id)!;
    expect(pounds).toMatchObject({ currency: 'GBP', included: false, rate: null });
    expect(pounds.open).toBeGreaterThan(0);
    expect(p.lastQuarter.weeks).toHaveLength(13);
    expect(p.lastQuarter.actual).toBeGreaterThan(0);
  });

  it('makes last quarter’s forecast only from what was known then', async () => {
    // A customer who paid on time until the forecast date, then ~60 days late: had the model
    // seen the later history it would have expected much less in those 13 weeks.
    const db = database.db;
    const { firm } = await createFirm(database);
    const org = await seedOrg(db, firm.id, 'Turning Point', { provider: 'quickbooks' });
    const providers = new Map([[org.id, 'quickbooks']]);
    const asOf = lastQuarterAsOf(TODAY);
    expect(asOf).toBe('2026-03-15');
    await seedHabits(db, firm.id, org.id, [{ externalId: 'turn', name: 'Turn Co', late: 0, jitter: 1, every: 7, first: '2025-01-06', last: '2026-02-10' }], TODAY, 41);
    await seedHabits(db, firm.id, org.id, [{ externalId: 'turn-b', name: 'Turn Co (later)', late: 60, jitter: 1, every: 7, first: '2026-02-11' }], TODAY, 42);
    await seedHabits(db, firm.id, org.id, [{ externalId: 'steady', name: 'Steady', late: 0, jitter: 1, every: 7, first: '2025-01-08' }], TODAY, 43);
    const all = (await loadHistory(db, { firmId: firm.id })).map((h) => (h.contactExternalId === 'turn-b' ? { ...h, contactExternalId: 'turn' } : h));
    const params = { organisationId: org.id, orgHistory: all, rows: TrainingRows.select(all, providers), day: TODAY };
    const q = lastQuarterOf(params);
    expect(q.asOf).toBe(asOf);
    expect(q.weeks[0]!.weekStart).toBe('2026-03-16');
    expect(q.weeks[12]!.weekEnd).toBe('2026-06-14');
    expect(q.expected).toBeGreaterThan(0);
    expect(q.actual).toBeGreaterThan(0);

    // Changing anything after the forecast date changes the actuals, never the forecast.
    const rewritten: HistoryInvoice[] = all.map((h) =>
      h.settledDate !== null && h.settledDate > asOf
        ? { ...h, settledDate: shift(h.settledDate, asOf), settlementDays: h.settlementDays.map((d) => shift(d, asOf)) }
        : h,
    );
    const q2 = lastQuarterOf({ ...params, orgHistory: rewritten, rows: TrainingRows.select(rewritten, providers) });
    expect(q2.weeks.map(({ actual: _, ...w }) => w)).toEqual(q.weeks.map(({ actual: _, ...w }) => w));
    expect(q2.weeks.map((w) => w.actual)).not.toEqual(q.weeks.map((w) => w.actual));

    // With leakage (models fitted on today's history) the same invoices would be forecast differently.
    const known = asKnownAt(all, asOf);
    const honest = scoreOrganisation({ organisationId: org.id, orgHistory: known, firmHistory: known, models: fitModels(TrainingRows.select(known, providers), org.id, asOf), day: asOf });
    const leaky = scoreOrganisation({ organisationId: org.id, orgHistory: known, firmHistory: known, models: fitModels(TrainingRows.select(all, providers), org.id, TODAY), day: asOf });
    const turnDays = (s: typeof honest) => s.invoices.filter((i) => i.invoice.contactExternalId === 'turn').map((i) => i.predictedDate);
    expect(turnDays(leaky)).not.toEqual(turnDays(honest));
  });
});

/** Move a date after `asOf` 20 days later (still after `asOf`). */
function shift(d: CalendarDate, asOf: CalendarDate): CalendarDate {
  return d > asOf ? addDays(d, 20) : d;
}
