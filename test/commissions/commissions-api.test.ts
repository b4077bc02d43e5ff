/**
 * Sales commissions end to end, over HTTP (docs/decisions/036), hand-computed:
 *
 *   Salesperson from the Xero tracking category "Salesperson".
 *   Ana Lopez: 5% on the first 10,000.00 of a month's cash, 7% above.
 *     March: INV-A 10,000.00 paid 10 March, INV-C 6,000.00 paid 25 March → 16,000.00 collected
 *     → 500.00 + 420.00 = 920.00, split by cash: INV-A 575.00, INV-C 345.00.
 *   Ben Okafor: 10%, a quarter held back on payments more than 30 days late, released 2 months on.
 *     March: INV-B 4,000.00 due 15 January, paid 20 March (64 days late) → 400.00, 100.00 held, 300.00 payable.
 *   April: a credit note of 10,000.00 allocated to INV-A on 12 April → Ana's April statement: −575.00.
 *
 * The client contact approves; Gusto and ADP layouts carry the approved totals; the salesperson
 * sees only their own statements.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { contacts, creditNoteAllocations, creditNotes, invoiceLines, invoices, membershipOrganisations, memberships, organisations, paymentAllocations, payments, salespeople, users } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { signedIn, writeSession } from '../support/session';

type Client = ReturnType<typeof signedIn>;

describe('sales commissions over HTTP', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;
  let orgId: string;
  let otherOrgId: string;
  let admin: Client;
  let adminWho: { cookie: string; csrf: string };
  let contact: Client;
  let viewer: Client;
  const ids: Record<string, string> = {};

  async function csv(path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${arcus.url}/api${path}`, { headers: { cookie: adminWho.cookie, 'x-csrf-token': adminWho.csrf } });
    return { status: res.status, text: await res.text() };
  }

  async function sessionFor(userId: string): Promise<Client> {
    return signedIn(`${arcus.url}/api`, await writeSession(database, arcus.config.sessionSecret, { userId, firmId }));
  }

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('commissions-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-05-10T12:00:00Z' });
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    const db = database.db;
    const tag = Math.random().toString(36).slice(2, 8);
    const [org] = await db.insert(organisations).values({ firmId, provider: 'xero', externalId: `t-${tag}`, name: `Harbour Tiles ${tag}`, baseCurrency: 'USD', timezone: 'America/New_York' }).returning();
    orgId = org!.id;
    const [other] = await db.insert(organisations).values({ firmId, provider: 'xero', externalId: `u-${tag}`, name: `Other ${tag}`, baseCurrency: 'USD', timezone: 'America/New_York' }).returning();
    otherOrgId = other!.id;
    await db.insert(contacts).values({ firmId, organisationId: orgId, externalId: 'c1', name: 'Riverside Builders', emails: [], isCustomer: true });
    const invoice = async (ext: string, number: string, total: string, due: string, option: string) => {
      const [i] = await db
        .insert(invoices)
        .values({ firmId, organisationId: orgId, externalId: ext, number, contactExternalId: 'c1', issueDate: '2026-01-01', dueDate: due, currency: 'USD', total, amountDue: '0', amountPaid: total, status: 'paid' })
        .returning();
      await db.insert(invoiceLines).values({ firmId, invoiceId: i!.id, lineNo: 1, description: 'Tiles', lineAmount: total, tracking: [{ name: 'Region', option: 'North' }, { name: 'Salesperson', option }] });
    };
    const pay = async (ext: string, invoiceExt: string, amount: string, date: string) => {
      const [p] = await db.insert(payments).values({ firmId, organisationId: orgId, externalId: ext, contactExternalId: 'c1', date, currency: 'USD', amount, status: 'authorised' }).returning();
      await db.insert(paymentAllocations).values({ firmId, organisationId: orgId, paymentId: p!.id, invoiceExternalId: invoiceExt, amount, date });
    };
    await invoice('ia', 'INV-A', '10000.00', '2026-03-31', 'Ana Lopez');
    await invoice('ib', 'INV-B', '4000.00', '2026-01-15', 'Ben Okafor');
    await invoice('ic', 'INV-C', '6000.00', '2026-03-20', 'ana lopez');
    await pay('pa', 'ia', '10000.00', '2026-03-10');
    await pay('pb', 'ib', '4000.00', '2026-03-20');
    await pay('pc', 'ic', '6000.00', '2026-03-25');

    adminWho = await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId });
    admin = signedIn(`${arcus.url}/api`, adminWho);
    const [cc] = await db.insert(users).values({ email: `owner-${tag}@harbour.example`, name: 'Owner', authProvider: 'test', authSubject: `cc-${tag}` }).returning();
    await db.insert(memberships).values({ firmId, userId: cc!.id, role: 'client_contact' });
    await db.insert(membershipOrganisations).values({ firmId, userId: cc!.id, organisationId: orgId });
    contact = await sessionFor(cc!.id);
    const [v] = await db.insert(users).values({ email: `viewer-${tag}@firm.example`, name: 'Viewer', authProvider: 'test', authSubject: `v-${tag}` }).returning();
    await db.insert(memberships).values({ firmId, userId: v!.id, role: 'viewer' });
    viewer = await sessionFor(v!.id);
    ids.tag = tag;
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  it('configures the source, the people and their plans (managers and administrators only)', async () => {
    const settings = { source: 'tracking', trackingCategory: 'Salesperson', adpCompanyCode: 'HT1', adpEarningsCode: 'C' };
    expect((await viewer(`/organisations/${orgId}/commissions/settings`, { method: 'PUT', body: settings })).status).toBe(403);
    expect((await admin(`/organisations/${orgId}/commissions/settings`, { method: 'PUT', body: { source: 'tracking' } })).status).toBe(400);
    expect((await admin(`/organisations/${orgId}/commissions/settings`, { method: 'PUT', body: settings })).status).toBe(200);
    const ana = await admin(`/organisations/${orgId}/commissions/people`, {
      method: 'POST',
      body: { name: 'Ana Lopez', email: `ana-${ids.tag}@harbour.example`, ledgerName: 'Ana Lopez', payrollId: '100234', canSignIn: true, plan: { baseRate: '0.05', tiers: [{ from: '10000.00', rate: '0.07' }] } },
    });
    expect(ana.status, JSON.stringify(ana.body)).toBe(201);
    ids.ana = ana.body.person.id;
    const ben = await admin(`/organisations/${orgId}/commissions/people`, {
      method: 'POST',
      body: { name: '@Ben Okafor', email: `ben-${ids.tag}@harbour.example`, ledgerName: 'Ben Okafor', payrollId: '100235', canSignIn: true, plan: { baseRate: '0.1', holdback: { lateDays: 30, share: '0.25', releaseAfterMonths: 2 } } },
    });
    expect(ben.status).toBe(201);
    ids.ben = ben.body.person.id;
    const bad = await admin(`/organisations/${orgId}/commissions/people`, { method: 'POST', body: { name: 'X', email: 'not an address', plan: { baseRate: 'five' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.length).toBeGreaterThanOrEqual(2);
    const page = await viewer(`/organisations/${orgId}/commissions?month=2026-03`);
    expect(page.status).toBe(200);
    expect(page.body.categories).toEqual(['Region', 'Salesperson']);
    expect(page.body.people.map((p: { name: string }) => p.name)).toEqual(['@Ben Okafor', 'Ana Lopez']);
  });

  it('computes March: tiers, holdback, lines that sum to the total; recomputing replaces a draft', async () => {
    const first = await admin(`/organisations/${orgId}/commissions/compute`, { method: 'POST', body: { month: '2026-03' } });
    expect(first.status).toBe(200);
    const again = await admin(`/organisations/${orgId}/commissions/compute`, { method: 'POST', body: { month: '2026-03' } });
    expect(again.status).toBe(200);
    const byName = Object.fromEntries(again.body.statements.map((s: { salespersonName: string }) => [s.salespersonName, s]));
    const ana = byName['Ana Lopez'];
    expect(ana.totals).toMatchObject({ collected: '16000.00', earned: '920.00', held: '0.00', total: '920.00' });
    expect(ana.lines.map((l: { invoiceNumber: string; payable: string }) => [l.invoiceNumber, l.payable])).toEqual([
      ['INV-A', '575.00'],
      ['INV-C', '345.00'],
    ]);
    expect(ana.statusText).toBe('Waiting for the client’s approval');
    const ben = byName['@Ben Okafor'];
    expect(ben.totals).toMatchObject({ earned: '400.00', held: '100.00', total: '300.00' });
    expect(ben.lines[0].releaseText).toBe('Held back until May 2026');
    expect(JSON.stringify(again.body)).not.toMatch(/"kind"|pay:|cn:|"ia"/);
    ids.anaMarch = ana.id;
    ids.benMarch = ben.id;
    expect((await admin(`/organisations/${orgId}/commissions/compute`, { method: 'POST', body: { month: '2026-06' } })).status).toBe(400);
  });

  it('the client contact approves; an approved statement is frozen', async () => {
    const list = await contact('/client/commissions');
    expect(list.status).toBe(200);
    expect(list.body.statements).toHaveLength(2);
    expect((await contact(`/client/commissions/${ids.anaMarch}/approve`, { method: 'POST' })).body.statement.statusText).toBe('Approved by the client');
    expect((await contact(`/client/commissions/${ids.anaMarch}/approve`, { method: 'POST' })).status).toBe(409);
    expect((await contact(`/client/commissions/${ids.benMarch}/approve`, { method: 'POST' })).status).toBe(200);
    expect((await admin(`/client/commissions/${ids.anaMarch}/approve`, { method: 'POST' })).status).toBe(403);
    await admin(`/organisations/${orgId}/commissions/compute`, { method: 'POST', body: { month: '2026-03' } });
    const page = await admin(`/organisations/${orgId}/commissions?month=2026-03`);
    const ana = page.body.statements.find((s: { salespersonName: string }) => s.salespersonName === 'Ana Lopez');
    expect(ana).toMatchObject({ id: ids.anaMarch, statusText: 'Approved by the client' });
  });

  it('a credit note on a paid invoice claws back exactly its commission the next month, and both payroll layouts carry it', async () => {
    const db = database.db;
    const [cn] = await db.insert(creditNotes).values({ firmId, organisationId: orgId, externalId: 'cn1', contactExternalId: 'c1', number: 'CN-1', date: '2026-04-12', currency: 'USD', total: '10000.00', remainingCredit: '0', status: 'paid' }).returning();
    await db.insert(creditNoteAllocations).values({ firmId, organisationId: orgId, creditNoteId: cn!.id, externalId: 'cn1-a', invoiceExternalId: 'ia', amount: '10000.00', date: '2026-04-12' });
    const april = await admin(`/organisations/${orgId}/commissions/compute`, { method: 'POST', body: { month: '2026-04' } });
    expect(april.status).toBe(200);
    const ana = april.body.statements.find((s: { salespersonName: string }) => s.salespersonName === 'Ana Lopez');
    expect(ana.totals).toMatchObject({ clawedBack: '575.00', total: '-575.00' });
    expect(ana.lines).toHaveLength(1);
    expect(ana.lines[0]).toMatchObject({ invoiceNumber: 'INV-A', base: '-10000.00', payable: '-575.00', kindText: 'Clawback: a credit note reversed a paid invoice' });
    // Computing April again claws back nothing more.
    const again = await admin(`/organisations/${orgId}/commissions/compute`, { method: 'POST', body: { month: '2026-04' } });
    const anaAgain = again.body.statements.find((s: { salespersonName: string }) => s.salespersonName === 'Ana Lopez');
    expect(anaAgain.totals.total).toBe('-575.00');
    // The replaced draft is gone; the new one is approved.
    expect((await contact(`/client/commissions/${ana.id}/approve`, { method: 'POST' })).status).toBe(404);
    expect((await contact(`/client/commissions/${anaAgain.id}/approve`, { method: 'POST' })).status).toBe(200);

    const gusto = await csv(`/organisations/${orgId}/commissions/export?month=2026-04&format=gusto`);
    expect(gusto.status).toBe(200);
    const gustoRows = gusto.text.trim().split('\r\n');
    expect(gustoRows[0]).toBe('first_name,last_name,gusto_employee_id,commission');
    expect(gustoRows).toContain('Ana,Lopez,100234,-575.00');

    const adp = await csv(`/organisations/${orgId}/commissions/export?month=2026-04&format=adp`);
    expect(adp.status).toBe(200);
    const adpRows = adp.text.trim().split('\r\n');
    expect(adpRows[0]).toBe('Co Code,Batch ID,File #,Earnings 3 Code,Earnings 3 Amount');
    expect(adpRows).toContain('HT1,COMM202604,100234,C,-575.00');

    const march = await csv(`/organisations/${orgId}/commissions/export?month=2026-03&format=adp`);
    expect(march.text.trim().split('\r\n').slice(1).sort()).toEqual(['HT1,COMM202603,100234,C,920.00', 'HT1,COMM202603,100235,C,300.00']);
    const generic = await csv(`/organisations/${orgId}/commissions/export?month=2026-03&format=generic`);
    expect(generic.text.split('\r\n')[0]).toBe('Organisation,Salesperson,Email,Payroll ID,Month,Status,Line,What,Invoice,Date,Cash,Commission,Held back,Payable,Currency');
    // A name a spreadsheet would run as a formula is written as text.
    expect(generic.text).toContain(",'@Ben Okafor,");
    expect(generic.text).toContain('Exported to payroll');
    expect((await csv(`/organisations/${orgId}/commissions/export?month=2026-03&format=quickbooks`)).status).toBe(400);
  });

  it('a salesperson sees only their own statements, and nothing else', async () => {
    const [ana] = await database.db.select({ userId: salespeople.userId }).from(salespeople).where(
      // biome-ignore lint/suspicious/noExplicitAny: test lookup by id
      (await import('drizzle-orm')).eq(salespeople.id, ids.ana!) as any,
    );
    const me = await sessionFor(ana!.userId!);
    const mine = await me('/my/commissions');
    expect(mine.status).toBe(200);
    expect(mine.body.statements.map((s: { monthText: string }) => s.monthText)).toEqual(['April 2026', 'March 2026']);
    expect(JSON.stringify(mine.body)).not.toContain('Ben Okafor');
    expect((await me(`/organisations/${orgId}/commissions`)).status).toBe(403);
    expect((await me(`/commission-statements/${ids.benMarch}`)).status).toBe(403);
    expect((await me('/client/commissions')).status).toBe(403);
    expect((await me(`/organisations/${orgId}`)).status).toBe(403);
    expect((await me(`/organisations/${otherOrgId}/dashboard`)).status).toBe(403);
    const session = await me('/session');
    expect(session.body.user.permissions).toEqual(['commissions.own']);
  });
});
