/**
 * The dashboard's customers part from per-customer state (decision 064) through real syncs (the
 * sandbox ledgers, the sync engine and its finish step), for both providers: after the first
 * dashboard read builds the state and after each incremental sync of random changes (new invoices,
 * payments, credits, edits, voids, deletions, new and edited contacts, deleted payments…),
 * - the finish step has left nothing marked, and the stored rows are what a rebuild from nothing at
 *   the state day gives;
 * - the top overdue customers, the customer count and the open invoices from the state equal the
 *   Customers list's statement's (the reference) exactly, to the cent, at the organisation's today
 *   and at later days (the state moved forward by the due days, issue days and settlement days that
 *   came, not by a rebuild), and the whole dashboard equals the reference path's;
 * - a day before the state's falls back (null), so a past period is answered by the reference.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, type CalendarDate, todayIn } from '../../kernel/dates';
import { pageCustomers } from '../../server/analytics/customer-list-sql';
import { loadTopOverdue } from '../../server/analytics/customer-overdue';
import { getDashboard, getDashboardFromCustomerList } from '../../server/analytics/dashboard';
import { getOrganisation } from '../../server/analytics/organisations';
import { prng } from '../../server/bench/types';
import { queryRows } from '../../server/db/client';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { applyChange, CHANGE_KINDS } from '../sync/changes';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';

let fx: SyncFixture;

const ROWS = sql.raw('contact_external_id, name, balance::text, overdue::text, open_invoices, oldest_due::text, valid_until::text');

describeWith('pg', 'dashboard customers from per-customer state after real syncs', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 41 });
  });
  afterAll(async () => fx?.close());

  for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
    it(`${provider}: the state equals the Customers list's statement through 4 incremental syncs`, { timeout: 180_000 }, async () => {
      const companyId = fx.companyIds[i]!;
      const store = fx.server.sandbox.ctx.store;
      const { organisationId } = await fx.connect(provider, companyId);
      const firmId = fx.firmId;
      const sync = async (kind: 'full' | 'incremental') => {
        fx.advance(61_000);
        const { runId } = await createOrReuseRun(fx.db, { organisationId, kind });
        const r = await runSync(fx.engineDeps(), { runId });
        expect(r.status).toBe('succeeded');
      };
      const today = todayIn('UTC', new Date(fx.now()));
      let overdueSeen = 0;
      const compareAt = async (day: CalendarDate, label: string) => {
        const org = (await getOrganisation(fx.db, firmId, organisationId))!;
        const scope = { firmId, organisationId, baseCurrency: org.baseCurrency, period: { from: addDays(day, -89), to: day }, site: org.provider };
        const want = await pageCustomers(fx.db, scope, { sort: 'overdue', limit: 10, onlyOverdue: true });
        const got = await loadTopOverdue(fx.db, scope);
        expect(got, `${label} at ${day}`).not.toBeNull();
        expect(got!.total, `${label} at ${day}: customers`).toBe(want.total);
        expect(got!.openInvoices, `${label} at ${day}: open invoices`).toBe(want.openInvoices);
        expect(got!.rows, `${label} at ${day}: top overdue`).toEqual(want.rows);
        overdueSeen += want.rows.length;
        const params = { firmId, organisation: org, period: scope.period, thresholds: {}, today: day };
        expect(await getDashboard(fx.db, params), `${label} at ${day}: dashboard`).toEqual(await getDashboardFromCustomerList(fx.db, params));
      };
      /** The stored rows equal a rebuild from nothing at the state day, and the totals their sums. */
      const storedIsRebuild = async (label: string) => {
        expect(await queryRows(fx.db, sql`SELECT contact_external_id FROM customer_overdue_pending WHERE organisation_id = ${organisationId}`), label).toEqual([]);
        const [s] = await queryRows<{ as_of: string; customers: number; open_invoices: number }>(
          fx.db,
          sql`SELECT as_of::text AS as_of, customers, open_invoices FROM customer_overdue_orgs WHERE firm_id = ${firmId} AND organisation_id = ${organisationId}`,
        );
        expect(s, label).toBeDefined();
        const stored = await queryRows(fx.db, sql`SELECT ${ROWS} FROM customer_overdue WHERE firm_id = ${firmId} AND organisation_id = ${organisationId} ORDER BY contact_external_id`);
        const rebuilt = await queryRows(fx.db, sql`SELECT ${ROWS} FROM arcus_customer_overdue_rows(${firmId}, ${organisationId}, ${s!.as_of}::date, NULL) ORDER BY contact_external_id`);
        expect(stored, label).toEqual(rebuilt);
        expect(stored.length, label).toBe(Number(s!.customers));
        expect(rebuilt.reduce((n: number, r) => n + Number((r as { open_invoices: number }).open_invoices), 0), label).toBe(Number(s!.open_invoices));
      };

      await sync('full');
      // Built by the first read, at today.
      await compareAt(today, 'after the full sync');
      await storedIsRebuild('after the first read');
      const rand = prng(700 + i);
      for (let round = 0; round < 4; round++) {
        for (let k = 0; k < 8; k++) applyChange(store, companyId, { kind: CHANGE_KINDS[Math.floor(rand() * CHANGE_KINDS.length)]!, pick: Math.floor(rand() * 10_000), cents: Math.floor(rand() * 100) });
        await sync('incremental');
        const label = `after incremental sync ${round + 1}`;
        // Maintained by the finish step, at the state day, before any read.
        await storedIsRebuild(label);
        // Then read at later and later days: each read moves the state forward.
        const base = addDays(today, 9 * round);
        for (const day of [base, addDays(base, 3), addDays(base, 8)]) await compareAt(day, label);
        await storedIsRebuild(`${label}, after the reads`);
      }
      // A day before the state's: no answer from the state (the dashboard uses the Customers list's statement), and the dashboard is still equal.
      const org = (await getOrganisation(fx.db, firmId, organisationId))!;
      const past = { from: addDays(today, -89), to: today };
      expect(await loadTopOverdue(fx.db, { firmId, organisationId, baseCurrency: org.baseCurrency, period: past, site: org.provider })).toBeNull();
      const params = { firmId, organisation: org, period: past, thresholds: {}, today };
      expect(await getDashboard(fx.db, params)).toEqual(await getDashboardFromCustomerList(fx.db, params));
      expect(overdueSeen).toBeGreaterThan(0);
    });
  }
});
