/**
 * Migration 0008 (one outbox): the database is migrated up to 0007, reminder-note rows are put
 * into the old reminder_notes table in every state it knew, then 0008 runs. Pending, mid-write
 * (`writing`) and failed notes become `note` write-backs with the same id (the idempotency key
 * the old job used), the source key the new code builds, the same firm, organisation, invoice
 * and text, and their request entry on the timeline; written ones stay as confirmed history; the
 * old table is gone. On PGlite and on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type Db, MIGRATIONS_FOLDER, queryRows } from '../../server/db/client';
import * as schema from '../../server/db/schema';
import { noteSummary, reminderNoteKey } from '../../server/reminders/note-text';
import { stuckWritebacks } from '../../server/writebacks/execute';
import { requestWriteback } from '../../server/writebacks/request';
import { parseRequest } from '../../server/writebacks/rules';
import { migrationsUpTo } from '../support/migrations';
import { describeWith, services } from '../support/services';


const NOW = new Date('2026-11-23T10:00:00Z');
const ids = {
  firm: randomUUID(),
  org: randomUUID(),
  contact: randomUUID(),
  inv1: randomUUID(),
  inv2: randomUUID(),
  inv3: randomUUID(),
  sendInvoice: randomUUID(),
  sendStatement: randomUUID(),
  sendOld: randomUUID(),
  pending: randomUUID(),
  writing: randomUUID(),
  failed: randomUUID(),
  written: randomUUID(),
  gone: randomUUID(),
};
const text = (n: string) => `Arcus: ${n} sent 2026-11-20 to ap@… · https://arcus.test/reminders/sends/x`;

/** Rows as the 0007 schema had them (plain SQL: the current schema has no reminder_notes). */
async function seedAt0007(db: Db): Promise<void> {
  await db.execute(sql`INSERT INTO firms (id, name) VALUES (${ids.firm}::uuid, 'Migration firm')`);
  await db.execute(sql`INSERT INTO organisations (id, firm_id, provider, external_id, name, base_currency, timezone)
    VALUES (${ids.org}::uuid, ${ids.firm}::uuid, 'xero', 'tenant-mig', 'Harbour Joinery', 'GBP', 'Europe/London')`);
  await db.execute(sql`INSERT INTO contacts (id, firm_id, organisation_id, external_id, name) VALUES (${ids.contact}::uuid, ${ids.firm}::uuid, ${ids.org}::uuid, 'c-1', 'Bayside Cafe Ltd')`);
  for (const [id, ext, number] of [
    [ids.inv1, 'inv-1', 'INV-1'],
    [ids.inv2, 'inv-2', 'INV-2'],
    [ids.inv3, 'inv-3', ''],
  ] as const) {
    await db.execute(sql`INSERT INTO invoices (id, firm_id, organisation_id, external_id, contact_external_id, number, issue_date, due_date, currency, total, amount_due, status)
      VALUES (${id}::uuid, ${ids.firm}::uuid, ${ids.org}::uuid, ${ext}, 'c-1', ${number}, '2026-10-01', '2026-10-31', 'GBP', '100.00', '100.00', 'authorised')`);
  }
  const send = (id: string, subjectType: string, subjectId: string, step: number, invoices: string[]) =>
    db.execute(sql`INSERT INTO reminder_sends (id, firm_id, organisation_id, subject_type, subject_id, step_key, contact_external_id, invoice_external_ids, step_number, status, planned_for, message_id, claimed_at, sent_at, updated_at)
      VALUES (${id}::uuid, ${ids.firm}::uuid, ${ids.org}::uuid, ${subjectType}, ${subjectId}, ${`step-${step}`}, 'c-1', ${sql.raw(`ARRAY[${invoices.map((i) => `'${i}'`).join(',')}]::text[]`)}, ${step}, 'sent', '2026-11-20', ${`<${id}@arcus.test>`}, ${NOW.toISOString()}::timestamptz, ${NOW.toISOString()}::timestamptz, ${NOW.toISOString()}::timestamptz)`);
  await send(ids.sendInvoice, 'invoice', 'inv-1', 2, ['inv-1']);
  await send(ids.sendStatement, 'customer', 'c-1', 3, ['inv-2', 'inv-3']);
  await send(ids.sendOld, 'invoice', 'inv-1', 1, ['inv-1', 'inv-gone']);
  const note = (id: string, sendId: string, inv: string, status: string, body: string, extra: { attempts?: number; error?: string; lease?: string; writtenAt?: string } = {}) =>
    db.execute(sql`INSERT INTO reminder_notes (id, firm_id, organisation_id, send_id, invoice_external_id, text, status, attempts, lease_until, error, written_at, created_at)
      VALUES (${id}::uuid, ${ids.firm}::uuid, ${ids.org}::uuid, ${sendId}::uuid, ${inv}, ${body}, ${status}, ${extra.attempts ?? 0},
              ${extra.lease ?? null}::timestamptz, ${extra.error ?? null}, ${extra.writtenAt ?? null}::timestamptz, ${NOW.toISOString()}::timestamptz)`);
  await note(ids.pending, ids.sendInvoice, 'inv-1', 'pending', text('reminder 2'), { attempts: 2, error: 'Xero answered 503' });
  await note(ids.writing, ids.sendStatement, 'inv-2', 'writing', text('overdue statement'), { attempts: 1, lease: '2026-11-23T10:10:00Z' });
  await note(ids.failed, ids.sendStatement, 'inv-3', 'failed', text('overdue statement'), { attempts: 8, error: 'The invoice is not in Xero' });
  await note(ids.written, ids.sendOld, 'inv-1', 'written', text('reminder 1'), { attempts: 1, writtenAt: '2026-11-20T09:05:00Z' });
  await note(ids.gone, ids.sendOld, 'inv-gone', 'pending', text('reminder 1'));
}

interface Row {
  id: string;
  firm_id: string;
  organisation_id: string;
  kind: string;
  purpose: string;
  source_key: string;
  invoice_id: string | null;
  invoice_external_id: string;
  contact_id: string | null;
  contact_external_id: string;
  request: unknown;
  status: string;
  note_text: string;
  note_status: string;
  attempts: number;
  error: string | null;
  requested_by: string;
  confirmed_at: Date | string | null;
}

async function checkAfter0008(db: Db, migrateAll: () => Promise<void>): Promise<void> {
  const tables = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'reminder_notes'`);
  expect(tables[0]!.n).toBe(0);
  const rows = await queryRows<Row>(db, sql`SELECT * FROM writebacks WHERE firm_id = ${ids.firm}::uuid ORDER BY source_key`);
  const by = new Map(rows.map((r) => [r.id, r]));
  expect(rows).toHaveLength(5);
  const common = { firm_id: ids.firm, organisation_id: ids.org, kind: 'note', purpose: 'reminder', contact_id: ids.contact, contact_external_id: 'c-1', requested_by: 'system' };
  expect(by.get(ids.pending)).toMatchObject({ ...common, source_key: reminderNoteKey(ids.sendInvoice, 'inv-1'), invoice_id: ids.inv1, invoice_external_id: 'inv-1', status: 'pending', note_status: 'pending', note_text: text('reminder 2'), attempts: 0, error: 'Xero answered 503', confirmed_at: null });
  // Mid-write when the old worker stopped: pending again, same id — the key the ledger saw.
  expect(by.get(ids.writing)).toMatchObject({ ...common, source_key: reminderNoteKey(ids.sendStatement, 'inv-2'), invoice_id: ids.inv2, status: 'pending', note_status: 'pending', attempts: 0 });
  expect(by.get(ids.failed)).toMatchObject({ ...common, source_key: reminderNoteKey(ids.sendStatement, 'inv-3'), invoice_id: ids.inv3, status: 'failed', note_status: 'pending', attempts: 8, error: 'The invoice is not in Xero' });
  expect(by.get(ids.written)).toMatchObject({ ...common, source_key: reminderNoteKey(ids.sendOld, 'inv-1'), status: 'confirmed', note_status: 'written', attempts: 1 });
  expect(new Date(by.get(ids.written)!.confirmed_at!).toISOString()).toBe('2026-11-20T09:05:00.000Z');
  expect(by.get(ids.gone)).toMatchObject({ ...common, source_key: reminderNoteKey(ids.sendOld, 'inv-gone'), invoice_id: null, invoice_external_id: 'inv-gone', status: 'pending' });
  // Each request is one the engine accepts, with the note's text.
  for (const r of rows) expect(parseRequest('note', r.request)).toEqual({ invoiceExternalId: r.invoice_external_id, text: r.note_text });

  // The timeline: a request entry for each carried note, in the new code's words; none for history.
  const acts = await queryRows<{ summary: string; writeback_id: string; contact_id: string | null; invoice_id: string | null; kind: string }>(
    db,
    sql`SELECT summary, details->>'writebackId' AS writeback_id, contact_id, invoice_id, kind FROM activities WHERE firm_id = ${ids.firm}::uuid`,
  );
  const summaryOf = new Map(acts.map((a) => [a.writeback_id, a.summary]));
  expect(acts).toHaveLength(4);
  expect(acts.every((a) => a.kind === 'writeback.requested' && a.contact_id === ids.contact)).toBe(true);
  expect(summaryOf.get(ids.pending)).toBe(noteSummary({ invoiceNumber: 'INV-1', stepNumber: 2, grouped: false }));
  expect(summaryOf.get(ids.writing)).toBe(noteSummary({ invoiceNumber: 'INV-2', stepNumber: 3, grouped: true }));
  expect(summaryOf.get(ids.failed)).toBe(noteSummary({ invoiceNumber: '', stepNumber: 3, grouped: true }));
  expect(summaryOf.get(ids.gone)).toBe(noteSummary({ invoiceNumber: null, stepNumber: 1, grouped: false }));
  expect(summaryOf.has(ids.written)).toBe(false);

  // The sweep picks the carried pending notes up; the new code asking again gets the same row
  // (the new code runs against the latest schema: later migrations add columns it writes).
  await migrateAll();
  const stuck = await stuckWritebacks(db, new Date(Date.now() + 120_000), 60_000);
  expect(stuck).toEqual(expect.arrayContaining([ids.pending, ids.writing, ids.gone]));
  expect(stuck).not.toContain(ids.failed);
  expect(stuck).not.toContain(ids.written);
  const queued: string[] = [];
  const again = await requestWriteback(
    { db, enqueueExecute: async (id) => void queued.push(id) },
    { firmId: ids.firm, organisationId: ids.org, kind: 'note', purpose: 'reminder', sourceKey: reminderNoteKey(ids.sendInvoice, 'inv-1'), request: { invoiceExternalId: 'inv-1', text: text('reminder 2') }, requestedBy: 'system', summary: 'again' },
  );
  expect(again).toEqual({ id: ids.pending, status: 'pending', created: false });
  expect(queued).toEqual([]);
}

describe('migration 0008 (one outbox) on PGlite', () => {
  it('carries reminder notes over into write-backs and drops the old table', async () => {
    const client = await PGlite.create();
    try {
      const db = drizzlePglite(client, { schema }) as unknown as Db;
      await migratePglite(db as never, { migrationsFolder: migrationsUpTo(7) });
      await seedAt0007(db);
      await migratePglite(db as never, { migrationsFolder: migrationsUpTo(8) });
      await checkAfter0008(db, () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER }));
    } finally {
      await client.close();
    }
  }, 180_000);
});

describeWith('pg', 'migration 0008 (one outbox) on PostgreSQL', () => {
  it('carries reminder notes over into write-backs and drops the old table', async () => {
    const name = `arcus_mig_${services.runId}_${randomUUID().slice(0, 8)}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
    const adminUrl = services.databaseUrl;
    const run = async (statement: string) => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(statement);
      } finally {
        await c.end();
      }
    };
    await run(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    try {
      const db = drizzlePg(pool, { schema }) as unknown as Db;
      await migratePg(db as never, { migrationsFolder: migrationsUpTo(7) });
      await seedAt0007(db);
      await migratePg(db as never, { migrationsFolder: migrationsUpTo(8) });
      await checkAfter0008(db, () => migratePg(db as never, { migrationsFolder: MIGRATIONS_FOLDER }));
    } finally {
      await pool.end();
      await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 180_000);
});
