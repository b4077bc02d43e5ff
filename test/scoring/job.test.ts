/**
 * The scoring run and job on real PostgreSQL: a score for every open invoice and customer,
 * idempotent re-runs, the firm-wide prior for a customer with one invoice, reasons in words,
 * segments, and the change since last month.
 */
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { requestScoring } from '../../server/scoring/request';
import { manualClock } from '../../kernel/clock';
import { inlineQueueWith } from '../support/process';
import { type Database, queryRows } from '../../server/db/client';
import { customerScoreHistory, customerScores, invoiceScores } from '../../server/db/schema';
import { mulRate, toMinor } from '../../kernel/money';
import { TrainingRows } from '../../server/scoring/data-use';
import { type FittedModels, fitModels, NO_FIT, scoreOrganisation } from '../../server/scoring/engine';
import { loadProviders } from '../../server/scoring/models';
import { historiesAt, runScoring } from '../../server/scoring/run';
import { organisationScores } from '../../server/scoring/scores';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { buildFixture, NOW, type ScoringFixture, TODAY } from './fixture';
import { payInFull, seedHabits, seedOrg } from './seed';

describeWith('pg', 'scoring run and job', () => {
  let database: Database;
  let fx: ScoringFixture;

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    await runScoring(database.db, { organisationId: fx.orgA.id, now: NOW });
  });

  const storedInvoices = () => database.db.select().from(invoiceScores).where(eq(invoiceScores.organisationId, fx.orgA.id)).orderBy(invoiceScores.invoiceId);
  const storedCustomers = () => database.db.select().from(customerScores).where(eq(customerScores.organisationId, fx.orgA.id)).orderBy(customerScores.contactExternalId);

  it('stores a score for every open invoice and every customer', async () => {
    const open = fx.invoicesA.filter((i) => i.paidOn === null);
    const rows = await storedInvoices();
    expect(rows.map((r) => r.invoiceId).sort()).toEqual(open.map((i) => i.id).sort());
    for (const r of rows) {
      const inv = open.find((i) => i.id === r.invoiceId)!;
      expect(r.amountDue).toBe(`${inv.total}00`);
      expect(r.pLate).toBeGreaterThan(0);
      expect(r.pLate).toBeLessThan(1);
      // amount at risk = amount due × P(late), exact cents.
      expect(toMinor(r.amountAtRisk)).toBe(mulRate(toMinor(r.amountDue), r.pLate.toFixed(6)));
      // Still open today: the predicted pay date and its band lie ahead.
      expect(r.lowDate > TODAY).toBe(true);
      expect(r.lowDate <= r.predictedDate && r.predictedDate <= r.highDate).toBe(true);
      expect(r.payQuantiles).toHaveLength(21);
      expect([...r.payQuantiles].sort((a, b) => a - b)).toEqual(r.payQuantiles);
      expect(r.scoredOn).toBe(TODAY);
    }
    const customers = await storedCustomers();
    expect(customers.map((c) => c.contactExternalId)).toEqual(['chronic', 'newbie', 'prompt', 'steady']);
    expect(customers.every((c) => c.contactId !== null && c.score >= 0 && c.score <= 100)).toBe(true);
    // Another firm's organisation is untouched.
    expect(await queryRows(database.db, sql`select 1 from invoice_scores where firm_id = ${fx.otherFirmId}`)).toEqual([]);
  });

  it('gives chronic late payers and prompt payers the segments, scores and reasons they deserve', async () => {
    const { customers, invoices } = await organisationScores(database.db, fx.firmId, fx.orgA.id);
    const c = (id: string) => customers.find((x) => x.contactExternalId === id)!;
    expect(c('chronic').segment).toBe('chronic_late');
    expect(c('prompt').segment).toBe('reliable');
    expect(c('newbie').segment).toBe('new');
    expect(c('chronic').score).toBeGreaterThan(80);
    expect(c('prompt').score).toBeLessThan(15);
    expect(c('chronic').reasons[0]!.text).toMatch(/^pays 2\d days late on average over 4\d invoices$/);
    expect(c('prompt').reasons[0]!.text).toMatch(/^paid all \d+ invoices on time$/);
    const chronicInvoices = invoices.filter((i) => i.contactExternalId === 'chronic');
    expect(chronicInvoices.every((i) => i.reasons.some((r) => /invoices? overdue now \(oldest \d+ days past due\)/.test(r.text)))).toBe(true);
    const promptInvoices = invoices.filter((i) => i.contactExternalId === 'prompt');
    expect(Math.min(...chronicInvoices.map((i) => i.pLate))).toBeGreaterThan(Math.max(...promptInvoices.map((i) => i.pLate)));
  });

  it('gives a customer with one paid invoice the firm-wide prior', async () => {
    const { orgHistory, firmHistory } = await historiesAt(database.db, { id: fx.orgA.id, firmId: fx.firmId, timezone: 'UTC' }, TODAY);
    const fitted = fitModels(TrainingRows.select(firmHistory, await loadProviders(database.db, fx.firmId)), fx.orgA.id, TODAY);
    if (fitted === NO_FIT) throw new Error('a QuickBooks organisation is fitted');
    const models: FittedModels = fitted;
    expect(models.organisation).not.toBeNull();
    const noPrior = scoreOrganisation({ organisationId: fx.orgA.id, orgHistory, firmHistory, models: { organisation: models.organisation, firm: null }, day: TODAY });
    const firmOnly = scoreOrganisation({ organisationId: fx.orgA.id, orgHistory, firmHistory, models: { organisation: null, firm: models.firm }, day: TODAY });
    const withPrior = scoreOrganisation({ organisationId: fx.orgA.id, orgHistory, firmHistory, models, day: TODAY });
    const stored = (await storedCustomers()).find((c) => c.contactExternalId === 'newbie')!;
    const newbie = (x: typeof noPrior) => x.customers.find((c) => c.contactExternalId === 'newbie')!;
    expect(stored.priorWeight).toBeCloseTo(5 / 6, 10);
    expect(stored.score).toBe(newbie(withPrior).score);
    expect(stored.pLate).toBeCloseTo(newbie(withPrior).pLate, 12);
    // One paid invoice: 1/6 the organisation's own model, 5/6 the firm-wide one.
    expect(stored.pLate).toBeCloseTo(newbie(noPrior).pLate / 6 + (5 * newbie(firmOnly).pLate) / 6, 10);
    expect(Math.abs(newbie(firmOnly).pLate - newbie(noPrior).pLate)).toBeGreaterThan(0.001);
    expect(stored.pLate).not.toBeCloseTo(newbie(noPrior).pLate, 3);
    expect(stored.reasons).toContainEqual(expect.objectContaining({ code: 'firm_prior', text: 'only 1 paid here so far: firm-wide history weighs 83%' }));
    // A customer with a long history barely moves.
    const prompt = (x: typeof noPrior) => x.customers.find((c) => c.contactExternalId === 'prompt')!;
    expect(Math.abs(prompt(withPrior).pLate - prompt(noPrior).pLate)).toBeLessThan(0.1);
  });

  it('is idempotent, and drops invoices that are no longer open', async () => {
    const before = await storedInvoices();
    const customersBefore = await storedCustomers();
    await runScoring(database.db, { organisationId: fx.orgA.id, now: NOW });
    expect(await storedInvoices()).toEqual(before);
    expect(await storedCustomers()).toEqual(customersBefore);
    // Pay one open invoice today; the next run removes its score.
    const paid = fx.invoicesA.find((i) => i.paidOn === null && i.contact === 'prompt')!;
    await payInFull(database.db, fx.firmId, fx.orgA.id, [{ invoice: paid.externalId, amount: paid.total, date: TODAY }]);
    const later = new Date(NOW.getTime() + 60_000);
    await runScoring(database.db, { organisationId: fx.orgA.id, now: later });
    const after = await storedInvoices();
    expect(after.map((r) => r.invoiceId)).toEqual(before.map((r) => r.invoiceId).filter((id) => id !== paid.id));
    expect(after.every((r) => r.scoredAt.getTime() === later.getTime())).toBe(true);
  });

  it('runs as the scoring.organisation job', async () => {
    const { queue } = inlineQueueWith({ db: database.db, clock: manualClock(NOW) });
    await requestScoring(queue, fx.orgB.id, { key: 'test' });
    await queue.idle(60_000);
    await queue.close();
    const rows = await database.db.select({ n: sql<number>`count(*)::int` }).from(invoiceScores).where(eq(invoiceScores.organisationId, fx.orgB.id));
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('records a score per month and the change since last month', async () => {
    const db = database.db;
    const { firm } = await createFirm(database);
    const org = await seedOrg(db, firm.id, 'Turning Co');
    // Prompt for a year and a half, then paying ~30 days late from April 2026.
    await seedHabits(db, firm.id, org.id, [{ externalId: 'turning', name: 'Turning', late: -3, jitter: 1, every: 10, first: '2025-01-01', last: '2026-02-28' }], TODAY, 21);
    await seedHabits(db, firm.id, org.id, [{ externalId: 'turning-2', name: 'Turning (new account)', late: 30, jitter: 1, every: 10, first: '2026-03-01' }], TODAY, 22);
    // The same customer: move the second batch onto the first contact.
    await db.execute(sql`update invoices set contact_external_id = 'turning' where organisation_id = ${org.id} and contact_external_id = 'turning-2'`);
    await db.execute(sql`delete from contacts where organisation_id = ${org.id} and external_id = 'turning-2'`);

    await runScoring(db, { organisationId: org.id, now: new Date('2026-03-20T12:00:00Z') });
    const march = await organisationScores(db, firm.id, org.id);
    await runScoring(db, { organisationId: org.id, now: NOW });
    const june = await organisationScores(db, firm.id, org.id);
    const history = await db.select().from(customerScoreHistory).where(eq(customerScoreHistory.organisationId, org.id)).orderBy(customerScoreHistory.month);
    // The first run also recorded February as it would have been scored then; June's run did not backfill.
    expect(history.map((h) => h.month)).toEqual(['2026-02-01', '2026-03-01', '2026-06-01']);
    const m = march.customers[0]!;
    const j = june.customers[0]!;
    expect(m.change).toBe(m.score - history[0]!.score);
    expect(j.change).toBe(j.score - history[1]!.score);
    expect(j.score).toBeGreaterThan(m.score + 20);
    expect(j.change).toBeGreaterThan(20);
  });
});
