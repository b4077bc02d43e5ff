import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type Database, queryRows } from '../../server/db/client';
import { invoices, organisations } from '../../server/db/schema';
import { createFirm, memoryDatabase, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

/** The core model of the foundation issue. */
const TABLES = [
  'activities',
  'connections',
  'contacts',
  'credit_note_allocations',
  'credit_notes',
  'firms',
  'invoice_lines',
  'invoices',
  'job_events',
  'memberships',
  'organisations',
  'payment_allocations',
  'payments',
  'sessions',
  'sync_runs',
  'users',
  'webhook_events',
];

async function checkSchema(database: Database) {
  const rows = await queryRows<{ table_name: string }>(database.db, sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`);
  // The core model is all there (later features add their own tables beside it).
  expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(TABLES));
  // Migrating again is a no-op (the release step may run on every deploy).
  await database.migrate();

  // Money round-trips exactly and the (organisation, external id) key makes sync an upsert.
  const { firm } = await createFirm(database);
  const [org] = await database.db
    .insert(organisations)
    .values({ firmId: firm.id, provider: 'xero', externalId: `tenant-${firm.id}`, name: 'Harbour Joinery', baseCurrency: 'GBP', timezone: 'Europe/London' })
    .returning();
  const row = { firmId: firm.id, organisationId: org!.id, externalId: 'inv-1', contactExternalId: 'c-1', issueDate: '2026-02-28', dueDate: '2026-03-30', currency: 'GBP', total: '1234567890.1234', amountDue: '0.1000', status: 'authorised' };
  await database.db.insert(invoices).values(row);
  await database.db
    .insert(invoices)
    .values({ ...row, amountDue: '0.0100' })
    .onConflictDoUpdate({ target: [invoices.organisationId, invoices.externalId], set: { amountDue: '0.0100' } });
  const back = await database.db.select().from(invoices).where(sql`${invoices.organisationId} = ${org!.id}`);
  expect(back).toHaveLength(1);
  expect(back[0]!.total).toBe('1234567890.1234');
  expect(back[0]!.amountDue).toBe('0.0100');
  expect(back[0]!.issueDate).toBe('2026-02-28');
  await expect(database.db.insert(invoices).values(row)).rejects.toThrow();
}

describe('migrations on PGlite', () => {
  it('apply and give the full core model', async () => {
    // Every migration, not the run's migrated image.
    const database = await memoryDatabase({ fresh: true });
    try {
      await checkSchema(database);
    } finally {
      await database.close();
    }
  });
});

describeWith('pg', 'migrations on PostgreSQL', () => {
  it('apply and give the full core model', async () => {
    const database = await testDatabase();
    const version = await queryRows<{ server_version_num: string }>(database.db, sql`show server_version_num`);
    expect(Number(version[0]!.server_version_num)).toBeGreaterThanOrEqual(150000);
    await checkSchema(database);
  });
});
