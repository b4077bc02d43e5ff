/**
 * The in-app backtest ("how well Arcus would have predicted your last 6 months") is the
 * protocol's runBacktest on the organisation's own history, split at today − 6 months.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { type Database, queryRows } from '../../server/db/client';
import { addMonths } from '../../kernel/dates';
import { runBacktest } from '../../server/domain/scoring';
import { customerBacktest, organisationBacktest, PREDICTIONS_PER_CUSTOMER } from '../../server/scoring/backtest';
import { ece } from '../../server/domain/scoring/metrics';
import { toScoringInvoice } from '../../server/scoring/history';
import { loadHistory } from '../../server/scoring/history-load';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { buildFixture, NOW, type ScoringFixture, TODAY } from './fixture';
import { seedHabits, seedOrg } from './seed';

describeWith('pg', 'the in-app backtest', () => {
  let database: Database;
  let fx: ScoringFixture;

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
  });

  it('matches runBacktest on the same history, and is cached for the day', async () => {
    const org = { id: fx.orgA.id, firmId: fx.firmId, timezone: 'UTC' };
    const inApp = await organisationBacktest(database.db, org, NOW);
    const direct = runBacktest((await loadHistory(database.db, { firmId: fx.firmId, organisationId: fx.orgA.id })).map(toScoringInvoice), addMonths(TODAY, -6));
    expect(inApp).toEqual({
      available: true,
      method: 'fitted',
      split: '2025-12-17',
      asOf: TODAY,
      nTrain: direct.n_train,
      nTest: direct.n_test,
      nUnsettled: direct.n_unsettled,
      model: { auc: direct.auc_late, brier: direct.brier_late, mae: direct.mae_days_to_settle },
      baseline: { auc: direct.baseline.auc_late, brier: direct.baseline.brier_late, mae: direct.baseline.mae_days_to_settle },
      intervalCoverage: direct.interval_coverage,
      ece: direct.ece_late,
      calibration: direct.calibration_bins,
    });
    // The chart's bins hold every test invoice, and the ECE is their count-weighted gap.
    const bins = inApp.available ? inApp.calibration : [];
    expect(bins.reduce((s, b) => s + b.n, 0)).toBe(direct.n_test);
    expect(bins.reduce((s, b) => s + (b.n / direct.n_test) * Math.abs(b.predicted - b.observed), 0)).toBeCloseTo(ece(direct.predictions.map((p) => p.pLate), direct.predictions.map((p) => p.late)), 10);
    expect(inApp.available && inApp.nTest).toBeGreaterThan(20);
    // Cached for the day: the stored copy answers the second call.
    expect(await organisationBacktest(database.db, org, NOW)).toEqual(inApp);
    const cached = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from scoring_cache where organisation_id = ${fx.orgA.id} and kind = 'backtest'`);
    expect(cached[0]!.n).toBe(1);
  });

  it("keeps each customer's latest test predictions next to what happened", async () => {
    const org = { id: fx.orgA.id, firmId: fx.firmId, timezone: 'UTC' };
    const history = await loadHistory(database.db, { firmId: fx.firmId, organisationId: fx.orgA.id });
    const split = addMonths(TODAY, -6);
    const tested = history.filter((inv) => inv.issueDate >= split && inv.settledDate !== null);
    const contact = tested[0]!.contactExternalId;
    const own = tested.filter((inv) => inv.contactExternalId === contact).sort((a, b) => (a.issueDate < b.issueDate ? 1 : -1));
    const r = await customerBacktest(database.db, org, contact, NOW);
    expect(r.method).toBe('fitted');
    expect(r.predictions.length).toBe(Math.min(PREDICTIONS_PER_CUSTOMER, own.length));
    for (const p of r.predictions) {
      const inv = own.find((i) => i.id === p.invoiceId)!;
      expect(inv).toBeDefined();
      expect(p.paidDate).toBe(inv.settledDate);
      expect(p.late).toBe(inv.settledDate! > inv.dueDate);
      expect(p.lowDate <= p.predictedDate && p.predictedDate <= p.highDate).toBe(true);
      expect(p.inRange).toBe(p.lowDate <= p.paidDate && p.paidDate <= p.highDate);
    }
    expect(r.predictions.map((p) => p.issueDate)).toEqual([...r.predictions.map((p) => p.issueDate)].sort().reverse());
    expect((await customerBacktest(database.db, org, 'no-such-customer', NOW)).predictions).toEqual([]);
  });

  it('says why when there is not enough history', async () => {
    const { firm } = await createFirm(database);
    const org = await seedOrg(database.db, firm.id, 'Brand New', { provider: 'quickbooks' });
    await seedHabits(database.db, firm.id, org.id, [{ externalId: 'n', name: 'N', late: 0, first: '2026-03-01', amount: 100 }], TODAY, 51);
    const r = await organisationBacktest(database.db, { id: org.id, firmId: firm.id, timezone: 'UTC' }, NOW);
    expect(r).toMatchObject({ available: false, split: '2025-12-17', reason: 'no invoices settled before 2025-12-17 to train on' });
  });
});
