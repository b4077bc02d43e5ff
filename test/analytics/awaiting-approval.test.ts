/**
 * Awaiting approval is not a receivable (decision 058). Xero's SUBMITTED invoices and credit
 * notes are not posted: they stay out of A/R, aging, settlements, the portfolio rollups, the
 * customer's figures and statements until they are approved — then they count like any other.
 * Also: migration 0064 redefines the settlement trigger and the rollup functions exactly as
 * 0013 and 0032 wrote them, with 'submitted' added to what does not count, and nothing else.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { loadLedgerInvoices } from '../../server/analytics/ledger-invoices';
import { queryPortfolioRollups } from '../../server/analytics/portfolio-rollups';
import { queryPortfolioFigures } from '../../server/analytics/portfolio-sql';
import { comparePeriod } from '../../server/analytics/period';
import { type Database, queryRows } from '../../server/db/client';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedCreditNote, seedInvoices, seedOrganisation, seedPayment } from './seed';

const MIGRATIONS = path.join(__dirname, '../../server/db/migrations');

function fn(file: string, name: string): string {
  const text = readFileSync(path.join(MIGRATIONS, file), 'utf8');
  const start = text.indexOf(`CREATE OR REPLACE FUNCTION ${name}(`);
  expect(start, `${name} in ${file}`).toBeGreaterThanOrEqual(0);
  return text.slice(start, text.indexOf('\n$$;', start) + 4);
}

it('migration 0064 changes only which statuses count in the settlement and rollup functions', () => {
  const before = "('draft', 'voided', 'deleted')";
  const after = "('draft', 'submitted', 'voided', 'deleted')";
  const sources: [string, string][] = [
    ['0013_qbo_settlements.sql', 'arcus_invoice_settlement'],
    ['0032_portfolio_rollups.sql', 'arcus_refresh_portfolio_rollups'],
    ['0032_portfolio_rollups.sql', 'arcus_mark_rollups_insert'],
    ['0032_portfolio_rollups.sql', 'arcus_mark_rollups_delete'],
    ['0032_portfolio_rollups.sql', 'arcus_mark_rollups_update'],
  ];
  for (const [file, name] of sources) {
    const old = fn(file, name);
    expect(old).toContain(before);
    expect(fn('0064_awaiting_approval_not_receivable.sql', name), name).toBe(old.split(before).join(after));
  }
});

const period = { from: '2025-01-01', to: '2025-03-31' };

async function figures(database: Database, firmId: string, organisationId: string) {
  const compare = comparePeriod(period);
  const [rollup] = (await queryPortfolioRollups(database.db, { firmId, period, compare })).filter((f) => f.organisationId === organisationId);
  const [onePass] = (await queryPortfolioFigures(database.db, { firmId, period, compare })).filter((f) => f.organisationId === organisationId);
  expect(rollup?.current).toEqual(onePass?.current);
  const ledger = await loadLedgerInvoices(database.db, { firmId, organisationId });
  return { arEnd: onePass?.current.arEnd ?? 0, sales: onePass?.current.creditSales ?? 0, counted: ledger.map((i) => i.number).sort(), open: onePass?.openInvoices ?? 0 };
}

describeWith('pg', 'an invoice or credit note awaiting approval', () => {
  it('counts nowhere until it is approved, then counts like any other', async () => {
    const database = await testDatabase();
    const { firm } = await createFirm(database);
    const org = await seedOrganisation(database.db, firm.id, { name: 'Awaiting Co', baseCurrency: 'GBP' });
    await seedInvoices(
      database.db,
      firm.id,
      org.id,
      [
        { externalId: 'a', number: 'INV-1', contact: 'c', issue: '2025-01-10', due: '2025-02-09', total: '100.00' },
        { externalId: 'b', number: 'INV-2', contact: 'c', issue: '2025-01-20', due: '2025-02-19', total: '50.00', status: 'submitted' },
      ],
      'GBP',
    );
    await seedPayment(database.db, firm.id, org.id, { externalId: 'p', date: '2025-02-01', currency: 'GBP', allocations: [{ invoice: 'a', amount: '20.00' }] });
    const note = await seedCreditNote(database.db, firm.id, org.id, { externalId: 'cn', contact: 'c', date: '2025-02-03', currency: 'GBP', status: 'submitted', allocations: [{ invoice: 'a', amount: '30.00', date: '2025-02-03' }] });

    // Only INV-1 counts, settled by the payment alone: 100 − 20 owed at the end of March.
    expect(await figures(database, firm.id, org.id)).toEqual({ arEnd: 8000, sales: 10000, counted: ['INV-1'], open: 1 });
    const [a] = await queryRows<{ cum: string }>(database.db, sql`SELECT base_settled_cum::text AS cum FROM invoices WHERE organisation_id = ${org.id} AND external_id = 'a'`);
    expect(a!.cum).toBe('{2000}');

    // The credit note approved: it settles 30 more.
    await database.db.execute(sql`UPDATE credit_notes SET status = 'authorised' WHERE id = ${note.id}`);
    expect(await figures(database, firm.id, org.id)).toEqual({ arEnd: 5000, sales: 10000, counted: ['INV-1'], open: 1 });

    // INV-2 approved: now a receivable and a sale.
    await database.db.execute(sql`UPDATE invoices SET status = 'authorised' WHERE organisation_id = ${org.id} AND external_id = 'b'`);
    expect(await figures(database, firm.id, org.id)).toEqual({ arEnd: 10000, sales: 15000, counted: ['INV-1', 'INV-2'], open: 2 });
  });
});
