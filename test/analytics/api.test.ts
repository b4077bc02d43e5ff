/**
 * The analytics API against hand-checked ledgers (figures worked out in the comments), on real
 * PostgreSQL: organisation dashboard, portfolio with conversion and a missing rate, customers,
 * customer page, invoices, segments, data quality, CSV, firm scoping, roles and validation.
 */
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { activities, customerScores, memberships, users, writebacks } from '../../server/db/schema';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedCape, seedHarbour, seedThames } from './fixtures';
import { type AnalyticsServer, type Body, type Client, signedIn, startAnalyticsServer } from './harness';

const FEB = 'from=2024-02-01&to=2024-02-29';
const MAR = 'from=2024-03-01&to=2024-03-31';
const kpi = (body: Body, key: string) => body.kpis.find((k: Body) => k.key === key)?.value;

describeWith('pg', 'the analytics API', () => {
  let database: Database;
  let server: AnalyticsServer;
  let admin: Client;
  let viewer: Client;
  let outsider: Client;
  let harbour: Awaited<ReturnType<typeof seedHarbour>>;
  let thamesId: string;
  let capeId: string;

  beforeAll(async () => {
    database = await testDatabase();
    server = await startAnalyticsServer(database);
    const { firm, user } = await createFirm(database, 'admin');
    harbour = await seedHarbour(database.db, firm.id);
    thamesId = (await seedThames(database.db, firm.id)).id;
    capeId = (await seedCape(database.db, firm.id)).id;
    admin = await signedIn(server, database, { userId: user.id, firmId: firm.id });
    const [v] = await database.db.insert(users).values({ email: 'viewer@firm.example', name: 'Vera Viewer', authProvider: 'test', authSubject: `viewer-${firm.id}` }).returning();
    await database.db.insert(memberships).values({ firmId: firm.id, userId: v!.id, role: 'viewer' });
    viewer = await signedIn(server, database, { userId: v!.id, firmId: firm.id });
    const other = await createFirm(database, 'admin');
    outsider = await signedIn(server, database, { userId: other.user.id, firmId: other.firm.id });
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('organisation dashboard (engine path), checked by hand', () => {
    it('February: part payments and a credit counted on their own dates, a sale without a due date', async () => {
      const { status, body } = await admin.get(`/api/organisations/${harbour.org.id}/dashboard?${FEB}`);
      expect(status).toBe(200);
      expect(body.currency).toBe('USD');
      expect(body.period).toEqual({ from: '2024-02-01', to: '2024-02-29', days: 29 });
      // AR(Jan 31) = 1000 − 300 = 700. S = INV-2 500 + INV-3 250 (INV-4 voided) = 750.
      // AR(Feb 29): INV-1 1000 − 300 − 200 − 100 credit = 400 (29 days late), INV-2 500 (current),
      // INV-3 250 (no due date: due on issue Feb 20, 9 days late) = 1150; current 500.
      expect(kpi(body, 'ar')).toBe(1150);
      expect(body.aging.map((a: Body) => a.amount)).toEqual([500, 650, 0, 0, 0]);
      expect(kpi(body, 'dso')).toBe(44.47); // 1150 / 750 × 29 = 44.466…
      expect(kpi(body, 'bpdso')).toBe(19.33); // 500 / 750 × 29
      expect(kpi(body, 'add')).toBe(25.13); // 650 / 750 × 29
      expect(kpi(body, 'cei')).toBe(31.58); // (700 + 750 − 1150) / (700 + 750 − 500) × 100
      expect(kpi(body, 'overdue_pct')).toBe(56.52); // 650 / 1150
      expect(kpi(body, 'dso_countback')).toBe(41.4); // 1150 − 750 (Feb, 29 days) = 400; + 400 / 1000 × 31 = 12.4
      expect(kpi(body, 'collected')).toBe(300); // 200 payment + 100 credit; the deleted payment does not count
      expect(kpi(body, 'dbt')).toBeNull(); // nothing settled in February
      expect(body.kpis.find((k: Body) => k.key === 'cei').workings).toBe('(700.00 + 750.00 − 1,150.00) / (700.00 + 750.00 − 500.00) × 100');
      expect(body.topOverdue.map((c: Body) => [c.name, c.overdue])).toEqual([
        ['Acme Ltd', 400],
        ['ACME  Limited', 250],
      ]);
      expect(body.series).toHaveLength(24);
      expect(body.series.at(-1)).toMatchObject({ month: '2024-02', dso: 44.47, cei: 31.58 });
      expect(body.needsHelp).toEqual({ flag: true, reasons: ['CEI 32% is below 80%'] });
    });

    it('March: DBT and days to pay weighted by invoice, S = 0 gives null DSO', async () => {
      const { body } = await admin.get(`/api/organisations/${harbour.org.id}/dashboard?${MAR}`);
      // INV-1 settled Mar 5 (34 days after due Jan 31, 64 after issue), weight 1000;
      // INV-3 settled Mar 10 (19 days after its issue = due), weight 250.
      expect(kpi(body, 'dbt')).toBe(31); // (1000 × 34 + 250 × 19) / 1250
      expect(kpi(body, 'avg_days_to_pay')).toBe(55); // (1000 × 64 + 250 × 19) / 1250
      expect(kpi(body, 'ar')).toBe(500);
      expect(kpi(body, 'dso')).toBeNull();
      expect(kpi(body, 'cei')).toBe(56.52); // (1150 − 500) / 1150
      expect(kpi(body, 'collected')).toBe(650);
    });

    it('an empty period gives null ratios, never 0 or NaN', async () => {
      const { body } = await admin.get(`/api/organisations/${harbour.org.id}/dashboard?from=2023-06-01&to=2023-06-30`);
      for (const key of ['dso', 'bpdso', 'add', 'dso_countback', 'cei', 'dbt', 'avg_days_to_pay', 'overdue_pct']) expect(kpi(body, key)).toBeNull();
      expect(kpi(body, 'ar')).toBe(0);
      expect(body.needsHelp).toEqual({ flag: false, reasons: [] });
    });

    it('converts invoices in another currency with the ledger rate (GBP organisation, USD invoice at 0.8)', async () => {
      const { body } = await admin.get(`/api/organisations/${thamesId}/dashboard?${FEB}`);
      expect(body.currency).toBe('GBP');
      expect(body.foreignCurrencies).toEqual(['USD']);
      // USD 1000 → GBP 800, paid USD 250 → GBP 200: 600 open (current); GBP 300 due Feb 25 (4 days late).
      expect(kpi(body, 'ar')).toBe(900);
      expect(body.aging.map((a: Body) => a.amount)).toEqual([600, 300, 0, 0, 0]);
      expect(kpi(body, 'dso')).toBe(23.73); // 900 / 1100 × 29
      expect(kpi(body, 'cei')).toBe(40); // (0 + 1100 − 900) / (0 + 1100 − 600)
    });
  });

  describe('portfolio (SQL path)', () => {
    it('converts each organisation with the firm’s rate and leaves one without a rate out of the totals, visibly', async () => {
      expect((await admin.send('PUT', '/api/exchange-rates', { currency: 'GBP', rateToReporting: '1.25', asOf: '2024-01-01' })).status).toBe(200);
      const { status, body } = await admin.get(`/api/portfolio?${FEB}`);
      expect(status).toBe(200);
      expect(body.reportingCurrency).toBe('USD');
      const rows = Object.fromEntries(body.rows.map((r: Body) => [r.name, r]));
      expect(rows['Harbour Joinery']).toMatchObject({ currency: 'USD', converted: false, arEnd: 1150, overdue: 650, overduePct: 56.52, dso: 44.47, cei: 31.58, note: null });
      expect(rows['Harbour Joinery'].needsHelp).toEqual({ flag: true, reasons: ['CEI 32% is below 80%'] });
      // GBP 900 × 1.25 = USD 1125; buckets GBP 600 / 300 → USD 750 / 375. Ratios from GBP figures.
      expect(rows['Thames Studio']).toMatchObject({ currency: 'USD', converted: true, rate: { value: '1.2500000000', asOf: '2024-01-01' }, arEnd: 1125, overdue: 375, dso: 23.73, cei: 40 });
      expect(rows['Thames Studio'].aging).toEqual({ current: 750, d1_30: 375, d31_60: 0, d61_90: 0, d91_plus: 0 });
      expect(rows['Cape Traders']).toMatchObject({ currency: 'ZAR', converted: false, arEnd: 10000, note: 'No rate from ZAR to USD: shown in ZAR and left out of the totals' });
      expect(body.totals).toMatchObject({ currency: 'USD', organisations: 2, arEnd: 2275, overdue: 1025, needsHelp: 2 });
      expect(body.totals.excluded).toEqual([{ organisationId: capeId, name: 'Cape Traders', currency: 'ZAR' }]);
      expect(body.totals.note).toBe('Cape Traders (ZAR) is not in these totals: there is no ZAR to USD rate, entered by your firm or found in a ledger. Add one under Exchange rates to include it.');
    });

    it('takes the needs-help thresholds from the firm settings (admins change them)', async () => {
      expect((await viewer.send('PATCH', '/api/firm/settings', { needsHelp: { ceiBelow: 30 } })).status).toBe(403);
      const patched = await admin.send('PATCH', '/api/firm/settings', { needsHelp: { ceiBelow: 30 } });
      expect(patched.body.needsHelp).toEqual({ dsoIncreasePct: 15, ceiBelow: 30, past60SharePct: 25 });
      const { body } = await admin.get(`/api/portfolio?${FEB}`);
      expect(body.rows.every((r: Body) => !r.needsHelp.flag)).toBe(true);
      await admin.send('PATCH', '/api/firm/settings', { needsHelp: { ceiBelow: 80 } });
      const bad = await admin.send('PATCH', '/api/firm/settings', { needsHelp: { ceiBelow: 120 } });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    });

    it('exports the portfolio as CSV', async () => {
      const res = await admin.get(`/api/portfolio?${FEB}&format=csv`);
      expect(res.headers.get('content-type')).toContain('text/csv');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="portfolio-2024-02-29.csv"');
      const lines = res.text.trimEnd().split('\r\n');
      expect(lines[0]!.startsWith('organisation,provider,status,currency,base_currency,rate_to_reporting,rate_as_of,ar,overdue,overdue_pct')).toBe(true);
      expect(lines.find((l) => l.startsWith('Thames Studio'))).toContain(',USD,GBP,1.2500000000,2024-01-01,1125.00,375.00,33.33,');
      expect(lines.find((l) => l.startsWith('Cape Traders'))).toContain(',ZAR,ZAR,,,10000.00,');
    });
  });

  describe('customers, invoices, segments', () => {
    it('lists customers with their balances and exports them as CSV with proper quoting', async () => {
      const { body } = await admin.get(`/api/organisations/${harbour.org.id}/customers?${FEB}`);
      expect(body.customers.map((c: Body) => [c.name, c.arEnd, c.overdue])).toEqual([
        ['Smith, "Jo" & Co', 500, 0],
        ['Acme Ltd', 400, 400],
        ['ACME  Limited', 250, 250],
        ['@Risk Partners', 0, 0],
      ]);
      const csv = await admin.get(`/api/organisations/${harbour.org.id}/customers?${FEB}&format=csv`);
      expect(csv.headers.get('content-disposition')).toBe('attachment; filename="customers-harbour-joinery-2024-02-29.csv"');
      const lines = csv.text.split('\r\n');
      expect(lines[0]).toBe(
        'customer,ledger_id,email,invoices,open_invoices,balance,overdue,overdue_pct,current,d1_30,d31_60,d61_90,d91_plus,oldest_days_past_due,sales,collected,dso,cei,dbt,avg_days_to_pay,add_countback,dso_countback,last_payment_date,ledger_link',
      );
      // CEI is (0 + 500 − 500) / (0 + 500 − 500): undefined, an empty field. Countback: February's 500 is
      // the whole balance → 29 days, all of it current → ADD 0.
      expect(lines[1]).toBe('"Smith, ""Jo"" & Co",c-smith,ap@smith.example,1,1,500.00,0.00,0,500.00,0.00,0.00,0.00,0.00,,500.00,0.00,29,,,,0,29,,https://go.xero.com/Contacts/View/c-smith');
      expect(lines[4]!.startsWith("'@Risk Partners,c-risk,,0,0,0.00,")).toBe(true);
    });

    it('shows a customer: balance, aging, monthly payment history and a timeline', async () => {
      const { status, body } = await admin.get(`/api/customers/${harbour.contacts['c-acme']}?${FEB}`);
      expect(status).toBe(200);
      expect(body.customer).toMatchObject({ name: 'Acme Ltd', link: 'https://go.xero.com/Contacts/View/c-acme' });
      expect(body.balance).toBe(400);
      expect(body.aging.map((a: Body) => a.amount)).toEqual([0, 400, 0, 0, 0]);
      expect(body.paymentHistory).toHaveLength(24);
      expect(body.paymentHistory.slice(-2)).toEqual([
        { month: '2024-01', invoiced: 1000, collected: 300, avgDaysToPay: null, arEnd: 700 },
        { month: '2024-02', invoiced: 0, collected: 300, avgDaysToPay: null, arEnd: 400 },
      ]);
      expect(body.invoices.map((i: Body) => i.number)).toEqual(['INV-1']); // INV-4 is voided
      expect(body.timeline.map((t: Body) => t.summary)).toEqual([
        'Payment received: USD 400.00 on invoice INV-1',
        'Credit CN-cn-1 applied: USD 100.00 on invoice INV-1',
        'Payment received: USD 200.00 on invoice INV-1',
        'Payment received: USD 300.00 on invoice INV-1',
        'Invoice INV-1 issued for USD 1,000.00, due 31 January 2024',
      ]);
    });

    it('leaves ledger notes that went through off the customer timeline, keeps a failed one to retry', async () => {
      const firmId = harbour.org.firmId;
      const contactId = harbour.contacts['c-acme']!;
      const note = (status: string) => ({ firmId, organisationId: harbour.org.id, kind: 'note', status, requestedBy: 'system', request: {}, noteText: `Arcus: reminder 1 sent (${status})` });
      const [done, failed] = await database.db.insert(writebacks).values([note('confirmed'), note('failed')]).returning({ id: writebacks.id });
      const acts = await database.db
        .insert(activities)
        .values([
          { firmId, organisationId: harbour.org.id, contactId, actorType: 'system', kind: 'writeback.requested', summary: 'Note on INV-1 in the ledger: reminder 1 sent', details: { writebackId: done!.id } },
          { firmId, organisationId: harbour.org.id, contactId, actorType: 'system', kind: 'writeback.failed', summary: 'Note on INV-1 could not be written', details: { writebackId: failed!.id } },
        ])
        .returning({ id: activities.id });
      try {
        const { body } = await admin.get(`/api/customers/${contactId}?${FEB}`);
        const summaries = body.timeline.map((t: Body) => t.summary);
        expect(summaries).toContain('Note on INV-1 could not be written');
        expect(summaries).not.toContain('Note on INV-1 in the ledger: reminder 1 sent');
      } finally {
        await database.db.delete(activities).where(inArray(activities.id, acts.map((a) => a.id)));
        await database.db.delete(writebacks).where(inArray(writebacks.id, [done!.id, failed!.id]));
      }
    });

    it('lists invoices by status as of a day, in their own currency', async () => {
      const numbers = async (q: string) => (await admin.get(`/api/organisations/${harbour.org.id}/invoices?${q}`)).body.invoices.map((i: Body) => `${i.number}:${i.balance}:${i.status}`);
      expect(await numbers('status=overdue&asOf=2024-02-29')).toEqual(['INV-1:400:overdue', 'INV-3:250:overdue']);
      expect(await numbers('status=open&asOf=2024-02-29')).toEqual(['INV-1:400:overdue', 'INV-3:250:overdue', 'INV-2:500:open']);
      expect(await numbers('status=paid&asOf=2024-03-31')).toEqual(['INV-3:0:paid', 'INV-1:0:paid']);
      const thames = await admin.get(`/api/organisations/${thamesId}/invoices?asOf=2024-02-29`);
      expect(thames.body.totalsByCurrency).toEqual([
        { currency: 'GBP', invoices: 1, total: 300, balance: 300 },
        { currency: 'USD', invoices: 1, total: 1000, balance: 750 },
      ]);
      expect((await admin.get(`/api/organisations/${harbour.org.id}/invoices?status=late`)).status).toBe(400);
    });

    it('segments by tracking category, splitting an invoice pro rata by its lines', async () => {
      const { body } = await admin.get(`/api/organisations/${harbour.org.id}/segments?by=tracking&${FEB}`);
      expect(body.categories).toEqual(['Region']);
      expect(body.category).toBe('Region');
      // North: INV-1 400 + 3/5 of INV-2 (300); South: 2/5 of INV-2 (200); INV-3 has no lines.
      expect(body.segments.map((s: Body) => [s.segment, s.arEnd, s.creditSales])).toEqual([
        ['North', 700, 300],
        ['(none)', 250, 250],
        ['South', 200, 200],
      ]);
      const byCustomer = await admin.get(`/api/organisations/${harbour.org.id}/segments?by=customer&${FEB}`);
      expect(byCustomer.body.segments.reduce((s: number, x: Body) => s + x.arEnd, 0)).toBe(1150);
      expect((await admin.get(`/api/organisations/${harbour.org.id}/segments?by=tracking&category=Nope`)).status).toBe(400);
      // By risk segment, from customer scoring (one customer scored).
      await database.db.insert(customerScores).values({ firmId: harbour.org.firmId, organisationId: harbour.org.id, contactExternalId: 'c-acme', score: 72, segment: 'chronic_late', pLate: 0.7, settledCount: 3, openCount: 1, priorWeight: 0.5, scoredAt: new Date() });
      const risk = await admin.get(`/api/organisations/${harbour.org.id}/segments?by=risk&${FEB}`);
      expect(risk.body.segments.map((s: Body) => [s.segment, s.arEnd])).toEqual([
        ['not scored', 750],
        ['chronic_late', 400],
      ]);
    });
  });

  describe('data quality', () => {
    it('finds invalid emails, missing details, likely duplicates and invoices without due dates, with ledger links', async () => {
      const { body } = await admin.get(`/api/organisations/${harbour.org.id}/data-quality`);
      const found = body.findings.map((f: Body) => `${f.kind}:${f.name}`);
      expect(found.sort()).toEqual(
        [
          'invalid_email:ACME  Limited',
          'missing_phone:ACME  Limited',
          'missing_address:ACME  Limited',
          'duplicate_name:Acme Ltd',
          'duplicate_name:ACME  Limited',
          'missing_email:@Risk Partners',
          'missing_due_date:Invoice INV-3 (ACME  Limited)',
        ].sort(),
      );
      const dueDate = body.findings.find((f: Body) => f.kind === 'missing_due_date');
      expect(dueDate.link).toBe('https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=inv-3');
      expect(body.findings.find((f: Body) => f.kind === 'invalid_email').link).toBe('https://go.xero.com/Contacts/View/c-acme2');
      const qbo = await admin.get(`/api/organisations/${thamesId}/data-quality`);
      expect(qbo.body.findings[0].link).toBe('https://app.qbo.intuit.com/app/customerdetail?nameId=58');
      const csv = await admin.get(`/api/organisations/${harbour.org.id}/data-quality?format=csv`);
      expect(csv.text.split('\r\n')[0]).toBe('issue,subject,name,ledger_id,detail,fix_in_ledger');
    });
  });

  describe('scoping, roles and validation', () => {
    it('never shows another firm’s data', async () => {
      for (const p of [`/api/organisations/${harbour.org.id}/dashboard`, `/api/organisations/${harbour.org.id}/customers`, `/api/customers/${harbour.contacts['c-acme']}`, `/api/organisations/${harbour.org.id}/data-quality`]) {
        expect(await outsider.get(p)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
      }
      const portfolio = await outsider.get('/api/portfolio');
      expect(portfolio.body.rows).toEqual([]);
      expect(portfolio.body.totals).toMatchObject({ arEnd: 0, organisations: 0 });
      const rates = await admin.get('/api/exchange-rates');
      const gbp = rates.body.rates.find((r: Body) => r.currency === 'GBP');
      expect((await outsider.send('DELETE', `/api/exchange-rates/${gbp.id}`)).status).toBe(404);
      expect((await outsider.get('/api/exchange-rates')).body.rates).toEqual([]);
      const csv = await admin.get('/api/exchange-rates?format=csv');
      expect(csv.text).toBe('currency,reporting_currency,rate_to_reporting,as_of\r\nGBP,USD,1.2500000000,2024-01-01\r\n');
    });

    it('lets viewers read and only admins write', async () => {
      expect((await viewer.get(`/api/portfolio?${FEB}`)).status).toBe(200);
      expect((await viewer.send('PUT', '/api/exchange-rates', { currency: 'EUR', rateToReporting: '1.08', asOf: '2024-01-01' })).body).toEqual({ error: { code: 'forbidden', message: 'Only an administrator can do this.' } });
      expect((await viewer.send('POST', `/api/organisations/${harbour.org.id}/targets`, { metric: 'dso', goalKind: 'relative', goalValue: -15, dueDate: '2099-01-01', baselineValue: 40 })).status).toBe(403);
    });

    it('answers bad input with 400 { error: { code, message } }', async () => {
      expect(await admin.get('/api/portfolio?from=2024-02-30')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', message: 'Enter a date that exists on the calendar.', fields: [{ field: 'from', message: 'Enter a date that exists on the calendar.' }] } } });
      expect(await admin.get('/api/portfolio?from=2024-03-01&to=2024-02-01')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', message: 'The start date must be on or before the end date.', fields: [{ field: 'from', message: 'The start date must be on or before the end date.' }] } } });
      expect(await admin.get('/api/organisations/not-an-id/dashboard')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await admin.get(`/api/organisations/${harbour.org.id}/customers?format=xml`)).toMatchObject({ status: 400 });
      expect(await admin.send('PUT', '/api/exchange-rates', { currency: 'EUR', rateToReporting: '-1', asOf: '2024-01-01' })).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await admin.send('PUT', '/api/exchange-rates', { currency: 'USD', rateToReporting: '1', asOf: '2024-01-01' })).toMatchObject({ status: 400 });
      expect(await admin.send('POST', `/api/organisations/${harbour.org.id}/targets`, { metric: 'speed', goalKind: 'relative', goalValue: -15, dueDate: '2099-01-01' })).toMatchObject({ status: 400 });
    });
  });
});
