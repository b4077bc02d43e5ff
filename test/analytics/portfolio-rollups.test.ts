/**
 * The portfolio from rollups equals the one-pass SQL (test/analytics/portfolio-sql.test.ts checks
 * that one against the engine), to the cent, over random ledgers and through rounds of later
 * changes as syncs bring them: new invoices, payments (some before the issue date), edits of
 * totals, rates, issue and due dates, voids, deletions (marked and removed), invoices sent back to awaiting approval, deleted payments,
 * removed allocations, voided credit notes, a base-currency change. After each round the marked
 * organisations are brought up to date the way the sync's finish step does, and
 * - every figure of every organisation equals the one-pass SQL for several periods;
 * - each organisation's rows, brought up to date from the marked day, equal a rebuild from the
 *   start (the mark was early enough);
 * - the whole portfolio (rows, totals, conversions) is the same from either source.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { comparePeriod } from '../../server/analytics/period';
import { getPortfolio } from '../../server/analytics/portfolio';
import { queryPortfolioRollups, rebuildRollups, refreshPendingRollups } from '../../server/analytics/portfolio-rollups';
import { type OrganisationFigures, queryPortfolioFigures } from '../../server/analytics/portfolio-sql';
import { type Database, queryRows } from '../../server/db/client';
import { withFirm } from '../../server/db/firm-scope';
import { addDays } from '../../kernel/dates';
import { DEFAULT_HELP_THRESHOLDS, type Period } from '../../server/domain/metrics';
import { prng } from '../../server/bench/types';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedRandomLedger } from './random-ledger';
import { type InvoiceSeed, seedInvoices, seedOrganisation, seedPayment } from './seed';

const periods: Period[] = [
  { from: '2024-01-01', to: '2024-03-31' },
  { from: '2024-06-18', to: '2024-09-15' },
  { from: '2024-10-03', to: '2025-01-01' },
  { from: '2024-07-01', to: '2025-06-30' },
  { from: '2025-06-01', to: '2025-06-30' },
  { from: '2024-12-31', to: '2024-12-31' },
  { from: '2023-01-01', to: '2023-03-31' },
  { from: '2026-01-01', to: '2026-03-31' },
];

function zeroFigures(period: Period): Omit<OrganisationFigures, 'organisationId'> {
  const days = (p: Period) => (Date.parse(p.to) - Date.parse(p.from)) / 86_400_000 + 1;
  return {
    current: { days: days(period), creditSales: 0, arOpen: 0, arEnd: 0, aging: { current: 0, d1_30: 0, d31_60: 0, d61_90: 0, d91_plus: 0 } },
    compare: { arEnd: 0, creditSales: 0, days: days(comparePeriod(period)) },
    openInvoices: 0,
  };
}

describeWith('pg', 'portfolio rollups equal the one-pass SQL through later syncs', () => {
  let database: Database;
  let firmId: string;
  const orgs: { id: string; baseCurrency: string; invoices: InvoiceSeed[] }[] = [];

  const rows = (organisationId: string) =>
    queryRows<Record<string, unknown>>(database.db, sql`SELECT * FROM portfolio_rollups WHERE organisation_id = ${organisationId} ORDER BY day`);

  /** Both paths, every period, every organisation (one missing from a path is all zeros there). */
  async function expectSameFigures(label: string) {
    let nonZero = 0;
    for (const period of periods) {
      const compare = comparePeriod(period);
      const viaSql = new Map((await queryPortfolioFigures(database.db, { firmId, period, compare })).map(({ organisationId, ...f }) => [organisationId, f]));
      const viaRollups = new Map((await queryPortfolioRollups(database.db, { firmId, period, compare })).map(({ organisationId, ...f }) => [organisationId, f]));
      for (const org of orgs) {
        const want = viaSql.get(org.id) ?? zeroFigures(period);
        expect(viaRollups.get(org.id) ?? zeroFigures(period), `${label}, ${org.id}, ${period.from}..${period.to}`).toEqual(want);
        if (want.current.arEnd !== 0) nonZero += 1;
      }
    }
    expect(nonZero).toBeGreaterThan(0);
  }

  /** Rows brought up to date from the marked day equal a rebuild from the start. */
  async function expectSameAsRebuild() {
    for (const org of orgs) {
      const incremental = await rows(org.id);
      await rebuildRollups(database.db, { firmId, organisationId: org.id });
      expect(await rows(org.id)).toEqual(incremental);
    }
  }

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database)).firm.id;
    for (const [i, baseCurrency] of ['USD', 'GBP', 'JPY', 'EUR'].entries()) {
      const org = await seedOrganisation(database.db, firmId, { name: `Org ${i}`, baseCurrency });
      const invoices = await seedRandomLedger(database.db, firmId, org.id, { seed: 300 + i, invoices: 70, baseCurrency, start: '2024-01-01', days: 540 });
      orgs.push({ id: org.id, baseCurrency, invoices });
    }
    const empty = await seedOrganisation(database.db, firmId, { name: 'Empty' });
    orgs.push({ id: empty.id, baseCurrency: 'USD', invoices: [] });
  });

  it('marks what the seed changed, and the first read brings it up to date', async () => {
    const pending = await queryRows<{ organisation_id: string }>(database.db, sql`SELECT organisation_id FROM portfolio_rollup_pending WHERE firm_id = ${firmId}`);
    expect(pending.length).toBe(4);
    await expectSameFigures('after the seed');
    expect(await queryRows(database.db, sql`SELECT 1 FROM portfolio_rollup_pending WHERE firm_id = ${firmId}`)).toEqual([]);
    await expectSameAsRebuild();
  });

  it('stays equal through rounds of changes, each brought up to date as the finish step does', { timeout: 120_000 }, async () => {
    const rand = prng(77);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    let serial = 0;
    const db = database.db;
    for (let round = 0; round < 6; round++) {
      for (const org of orgs.slice(0, 4)) {
        for (let k = 0; k < 6; k++) {
          const inv = pick(org.invoices);
          const kind = pick(['pay', 'part', 'void', 'delete', 'remove', 'total', 'due', 'issue', 'rate', 'new', 'unpay', 'unallocate', 'uncredit', 'unvoid', 'submit'] as const);
          serial += 1;
          if (kind === 'pay' || kind === 'part') {
            const cents = Math.round(Number(inv.total) * 100);
            const amount = kind === 'pay' ? cents : Math.floor(cents * rand());
            await seedPayment(db, firmId, org.id, { externalId: `later-${serial}`, date: addDays(inv.issue, Math.floor(rand() * 200) - 5), allocations: [{ invoice: inv.externalId, amount: (amount / 100).toFixed(2) }] });
          } else if (kind === 'void' || kind === 'delete') {
            await db.execute(sql`UPDATE invoices SET status = ${kind === 'void' ? 'voided' : 'deleted'}, amount_due = 0 WHERE organisation_id = ${org.id} AND external_id = ${inv.externalId}`);
          } else if (kind === 'submit') {
            // Back to awaiting approval (Xero's SUBMITTED): no longer a receivable.
            await db.execute(sql`UPDATE invoices SET status = 'submitted' WHERE organisation_id = ${org.id} AND external_id = ${inv.externalId}`);
          } else if (kind === 'unvoid') {
            await db.execute(sql`UPDATE invoices SET status = 'authorised' WHERE organisation_id = ${org.id} AND external_id = ${inv.externalId}`);
          } else if (kind === 'remove') {
            await db.execute(sql`DELETE FROM invoices WHERE organisation_id = ${org.id} AND external_id = ${inv.externalId}`);
          } else if (kind === 'total') {
            await db.execute(sql`UPDATE invoices SET total = total + ${(Math.floor(rand() * 20000) - 5000) / 100}::numeric WHERE organisation_id = ${org.id} AND external_id = ${inv.externalId} AND total > 60`);
          } else if (kind === 'due') {
            await db.execute(sql`UPDATE invoices SET due_date = ${rand() < 0.2 ? null : addDays(inv.issue, Math.floor(rand() * 120) - 10)} WHERE organisation_id = ${org.id} AND external_id = ${inv.externalId}`);
          } else if (kind === 'issue') {
            const issue = addDays(inv.issue, Math.floor(rand() * 60) - 30);
            await db.execute(sql`UPDATE invoices SET issue_date = ${issue} WHERE organisation_id = ${org.id} AND external_id = ${inv.externalId}`);
            inv.issue = issue;
          } else if (kind === 'rate') {
            await db.execute(sql`UPDATE invoices SET currency_rate = ${pick(['0.75', '1.3333333333', '0.0068'])} WHERE organisation_id = ${org.id} AND external_id = ${inv.externalId} AND currency <> ${org.baseCurrency}`);
          } else if (kind === 'new') {
            const issue = addDays('2025-03-01', Math.floor(rand() * 300));
            const seedInv: InvoiceSeed = { externalId: `new-${serial}`, contact: inv.contact, issue, due: addDays(issue, 30), total: (100 + Math.floor(rand() * 90000) / 100).toFixed(2) };
            await seedInvoices(db, firmId, org.id, [seedInv], org.baseCurrency);
            org.invoices.push(seedInv);
          } else if (kind === 'unpay') {
            await db.execute(sql`UPDATE payments SET status = 'deleted' WHERE id IN (SELECT payment_id FROM payment_allocations WHERE organisation_id = ${org.id} AND invoice_external_id = ${inv.externalId} LIMIT 1)`);
          } else if (kind === 'unallocate') {
            await db.execute(sql`DELETE FROM payment_allocations WHERE id IN (SELECT id FROM payment_allocations WHERE organisation_id = ${org.id} AND invoice_external_id = ${inv.externalId} LIMIT 1)`);
          } else {
            await db.execute(sql`UPDATE credit_notes SET status = 'voided' WHERE id IN (SELECT credit_note_id FROM credit_note_allocations WHERE organisation_id = ${org.id} AND invoice_external_id = ${inv.externalId})`);
          }
        }
      }
      if (round === 3) {
        await db.execute(sql`UPDATE organisations SET base_currency = 'CHF' WHERE id = ${orgs[1]!.id}`);
        orgs[1]!.baseCurrency = 'CHF';
      }
      // As the finish step of each organisation's sync does.
      for (const org of orgs) await db.execute(sql`SELECT arcus_refresh_pending_rollup(${firmId}, ${org.id})`);
      expect(await queryRows(db, sql`SELECT 1 FROM portfolio_rollup_pending WHERE firm_id = ${firmId}`)).toEqual([]);
      await expectSameFigures(`round ${round}`);
      await expectSameAsRebuild();
    }
  });

  it('reads the same portfolio from either source, and brings a marked organisation up to date before reading', async () => {
    // A change no finish step has seen yet (a sync still paging): the read brings it in.
    const org = orgs[0]!;
    await seedInvoices(database.db, firmId, org.id, [{ externalId: 'unsynced', contact: org.invoices[0]!.contact, issue: '2024-05-01', due: '2024-05-31', total: '1234.56' }], org.baseCurrency);
    for (const period of periods) {
      const common = { firmId, period, reportingCurrency: 'USD', thresholds: DEFAULT_HELP_THRESHOLDS, today: '2026-12-07' } as const;
      const fromInvoices = await getPortfolio(database.db, { ...common, source: 'invoices' });
      const fromRollups = await getPortfolio(database.db, { ...common, source: 'rollups' });
      expect(fromRollups).toEqual(fromInvoices);
    }
    expect(await refreshPendingRollups(database.db, firmId)).toBe(0);
  });

  it('keeps another firm out of the rollups (row-level security)', async () => {
    const other = (await createFirm(database)).firm.id;
    const seen = await withFirm(other, () => queryRows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM portfolio_rollups WHERE organisation_id = ${orgs[0]!.id}`));
    expect(seen).toEqual([{ n: '0' }]);
    const mine = await withFirm(firmId, () => queryRows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM portfolio_rollups WHERE organisation_id = ${orgs[0]!.id}`));
    expect(Number(mine[0]!.n)).toBeGreaterThan(0);
    const figures = await withFirm(other, () => queryPortfolioRollups(database.db, { firmId: other, period: periods[1]!, compare: comparePeriod(periods[1]!) }));
    expect(figures).toEqual([]);
  });
});
