/**
 * Money in the firm's currency, on real PostgreSQL through the API: rates taken from the ledgers
 * when the firm entered none (direct and inverted), each with its source and date, a stale rate
 * warned about, an organisation without any rate named and left out of the totals, and the
 * reporting currency changed by an admin only. The clock is pinned (ARCUS_NOW); figures are
 * worked out in the comments.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { memberships, users } from '../../server/db/schema';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { type AnalyticsServer, type Body, type Client, signedIn, startAnalyticsServer } from './harness';
import { seedInvoices, seedOrganisation } from './seed';

const NOW = '2026-03-12T12:00:00Z';
const PERIOD = 'from=2026-02-11&to=2026-03-12';
const byName = (body: Body) => Object.fromEntries(body.rows.map((r: Body) => [r.name, r]));

describeWith('pg', 'money in the firm’s currency', () => {
  let database: Database;
  let server: AnalyticsServer;
  let admin: Client;
  let viewer: Client;
  let capeId: string;

  beforeAll(async () => {
    database = await testDatabase();
    server = await startAnalyticsServer(database, { now: NOW });
    const { firm, user } = await createFirm(database, 'admin');
    const db = database.db;
    // Harbour Joinery (Xero, USD): invoices in GBP carry Xero's rate, stored as USD per GBP.
    const harbour = await seedOrganisation(db, firm.id, { name: 'Harbour Joinery', provider: 'xero', baseCurrency: 'USD' });
    await seedInvoices(db, firm.id, harbour.id, [
      { externalId: 'h-usd', contact: 'c1', issue: '2026-02-20', due: '2026-03-22', total: '1000.00' }, // USD 1,000 current
      { externalId: 'h-42', number: 'INV-0042', contact: 'c1', issue: '2026-03-02', due: '2026-04-01', total: '400.00', currency: 'GBP', rate: '1.26' }, // USD 504 current
      { externalId: 'h-30', number: 'INV-0030', contact: 'c1', issue: '2026-01-10', due: '2026-02-09', total: '100.00', currency: 'GBP', rate: '1.2' }, // USD 120, 31 days late
      // Later, but not a rate: voided, and one left at the default 1.
      { externalId: 'h-void', number: 'INV-0050', contact: 'c1', issue: '2026-03-10', due: '2026-04-09', total: '999.00', currency: 'GBP', rate: '1.5', status: 'voided' },
      { externalId: 'h-one', number: 'INV-0051', contact: 'c1', issue: '2026-03-11', due: '2026-04-10', total: '10.00', currency: 'GBP', rate: '1' }, // USD 10 current
    ]);
    // Harbour AR: 1,000 + 504 + 120 + 10 = USD 1,634; current 1,514; 31–60 days 120.
    // Thames Studio (QuickBooks, GBP): a USD invoice at 0.8 GBP per USD, older than INV-0042.
    const thames = await seedOrganisation(db, firm.id, { name: 'Thames Studio', provider: 'quickbooks', baseCurrency: 'GBP', timezone: 'Europe/London' });
    await seedInvoices(
      db,
      firm.id,
      thames.id,
      [
        { externalId: 't-201', contact: 'c2', issue: '2026-02-15', due: '2026-03-17', total: '800.00' }, // GBP 800 current
        { externalId: 't-101', contact: 'c2', issue: '2026-02-01', due: '2026-03-03', total: '100.00', currency: 'USD', rate: '0.8' }, // GBP 80, 9 days late
      ],
      'GBP',
    );
    // Rhine GmbH (Xero, EUR): its only rate is a USD invoice of 1 December 2025, 101 days before today.
    const rhine = await seedOrganisation(db, firm.id, { name: 'Rhine GmbH', provider: 'xero', baseCurrency: 'EUR', timezone: 'Europe/Berlin' });
    await seedInvoices(
      db,
      firm.id,
      rhine.id,
      [
        { externalId: 'r-9', contact: 'c3', issue: '2026-03-01', due: '2026-03-31', total: '900.00' }, // EUR 900 current
        { externalId: 'r-7', number: 'R-7', contact: 'c3', issue: '2025-12-01', due: '2025-12-31', total: '50.00', currency: 'USD', rate: '0.9' }, // EUR 45, 71 days late
      ],
      'EUR',
    );
    // Cape Traders (Xero, ZAR): no ZAR rate anywhere.
    const cape = await seedOrganisation(db, firm.id, { name: 'Cape Traders', provider: 'xero', baseCurrency: 'ZAR', timezone: 'Africa/Johannesburg' });
    capeId = cape.id;
    await seedInvoices(db, firm.id, cape.id, [{ externalId: 'z-1', contact: 'c4', issue: '2026-03-01', due: '2026-03-31', total: '10000.00' }], 'ZAR');

    admin = await signedIn(server, database, { userId: user.id, firmId: firm.id });
    const [v] = await db.insert(users).values({ email: `viewer-${firm.id}@firm.example`, name: 'Vera Viewer', authProvider: 'test', authSubject: `viewer-${firm.id}` }).returning();
    await db.insert(memberships).values({ firmId: firm.id, userId: v!.id, role: 'viewer' });
    viewer = await signedIn(server, database, { userId: v!.id, firmId: firm.id });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('converts with rates from the ledgers, says where each came from, warns about the stale one and names who is left out', async () => {
    const { status, body } = await viewer.get(`/api/portfolio?${PERIOD}`);
    expect(status).toBe(200);
    expect(body.reportingCurrency).toBe('USD');
    expect(body.ratesCheckedOn).toBe('2026-03-12');
    // GBP → USD: INV-0042 (2 March, direct, 1.26) is newer than Thames's USD invoice (1 February, 1 / 0.8);
    // the voided invoice and the one at the default rate 1 are not rates.
    // EUR → USD: Rhine's USD invoice at 0.9 EUR per USD, inverted: 1 / 0.9 = 1.1111111111 (10 places, half-even).
    expect(body.rates).toEqual([
      { currency: 'EUR', value: '1.1111111111', asOf: '2025-12-01', source: 'ledger', from: 'from Xero invoice R-7 of Rhine GmbH, 1 December 2025', stale: true, warning: 'The EUR rate is from 1 December 2025 (Xero invoice R-7 of Rhine GmbH); figures in EUR may be off. Update it under Exchange rates on the Portfolio page.' },
      { currency: 'GBP', value: '1.2600000000', asOf: '2026-03-02', source: 'ledger', from: 'from Xero invoice INV-0042 of Harbour Joinery, 2 March 2026', stale: false, warning: null },
    ]);
    expect(body.warnings).toEqual(['The EUR rate is from 1 December 2025 (Xero invoice R-7 of Rhine GmbH); figures in EUR may be off. Update it under Exchange rates on the Portfolio page.']);

    const rows = byName(body);
    expect(rows['Harbour Joinery']).toMatchObject({ currency: 'USD', converted: false, rate: null, arEnd: 1634, overdue: 120 });
    // GBP 880 × 1.26 = USD 1,108.80; buckets cumulatively: 800 × 1.26 = 1,008.00, then 100.80.
    expect(rows['Thames Studio']).toMatchObject({ currency: 'USD', converted: true, arEnd: 1108.8, overdue: 100.8, note: null });
    expect(rows['Thames Studio'].rate).toEqual({ value: '1.2600000000', asOf: '2026-03-02', source: 'ledger', from: 'from Xero invoice INV-0042 of Harbour Joinery, 2 March 2026', stale: false });
    expect(rows['Thames Studio'].aging).toEqual({ current: 1008, d1_30: 100.8, d31_60: 0, d61_90: 0, d91_plus: 0 });
    // EUR 945 × 1.1111111111 = 1,049.9999999895 → USD 1,050.00; current 900 → 999.99999999 → 1,000.00.
    expect(rows['Rhine GmbH']).toMatchObject({ currency: 'USD', converted: true, arEnd: 1050, overdue: 50, rate: { value: '1.1111111111', stale: true } });
    expect(rows['Rhine GmbH'].aging).toEqual({ current: 1000, d1_30: 0, d31_60: 0, d61_90: 50, d91_plus: 0 });
    expect(rows['Cape Traders']).toMatchObject({ currency: 'ZAR', converted: false, rate: null, arEnd: 10000 });

    // Totals: 1,634 + 1,108.80 + 1,050 = USD 3,792.80; overdue 120 + 100.80 + 50 = 270.80.
    expect(body.totals).toMatchObject({ currency: 'USD', organisations: 3, arEnd: 3792.8, overdue: 270.8 });
    expect(body.totals.excluded).toEqual([{ organisationId: capeId, name: 'Cape Traders', currency: 'ZAR' }]);
    expect(body.totals.note).toBe('Cape Traders (ZAR) is not in these totals: there is no ZAR to USD rate, entered by your firm or found in a ledger. Add one under Exchange rates to include it.');
  });

  it('uses the firm’s entered rate before the ledgers’, and judges an old period against its own end', async () => {
    const put = await admin.send('PUT', '/api/exchange-rates', { currency: 'GBP', rateToReporting: '1.3', asOf: '2026-03-10' });
    expect(put.status).toBe(200);
    try {
      const { body } = await admin.get(`/api/portfolio?${PERIOD}`);
      const thames = byName(body)['Thames Studio'];
      // GBP 880 × 1.3 = USD 1,144.00.
      expect(thames).toMatchObject({ arEnd: 1144, rate: { value: '1.3000000000', asOf: '2026-03-10', source: 'entered', from: 'entered by your firm, dated 10 March 2026', stale: false } });
      // A period ending 31 December 2025: the entered GBP rate and every GBP/USD invoice are later, so GBP has
      // no rate; the EUR rate of 1 December 2025 is 30 days before the period's end: not stale.
      const old = await admin.get('/api/portfolio?from=2025-12-01&to=2025-12-31');
      expect(old.body.ratesCheckedOn).toBe('2025-12-31');
      expect(old.body.rates).toEqual([{ currency: 'EUR', value: '1.1111111111', asOf: '2025-12-01', source: 'ledger', from: 'from Xero invoice R-7 of Rhine GmbH, 1 December 2025', stale: false, warning: null }]);
      expect(old.body.warnings).toEqual([]);
      expect(old.body.totals.excluded.map((e: Body) => e.name)).toEqual(['Cape Traders', 'Thames Studio']);
      expect(old.body.totals.note).toBe(
        'Cape Traders (ZAR) and Thames Studio (GBP) are not in these totals: there is no ZAR or GBP to USD rate, entered by your firm or found in a ledger. Add them under Exchange rates to include them.',
      );
    } finally {
      expect((await admin.send('DELETE', `/api/exchange-rates/${put.body.id}`)).status).toBe(200);
    }
  });

  it('lets an admin, and only an admin, change the reporting currency; the portfolio follows', async () => {
    const settings = await viewer.get('/api/firm/settings');
    expect(settings.body.reportingCurrency).toBe('USD');
    expect(settings.body.currencyChoices.inOrganisations).toEqual(['EUR', 'GBP', 'USD', 'ZAR']);
    expect(settings.body.currencyChoices.common).toContain('AUD');
    expect(settings.body.currencyChoices.common).not.toContain('GBP');

    expect(await viewer.send('PATCH', '/api/firm/settings', { reportingCurrency: 'GBP' })).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await admin.send('PATCH', '/api/firm/settings', { reportingCurrency: 'XYZ' })).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    expect((await admin.get('/api/firm/settings')).body.reportingCurrency).toBe('USD');

    expect((await admin.send('PATCH', '/api/firm/settings', { reportingCurrency: 'GBP' })).body.reportingCurrency).toBe('GBP');
    try {
      const { body } = await viewer.get(`/api/portfolio?${PERIOD}`);
      expect(body.reportingCurrency).toBe('GBP');
      // USD → GBP: INV-0042 (2 March, GBP at a USD organisation) inverted: 1 / 1.26 = 0.793650793650… → 0.7936507937,
      // newer than Thames's USD invoice at 0.8 (1 February). EUR → GBP: no document prices one in the other.
      expect(body.rates).toEqual([{ currency: 'USD', value: '0.7936507937', asOf: '2026-03-02', source: 'ledger', from: 'from Xero invoice INV-0042 of Harbour Joinery, 2 March 2026', stale: false, warning: null }]);
      const rows = byName(body);
      // USD 1,634 × 0.7936507937 = 1,296.825396906… → GBP 1,296.83.
      expect(rows['Harbour Joinery']).toMatchObject({ currency: 'GBP', converted: true, arEnd: 1296.83 });
      expect(rows['Thames Studio']).toMatchObject({ currency: 'GBP', converted: false, arEnd: 880 });
      expect(body.totals).toMatchObject({ currency: 'GBP', organisations: 2, arEnd: 2176.83 });
      expect(body.totals.excluded.map((e: Body) => e.name)).toEqual(['Cape Traders', 'Rhine GmbH']);
    } finally {
      expect((await admin.send('PATCH', '/api/firm/settings', { reportingCurrency: 'USD' })).status).toBe(200);
    }
  });
});
