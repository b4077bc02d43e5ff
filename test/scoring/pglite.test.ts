/**
 * The same scoring SQL on PGlite (the embedded database): a run, the worklist, a forecast and
 * the backtest, and the documented default rates for a firm without any paid invoice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { organisationBacktest } from '../../server/scoring/backtest';
import { findOrganisation, organisationForecast } from '../../server/scoring/forecast-load';
import { runScoring } from '../../server/scoring/run';
import { organisationScores } from '../../server/scoring/scores';
import { getWorklist } from '../../server/scoring/worklist';
import { createFirm, memoryDatabase } from '../support/db';
import { NOW, TODAY } from './fixture';
import { seedHabits, seedOrg } from './seed';

let database: Database;
beforeAll(async () => {
  database = await memoryDatabase();
}, 180_000);
afterAll(async () => {
  await database?.close();
});

it('scores, ranks, forecasts and backtests on PGlite', async () => {
  const db = database.db;
  const { firm, user } = await createFirm(database);
  const org = await seedOrg(db, firm.id, 'Embedded Org', { provider: 'quickbooks' });
  await seedHabits(
    db,
    firm.id,
    org.id,
    [
      { externalId: 'late', name: 'Late Ltd', late: 20, first: '2025-01-01', amount: 2000 },
      { externalId: 'fine', name: 'Fine Ltd', late: -2, first: '2025-01-01', amount: 1000 },
    ],
    TODAY,
    81,
  );
  const run = await runScoring(db, { organisationId: org.id, now: NOW });
  expect(run).toMatchObject({ modelScope: 'firm', customers: 2 });
  expect((await organisationScores(db, firm.id, org.id)).invoices).toHaveLength(run!.invoices);
  const w = await getWorklist(db, { firmId: firm.id, userId: user.id, role: 'admin' }, { now: NOW });
  expect(w.customers[0]!.name).toBe('Late Ltd');
  const f = await organisationForecast(db, (await findOrganisation(db, firm.id, org.id))!, NOW);
  expect(f.forecast.weeks.reduce((s, x) => s + x.expected, 0) + f.forecast.later + f.forecast.neverPaid).toBe(f.forecast.open);
  expect(await organisationBacktest(db, { id: org.id, firmId: firm.id, timezone: 'UTC' }, NOW)).toMatchObject({ available: true });
}, 180_000);

it('falls back to documented default rates when nothing has ever been paid', async () => {
  const db = database.db;
  const { firm } = await createFirm(database);
  const org = await seedOrg(db, firm.id, 'No History', { provider: 'quickbooks' });
  await seedHabits(db, firm.id, org.id, [{ externalId: 'n', name: 'Never Paid', late: 400, first: '2026-03-01', amount: 500 }], TODAY, 82);
  const run = await runScoring(db, { organisationId: org.id, now: NOW });
  expect(run).toMatchObject({ modelScope: 'default', customers: 1 });
  const s = await organisationScores(db, firm.id, org.id);
  expect(s.invoices.length).toBeGreaterThan(0);
  expect(s.invoices.every((i) => i.predictedDate > TODAY && i.pLate > 0 && i.pLate < 1)).toBe(true);
  expect(s.customers[0]!.reasons.map((r) => r.code)).toContain('default_rates');
}, 180_000);
