/**
 * The per-invoice settlement summary follows every change a sync can make — allocations added,
 * moved and removed, a payment deleted in the ledger, a credit note voided, an organisation's
 * base currency — on PostgreSQL and on PGlite (embedded mode), and the portfolio SQL matches
 * the engine on PGlite too.
 */
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../../server/analytics/ledger-invoices';
import { ratiosFromFigures } from '../../server/analytics/figures';
import { comparePeriod } from '../../server/analytics/period';
import { queryPortfolioFigures } from '../../server/analytics/portfolio-sql';
import { type Database, queryRows } from '../../server/db/client';
import { creditNotes, organisations, paymentAllocations, payments } from '../../server/db/schema';
import { computeMetrics } from '../../server/domain/metrics';
import { createFirm, memoryDatabase, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedRandomLedger } from './random-ledger';
import { seedCreditNote, seedInvoices, seedOrganisation, seedPayment } from './seed';

async function summary(database: Database, organisationId: string, externalId: string) {
  const rows = await queryRows<{ settled_on: string | null; days: string; cum: string; base_total: string }>(
    database.db,
    sql`select settled_on, settlement_days::text as days, base_settled_cum::text as cum, base_total::text from invoices where organisation_id = ${organisationId} and external_id = ${externalId}`,
  );
  return rows[0]!;
}

async function followsChanges(database: Database) {
  const { firm } = await createFirm(database);
  const org = await seedOrganisation(database.db, firm.id, { name: 'Trigger Co', baseCurrency: 'USD' });
  // Allocations may arrive before their invoice (payments synced first).
  const pay = await seedPayment(database.db, firm.id, org.id, { externalId: 'p1', date: '2024-01-10', allocations: [{ invoice: 'i1', amount: '40.00' }] });
  await seedInvoices(database.db, firm.id, org.id, [{ externalId: 'i1', contact: 'c', issue: '2024-01-01', due: '2024-01-31', total: '100.00', currency: 'EUR', rate: '1.5' }]);
  expect(await summary(database, org.id, 'i1')).toEqual({ settled_on: null, days: '{2024-01-10}', cum: '{6000}', base_total: '15000' });
  const credit = await seedCreditNote(database.db, firm.id, org.id, { externalId: 'cn1', contact: 'c', date: '2024-01-12', allocations: [{ invoice: 'i1', amount: '60.00', date: '2024-01-15' }] });
  expect(await summary(database, org.id, 'i1')).toEqual({ settled_on: '2024-01-15', days: '{2024-01-10,2024-01-15}', cum: '{6000,15000}', base_total: '15000' });
  await database.db.update(creditNotes).set({ status: 'voided' }).where(eq(creditNotes.id, credit.id));
  expect((await summary(database, org.id, 'i1')).settled_on).toBeNull();
  await database.db.update(payments).set({ status: 'deleted' }).where(eq(payments.id, pay.id));
  expect(await summary(database, org.id, 'i1')).toMatchObject({ days: '{}', cum: '{}' });
  await database.db.update(payments).set({ status: 'authorised' }).where(eq(payments.id, pay.id));
  await database.db.update(paymentAllocations).set({ amount: '100.00' }).where(eq(paymentAllocations.paymentId, pay.id));
  expect(await summary(database, org.id, 'i1')).toMatchObject({ settled_on: '2024-01-10', cum: '{15000}' });
  await database.db.update(paymentAllocations).set({ invoiceExternalId: 'i2' }).where(and(eq(paymentAllocations.paymentId, pay.id)));
  expect((await summary(database, org.id, 'i1')).settled_on).toBeNull();
  await database.db.update(organisations).set({ baseCurrency: 'EUR' }).where(eq(organisations.id, org.id));
  expect((await summary(database, org.id, 'i1')).base_total).toBe('10000');
  await database.db.delete(payments).where(eq(payments.id, pay.id));
  await database.db.delete(organisations).where(eq(organisations.id, org.id));
}

describeWith('pg', 'the settlement summary on PostgreSQL', () => {
  it('follows allocations, payment and credit-note status and the base currency', async () => {
    await followsChanges(await testDatabase());
  });
});

describe('on PGlite (embedded mode)', () => {
  it('follows the same changes, and the portfolio SQL equals the engine', { timeout: 120_000 }, async () => {
    const database = await memoryDatabase();
    try {
      await followsChanges(database);
      const { firm } = await createFirm(database);
      const org = await seedOrganisation(database.db, firm.id, { name: 'Lite', baseCurrency: 'GBP' });
      await seedRandomLedger(database.db, firm.id, org.id, { seed: 7, invoices: 60, baseCurrency: 'GBP', start: '2024-01-01', days: 300 });
      const base = toBaseMetricInvoices(await loadLedgerInvoices(database.db, { firmId: firm.id, organisationId: org.id }), 'GBP');
      for (const period of [
        { from: '2024-03-01', to: '2024-05-29' },
        { from: '2024-09-01', to: '2024-11-30' },
      ]) {
        const [f] = await queryPortfolioFigures(database.db, { firmId: firm.id, period, compare: comparePeriod(period) });
        const e = computeMetrics(base, period);
        expect(f!.current).toEqual({ days: e.days, creditSales: e.creditSales, arOpen: e.arOpen, arEnd: e.arEnd, aging: e.aging });
        expect(ratiosFromFigures(f!.current).dso).toBe(e.dso);
      }
    } finally {
      await database.close();
    }
  });
});
