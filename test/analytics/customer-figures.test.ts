/**
 * Customer figures instead of per-customer DSO: average days late, countback ADD and countback
 * DSO, each blank one with a reason in plain words; the dashboard's month to date flagged.
 * Pure logic first, then the API on real PostgreSQL against a ledger worked out by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blankReasons, customerFigures, NO_INVOICES, NONE_PAID, NOTHING_TO_COLLECT } from '../../server/analytics/customer-figures';
import { kpiBlankReason } from '../../server/analytics/kpis';
import type { Database } from '../../server/db/client';
import { computeMetrics } from '../../server/domain/metrics';
import { invoice } from '../../server/domain/metrics/test-invoice';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { type AnalyticsServer, type Body, type Client, signedIn, startAnalyticsServer } from './harness';
import { seedContacts, seedInvoices, seedOrganisation, seedPayment } from './seed';

const FEB = { from: '2024-02-01', to: '2024-02-29' };

describe('customer figures (pure)', () => {
  it('a customer who bought little in the period: DSO runs away, the countback figures do not', () => {
    const list = [
      invoice('2023-11-15', '2023-12-15', '6000.00'),
      invoice('2024-01-05', '2024-01-20', '1000.00', [['2024-02-09', '1000.00']]),
      invoice('2024-02-10', '2024-03-11', '10.00'),
    ];
    const m = computeMetrics(list, FEB);
    expect(m.dso).toBe(17429); // 6,010 / 10 × 29: what the customer list used to show
    expect(customerFigures(list, m)).toEqual({ avgDaysLate: 20, add: 87, dsoCountback: 116, cei: 14.29, avgDaysToPay: 35, why: {} });
  });

  it('says why each blank figure is blank', () => {
    const none = { avgDaysLate: null, add: null, dsoCountback: null, cei: null, avgDaysToPay: null };
    expect(blankReasons(none, { invoices: 0, salesToDate: false })).toEqual({ avgDaysLate: NO_INVOICES, add: NO_INVOICES, dsoCountback: NO_INVOICES, cei: NO_INVOICES, avgDaysToPay: NO_INVOICES });
    expect(blankReasons(none, { invoices: 2, salesToDate: true })).toEqual({
      avgDaysLate: NONE_PAID,
      avgDaysToPay: NONE_PAID,
      add: 'The balance is larger than all recorded sales',
      dsoCountback: 'The balance is larger than all recorded sales',
      cei: NOTHING_TO_COLLECT,
    });
    expect(blankReasons(none, { invoices: 1, salesToDate: false }).dsoCountback).toBe('No sales up to the end of this period');
    expect(blankReasons({ ...none, add: 3, dsoCountback: 4 }, { invoices: 1, salesToDate: true })).not.toHaveProperty('add');
    // Only what the engine left null gets a reason.
    const paidOff = [invoice('2024-01-02', '2024-01-31', '100.00', [['2024-01-20', '100.00']])];
    expect(customerFigures(paidOff, computeMetrics(paidOff, FEB)).why).toEqual({ avgDaysLate: NONE_PAID, avgDaysToPay: NONE_PAID, cei: NOTHING_TO_COLLECT });
  });

  it('organisation tiles say why in plain words too', () => {
    const m = computeMetrics([], FEB);
    expect(kpiBlankReason('dso', m)).toBe('No sales in this period');
    expect(kpiBlankReason('dso_countback', m)).toBe('No sales up to the end of this period');
    expect(kpiBlankReason('dbt', m)).toBe('No invoices paid in this period');
  });
});

describeWith('pg', 'customer figures through the API', () => {
  let database: Database;
  let server: AnalyticsServer;
  let admin: Client;
  let orgId: string;
  let contactIds: Record<string, string>;

  beforeAll(async () => {
    database = await testDatabase();
    server = await startAnalyticsServer(database);
    const { firm, user } = await createFirm(database, 'admin');
    const org = await seedOrganisation(database.db, firm.id, { name: 'Ridge Outfitters', timezone: 'America/Denver' });
    orgId = org.id;
    const contacts = await seedContacts(database.db, firm.id, org.id, [
      { externalId: 'c-slow', name: 'Slowpay Supplies' },
      { externalId: 'c-new', name: 'Newcomer Co' },
    ]);
    contactIds = Object.fromEntries(contacts.map((c) => [c.externalId, c.id]));
    await seedInvoices(database.db, firm.id, org.id, [
      { externalId: 'r-1', number: 'R-1', contact: 'c-slow', issue: '2023-11-15', due: '2023-12-15', total: '6000.00' },
      { externalId: 'r-2', number: 'R-2', contact: 'c-slow', issue: '2024-01-05', due: '2024-01-20', total: '1000.00' },
      { externalId: 'r-3', number: 'R-3', contact: 'c-slow', issue: '2024-02-10', due: '2024-03-11', total: '10.00' },
    ]);
    await seedPayment(database.db, firm.id, org.id, { externalId: 'rp-1', date: '2024-02-09', allocations: [{ invoice: 'r-2', amount: '1000.00' }] });
    admin = await signedIn(server, database, { userId: user.id, firmId: firm.id });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists each customer with days late, ADD and countback DSO, and a reason for every blank', async () => {
    const { status, body } = await admin.get(`/api/organisations/${orgId}/customers?from=${FEB.from}&to=${FEB.to}`);
    expect(status).toBe(200);
    const byName = Object.fromEntries(body.customers.map((c: Body) => [c.name, c]));
    // Slowpay, February (D = 29): S = 10; AR(29 Feb) = 6,000 (76 days late) + 10 (current) = 6,010.
    // Days late: R-2 paid 9 Feb, due 20 Jan → 20 days (the only invoice paid in February); days to pay 35.
    // Countback of 6,010: Feb 10 (29 d), Jan 1,000 (31 d), Dec 0 (31 d), then 5,000 / 6,000 × 30 = 25 → 116.
    // Countback of the current 10: Feb's 10 → 29. ADD = 116 − 29 = 87. CEI = (7,000 + 10 − 6,010) / (7,000 + 10 − 10) = 14.29%.
    expect(byName['Slowpay Supplies']).toMatchObject({ arEnd: 6010, overdue: 6000, avgDaysLate: 20, add: 87, dsoCountback: 116, cei: 14.29, avgDaysToPay: 35, why: {} });
    expect(byName['Newcomer Co']).toMatchObject({ avgDaysLate: null, add: null, dsoCountback: null, cei: null, why: { avgDaysLate: 'No invoices yet', add: 'No invoices yet', dsoCountback: 'No invoices yet', cei: 'No invoices yet' } });

    const csv = await admin.get(`/api/organisations/${orgId}/customers?from=${FEB.from}&to=${FEB.to}&format=csv`);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toContain(',avg_days_to_pay,add_countback,dso_countback,last_payment_date,');
    expect(lines.find((l) => l.startsWith('Slowpay Supplies'))).toContain(',14.29,20,35,87,116,2024-02-09,');
  });

  it('shows the same figures on the customer page, with the organisation’s time zone for its dates', async () => {
    const { status, body } = await admin.get(`/api/customers/${contactIds['c-slow']}?from=${FEB.from}&to=${FEB.to}`);
    expect(status).toBe(200);
    expect(body.organisation.timezone).toBe('America/Denver');
    expect(body.metrics).toMatchObject({ avgDaysLate: 20, add: 87, dsoCountback: 116, cei: 14.29, why: {} });
    expect(body.metrics).not.toHaveProperty('dso');
    const none = await admin.get(`/api/customers/${contactIds['c-new']}?from=${FEB.from}&to=${FEB.to}`);
    expect(none.body.metrics.why).toMatchObject({ avgDaysLate: 'No invoices yet', dsoCountback: 'No invoices yet' });
  });

  it('flags the dashboard’s month to date as partial, and only that month', async () => {
    const mid = await admin.get(`/api/organisations/${orgId}/dashboard?from=2024-01-16&to=2024-02-14`);
    expect(mid.body.series.at(-1)).toMatchObject({ month: '2024-02', to: '2024-02-14', partial: true });
    expect(mid.body.series.slice(0, -1).every((p: Body) => p.partial === false)).toBe(true);
    const whole = await admin.get(`/api/organisations/${orgId}/dashboard?from=${FEB.from}&to=${FEB.to}`);
    expect(whole.body.series.at(-1)).toMatchObject({ month: '2024-02', partial: false });
    // A blank tile says why: nothing was sold in January 2023.
    const quiet = await admin.get(`/api/organisations/${orgId}/dashboard?from=2023-01-01&to=2023-01-31`);
    expect(quiet.body.kpis.find((k: Body) => k.key === 'dso')).toMatchObject({ value: null, why: 'No sales in this period' });
    expect(quiet.body.kpis.find((k: Body) => k.key === 'ar')).toMatchObject({ value: 0, why: null });
  });
});
