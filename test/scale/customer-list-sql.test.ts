/**
 * The Customers list from PostgreSQL (server/analytics/customer-list-sql.ts, decision 050) equals
 * the in-memory path (loadLedgerInvoices → summariseCustomers → listCustomers, kept as the
 * reference) on random seeded ledgers: every sort PostgreSQL serves, both directions and the
 * default, searches by name and email, several periods, walked page by page by cursor; and the
 * customers the list must include (contacts without invoices, a non-customer contact with
 * invoices, ids with no contact, a deleted contact's invoices, names equal but for case); and a page's
 * customers read from their own invoices only (decision 069) equal the organisation-wide read, with
 * other customers' and another organisation's credit notes and payments around.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { type CustomerListQuery, type ListedCustomer, listCustomers, loadCustomerRisk } from '../../server/analytics/customer-list';
import { pageCustomers, SQL_SORTS, summarisePage } from '../../server/analytics/customer-list-sql';
import { summariseCustomers } from '../../server/analytics/customers';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../../server/analytics/ledger-invoices';
import { listContacts } from '../../server/analytics/organisations';
import type { Database } from '../../server/db/client';
import { customerScores } from '../../server/db/schema';
import type { Period } from '../../server/domain/metrics';
import { seedRandomLedger } from '../analytics/random-ledger';
import { seedContacts, seedCreditNote, seedInvoices, seedOrganisation, seedPayment } from '../analytics/seed';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith('pg', 'the Customers list in SQL equals the in-memory list', () => {
  let database: Database;
  let firmId: string;
  const orgs: { id: string; baseCurrency: string; seed: number }[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database, 'admin')).firm.id;
    for (const [i, baseCurrency] of ['USD', 'GBP'].entries()) {
      const seed = 950 + i;
      const org = await seedOrganisation(database.db, firmId, { name: `Customers org ${i}`, baseCurrency });
      await seedRandomLedger(database.db, firmId, org.id, { seed, invoices: 160, baseCurrency, start: '2024-01-01', days: 400 });
      // Contacts without invoices (all tie at a zero balance: the name order decides), names equal but for case, emails to search.
      await seedContacts(
        database.db,
        firmId,
        org.id,
        Array.from({ length: 14 }, (_, k) => ({
          externalId: `idle-${seed}-${k}`,
          name: ['acme', 'Acme', 'ACME', 'Émile Ltd', 'zeta', 'Zeta', 'beta & co', 'Beta & Co'][k % 8]!,
          emails: k % 3 === 0 ? [{ address: `Accounts${k}@Example.test`, primary: k % 2 === 0 }] : [],
          isCustomer: true,
        })),
      );
      await seedContacts(database.db, firmId, org.id, [
        { externalId: `supplier-${seed}`, name: 'Supplier Who Also Buys', isCustomer: false, emails: [{ address: ' ', primary: true }, { address: 'buyer@supplier.test' }] },
        { externalId: `gone-${seed}`, name: 'Deleted Customer', isCustomer: true },
      ]);
      await seedInvoices(
        database.db,
        firmId,
        org.id,
        [
          { externalId: `s-${seed}-1`, contact: `supplier-${seed}`, issue: '2024-03-01', due: '2024-03-31', total: '250.00' },
          { externalId: `u-${seed}-1`, contact: `nobody-${seed}`, issue: '2024-04-01', due: null, total: '99.99' },
          { externalId: `g-${seed}-1`, contact: `gone-${seed}`, issue: '2024-02-01', due: '2024-02-15', total: '1200.00' },
          { externalId: `a-${seed}-1`, contact: `idle-${seed}-1`, issue: '2024-05-01', due: '2024-05-31', total: '10.00' },
        ],
        baseCurrency,
      );
      await seedPayment(database.db, firmId, org.id, { externalId: `pay-${seed}-x`, date: '2024-06-01', allocations: [{ invoice: `s-${seed}-1`, amount: '50.00' }] });
      // Link about half of the invoices to their contacts, as the sync does; the deleted contact keeps its link.
      await database.db.execute(
        sql`UPDATE invoices i SET contact_id = c.id FROM contacts c WHERE c.organisation_id = i.organisation_id AND c.external_id = i.contact_external_id AND i.organisation_id = ${org.id} AND (hashtext(i.external_id) % 2 = 0 OR c.external_id = ${`gone-${seed}`})`,
      );
      await database.db.execute(sql`UPDATE contacts SET deleted_at = now(), status = 'deleted' WHERE organisation_id = ${org.id} AND external_id = ${`gone-${seed}`}`);
      // Risk scores for some customers (equal scores for ties), none for others.
      const contactsWithIds = await listContacts(database.db, firmId, org.id);
      await database.db.insert(customerScores).values(
        contactsWithIds
          .filter((_, k) => k % 3 !== 1)
          .map((c, k) => ({ firmId, organisationId: org.id, contactExternalId: c.externalId, score: [12, 55, 55, 80][k % 4]!, segment: 'slow', pLate: 0.3, settledCount: 1, openCount: 1, priorWeight: 1, scoredAt: new Date('2024-06-01T00:00:00Z') })),
      );
      orgs.push({ id: org.id, baseCurrency, seed });
    }
  });

  const periods: Period[] = [
    { from: '2024-02-01', to: '2024-04-30' },
    { from: '2024-06-03', to: '2024-08-31' },
    { from: '2025-01-01', to: '2025-03-31' },
  ];
  const queries: CustomerListQuery[] = [
    {},
    ...[...SQL_SORTS].flatMap((sort) => [{ sort }, { sort, dir: 'asc' as const }, { sort, dir: 'desc' as const }]),
    { q: 'acme' },
    { q: 'EXAMPLE.test', sort: 'name' },
    { q: 'customer', sort: 'overdue', dir: 'asc' },
    { q: 'buyer@', sort: 'balance' },
    { q: 'nobody' },
    { q: 'no such customer' },
  ];

  async function reference(orgId: string, baseCurrency: string, period: Period, q: CustomerListQuery): Promise<{ rows: ListedCustomer[]; total: number }> {
    const [ledger, contacts, risk] = await Promise.all([loadLedgerInvoices(database.db, { firmId, organisationId: orgId }), listContacts(database.db, firmId, orgId), loadCustomerRisk(database.db, firmId, orgId)]);
    const all = summariseCustomers(toBaseMetricInvoices(ledger, baseCurrency), contacts, period, 'xero');
    return { rows: listCustomers(all, risk, q), total: all.length };
  }

  it.each(periods)('from $from to $to: every SQL sort and search, walked by cursor, equals the in-memory list', async (period) => {
    let nonEmpty = 0;
    for (const org of orgs) {
      for (const q of queries) {
        const expected = await reference(org.id, org.baseCurrency, period, q);
        const scope = { firmId, organisationId: org.id, baseCurrency: org.baseCurrency, period, site: 'xero' as const };
        const walked: ListedCustomer[] = [];
        let cursor: string | undefined;
        let total = -1;
        for (let pages = 0; pages < 100; pages++) {
          const page = await pageCustomers(database.db, scope, { ...q, limit: 6, cursor });
          walked.push(...page.rows);
          total = page.total;
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        expect(walked, `${org.seed} ${JSON.stringify(q)}`).toEqual(expected.rows);
        expect(total).toBe(expected.total);
        if (expected.rows.length > 0) nonEmpty += 1;
      }
    }
    expect(nonEmpty).toBeGreaterThan(queries.length);
  });

  it('lists the customers it must, and orders names equal but for case by the name, then the ledger id', async () => {
    const org = orgs[0]!;
    const period = periods[1]!;
    const { rows } = await reference(org.id, org.baseCurrency, period, { sort: 'name' });
    const names = rows.map((r) => r.name);
    expect(names).toContain('Supplier Who Also Buys');
    expect(names).toContain(`Unknown contact nobody-${org.seed}`);
    expect(names).toContain(`Unknown contact gone-${org.seed}`);
    expect(names).not.toContain('Deleted Customer');
    const acme = rows.filter((r) => r.name.toLowerCase() === 'acme').map((r) => r.name);
    expect(acme).toEqual(['ACME', 'ACME', 'Acme', 'Acme', 'acme', 'acme']);
    expect(rows.some((r) => r.risk === null) && rows.some((r) => r.risk !== null)).toBe(true);
  });

  it('keeps only customers with something overdue when asked (the dashboard), largest first', async () => {
    const org = orgs[1]!;
    const period = periods[1]!;
    const expected = (await reference(org.id, org.baseCurrency, period, { sort: 'overdue' })).rows.filter((r) => r.overdue > 0);
    expect(expected.length).toBeGreaterThan(2);
    const page = await pageCustomers(database.db, { firmId, organisationId: org.id, baseCurrency: org.baseCurrency, period, site: 'xero' }, { sort: 'overdue', limit: 10, onlyOverdue: true });
    expect(page.rows).toEqual(expected.slice(0, 10));
  });

  it("summarises a page from its customers' own invoices: other customers' and another organisation's credit notes and payments change nothing (decision 069)", async () => {
    // Two organisations with the same invoice ids and customer ids; in each, customer x's invoices
    // carry payments and credit notes, and so do customer y's (an authorised, a voided and an
    // awaiting-approval credit note, a deleted payment, a deposit); y's credit note applied to one
    // of x's invoices counts for x, as in the ledger. Only x is asked for. Ids with the characters an
    // array literal must escape.
    const X = 'x, "one" {2}\\';
    const INV1 = 'inv-1 "a,b"';
    const [a, b] = await Promise.all([seedOrganisation(database.db, firmId, { name: 'Scoped A' }), seedOrganisation(database.db, firmId, { name: 'Scoped B' })]);
    for (const [k, org] of [a, b].entries()) {
      await seedContacts(database.db, firmId, org.id, [
        { externalId: X, name: 'Customer X', isCustomer: true },
        { externalId: 'y', name: 'Customer Y', isCustomer: true },
      ]);
      await seedInvoices(database.db, firmId, org.id, [
        { externalId: INV1, contact: X, issue: '2024-01-05', due: '2024-02-04', total: '1000.00' },
        { externalId: 'inv-2', contact: X, issue: '2024-02-10', due: '2024-03-10', total: '480.00' },
        { externalId: 'inv-3', contact: 'y', issue: '2024-01-20', due: '2024-02-19', total: '700.00' },
        { externalId: 'inv-4', contact: 'y', issue: '2024-03-01', due: '2024-03-31', total: '900.00' },
      ]);
      await database.db.execute(sql`UPDATE invoices SET deposit = 25 WHERE organisation_id = ${org.id} AND external_id = 'inv-4'`);
      // x: a part payment and its own credit note (amounts differ by organisation).
      await seedPayment(database.db, firmId, org.id, { externalId: `p-x-${k}`, date: '2024-02-20', allocations: [{ invoice: INV1, amount: k === 0 ? '300.00' : '999.00' }] });
      await seedCreditNote(database.db, firmId, org.id, { externalId: `cn-x-${k}`, contact: X, date: '2024-02-25', allocations: [{ invoice: INV1, amount: k === 0 ? '100.00' : '1.00', date: '2024-02-25' }] });
      // y: credit notes authorised, voided and awaiting approval; a deleted payment; one applied to x's invoice.
      await seedCreditNote(database.db, firmId, org.id, { externalId: `cn-y-${k}`, contact: 'y', date: '2024-02-01', allocations: [{ invoice: 'inv-3', amount: '70.00', date: '2024-02-01' }, { invoice: 'inv-2', amount: k === 0 ? '80.00' : '400.00', date: '2024-03-15' }] });
      await seedCreditNote(database.db, firmId, org.id, { externalId: `cn-yv-${k}`, contact: 'y', date: '2024-02-02', status: 'voided', allocations: [{ invoice: 'inv-2', amount: '200.00', date: '2024-02-28' }, { invoice: 'inv-4', amount: '50.00', date: '2024-03-05' }] });
      await seedCreditNote(database.db, firmId, org.id, { externalId: `cn-ys-${k}`, contact: 'y', date: '2024-02-03', status: 'submitted', allocations: [{ invoice: INV1, amount: '150.00', date: '2024-03-01' }] });
      await seedPayment(database.db, firmId, org.id, { externalId: `p-y-${k}`, date: '2024-03-10', status: 'deleted', allocations: [{ invoice: 'inv-2', amount: '100.00' }, { invoice: 'inv-3', amount: '630.00' }] });
      await seedPayment(database.db, firmId, org.id, { externalId: `p-y2-${k}`, date: '2024-03-20', allocations: [{ invoice: 'inv-4', amount: '500.00' }] });
    }
    const period = { from: '2024-03-01', to: '2024-05-31' };
    const whole = await loadLedgerInvoices(database.db, { firmId, organisationId: a.id });
    const expected = whole.filter((i) => i.contactExternalId === X);
    // The data is what the case needs: x's invoices carry its own payment and credit note and y's
    // counted credit note (with their numbers), not the voided or unapproved ones, nor organisation B's.
    expect(expected.map((i) => [i.externalId, i.settlements.map((s) => `${s.date} ${s.amount} ${s.kind} ${s.reference}`)])).toEqual([
      [INV1, ['2024-02-20 30000 payment ', '2024-02-25 10000 credit CN-cn-x-0']],
      ['inv-2', ['2024-03-15 8000 credit CN-cn-y-0']],
    ]);
    expect(await loadLedgerInvoices(database.db, { firmId, organisationId: a.id, contactExternalIds: [X] })).toEqual(expected);
    expect(await loadLedgerInvoices(database.db, { firmId, organisationId: a.id, contactExternalId: X })).toEqual(expected);
    // y's side too (the deposit, the deleted payment and the voided credit note left out), and both at once.
    expect(await loadLedgerInvoices(database.db, { firmId, organisationId: a.id, contactExternalIds: ['y', X] })).toEqual(whole);
    // The page's summary (the Customers list's rows, the dashboard's top overdue) equals the whole-ledger list's row.
    const contacts = await listContacts(database.db, firmId, a.id);
    const reference = summariseCustomers(toBaseMetricInvoices(whole, 'USD'), contacts, period, 'xero').find((c) => c.externalId === X)!;
    const x = contacts.find((c) => c.externalId === X)!;
    const [row] = await summarisePage(database.db, { firmId, organisationId: a.id, baseCurrency: 'USD', period, site: 'xero' }, [{ ext: X, customer_id: x.id, name: x.name, emails: x.emails, score: null, segment: null }]);
    expect(row).toEqual({ ...reference, risk: null });
    expect(row!.arEnd).toBe(100_000 + 48_000 - 30_000 - 10_000 - 8_000);
  });

  it('rejects a cursor it did not make, in words', async () => {
    const org = orgs[0]!;
    const scope = { firmId, organisationId: org.id, baseCurrency: org.baseCurrency, period: periods[0]!, site: 'xero' as const };
    await expect(pageCustomers(database.db, scope, { limit: 5, cursor: 'not-a-cursor' })).rejects.toThrow(/Reload the list/);
    const other = (await pageCustomers(database.db, scope, { sort: 'risk', limit: 2 })).nextCursor!;
    await expect(pageCustomers(database.db, scope, { sort: 'name', limit: 2, cursor: other })).rejects.toThrow(/Reload the list/);
  });
});
