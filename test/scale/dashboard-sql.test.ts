/**
 * The organisation dashboard from the rollups (decision 059) — the figures from the organisation's
 * cumulative states at the days they need, the customers' part from the Customers list's SQL — equals
 * the whole-ledger path (every invoice and allocation and every customer in memory,
 * `getDashboardInMemory`) and the engine over the settlement summary (decision 050,
 * `getDashboardFromSummary`) on random seeded ledgers with part payments, overpayments, reversals,
 * payments dated before the issue date, credit notes, deleted payments, voided and awaiting-approval
 * credits, voided, draft and awaiting-approval invoices, other currencies at odd rates, sub-cent
 * amounts and missing due dates: every KPI (collected, DBT, average days to pay, countback DSO, CEI,
 * best possible DSO, ADD) to the cent and to the exact rounded ratio, the aging, the 24-month
 * series, the needs-help verdict, the top overdue customers and the counts — for periods before the
 * first invoice, across the ledger and after the last one, three base currencies, an organisation
 * with no invoices, and through rounds of later changes as syncs bring them (each brought up to
 * date as the finish step does, or by the read itself), the rows then equal to a rebuild.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import { getDashboard, getDashboardFromSummary, getDashboardInMemory } from '../../server/analytics/dashboard';
import { invoiceCurrencies } from '../../server/analytics/dashboard-rollups';
import { getOrganisation, type OrganisationInfo } from '../../server/analytics/organisations';
import { rebuildRollups } from '../../server/analytics/portfolio-rollups';
import { prng } from '../../server/bench/types';
import { type Database, queryRows } from '../../server/db/client';
import type { Period } from '../../server/domain/metrics';
import { seedRandomLedger } from '../analytics/random-ledger';
import { type InvoiceSeed, seedInvoices, seedOrganisation, seedPayment } from '../analytics/seed';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const periods: Period[] = [
  { from: '2019-01-01', to: '2019-03-31' }, // before the first invoice
  { from: '2020-01-01', to: '2020-01-31' }, // only the tie invoice
  { from: '2023-09-01', to: '2023-11-29' },
  { from: '2024-02-29', to: '2024-02-29' }, // one day
  { from: '2024-03-05', to: '2024-06-02' },
  { from: '2024-10-01', to: '2024-12-31' },
  { from: '2024-12-15', to: '2025-03-14' }, // month to date, across a year end
  { from: '2025-07-01', to: '2025-09-28' },
  { from: '2027-04-01', to: '2027-06-30' }, // after the last invoice and every due day
];

describeWith('pg', 'the organisation dashboard from the rollups equals the in-memory dashboard', () => {
  let database: Database;
  let firmId: string;
  const orgs: { info: OrganisationInfo; invoices: InvoiceSeed[] }[] = [];

  async function expectSameDashboards(label: string, list: readonly Period[] = periods) {
    let withOverdue = 0;
    let withDbt = 0;
    let withCountback = 0;
    for (const period of list) {
      for (const { info: organisation } of orgs) {
        const params = { firmId, organisation, period, thresholds: { dsoIncreasePct: 5, ceiBelow: 80 }, site: 'xero' as const };
        const expected = await getDashboardInMemory(database.db, params);
        const actual = await getDashboard(database.db, params);
        expect(actual, `${label}: ${organisation.name} ${period.from}..${period.to}`).toEqual(expected);
        expect(await getDashboardFromSummary(database.db, params), `${label}: ${organisation.name} ${period.to} (summary)`).toEqual(expected);
        if (expected.topOverdue.length > 0) withOverdue += 1;
        if (expected.series.some((p) => p.avgDaysToPay !== null)) withDbt += 1;
        if (expected.kpis.some((k) => k.key === 'dso_countback' && k.value !== null && k.value !== 0)) withCountback += 1;
      }
    }
    expect(withOverdue).toBeGreaterThan(0);
    expect(withDbt).toBeGreaterThan(0);
    expect(withCountback).toBeGreaterThan(0);
  }

  const rows = (organisationId: string) =>
    queryRows<Record<string, unknown>>(database.db, sql`SELECT * FROM portfolio_rollups WHERE organisation_id = ${organisationId} ORDER BY day`);

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database, 'admin')).firm.id;
    for (const [i, baseCurrency] of ['USD', 'GBP', 'JPY'].entries()) {
      const seed = 952 + i;
      const org = await seedOrganisation(database.db, firmId, { name: `Dashboard org ${i}`, baseCurrency });
      const invoices = await seedRandomLedger(database.db, firmId, org.id, { seed, invoices: 220, baseCurrency, start: '2023-06-01', days: 700 });
      // A customer with no contact row, and overdue ties broken by name.
      const extra: InvoiceSeed[] = [
        { externalId: `ghost-${seed}`, contact: `nobody-${seed}`, issue: '2024-01-10', due: '2024-01-20', total: '777.00' },
        { externalId: `tie-${seed}-a`, contact: `c${seed}-1`, issue: '2020-01-10', due: '2020-01-20', total: '0.01' },
      ];
      await seedInvoices(database.db, firmId, org.id, extra, baseCurrency);
      orgs.push({ info: (await getOrganisation(database.db, firmId, org.id))!, invoices: [...invoices, ...extra] });
    }
    const empty = await seedOrganisation(database.db, firmId, { name: 'Dashboard org empty', baseCurrency: 'EUR' });
    orgs.push({ info: (await getOrganisation(database.db, firmId, empty.id))!, invoices: [] });
  });

  it('every figure, the series, the top overdue and the counts are equal, for every period', { timeout: 300_000 }, async () => {
    await expectSameDashboards('after the seed');
  });

  it('covers what it claims to: other currencies, open invoices, a customer with no contact', async () => {
    const d = await getDashboard(database.db, { firmId, organisation: orgs[0]!.info, period: periods[4]!, thresholds: {} });
    expect(d.foreignCurrencies.length).toBeGreaterThan(0);
    expect(d.counts.openInvoices).toBeGreaterThan(0);
    expect(d.counts.invoices).toBeGreaterThan(200);
    expect(d.counts.customers).toBe(9);
    expect(d.series).toHaveLength(24);
    const before = await getDashboard(database.db, { firmId, organisation: orgs[0]!.info, period: periods[0]!, thresholds: {} });
    expect(before.kpis.find((k) => k.key === 'dso_countback')?.value ?? null).toBeNull();
  });

  it('stays equal through rounds of later changes, read before and after the finish step', { timeout: 600_000 }, async () => {
    const rand = prng(4242);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const db = database.db;
    let serial = 0;
    const some = [periods[2]!, periods[5]!, periods[6]!, periods[8]!];
    for (let round = 0; round < 4; round++) {
      for (const org of orgs.slice(0, 3)) {
        const id = org.info.id;
        for (let k = 0; k < 8; k++) {
          const inv = pick(org.invoices);
          const kind = pick(['pay', 'part', 'over', 'refund', 'early', 'void', 'delete', 'total', 'due', 'issue', 'rate', 'new', 'unpay', 'uncredit', 'unvoid', 'submit'] as const);
          serial += 1;
          const cents = Math.round(Number(inv.total) * 100);
          const payment = (amount: number, date: string) =>
            seedPayment(db, firmId, id, { externalId: `later-${serial}`, date, allocations: [{ invoice: inv.externalId, amount: (amount / 100).toFixed(2) }] });
          if (kind === 'pay' || kind === 'part') await payment(kind === 'pay' ? cents : Math.floor(cents * rand()), addDays(inv.issue, Math.floor(rand() * 200) - 5));
          else if (kind === 'over') await payment(500 + Math.floor(rand() * 5000), addDays(inv.issue, 300 + Math.floor(rand() * 300))); // long after it was paid
          else if (kind === 'refund') await payment(-Math.floor(cents * rand()), addDays(inv.issue, Math.floor(rand() * 400)));
          else if (kind === 'early') await payment(Math.floor(cents * rand()), addDays(inv.issue, -1 - Math.floor(rand() * 40))); // before the issue date
          else if (kind === 'void' || kind === 'delete') await db.execute(sql`UPDATE invoices SET status = ${kind === 'void' ? 'voided' : 'deleted'}, amount_due = 0 WHERE organisation_id = ${id} AND external_id = ${inv.externalId}`);
          else if (kind === 'submit') await db.execute(sql`UPDATE invoices SET status = ${pick(['submitted', 'draft'])} WHERE organisation_id = ${id} AND external_id = ${inv.externalId}`);
          else if (kind === 'unvoid') await db.execute(sql`UPDATE invoices SET status = 'authorised' WHERE organisation_id = ${id} AND external_id = ${inv.externalId}`);
          else if (kind === 'total') await db.execute(sql`UPDATE invoices SET total = total + ${(Math.floor(rand() * 20000) - 5000) / 100}::numeric WHERE organisation_id = ${id} AND external_id = ${inv.externalId} AND total > 60`);
          else if (kind === 'due') await db.execute(sql`UPDATE invoices SET due_date = ${rand() < 0.2 ? null : addDays(inv.issue, Math.floor(rand() * 120) - 10)} WHERE organisation_id = ${id} AND external_id = ${inv.externalId}`);
          else if (kind === 'issue') {
            const issue = addDays(inv.issue, Math.floor(rand() * 60) - 30);
            await db.execute(sql`UPDATE invoices SET issue_date = ${issue} WHERE organisation_id = ${id} AND external_id = ${inv.externalId}`);
            inv.issue = issue;
          } else if (kind === 'rate') await db.execute(sql`UPDATE invoices SET currency_rate = ${pick(['0.75', '1.3333333333', '0.0068'])} WHERE organisation_id = ${id} AND external_id = ${inv.externalId} AND currency <> ${org.info.baseCurrency}`);
          else if (kind === 'new') {
            const issue = addDays('2025-03-01', Math.floor(rand() * 300));
            const seedInv: InvoiceSeed = { externalId: `new-${serial}`, contact: inv.contact, issue, due: rand() < 0.3 ? null : addDays(issue, 30), total: (100 + Math.floor(rand() * 90000) / 100).toFixed(2) };
            await seedInvoices(db, firmId, id, [seedInv], org.info.baseCurrency);
            org.invoices.push(seedInv);
          } else if (kind === 'unpay') await db.execute(sql`UPDATE payments SET status = 'deleted' WHERE id IN (SELECT payment_id FROM payment_allocations WHERE organisation_id = ${id} AND invoice_external_id = ${inv.externalId} LIMIT 1)`);
          else await db.execute(sql`UPDATE credit_notes SET status = 'voided' WHERE id IN (SELECT credit_note_id FROM credit_note_allocations WHERE organisation_id = ${id} AND invoice_external_id = ${inv.externalId})`);
        }
      }
      if (round === 2) {
        await db.execute(sql`UPDATE organisations SET base_currency = 'CHF' WHERE id = ${orgs[1]!.info.id}`);
        orgs[1]!.info = (await getOrganisation(db, firmId, orgs[1]!.info.id))!;
      }
      // Odd rounds: the read brings the marked organisations up to date (a sync still paging);
      // even rounds: the finish step has, as each organisation's sync does.
      if (round % 2 === 0) for (const org of orgs) await db.execute(sql`SELECT arcus_refresh_pending_rollup(${firmId}, ${org.info.id})`);
      await expectSameDashboards(`round ${round}`, some);
      expect(await queryRows(db, sql`SELECT 1 FROM portfolio_rollup_pending WHERE firm_id = ${firmId}`)).toEqual([]);
      // Rows brought up to date from the marked day equal a rebuild from the start (the mark was early enough).
      for (const org of orgs) {
        const incremental = await rows(org.info.id);
        await rebuildRollups(db, { firmId, organisationId: org.info.id });
        expect(await rows(org.info.id), `round ${round}: ${org.info.name}`).toEqual(incremental);
      }
    }
  });

  it('marks early enough: a payment before the issue date, and a base settled day that a later change moves', { timeout: 120_000 }, async () => {
    const db = database.db;
    const org = await seedOrganisation(db, firmId, { name: 'Dashboard org marks', baseCurrency: 'USD' });
    const info = (await getOrganisation(db, firmId, org.id))!;
    const check = async (label: string) => {
      await db.execute(sql`SELECT arcus_refresh_pending_rollup(${firmId}, ${org.id})`); // the finish step
      for (const period of [{ from: '2024-02-01', to: '2024-02-29' }, { from: '2024-05-01', to: '2024-05-31' }, { from: '2024-03-01', to: '2024-08-31' }]) {
        const params = { firmId, organisation: info, period, thresholds: {}, site: 'xero' as const };
        expect(await getDashboard(db, params), `${label}: ${period.from}..${period.to}`).toEqual(await getDashboardInMemory(db, params));
      }
      const incremental = await rows(org.id);
      await rebuildRollups(db, { firmId, organisationId: org.id });
      expect(await rows(org.id), label).toEqual(incremental);
    };
    await seedInvoices(db, firmId, org.id, [{ externalId: 'base', contact: 'm-1', issue: '2024-01-05', due: '2024-02-04', total: '500.00' }]);
    await check('a first invoice');
    // The payment arrives before its invoice (a sync's payments page first), dated before the issue date.
    await seedPayment(db, firmId, org.id, { externalId: 'pre', date: '2024-02-10', allocations: [{ invoice: 'early', amount: '40.00' }] });
    await seedInvoices(db, firmId, org.id, [{ externalId: 'early', contact: 'm-1', issue: '2024-03-15', due: '2024-04-14', total: '100.00' }]);
    const collectedFeb = async () =>
      (await getDashboard(db, { firmId, organisation: info, period: { from: '2024-02-01', to: '2024-02-29' }, thresholds: {} })).kpis.find((k) => k.key === 'collected')!.value;
    expect(await collectedFeb()).toBe(40);
    await check('an invoice inserted after its early payment');
    await db.execute(sql`UPDATE invoices SET status = 'voided' WHERE organisation_id = ${org.id} AND external_id = 'early'`);
    await check('voided');
    expect(await collectedFeb()).toBe(0);
    await db.execute(sql`UPDATE invoices SET status = 'authorised' WHERE organisation_id = ${org.id} AND external_id = 'early'`);
    await check('authorised again');
    await db.execute(sql`DELETE FROM invoices WHERE organisation_id = ${org.id} AND external_id = 'early'`);
    await check('deleted');
    // In base units (rate 0.0068) 99.99 of 100.00 settles it (68 of 68) on 10 May; the document stays open.
    await seedInvoices(db, firmId, org.id, [{ externalId: 'fx', contact: 'm-2', issue: '2024-05-01', due: '2024-05-05', total: '100.00', currency: 'EUR', rate: '0.0068' }]);
    await seedPayment(db, firmId, org.id, { externalId: 'fx-1', date: '2024-05-10', currency: 'EUR', allocations: [{ invoice: 'fx', amount: '99.99' }] });
    await check('settled in base units only');
    const dbtMay = async () => (await getDashboard(db, { firmId, organisation: info, period: { from: '2024-05-01', to: '2024-05-31' }, thresholds: {} })).kpis.find((k) => k.key === 'dbt')!.value;
    expect(await dbtMay()).toBe(5);
    // A refund in June un-settles it in base units: May's DBT loses it, though the first change is in June.
    await seedPayment(db, firmId, org.id, { externalId: 'fx-2', date: '2024-06-20', currency: 'EUR', allocations: [{ invoice: 'fx', amount: '-50.00' }] });
    await check('refunded later');
    expect(await dbtMay()).toBeNull();
  });

  it('lists the currencies of counted invoices only, whatever else is there (decision 069)', async () => {
    const org = await seedOrganisation(database.db, firmId, { name: 'Currencies', baseCurrency: 'USD' });
    await seedInvoices(database.db, firmId, org.id, [
      { externalId: 'usd', contact: 'c', issue: '2024-01-05', due: null, total: '10.00' },
      { externalId: 'aud-void', contact: 'c', issue: '2024-01-05', due: null, total: '10.00', currency: 'AUD', rate: '0.6', status: 'voided' },
      { externalId: 'aud-draft', contact: 'c', issue: '2024-01-06', due: null, total: '10.00', currency: 'AUD', rate: '0.6', status: 'draft' },
      { externalId: 'chf', contact: 'c', issue: '2024-01-07', due: null, total: '10.00', currency: 'CHF', rate: '1.1' },
      { externalId: 'chf-neg', contact: 'c', issue: '2024-01-07', due: null, total: '-5.00', currency: 'CHF', rate: '1.1' },
      { externalId: 'eur-neg', contact: 'c', issue: '2024-01-08', due: null, total: '-5.00', currency: 'EUR', rate: '1.1' },
      { externalId: 'zar-sub', contact: 'c', issue: '2024-01-09', due: null, total: '10.00', currency: 'ZAR', rate: '0.05', status: 'submitted' },
    ]);
    expect(await invoiceCurrencies(database.db, { firmId, organisationId: org.id })).toEqual(['CHF', 'USD']);
    const info = (await getOrganisation(database.db, firmId, org.id))!;
    const params = { firmId, organisation: info, period: { from: '2024-01-01', to: '2024-03-31' }, thresholds: {} };
    expect(await getDashboard(database.db, params)).toEqual(await getDashboardInMemory(database.db, params));
  });
});
