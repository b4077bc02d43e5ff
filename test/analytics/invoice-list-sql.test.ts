/**
 * The Invoices list from PostgreSQL (server/analytics/invoice-list-sql.ts) equals the in-memory
 * path it replaced (loadLedgerInvoices → invoiceRows → filterInvoiceRows, kept as the reference)
 * on random seeded ledgers: every status filter the client offers, searches, the customer filter,
 * several as-of days (before, among and after the settlements, so every branch of the balance is
 * taken), paged by cursor and by offset, the totals per currency, and the streamed CSV (rows and
 * bytes equal the list's, sent chunked).
 */
import http from 'node:http';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../../server/analytics/csv';
import { INVOICES_CSV } from '../../server/analytics/csv-columns';
import { filterInvoiceRows, type InvoiceListQuery, type InvoiceRow, invoiceRows } from '../../server/analytics/invoice-list';
import { invoiceTotals, pageInvoices, streamInvoices } from '../../server/analytics/invoice-list-sql';
import { loadLedgerInvoices } from '../../server/analytics/ledger-invoices';
import { type LedgerLinkTarget, ledgerSite } from '../../server/analytics/ledger-links';
import { getOrganisation, listContacts } from '../../server/analytics/organisations';
import { type Database, queryRows } from '../../server/db/client';
import { invoices } from '../../server/db/schema';
import { createFirm, memoryDatabase, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { writeSession } from '../support/session';
import { type AnalyticsServer, signedIn, startAnalyticsServer } from './harness';
import { seedRandomLedger } from './random-ledger';
import { seedInvoices, seedOrganisation, seedPayment } from './seed';

type Filter = Pick<InvoiceListQuery, 'status' | 'customer' | 'q'>;

describeWith('pg', 'the Invoices list in SQL equals the in-memory list', () => {
  let database: Database;
  let firmId: string;
  let userId: string;
  const orgs: { id: string; baseCurrency: string; seed: number }[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    const created = await createFirm(database, 'admin');
    firmId = created.firm.id;
    userId = created.user.id;
    for (const [i, baseCurrency] of ['USD', 'GBP'].entries()) {
      const seed = 700 + i;
      const org = await seedOrganisation(database.db, firmId, { name: `List org ${i}`, baseCurrency });
      await seedRandomLedger(database.db, firmId, org.id, { seed, invoices: 120, baseCurrency, start: '2024-01-01', days: 400 });
      orgs.push({ id: org.id, baseCurrency, seed });
    }
    // Ties the order must break the same way: equal numbers (differing only by case, or equal),
    // a customer the sync has not brought in, a QuickBooks deposit, a zero total, a payment dated later.
    const o = orgs[0]!;
    await seedInvoices(database.db, firmId, o.id, [
      { externalId: 'tie-b', contact: 'c700-1', issue: '2024-05-01', due: '2024-05-31', total: '100.00', number: 'T-1' },
      { externalId: 'tie-a', contact: 'c700-2', issue: '2024-05-01', due: '2024-05-31', total: '100.00', number: 'T-1' },
      { externalId: 'tie-c', contact: 'c700-3', issue: '2024-05-01', due: '2024-05-31', total: '100.00', number: 't-1' },
      { externalId: 'ghost-1', contact: 'not-synced', issue: '2024-06-01', due: null, total: '42.10', number: '%_ odd' },
      { externalId: 'deposit-1', contact: 'c700-4', issue: '2024-06-10', due: '2024-07-10', total: '500.00', number: 'D-1' },
      { externalId: 'zero-1', contact: 'c700-4', issue: '2024-06-11', due: '2024-07-11', total: '0.00', number: 'Z-1' },
    ]);
    await database.db.update(invoices).set({ deposit: '120.00' }).where(eq(invoices.externalId, 'deposit-1'));
    await seedPayment(database.db, firmId, o.id, { externalId: 'late-pay', date: '2025-03-01', allocations: [{ invoice: 'tie-a', amount: '100.00' }] });
  });

  const asOfs = ['2024-03-15', '2024-08-01', '2024-12-31', '2026-01-01'];
  const filters: Filter[] = [
    { status: 'all' },
    { status: 'open' },
    { status: 'overdue' },
    { status: 'paid' },
    { status: 'all', q: 'customer 3' },
    { status: 'open', q: 'INV-70' },
    { status: 'all', q: '%_' },
    { status: 'all', q: 'not-SYNCED' },
    { status: 'all', customer: 'c700-2' },
    { status: 'paid', customer: 'c701-5' },
  ];

  async function reference(orgId: string, asOf: string, q: Filter, provider: LedgerLinkTarget = 'xero'): Promise<InvoiceRow[]> {
    const [ledger, contacts] = await Promise.all([loadLedgerInvoices(database.db, { firmId, organisationId: orgId }), listContacts(database.db, firmId, orgId)]);
    const names = new Map(contacts.map((c) => [c.externalId, { id: c.id, name: c.name }]));
    return filterInvoiceRows(invoiceRows(ledger, names, asOf, provider), q);
  }

  function minorTotals(rows: readonly InvoiceRow[]) {
    const out = new Map<string, { currency: string; invoices: number; total: number; balance: number }>();
    for (const r of rows) {
      const t = out.get(r.currency) ?? { currency: r.currency, invoices: 0, total: 0, balance: 0 };
      t.invoices += 1;
      t.total += r.total;
      t.balance += r.balance;
      out.set(r.currency, t);
    }
    return [...out.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
  }

  it.each(asOfs)('as of %s: every filter, paged by cursor and by offset, with totals and the streamed rows', async (asOf) => {
    let nonEmpty = 0;
    for (const org of orgs) {
      for (const q of filters) {
        const filter = { ...q, customer: q.customer?.replace('c700', `c${org.seed}`) };
        const expected = await reference(org.id, asOf, filter);
        const scope = { firmId, organisationId: org.id, asOf, provider: 'xero' as const };
        const byCursor: InvoiceRow[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 100; pages++) {
          const page = await pageInvoices(database.db, scope, { ...filter, limit: 17, cursor });
          byCursor.push(...page.rows);
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        expect(byCursor, `${org.seed} ${JSON.stringify(filter)}`).toEqual(expected);
        for (const offset of [9, 23, 41, 77]) {
          const page = await pageInvoices(database.db, scope, { ...filter, limit: 9, offset });
          expect(page.rows).toEqual(expected.slice(offset, offset + 9));
        }
        expect(await invoiceTotals(database.db, scope, filter)).toEqual(minorTotals(expected));
        const streamed: InvoiceRow[] = [];
        await streamInvoices(database.db, scope, filter, async (rows) => void streamed.push(...rows), 25);
        expect(streamed).toEqual(expected);
        if (expected.length > 0) nonEmpty += 1;
      }
    }
    expect(nonEmpty).toBeGreaterThan(8);
  });

  it('covers the awkward cases it claims to (settled after the day, a later payment, a deposit, other currencies)', async () => {
    const rows = await reference(orgs[0]!.id, '2024-12-31', { status: 'all' });
    expect(rows.find((r) => r.externalId === 'deposit-1')).toMatchObject({ paid: 12000, balance: 38000, lastSettlementDate: '2024-06-10' });
    expect(rows.find((r) => r.externalId === 'tie-a')).toMatchObject({ balance: 10000, status: 'overdue' }); // paid in 2025
    expect(rows.filter((r) => r.externalId.startsWith('tie-')).map((r) => r.externalId)).toEqual(['tie-a', 'tie-b', 'tie-c']);
    expect(new Set(rows.map((r) => r.currency)).size).toBeGreaterThan(1);
    const later = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM invoices WHERE organisation_id = ${orgs[0]!.id} AND settled_on > '2024-08-01'`);
    expect(later[0]!.n).toBeGreaterThan(0);
  });

  it('rejects a cursor it did not make, in words', async () => {
    await expect(pageInvoices(database.db, { firmId, organisationId: orgs[0]!.id, asOf: '2024-12-31', provider: 'xero' }, { status: 'all', limit: 5, cursor: 'not-a-cursor' })).rejects.toThrow(/Reload the list/);
  });

  describe('over HTTP', () => {
    let server: AnalyticsServer;
    beforeAll(async () => {
      server = await startAnalyticsServer(database);
    });
    afterAll(async () => {
      await server.close();
    });

    it('pages with nextCursor and streams the CSV chunked, with the same rows as the list', async () => {
      const client = await signedIn(server, database, { userId, firmId });
      const org = orgs[1]!;
      const expected = await reference(org.id, '2024-12-31', { status: 'all' });
      const first = await client.get(`/api/organisations/${org.id}/invoices?status=all&asOf=2024-12-31&limit=50`);
      expect(first.status).toBe(200);
      expect(first.body.total).toBe(expected.length);
      expect(first.body.invoices.map((r: InvoiceRow) => r.id)).toEqual(expected.slice(0, 50).map((r) => r.id));
      const next = await client.get(`/api/organisations/${org.id}/invoices?status=all&asOf=2024-12-31&limit=50&cursor=${first.body.nextCursor}`);
      expect(next.body.invoices.map((r: InvoiceRow) => r.id)).toEqual(expected.slice(50, 100).map((r) => r.id));
      const bad = await client.get(`/api/organisations/${org.id}/invoices?cursor=xyz`);
      expect(bad.status).toBe(400);

      const { cookie } = await writeSession(database, server.sessionSecret, { userId, firmId });
      const raw = await new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        http
          .get(`${server.url}/api/organisations/${org.id}/invoices?status=all&asOf=2024-12-31&format=csv`, { headers: { cookie } }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c) => {
              body += c;
            });
            res.on('end', () => resolve({ headers: res.headers, body }));
          })
          .on('error', reject);
      });
      expect(raw.headers['transfer-encoding']).toBe('chunked');
      expect(raw.headers['content-length']).toBeUndefined();
      expect(raw.headers['content-type']).toContain('text/csv');
      const info = (await getOrganisation(database.db, firmId, org.id))!;
      expect(raw.body).toBe(toCsv(INVOICES_CSV, await reference(org.id, '2024-12-31', { status: 'all' }, ledgerSite(undefined, info))));
    });
  });
});

describe('the Invoices list in SQL on PGlite (the embedded database)', () => {
  it('equals the in-memory list, paged by cursor and streamed from a cursor', { timeout: 180_000 }, async () => {
    const database = await memoryDatabase();
    try {
      const created = await createFirm(database, 'admin');
      const firmId = created.firm.id;
      const org = await seedOrganisation(database.db, firmId, { name: 'Embedded', baseCurrency: 'USD' });
      await seedRandomLedger(database.db, firmId, org.id, { seed: 42, invoices: 60, baseCurrency: 'USD', start: '2024-01-01', days: 300 });
      const [ledger, contacts] = await Promise.all([loadLedgerInvoices(database.db, { firmId, organisationId: org.id }), listContacts(database.db, firmId, org.id)]);
      const names = new Map(contacts.map((c) => [c.externalId, { id: c.id, name: c.name }]));
      for (const status of ['all', 'open', 'overdue', 'paid'] as const) {
        const expected = filterInvoiceRows(invoiceRows(ledger, names, '2024-07-01', 'xero'), { status });
        const scope = { firmId, organisationId: org.id, asOf: '2024-07-01', provider: 'xero' as const };
        const got: InvoiceRow[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 50; pages++) {
          const page = await pageInvoices(database.db, scope, { status, limit: 8, cursor });
          got.push(...page.rows);
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        expect(got).toEqual(expected);
        const streamed: InvoiceRow[] = [];
        await streamInvoices(database.db, scope, { status }, async (rows) => void streamed.push(...rows), 7);
        expect(streamed).toEqual(expected);
      }
    } finally {
      await database.close();
    }
  });
});
