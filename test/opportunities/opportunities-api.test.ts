/**
 * Opportunities and benchmarks over HTTP, figures hand-computed in seed.ts: the ranking, the cash
 * a benchmark DSO would release, the pitch PDF's text, who may record a pitch, won starting the
 * service (and its baseline), quartiles and the firm's average gain by month; another firm sees nothing.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { clientServices, memberships, users } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { signedIn, writeSession } from '../support/session';
import { pdfText } from '../reports/seed';
import { PERIOD, seedOpportunityClients } from './seed';

const Q = `?from=${PERIOD.from}&to=${PERIOD.to}`;

describe('the opportunities API', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;
  let ids: Record<string, string>;
  const as: Record<string, ReturnType<typeof signedIn>> = {};
  let viewerSession: { cookie: string; csrf: string };

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('opportunities-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-10-15T12:00:00Z' });
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    ids = await seedOpportunityClients(database.db, firmId);
    const api = `${arcus.url}/api`;
    as.admin = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId }));
    for (const role of ['manager', 'collector', 'viewer'] as const) {
      const [u] = await database.db.insert(users).values({ email: `${role}-${firmId.slice(0, 8)}@firm.example`, name: `Morgan ${role}`, authProvider: 'test', authSubject: `${role}-${firmId}` }).returning();
      await database.db.insert(memberships).values({ firmId, userId: u!.id, role });
      const session = await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId });
      if (role === 'viewer') viewerSession = session;
      as[role] = signedIn(api, session);
    }
    const stranger = await createFirm(database, 'admin');
    as.stranger = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: stranger.user.id, firmId: stranger.firm.id }));
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  it('ranks the clients by the cash a benchmark DSO would release, in words', async () => {
    const res = await as.viewer!(`/opportunities${Q}`);
    expect(res.status).toBe(200);
    const v = res.body;
    expect(v.periodText).toBe('1 July 2026 to 28 September 2026');
    expect(v.rows.map((r: { name: string; cashReleased: { text: string } }) => [r.name, r.cashReleased.text])).toEqual([
      ['Dunmore Traders', 'US$3,600.00'],
      ['Cedar Studio', 'US$900.00'],
      ['Alder Joinery', 'US$0.00'],
      ['Birch Bakery', 'US$0.00'],
    ]);
    const d = v.rows[0];
    expect(d.benchmark.groupName).toBe('Small clients');
    expect(d.metrics.map((m: { value: number | null; benchmark: number | null }) => [m.value, m.benchmark])).toEqual([
      [72, 36],
      [40, 100],
      [null, 10],
      [37.5, 0],
    ]);
    expect(d.dailySales.text).toBe('US$100.00');
    expect(d.reasons).toEqual([
      "DSO of 72.00 days is above the firm's limit of 45 days.",
      "37.50% of receivables are overdue, above the firm's limit of 30%.",
      "Collection effectiveness of 40.00% is below the firm's limit of 80%.",
      'DSO lags the benchmark of 36.00 days.',
      'Overdue share lags the benchmark of 0.00%.',
    ]);
    expect(d.proposal).toMatchObject({ tierName: 'Essentials', monthlyFee: { text: 'US$250.00' } });
    expect(d.statusText).toBe('Not pitched yet');
    expect(d.serviceText).toBe('Not managed yet');
    expect(v.rows[2].reasons).toEqual([]);
    // Every text a person reads (the values, not the keys; the id and status key are for the buttons).
    const texts = (x: unknown): string[] => (typeof x === 'string' ? [x] : Array.isArray(x) ? x.flatMap(texts) : x && typeof x === 'object' ? Object.entries(x).flatMap(([k, y]) => (k === 'organisationId' || k === 'status' ? [] : texts(y))) : []);
    const shown = texts(v).join('\n');
    expect(describeIdentifiers('the opportunities', shown)).toEqual([]);
  });

  it('draws the pitch PDF with the numbers, the benchmark, the cash and the proposal', async () => {
    const res = await fetch(`${arcus.url}/api/organisations/${ids['Dunmore Traders']}/pitch/pdf${Q}`, { headers: { cookie: viewerSession.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain('Dunmore-Traders-proposal.pdf');
    const text = await pdfText(Buffer.from(await res.arrayBuffer()));
    for (const s of ['Dunmore Traders: cash waiting in your receivables', 'US$3,600.00', '72.00 days', '36.00 days', 'Essentials credit control: US$250.00 a month', 'DSO lags the benchmark of 36.00 days.']) expect(text).toContain(s);
  });

  it('lets a manager record a pitch, refuses a collector, and hides the firm from another', async () => {
    expect((await as.collector!(`/organisations/${ids['Cedar Studio']}/pitch`, { method: 'POST', body: { status: 'pitched' } })).status).toBe(403);
    expect((await as.stranger!(`/organisations/${ids['Cedar Studio']}/pitch`, { method: 'POST', body: { status: 'pitched' } })).status).toBe(404);
    expect((await as.stranger!(`/organisations/${ids['Cedar Studio']}/pitch/pdf`)).status).toBe(404);
    expect((await as.stranger!(`/opportunities${Q}`)).body.rows).toEqual([]);
    const bad = await as.manager!(`/organisations/${ids['Cedar Studio']}/pitch`, { method: 'POST', body: { status: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].message).toBe('Choose pitched, won or declined.');
    const ok = await as.manager!(`/organisations/${ids['Cedar Studio']}/pitch`, { method: 'POST', body: { status: 'pitched', note: 'Sent the proposal' } });
    expect(ok.status).toBe(200);
    expect(ok.body.statusText).toBe('Pitched on 15 October 2026 by Morgan manager');
    const row = (await as.viewer!(`/opportunities${Q}`)).body.rows.find((r: { name: string }) => r.name === 'Cedar Studio');
    expect(row).toMatchObject({ statusText: 'Pitched on 15 October 2026 by Morgan manager', note: 'Sent the proposal' });
  });

  it('starts the service when won, freezing the baseline, and counts it in the firm’s performance', async () => {
    const res = await as.manager!(`/organisations/${ids['Dunmore Traders']}/pitch`, { method: 'POST', body: { status: 'won', startDate: '2026-08-01' } });
    expect(res.status).toBe(200);
    expect(res.body.serviceText).toBe('Managed since 1 August 2026');
    const [service] = await database.db.select().from(clientServices).where(and(eq(clientServices.firmId, firmId), eq(clientServices.organisationId, ids['Dunmore Traders']!)));
    // Baseline 1 May – 31 July 2026 (92 days): S 4,500.00, AR 4,500.00 → DSO 92.00
    expect((service!.baseline as { threeMonths: { dso: number } }).threeMonths.dso).toBe(92);
    const b = (await as.viewer!(`/opportunities/benchmarks${Q}`)).body;
    // August: 1 June – 31 August (92 days), S 4,500.00, AR 2,700.00 → DSO 55.20; 92.00 − 55.20 = 36.80.
    // Overdue share 0% then, 100% now: −100 points. CEI baseline undefined (nothing collectable).
    expect(b.performance.months).toEqual([{ monthName: 'August 2026', clients: 1, dsoReduction: 36.8, ceiGain: null, overdueReduction: -100 }]);
    // Quartiles, type 7: DSO 18, 27, 45, 72 → Q1 24.75, median 36, Q3 51.75; DBT 0, 10, 20 → 5, 10, 15
    expect(b.metrics.map((m: { q1: number; median: number; q3: number }) => [m.q1, m.median, m.q3])).toEqual([
      [24.75, 36, 51.75],
      [85, 100, 100],
      [5, 10, 15],
      [0, 0, 9.38],
    ]);
    const dunmore = b.clients.find((c: { name: string }) => c.name === 'Dunmore Traders');
    expect(dunmore.cells.map((c: { quarterText: string }) => c.quarterText)).toEqual(['Weakest quarter', 'Weakest quarter', 'No figure', 'Weakest quarter']);
    const alder = b.clients.find((c: { name: string }) => c.name === 'Alder Joinery');
    expect(alder.cells.map((c: { quarterText: string }) => c.quarterText)).toEqual(['Best quarter', 'Best quarter', 'Second quarter', 'Best quarter']);
    // Won again without a start date: the service and its frozen baseline stay as they were.
    const again = await as.admin!(`/organisations/${ids['Dunmore Traders']}/pitch`, { method: 'POST', body: { status: 'won' } });
    expect(again.body.serviceText).toBe('Managed since 1 August 2026');
    await as.manager!(`/organisations/${ids['Dunmore Traders']}/pitch`, { method: 'POST', body: { status: 'won' } });
    const row = (await as.viewer!(`/opportunities${Q}`)).body.rows.find((r: { name: string }) => r.name === 'Dunmore Traders');
    expect(row).toMatchObject({ serviceText: 'Managed since 1 August 2026', statusText: 'Won on 15 October 2026 by Morgan manager' });
  });

  it('keeps the proposal tiers in the firm settings (administrators only)', async () => {
    const settings = { dsoAbove: 60, overduePctAbove: 30, sizeBands: [{ name: 'Small', below: '500000.00' }, { name: 'Large', below: null }], tiers: [{ name: 'Starter', maxOpenInvoices: 1, monthlyFee: '99.00' }, { name: 'Full', maxOpenInvoices: null, monthlyFee: '400.00' }] };
    expect((await as.manager!('/opportunities/settings', { method: 'PUT', body: settings })).status).toBe(403);
    expect((await as.admin!('/opportunities/settings', { method: 'PUT', body: settings })).status).toBe(200);
    const rows = (await as.viewer!(`/opportunities${Q}`)).body.rows;
    const byName = Object.fromEntries(rows.map((r: { name: string; proposal: { tierName: string; monthlyFee: { text: string } } }) => [r.name, `${r.proposal.tierName} ${r.proposal.monthlyFee.text}`]));
    // Dunmore has 2 open invoices, the others 1
    expect(byName).toEqual({ 'Dunmore Traders': 'Full US$400.00', 'Cedar Studio': 'Starter US$99.00', 'Alder Joinery': 'Starter US$99.00', 'Birch Bakery': 'Starter US$99.00' });
  });
});
