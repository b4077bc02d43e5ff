/**
 * Statements and the Exceptions queue over HTTP (server/routes/statements.ts), against real
 * PostgreSQL and a real SMTP server, the clock pinned: the queue per organisation and across the
 * firm in words; "Keep as credit" records the reason once; validation errors in words; another
 * firm's organisation, customer or exception is 404; a viewer is refused; statement JSON, PDF and
 * CSV (formula injection guarded); a statement emailed on demand twice with the same request id is
 * one email, to the reminders' recipients (Arcus overrides, unsubscribed addresses left out).
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ReceivedMail, startSmtpCapture } from '../../integrations/email/smtp-server';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { activities, contacts, exceptionDecisions, memberships, prepayments, users, writebacks } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';
import { until } from '../support/until';
import { seedOrg } from '../reminders/seed';
import { STATEMENTS_NOW, seedStatementsFirm } from './seed';

/** No internal id (a UUID) or enum value (snake_case) in text meant for a person. */
const inWords = (text: string) => {
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/i);
  expect(text).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
};

describeWith('pg', 'Statements and exceptions API', () => {
  let database: Database;
  let arcus: Arcus;
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  const received: ReceivedMail[] = [];
  const as: Record<string, ReturnType<typeof signedIn>> = {};
  let firmId: string;
  let xeroOrg: string;
  let qboOrg: string;
  let otherOrg: string;
  let otherCustomer: string;
  const customer: Record<string, string> = {};
  let adminCookie: string;

  beforeAll(async () => {
    database = await testDatabase();
    const db = database.db;
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    const seeded = await seedStatementsFirm(database, firmId);
    xeroOrg = seeded.xeroOrg;
    qboOrg = seeded.qboOrg;
    Object.assign(customer, seeded.customer);

    const other = await createFirm(database, 'admin');
    const o = await seedOrg(db, other.firm.id, { timezone: 'Europe/London', contacts: [{ externalId: 'o-1', name: 'Elsewhere Ltd' }], invoices: [{ number: 'O-1', due: -3, contact: 'o-1' }] });
    otherOrg = o.id;
    await db.insert(prepayments).values({ firmId: other.firm.id, organisationId: otherOrg, externalId: 'op-x', kind: 'overpayment', contactExternalId: 'o-1', date: '2026-10-01', currency: 'GBP', total: '10.00', remainingCredit: '10.00', status: 'authorised' });
    otherCustomer = (await db.select({ id: contacts.id }).from(contacts).where(eq(contacts.organisationId, otherOrg)))[0]!.id;

    smtp = await startSmtpCapture({ onMessage: async (m) => void received.push(m) });
    arcus = await startTestApp('statements-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: STATEMENTS_NOW, SMTP_URL: smtp.url, APP_URL: 'http://arcus.test' });
    const api = `${arcus.url}/api`;
    const admin = await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId });
    adminCookie = admin.cookie;
    as.admin = signedIn(api, admin);
    for (const role of ['collector', 'viewer'] as const) {
      const [u] = await db.insert(users).values({ email: `${role}-${firmId.slice(0, 8)}@stmt.example`, name: `A ${role}`, authProvider: 'test', authSubject: `stmt-${role}-${firmId}` }).returning();
      await db.insert(memberships).values({ firmId, userId: u!.id, role });
      as[role] = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId }));
    }
    as.stranger = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: other.user.id, firmId: other.firm.id }));
  }, 120_000);
  afterAll(async () => {
    await arcus?.close();
    await smtp?.close();
  });

  it('the queue per organisation and across the firm, in words; QuickBooks money on account offers "Keep as credit" and "Refund", not "Apply"', async () => {
    const one = await as.collector!(`/exceptions?organisationId=${xeroOrg}`);
    expect(one.status).toBe(200);
    expect(one.body.exceptions).toHaveLength(1);
    const e = one.body.exceptions[0];
    expect(e).toMatchObject({ organisationName: 'Harbour Test Ltd', customerName: 'Bayside Cafe Ltd', kindText: 'Overpaid', dateText: '1 October 2026', ageText: '53 days ago', amountText: 'GBP 150.00', actions: ['apply', 'keep_credit', 'refund'], refundMax: '150.00' });
    expect(e.detail).toBe('An overpayment of GBP 150.00 received on 1 October 2026 (reference BACS 1041): GBP 150.00 is not applied to any invoice.');
    // Apply to one of Bayside's open invoices, in words (the formula-looking number as it is: the page escapes it).
    expect(e.openInvoices.map((i: { label: string }) => i.label)).toEqual(['=HYPERLINK("http://evil.example") — GBP 300.00 due 14 October 2026', 'INV-2 — GBP 200.00 due 28 November 2026']);

    const firm = await as.viewer!('/exceptions');
    expect(firm.status).toBe(200);
    expect(firm.body.exceptions.map((x: { customerName: string }) => x.customerName).sort()).toEqual(['Bayside Cafe Ltd', 'Lakeside Dental']);
    const qbo = firm.body.exceptions.find((x: { customerName: string }) => x.customerName === 'Lakeside Dental');
    expect(qbo).toMatchObject({ kindText: 'Unapplied payment', amountText: 'GBP 75.00', actions: ['keep_credit', 'refund'], refundMax: '75.00', openInvoices: [], ledgerName: 'QuickBooks' });
    expect(qbo.actionNote).toMatch(/^In QuickBooks, applying this money to an invoice means changing the payment itself, .*keep it as credit or refund it here/);
    for (const x of firm.body.exceptions) for (const f of ['organisationName', 'customerName', 'kindText', 'dateText', 'ageText', 'detail', 'ledgerName', 'actionNote']) inWords(x[f] ?? '');
    // Another firm's organisation is not there, and asking for it is "not found".
    expect(firm.body.exceptions.some((x: { organisationId: string }) => x.organisationId === otherOrg)).toBe(false);
    expect((await as.collector!(`/exceptions?organisationId=${otherOrg}`)).status).toBe(404);
  });

  it('refuses bad decisions in words, a viewer with 403 and another firm with 404; writes nothing', async () => {
    const bad = await as.collector!('/exceptions/decide', { method: 'POST', body: { organisationId: 'nope', key: 'overpaid:x', action: 'write_off', reason: ' ' } });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.fields as { field: string; message: string }[];
    expect(fields.map((f) => f.field).sort()).toEqual(['action', 'organisationId', 'reason']);
    for (const f of fields) inWords(f.message);
    expect(fields.find((f) => f.field === 'reason')!.message).toBe('Say why.');
    inWords(bad.body.error.message);

    const [{ key }] = (await as.admin!(`/exceptions?organisationId=${xeroOrg}`)).body.exceptions;
    const noInvoice = await as.collector!('/exceptions/decide', { method: 'POST', body: { organisationId: xeroOrg, key, action: 'apply', reason: 'Use it on the next one' } });
    expect(noInvoice.status).toBe(400);
    expect(noInvoice.body.error.fields).toEqual([{ field: 'invoiceId', message: 'Choose the invoice to apply it to.' }]);
    const [qboItem] = (await as.admin!(`/exceptions?organisationId=${qboOrg}`)).body.exceptions;
    const qboApply = await as.collector!('/exceptions/decide', { method: 'POST', body: { organisationId: qboOrg, key: qboItem.key, action: 'apply', reason: 'x', invoiceId: randomUUID() } });
    expect(qboApply.status).toBe(422);
    expect(qboApply.body.error.message).toBe('That action is not available for this exception.');
    // A refund of more than the overpaid amount is refused on the field, in words (issue #19 refunds).
    const tooMuch = await as.collector!('/exceptions/decide', { method: 'POST', body: { organisationId: xeroOrg, key, action: 'refund', reason: 'Paid twice', amount: '150.01' } });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.fields).toEqual([{ field: 'amount', message: 'Refund at most GBP 150.00.' }]);
    expect((await as.admin!(`/exceptions?organisationId=${xeroOrg}`)).body.refundsAvailable).toBe(true);

    const viewer = await as.viewer!('/exceptions/decide', { method: 'POST', body: { organisationId: xeroOrg, key, action: 'keep_credit', reason: 'Customer wants it kept' } });
    expect(viewer.status).toBe(403);
    const stranger = await as.stranger!('/exceptions/decide', { method: 'POST', body: { organisationId: xeroOrg, key, action: 'keep_credit', reason: 'Customer wants it kept' } });
    expect(stranger.status).toBe(404);
    const [otherItemKey] = (await database.db.select({ id: prepayments.id }).from(prepayments).where(eq(prepayments.organisationId, otherOrg))).map((r) => `overpaid:${r.id}`);
    expect((await as.collector!('/exceptions/decide', { method: 'POST', body: { organisationId: otherOrg, key: otherItemKey, action: 'keep_credit', reason: 'x' } })).status).toBe(404);
    expect(await database.db.select().from(exceptionDecisions).where(eq(exceptionDecisions.firmId, firmId))).toHaveLength(0);
  });

  it('"Keep as credit" records the reason once, with one timeline entry, and the item leaves the queue', async () => {
    const [item] = (await as.admin!(`/exceptions?organisationId=${qboOrg}`)).body.exceptions;
    const body = { organisationId: qboOrg, key: item.key, action: 'keep_credit', reason: 'Customer will use it against March fees' };
    const first = await as.collector!('/exceptions/decide', { method: 'POST', body });
    expect(first).toMatchObject({ status: 200, body: { created: true, message: 'Done.' } });
    const again = await as.collector!('/exceptions/decide', { method: 'POST', body: { ...body, reason: 'changed my mind' } });
    expect(again).toMatchObject({ status: 200, body: { created: false, message: 'This exception was already decided.' } });
    const rows = await database.db.select().from(exceptionDecisions).where(eq(exceptionDecisions.exceptionKey, item.key));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'keep_credit', reason: 'Customer will use it against March fees', writebackId: null });
    const timeline = await database.db.select().from(activities).where(and(eq(activities.organisationId, qboOrg), eq(activities.kind, 'exception.decided')));
    expect(timeline).toHaveLength(1);
    expect(timeline[0]!.summary).toBe('Unapplied payment of GBP 75.00 from Lakeside Dental kept as credit: Customer will use it against March fees');
    expect(await database.db.select().from(writebacks).where(eq(writebacks.organisationId, qboOrg))).toHaveLength(0);
    expect((await as.admin!(`/exceptions?organisationId=${qboOrg}`)).body.exceptions).toHaveLength(0);
  });

  it('statement JSON, PDF and CSV; another firm’s customer is 404', async () => {
    const id = customer['c-bayside'];
    const json = await as.viewer!(`/customers/${id}/statement?kind=open_items`);
    expect(json.status).toBe(200);
    const s = json.body.statement;
    expect(s).toMatchObject({ customerName: 'Bayside Cafe Ltd', currency: 'GBP', kindText: 'Open items' });
    // 500.00 of invoices less the 150.00 overpayment.
    expect(s.closing).toBe('GBP 350.00');
    expect(json.body.recipients).toEqual({ to: ['sam@bayside.example'], unsubscribed: 1 });
    const bad = await as.viewer!(`/customers/${id}/statement?kind=everything&from=yesterday`);
    expect(bad.status).toBe(400);
    for (const f of bad.body.error.fields) inWords(f.message);

    const pdf = await fetch(`${arcus.url}/api/customers/${id}/statement/pdf`, { headers: { cookie: adminCookie } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');

    const csvRes = await fetch(`${arcus.url}/api/customers/${id}/billing-ledger.csv`, { headers: { cookie: adminCookie } });
    expect(csvRes.status).toBe(200);
    const csv = await csvRes.text();
    expect(csv.split('\r\n')[0]).toBe('Date,Type,Document,Reference,Due date,Currency,Debit,Credit,Balance');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);

    for (const p of [`/customers/${otherCustomer}/statement`, `/customers/${otherCustomer}/statement/pdf`, `/customers/${otherCustomer}/billing-ledger.csv`]) expect((await as.admin!(p)).status, p).toBe(404);
    expect((await as.admin!(`/customers/${otherCustomer}/statement/email`, { method: 'POST', body: { requestId: randomUUID() } })).status).toBe(404);
  });

  it('emails a statement on demand once per request id, to the reminders’ recipients without unsubscribed ones', async () => {
    const requestId = randomUUID();
    const url = `/customers/${customer['c-bayside']}/statement/email`;
    expect((await as.viewer!(url, { method: 'POST', body: { requestId } })).status).toBe(403);
    const [a, b] = await Promise.all([as.collector!(url, { method: 'POST', body: { requestId } }), as.collector!(url, { method: 'POST', body: { requestId } })]);
    expect([a.body.message, b.body.message].sort()).toEqual(['Statement sent.', 'This statement was already sent.']);
    const again = await as.collector!(url, { method: 'POST', body: { requestId } });
    expect(again.body.message).toBe('This statement was already sent.');
    await until(async () => received.length >= 1);
    const bayside = received.filter((m) => m.envelopeTo.some((t) => t.endsWith('@bayside.example')));
    expect(bayside).toHaveLength(1);
    expect(bayside[0]!.envelopeTo).toEqual(['sam@bayside.example']);
    expect(bayside[0]!.parsed.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');

    // North Yard: the address set in Arcus for its reminders, not the ledger's.
    const north = await as.collector!(`/customers/${customer['c-north']}/statement/email`, { method: 'POST', body: { requestId: randomUUID() } });
    expect(north.body.message).toBe('Statement sent.');
    await until(async () => received.some((m) => m.envelopeTo.includes('finance@northyard.example')));
    expect(received.some((m) => m.envelopeTo.includes('accounts@northyard.example'))).toBe(false);

    // Quiet Shop's only address unsubscribed: nothing sent, said in words.
    const quiet = await as.collector!(`/customers/${customer['c-quiet']}/statement/email`, { method: 'POST', body: { requestId: randomUUID() } });
    expect(quiet.body.message).toBe('Every address for this customer has unsubscribed from emails; nothing was sent.');
    expect(received.some((m) => m.envelopeTo.includes('owner@quiet.example'))).toBe(false);
    expect(received).toHaveLength(2);
  });
});
