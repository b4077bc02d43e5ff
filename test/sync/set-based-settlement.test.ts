/**
 * Set-based settlement (migration 0073, docs/decisions/071): a sync page runs in deferred mode —
 * the row trigger leaves the settlement columns alone, the touch triggers list the invoices, and
 * one statement (arcus_settlements_of) recomputes them before the page commits. It must give
 * exactly what the row trigger gives:
 *
 * 1. on random ledgers written outside a sync (so by the row trigger) with every awkward case —
 *    reversals (the run-of-zero-balance rule), sub-cent amounts, foreign currencies at odd rates,
 *    deleted payments, voided and awaiting-approval credit notes, overpayments and prepayments
 *    (voided and deleted ones too), QuickBooks deposits, zero and negative totals, allocations
 *    before the issue date — the set-based statement's figures equal the stored ones, invoice by
 *    invoice; and writes made in deferred mode then flushed leave what the row trigger leaves —
 *    on PostgreSQL and on PGlite;
 * 2. the same sandbox ledgers synced into two organisations, one set-based and one forcing the
 *    per-row triggers, through a full sync and incremental syncs after random ledger changes,
 *    end with every invoice's settlement columns, the portfolio rollups and the customer overdue
 *    rows equal to the cent.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayIn } from '../../kernel/dates';
import { prng } from '../../server/bench/types';
import { type Database, queryRows } from '../../server/db/client';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { connectSandboxCompany } from '../../server/sync/sandbox-connect';
import { seedRandomLedger } from '../analytics/random-ledger';
import { seedInvoices, seedOrganisation, seedPayment } from '../analytics/seed';
import { createFirm, memoryDatabase, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { applyChange, CHANGE_KINDS } from './changes';
import { type SyncFixture, startSyncFixture } from './connect-helper';

/** Invoices whose stored settlement differs from what arcus_settlements_of computes now. */
async function setVersusStored(database: Database, organisationId: string) {
  return queryRows<{ external_id: string }>(
    database.db,
    sql`SELECT i.external_id, i.settlement_days::text AS stored_days, s.settlement_days::text AS set_days, i.settled_on AS stored_on, s.settled_on AS set_on,
          i.base_total::text AS stored_total, s.base_total::text AS set_total, i.base_settled_cum::text AS stored_cum, s.base_settled_cum::text AS set_cum
        FROM invoices i
        LEFT JOIN arcus_settlements_of(ARRAY(
          SELECT ROW(x.organisation_id, x.external_id, x.issue_date, x.total, x.deposit, x.currency, x.currency_rate)::arcus_settlement_input
          FROM invoices x WHERE x.organisation_id = ${organisationId})) s ON s.organisation_id = i.organisation_id AND s.external_id = i.external_id
        WHERE i.organisation_id = ${organisationId}
          AND (i.settlement_days, i.settled_on, i.base_total, i.base_settled_cum) IS DISTINCT FROM (s.settlement_days, s.settled_on, s.base_total, s.base_settled_cum)
        ORDER BY i.external_id`,
  );
}

/**
 * Invoices whose stored settlement differs from what the row trigger computes from the committed
 * state (a no-op update runs it on every invoice of the organisation; rolled back).
 */
async function triggerVersusStored(database: Database, organisationId: string) {
  const rollback = new Error('rollback');
  let rows: unknown[] = [];
  await database.db
    .transaction(async (tx) => {
      rows = await queryRows(
        tx as unknown as Database['db'],
        sql`WITH upd AS (
              UPDATE invoices i SET settled_on = i.settled_on WHERE i.organisation_id = ${organisationId}
              RETURNING i.id, i.settlement_days, i.settled_on, i.base_total, i.base_settled_cum)
            SELECT b.external_id, b.settled_on AS stored_on, u.settled_on AS trigger_on, b.settlement_days::text AS stored_days, u.settlement_days::text AS trigger_days,
              b.base_total::text AS stored_total, u.base_total::text AS trigger_total, b.base_settled_cum::text AS stored_cum, u.base_settled_cum::text AS trigger_cum
            FROM invoices b JOIN upd u ON u.id = b.id
            WHERE (b.settlement_days, b.settled_on, b.base_total, b.base_settled_cum) IS DISTINCT FROM (u.settlement_days, u.settled_on, u.base_total, u.base_settled_cum)
            ORDER BY b.external_id`,
      );
      throw rollback;
    })
    .catch((err) => {
      if (err !== rollback) throw err;
    });
  return rows;
}

/** Every invoice's settlement columns, by external id. */
async function settlementsOf(database: Database, organisationId: string) {
  return queryRows<Record<string, unknown>>(
    database.db,
    sql`SELECT external_id, status, total::text, settlement_days::text, settled_on::text, base_total::text, base_settled_cum::text, raw IS NULL AS no_raw
        FROM invoices WHERE organisation_id = ${organisationId} ORDER BY external_id`,
  );
}

/** The awkward cases seedRandomLedger lacks: prepayments and overpayments, deposits, zero and negative totals. */
async function addOtherSources(database: Database, firmId: string, organisationId: string, seed: number) {
  const rand = prng(seed);
  const invoices = await queryRows<{ external_id: string; issue_date: string; contact_external_id: string }>(
    database.db,
    sql`SELECT external_id, issue_date::text, contact_external_id FROM invoices WHERE organisation_id = ${organisationId} ORDER BY external_id`,
  );
  let n = 0;
  for (const inv of invoices) {
    const r = rand();
    if (r < 0.12) {
      n++;
      const status = rand() < 0.15 ? 'voided' : rand() < 0.1 ? 'deleted' : 'authorised';
      const cents = 1 + Math.floor(rand() * 300_000);
      await database.db.execute(sql`
        WITH x AS (
          INSERT INTO prepayments (firm_id, organisation_id, external_id, kind, contact_external_id, date, currency, total, remaining_credit, status)
          VALUES (${firmId}, ${organisationId}, ${`pre-${seed}-${n}`}, ${rand() < 0.5 ? 'prepayment' : 'overpayment'}, ${inv.contact_external_id}, ${inv.issue_date}::date, 'USD', ${(cents / 100).toFixed(2)}, 0, ${status})
          RETURNING id)
        INSERT INTO prepayment_allocations (firm_id, organisation_id, prepayment_id, external_id, invoice_external_id, amount, date)
        SELECT ${firmId}, ${organisationId}, x.id, ${`pa-${seed}-${n}`}, ${inv.external_id}, ${(cents / 100).toFixed(4)}, ${inv.issue_date}::date + ${Math.floor(rand() * 90) - 5}::int FROM x`);
    } else if (r < 0.2) {
      // A QuickBooks deposit (sometimes sub-cent), settling on the issue date.
      await database.db.execute(sql`UPDATE invoices SET deposit = round(total * ${rand().toFixed(3)}::numeric, 3) WHERE organisation_id = ${organisationId} AND external_id = ${inv.external_id}`);
    } else if (r < 0.23) {
      await database.db.execute(sql`UPDATE invoices SET total = ${rand() < 0.5 ? '0' : '-12.3450'} WHERE organisation_id = ${organisationId} AND external_id = ${inv.external_id}`);
    }
  }
}

async function setEqualsTrigger(database: Database) {
  for (const seed of [3, 41]) {
    const { firm } = await createFirm(database);
    const org = await seedOrganisation(database.db, firm.id, { name: `Set ${seed}`, baseCurrency: 'USD' });
    await seedRandomLedger(database.db, firm.id, org.id, { seed, invoices: 150, baseCurrency: 'USD', start: '2024-01-01', days: 300 });
    await addOtherSources(database, firm.id, org.id, seed);
    // The ledger has the cases the rule is about (so an equal comparison means something).
    const [k] = await queryRows<{ settled: number; open: number; foreign: number; reopened: number; deposit: number; zero: number; prepaid: number }>(
      database.db,
      sql`SELECT count(*) FILTER (WHERE settled_on IS NOT NULL AND total > 0)::int AS settled, count(*) FILTER (WHERE settled_on IS NULL)::int AS open,
            count(*) FILTER (WHERE currency <> 'USD' AND cardinality(settlement_days) > 0)::int AS foreign,
            count(*) FILTER (WHERE settled_on IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(base_settled_cum) c WHERE c >= base_total) AND settled_on > settlement_days[1])::int AS reopened,
            count(*) FILTER (WHERE deposit <> 0)::int AS deposit, count(*) FILTER (WHERE total <= 0)::int AS zero,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM prepayment_allocations xa WHERE xa.organisation_id = invoices.organisation_id AND xa.invoice_external_id = invoices.external_id))::int AS prepaid
          FROM invoices WHERE organisation_id = ${org.id}`,
    );
    for (const [key, v] of Object.entries(k!)) expect(v, key).toBeGreaterThan(0);
    expect(await setVersusStored(database, org.id)).toEqual([]);

    // Writes in deferred mode, flushed: the same as the row trigger gives (recomputed afterwards by a
    // no-op update outside deferred mode, which runs it on every invoice).
    const rand = prng(seed + 1);
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT arcus_settle_defer()`);
      await tx.execute(sql`DELETE FROM payment_allocations WHERE organisation_id = ${org.id} AND (hashtext(invoice_external_id) % 5) = 0`);
      await tx.execute(sql`UPDATE payments SET status = CASE WHEN status = 'deleted' THEN 'authorised' ELSE 'deleted' END WHERE organisation_id = ${org.id} AND (hashtext(external_id) % 7) = 0`);
      await tx.execute(sql`UPDATE credit_notes SET status = CASE WHEN status = 'authorised' THEN 'voided' ELSE 'authorised' END WHERE organisation_id = ${org.id} AND (hashtext(external_id) % 3) = 0`);
      await tx.execute(sql`UPDATE prepayments SET status = CASE WHEN status = 'authorised' THEN 'voided' ELSE 'authorised' END WHERE organisation_id = ${org.id} AND (hashtext(external_id) % 3) = 0`);
      await tx.execute(sql`UPDATE payment_allocations SET amount = amount + ${(rand() * 50).toFixed(2)}, date = date + 3 WHERE organisation_id = ${org.id} AND (hashtext(invoice_external_id) % 4) = 1`);
      await tx.execute(sql`UPDATE invoices SET total = total + 1.005, currency_rate = currency_rate * 1.1 WHERE organisation_id = ${org.id} AND (hashtext(external_id) % 6) = 2`);
      await tx.execute(sql`DELETE FROM credit_note_allocations WHERE organisation_id = ${org.id} AND (hashtext(invoice_external_id) % 4) = 3`);
      // An invoice inserted in deferred mode without its settlement (the columns at their defaults)
      // after its payment arrived: the row trigger computes it, as outside deferred mode.
      const txDb = tx as unknown as Database['db'];
      await seedPayment(txDb, firm.id, org.id, { externalId: `late-pay-${seed}`, date: '2024-06-01', allocations: [{ invoice: `late-${seed}`, amount: '75.50' }] });
      await seedInvoices(txDb, firm.id, org.id, [{ externalId: `late-${seed}`, contact: 'c', issue: '2024-05-01', due: '2024-05-31', total: '75.50', currency: 'CHF', rate: '0.5' }], 'USD');
      const [late] = await queryRows<{ settled_on: string | null; base_total: string }>(txDb, sql`SELECT settled_on::text, base_total::text FROM invoices WHERE organisation_id = ${org.id} AND external_id = ${`late-${seed}`}`);
      expect(late).toEqual({ settled_on: '2024-06-01', base_total: '3775' });
      // The organisation's base currency changes: every invoice's base amounts follow.
      await tx.execute(sql`UPDATE organisations SET base_currency = 'CHF' WHERE id = ${org.id}`);
      const stale = await queryRows(txDb, sql`SELECT 1 FROM pg_temp.arcus_settle_touched LIMIT 1`);
      expect(stale.length).toBe(1);
      await tx.execute(sql`SELECT arcus_settle_flush()`);
    });
    const flushed = await settlementsOf(database, org.id);
    await database.db.execute(sql`UPDATE invoices SET settled_on = settled_on WHERE organisation_id = ${org.id}`);
    expect(flushed).toEqual(await settlementsOf(database, org.id));
    expect(await setVersusStored(database, org.id)).toEqual([]);
  }
}

describeWith('pg', 'set-based settlement equals the row trigger (PostgreSQL)', () => {
  it('on random ledgers, and for writes made in deferred mode then flushed', { timeout: 120_000 }, async () => {
    await setEqualsTrigger(await testDatabase());
  });
});

describe('set-based settlement equals the row trigger (PGlite, embedded mode)', () => {
  it('on random ledgers, and for writes made in deferred mode then flushed', { timeout: 180_000 }, async () => {
    const database = await memoryDatabase();
    try {
      await setEqualsTrigger(database);
    } finally {
      await database.close();
    }
  });
});

let fx: SyncFixture;

describeWith('pg', 'sync: set-based settlement versus the per-row triggers', () => {
  beforeAll(async () => {
    // Small pages: allocations, invoices and their documents land on different pages.
    fx = await startSyncFixture({ seed: 37, pageSize: 40 });
  });
  afterAll(async () => fx?.close());

  for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
    it(`${provider}: the same ledger synced both ways gives the same settlements, rollups and customer rows (full + 5 incremental)`, { timeout: 240_000 }, async () => {
      const companyId = fx.companyIds[i]!;
      const store = fx.server.sandbox.ctx.store;
      const { firm: rowFirm } = await createFirm(fx.database);
      const set = await fx.connect(provider, companyId);
      const row = await connectSandboxCompany({ db: fx.db, factory: fx.factory, tokenKey: fx.tokenKey }, { firmId: rowFirm.id, provider, companyId });
      const orgs = [
        { organisationId: set.organisationId, firmId: fx.firmId, settlement: 'set' as const },
        { organisationId: row.organisationId, firmId: rowFirm.id, settlement: 'row' as const },
      ];
      const syncBoth = async (kind: 'full' | 'incremental') => {
        fx.advance(61_000);
        for (const o of orgs) {
          const { runId } = await createOrReuseRun(fx.db, { organisationId: o.organisationId, kind });
          // After every committed set-based page (before the finish step, whose own updates run the
          // row trigger on some invoices), each invoice holds what the row trigger computes.
          const afterPage = async (p: { entity: string; page: number }) => {
            if (o.settlement === 'set') expect(await triggerVersusStored(fx.database, o.organisationId), `${kind} sync, ${p.entity} page ${p.page}`).toEqual([]);
          };
          const r = await runSync({ ...fx.engineDeps({ hooks: { afterPage } }), settlement: o.settlement }, { runId });
          expect(r.status).toBe('succeeded');
        }
      };
      const rollups = (o: (typeof orgs)[number]) =>
        queryRows(fx.db, sql`SELECT to_jsonb(r) - 'firm_id' - 'organisation_id' AS r FROM portfolio_rollups r WHERE organisation_id = ${o.organisationId} ORDER BY day, currency`);
      const customers = (o: (typeof orgs)[number]) =>
        queryRows(fx.db, sql`SELECT to_jsonb(c) - 'firm_id' - 'organisation_id' AS c FROM customer_overdue c WHERE organisation_id = ${o.organisationId} ORDER BY contact_external_id`);
      const compare = async (label: string) => {
        const [a, b] = [await settlementsOf(fx.database, orgs[0]!.organisationId), await settlementsOf(fx.database, orgs[1]!.organisationId)];
        expect(a.length, label).toBeGreaterThan(100);
        expect(a.filter((x) => x.settled_on !== null).length, label).toBeGreaterThan(10);
        expect(a, label).toEqual(b);
        const [ra, rb] = [await rollups(orgs[0]!), await rollups(orgs[1]!)];
        expect(ra.length, label).toBeGreaterThan(0);
        expect(ra, label).toEqual(rb);
        expect(await customers(orgs[0]!), label).toEqual(await customers(orgs[1]!));
        // And what the set-based side stored is what the row trigger computes from the final state.
        expect(await setVersusStored(fx.database, orgs[0]!.organisationId), label).toEqual([]);
        for (const o of orgs) {
          expect(await queryRows(fx.db, sql`SELECT 1 FROM portfolio_rollup_pending WHERE organisation_id = ${o.organisationId}`), label).toEqual([]);
        }
      };
      await syncBoth('full');
      // The customer rows are kept from their first build on (as the dashboard's first read does).
      const today = todayIn('UTC', new Date(fx.now()));
      for (const o of orgs) await fx.db.execute(sql`SELECT arcus_rebuild_customer_overdue(${o.firmId}::uuid, ${o.organisationId}::uuid, ${today}::date)`);
      await compare('after the full sync');
      const rand = prng(7_100 + i);
      for (let round = 0; round < 5; round++) {
        const applied: string[] = [];
        for (let k = 0; k < 8; k++) {
          const kind = CHANGE_KINDS[Math.floor(rand() * CHANGE_KINDS.length)]!;
          const done = applyChange(store, companyId, { kind, pick: Math.floor(rand() * 10_000), cents: Math.floor(rand() * 100) });
          if (done) applied.push(done);
        }
        await syncBoth('incremental');
        await compare(`after round ${round + 1}: ${applied.join('; ')}`);
      }
      await syncBoth('full');
      await compare('after a second full sync');
    });
  }
});
