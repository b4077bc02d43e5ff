/**
 * The write-backs API over HTTP, with no ledger configured (write-backs stay pending, which is
 * what the API layer is about): input validation with clear messages, the approval threshold and
 * batch approve/reject, firm isolation, roles, collector promises and disputes with their ledger
 * notes queued, and the activity timeline.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { exchangeRates, firms, invoices, jobEvents, mailboxMessages, memberships, writebacks } from '../../server/db/schema';
import { executeJobId } from '../../server/writebacks/enqueue';
import { todayIn } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import { apiClient, emptyDemoFirm, startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { until } from '../support/until';
import { seedOrg } from '../reminders/seed';

describeWith('pg', 'Write-backs API', () => {
  let arcus: Arcus;
  let database: Database;
  let call: ReturnType<typeof apiClient>;
  let csrf: string;
  let demo: { firmId: string; userId: string };
  let orgId: string;
  let invoiceIds: Record<string, string>;
  let otherFirmWriteback: string;

  beforeAll(async () => {
    database = await testDatabase();
    demo = await emptyDemoFirm(database.db);
    const org = await seedOrg(database.db, demo.firmId, {
      timezone: 'Europe/London',
      contacts: [
        { externalId: 'wb-c1', name: 'Bayside Cafe', firstName: 'Bea', emails: [{ address: 'accounts@bayside.example', primary: true, includeInEmails: true }] },
        { externalId: 'wb-c2', name: 'No Email Ltd' },
      ],
      invoices: [
        { number: 'WB-1', due: -20, contact: 'wb-c1', amount: '500.00' },
        { number: 'WB-2', due: -5, contact: 'wb-c1', amount: '80.00' },
        { number: 'WB-3', due: 10, contact: 'wb-c1', amount: '1200.00', status: 'paid' },
      ],
    });
    orgId = org.id;
    const rows = await database.db.select({ id: invoices.id, number: invoices.number }).from(invoices).where(eq(invoices.organisationId, org.id));
    invoiceIds = Object.fromEntries(rows.map((i) => [i.number, i.id]));
    // Another firm's write-back, which this firm must never see or touch.
    const other = await createFirm(database);
    const otherOrg = await seedOrg(database.db, other.firm.id, { timezone: 'Europe/London', contacts: [{ externalId: 'x', name: 'X' }], invoices: [{ number: 'X-1', due: -3, contact: 'x' }] });
    const [w] = await database.db
      .insert(writebacks)
      .values({ firmId: other.firm.id, organisationId: otherOrg.id, kind: 'credit_note', status: 'awaiting_approval', requestedBy: 'user', amount: '10.00', currency: 'GBP', request: {} })
      .returning();
    otherFirmWriteback = w!.id;
    arcus = await startTestApp('writebacks-api', database, { LEDGER_SANDBOX: 'off' });
    call = apiClient(arcus.url);
    const first = (await call('/api/session')).body.csrfToken;
    const signedIn = await call('/api/auth/demo', { method: 'POST', csrf: first });
    expect(signedIn.status).toBe(200);
    csrf = signedIn.body.csrfToken;
  }, 60_000);
  afterAll(async () => {
    await database.db.update(firms).set({ settings: {} }).where(eq(firms.id, demo.firmId));
    await arcus?.close();
  });

  const post = (p: string, body: unknown) => call(p, { method: 'POST', body, csrf });

  it('refuses bad credit requests with clear messages and loses nothing', async () => {
    const two = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-1'], purpose: 'goodwill', full: true, amount: '5.00', reason: 'x' });
    expect(two.status).toBe(400);
    expect(two.body.error.fields).toEqual([{ field: 'amount', message: 'Choose how much to credit: the full amount due, an amount, or a service period.' }]);
    const tooMuch = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-2'], purpose: 'goodwill', amount: '80.01', reason: 'x' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.message).toBe('The credit (80.01) is more than the invoice still owes (80.00).');
    const paid = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-3'], purpose: 'goodwill', amount: '1.00', reason: 'x' });
    expect(paid.status).toBe(422);
    expect(paid.body.error.message).toMatch(/is paid; only an open invoice/);
    const badPeriod = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-1'], purpose: 'cancellation', proration: { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-12-05' }, reason: 'x' });
    expect(badPeriod.status).toBe(400);
    expect(badPeriod.body.error.fields).toEqual([{ field: 'proration.cancelFrom', message: 'The cancellation date must fall inside the service period.' }]);
    const rows = await database.db.select().from(writebacks).where(eq(writebacks.organisationId, orgId));
    expect(rows).toHaveLength(0);
  });

  it('prorates a cancellation, holds a credit above the threshold, approves and rejects in batches', async () => {
    const prorated = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-1'], purpose: 'cancellation', proration: { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-11-21' }, reason: 'cancelled on the 21st' });
    expect(prorated.status).toBe(202);
    // 500.00 × 10 of 30 days = 166.666… → 166.67
    expect(prorated.body).toMatchObject({ status: 'pending', created: true, amount: '166.67' });

    // The threshold is in the firm's reporting currency (USD); these invoices are in GBP.
    await database.db.update(firms).set({ reportingCurrency: 'USD', settings: { collections: { approvalThreshold: '50.00' } } }).where(eq(firms.id, demo.firmId));
    await database.db.delete(exchangeRates).where(eq(exchangeRates.firmId, demo.firmId));
    const noRate = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-2'], purpose: 'goodwill', amount: '1.00', reason: 'no rate yet' });
    expect(noRate.body.status).toBe('awaiting_approval');
    await database.db.insert(exchangeRates).values({ firmId: demo.firmId, currency: 'GBP', reportingCurrency: 'USD', rateToReporting: '1.2700', asOf: '2026-01-01' });
    // GBP 40 = USD 50.80 (held); GBP 39 = USD 49.53 (goes).
    const big = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-2'], purpose: 'goodwill', amount: '40.00', reason: 'big' });
    const big2 = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-1'], purpose: 'goodwill', amount: '55.00', reason: 'big too' });
    const small = await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-2'], purpose: 'goodwill', amount: '39.00', reason: 'under the threshold' });
    expect([big.body.status, big2.body.status, small.body.status]).toEqual(['awaiting_approval', 'awaiting_approval', 'pending']);

    const queue = await call('/api/writebacks?status=awaiting_approval');
    expect(queue.body.writebacks.map((w: { id: string }) => w.id).sort()).toEqual([noRate.body.id, big.body.id, big2.body.id].sort());
    expect(queue.body.writebacks.find((w: { id: string }) => w.id === noRate.body.id)).toMatchObject({ summary: 'Goodwill credit of GBP 1.00 on WB-2 — waiting for approval (no exchange rate from GBP to USD)' });
    expect(queue.body.writebacks[0]).toMatchObject({ organisationName: 'Harbour Test Ltd', contactName: 'Bayside Cafe', currency: 'GBP' });

    const approved = await post('/api/writebacks/approve', { ids: [big.body.id, otherFirmWriteback] });
    expect(approved.body).toEqual({ approved: [big.body.id], skipped: [otherFirmWriteback] });
    const rejected = await post('/api/writebacks/reject', { ids: [big2.body.id, noRate.body.id], note: 'too generous' });
    expect({ ...rejected.body, rejected: rejected.body.rejected.sort() }).toEqual({ rejected: [big2.body.id, noRate.body.id].sort(), skipped: [] });
    // The approved one was queued and its first run has happened (no connection on this server: released,
    // pending again) — read it after that run, not while the queue is in the middle of it.
    await until(async () => (await database.db.select().from(jobEvents).where(eq(jobEvents.jobId, executeJobId(big.body.id)))).length > 0, 20_000, 'the approved write-back’s first run');
    const [b1] = await database.db.select().from(writebacks).where(eq(writebacks.id, big.body.id));
    const [b2] = await database.db.select().from(writebacks).where(eq(writebacks.id, big2.body.id));
    expect(b1).toMatchObject({ status: 'pending', decidedByUserId: demo.userId });
    expect(b2).toMatchObject({ status: 'rejected', decisionNote: 'too generous' });
    const [other] = await database.db.select().from(writebacks).where(eq(writebacks.id, otherFirmWriteback));
    expect(other!.status).toBe('awaiting_approval');
    expect((await call(`/api/writebacks/${otherFirmWriteback}`)).status).toBe(404);
    expect((await post(`/api/writebacks/${big.body.id}/reverse`, {})).status).toBe(409);
    const counts = await call('/api/writebacks/counts');
    expect(counts.body.counts).toMatchObject({ pending: 3, rejected: 2 });
  });

  it('a viewer cannot approve or issue credits', async () => {
    await database.db.update(memberships).set({ role: 'viewer' }).where(and(eq(memberships.firmId, demo.firmId), eq(memberships.userId, demo.userId)));
    try {
      expect((await post('/api/writebacks/approve', { ids: [otherFirmWriteback] })).status).toBe(403);
      expect((await post('/api/writebacks/credit-notes', { organisationId: orgId, invoiceId: invoiceIds['WB-1'], purpose: 'goodwill', amount: '1.00', reason: 'x' })).status).toBe(403);
      expect((await call(`/api/activities?organisationId=${orgId}`)).status).toBe(200);
    } finally {
      await database.db.update(memberships).set({ role: 'admin' }).where(and(eq(memberships.firmId, demo.firmId), eq(memberships.userId, demo.userId)));
    }
  });

  it('records a promise and a dispute with a note queued for each invoice, and shows them on the timeline', async () => {
    const today = todayIn('Europe/London');
    const late = await post('/api/collector/promise', { organisationId: orgId, contactExternalId: 'wb-c1', date: '2020-01-01' });
    expect(late.status).toBe(400);
    expect(late.body.error.fields).toEqual([{ field: 'date', message: expect.stringMatching(/^Choose a date between \d{1,2} [A-Z][a-z]+ \d{4} and \d{1,2} [A-Z][a-z]+ \d{4}\.$/) }]);
    const promise = await post('/api/collector/promise', { organisationId: orgId, contactExternalId: 'wb-c1', date: today, note: 'after payroll' });
    expect(promise.status).toBe(201);
    expect(promise.body.notes).toBe(2); // the two open invoices
    const dispute = await post('/api/collector/dispute', { organisationId: orgId, contactExternalId: 'wb-c1', invoiceId: invoiceIds['WB-2'], reason: 'wrong quantity' });
    expect(dispute.body.notes).toBe(1);
    const notes = await database.db
      .select()
      .from(writebacks)
      .where(and(eq(writebacks.organisationId, orgId), eq(writebacks.kind, 'note')));
    expect(notes).toHaveLength(3);
    // No ledger on this server: the in-process queue may be mid-attempt, but none is written.
    expect(notes.every((n) => (n.status === 'pending' || n.status === 'sending') && n.noteStatus === 'pending')).toBe(true);
    expect(notes.filter((n) => n.noteText?.startsWith(`Arcus: promise to pay by ${today} recorded by `) && n.noteText.endsWith('(after payroll)'))).toHaveLength(2);
    const timeline = await call(`/api/activities?organisationId=${orgId}&contactExternalId=wb-c1`);
    const kinds = timeline.body.activities.map((a: { kind: string }) => a.kind);
    expect(kinds).toContain('promise.recorded');
    expect(kinds).toContain('invoice.disputed');
    expect(kinds.filter((k: string) => k === 'writeback.awaiting_approval')).toHaveLength(3);
    const onInvoice = await call(`/api/activities?organisationId=${orgId}&invoiceId=${invoiceIds['WB-2']}`);
    expect(onInvoice.body.activities.find((a: { kind: string }) => a.kind === 'invoice.disputed')).toMatchObject({ summary: 'Bayside Cafe disputes WB-2: wrong quantity', actorType: 'user' });
  });

  it('emails a pay link once per request, and refuses a customer with no address', async () => {
    const requestKey = randomUUID();
    const body = { organisationId: orgId, contactExternalId: 'wb-c1', invoiceId: invoiceIds['WB-1'], note: 'As discussed on the phone.', requestKey };
    const first = await post('/api/pay-links/send', body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ sent: true, to: 'accounts@…' });
    expect(first.body.url).toMatch(new RegExp(`^${arcus.url}/pay/[A-Za-z0-9_-]{43}$`));
    const again = await post('/api/pay-links/send', body);
    expect(again.status).toBe(200);
    expect(again.body.sent).toBe(false);
    const messageId = `paylink.${requestKey}@arcus.localhost`; // the mailbox keeps Message-IDs bare
    const mail = await until(
      async () => {
        const rows = await database.db.select().from(mailboxMessages).where(eq(mailboxMessages.messageId, messageId));
        return rows.length ? rows : null;
      },
      20_000,
      'the pay-link email in the demo mailbox',
    );
    expect(mail).toHaveLength(1);
    expect(mail[0]!.envelopeTo).toEqual(['accounts@bayside.example']);
    expect(mail[0]!.text).toContain(first.body.url);
    expect(mail[0]!.text).toContain('As discussed on the phone.');
    expect(mail[0]!.subject).toBe('Pay invoice WB-1 online — Harbour Test Ltd');
    const none = await post('/api/pay-links/send', { organisationId: orgId, contactExternalId: 'wb-c2', requestKey: randomUUID() });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'no_recipients', message: 'No Email Ltd has no email address for reminders; copy the link instead.' });
    const timeline = await call(`/api/activities?organisationId=${orgId}&invoiceId=${invoiceIds['WB-1']}`);
    expect(timeline.body.activities.filter((a: { kind: string; summary: string }) => a.kind === 'reminder.sent' && a.summary === 'Pay link for WB-1 emailed to accounts@…')).toHaveLength(1);
  });
});
