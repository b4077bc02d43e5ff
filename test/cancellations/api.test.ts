/**
 * The cancellations API (issue #19): what a customer can cancel, preview (no writes), confirm once per
 * request id (collector+), the fixed schedule (settings.manage); refusals in words, a viewer 403,
 * another firm's customer 404. No ledger here: the credit-note write-back waits pending (the engine
 * tests in cancellation.test.ts write it to both sandboxes).
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { cancellations, contacts, invoiceLines, invoices, memberships, users, writebacks } from '../../server/db/schema';
import { seedOrg } from '../reminders/seed';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';

const inWords = (text: string) => {
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/i);
  expect(text).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
  expect(text).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b/);
};

describeWith('pg', 'Cancellations API', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;
  let a: { orgId: string; customerId: string; invoiceId: string };
  let b: { orgId: string; customerId: string; invoiceId: string };
  const as: Record<string, ReturnType<typeof signedIn>> = {};

  async function customerWithInvoice(fid: string) {
    const o = await seedOrg(database.db, fid, { timezone: 'Europe/London', contacts: [{ externalId: 'c-1', name: 'Bayside Cafe Ltd', emails: [{ address: `ap-${fid.slice(0, 6)}@bayside.example`, primary: true, includeInEmails: true }] }], invoices: [{ number: 'INV-1', due: -5, contact: 'c-1', amount: '1200.00' }] });
    const [inv] = await database.db.update(invoices).set({ issueDate: '2026-07-01' }).where(eq(invoices.organisationId, o.id)).returning();
    await database.db.insert(invoiceLines).values({ firmId: fid, invoiceId: inv!.id, lineNo: 1, description: 'Hosting 2026-07-01 to 2027-06-30', lineAmount: '1200.00', unitAmount: '1200.00' });
    const [c] = await database.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.organisationId, o.id));
    return { orgId: o.id, customerId: c!.id, invoiceId: inv!.id };
  }

  beforeAll(async () => {
    database = await testDatabase();
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    a = await customerWithInvoice(firmId);
    const other = await createFirm(database, 'admin');
    b = await customerWithInvoice(other.firm.id);
    arcus = await startTestApp('cancellations-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-12-07T10:00:00Z', APP_URL: 'http://arcus.test' });
    const api = `${arcus.url}/api`;
    as.admin = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId }));
    for (const role of ['collector', 'viewer'] as const) {
      const [u] = await database.db.insert(users).values({ email: `${role}-${firmId.slice(0, 8)}@cancel.example`, name: `A ${role}`, authProvider: 'test', authSubject: `cancel-${role}-${firmId}` }).returning();
      await database.db.insert(memberships).values({ firmId, userId: u!.id, role });
      as[role] = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId }));
    }
  }, 120_000);
  afterAll(async () => arcus?.close());

  const body = (x: typeof a, extra: Record<string, unknown> = {}) => ({ organisationId: x.orgId, customerId: x.customerId, invoices: [{ invoiceId: x.invoiceId, lines: 'all' }], serviceStart: '2026-07-01', serviceEnd: '2027-07-01', effectiveDate: '2026-12-07', method: 'by_days', reason: 'Moved to another provider', ...extra });

  it('lists what the customer can cancel, with the period read from the line', async () => {
    const r = await as.viewer!(`/cancellations/invoices?organisationId=${a.orgId}&customerId=${a.customerId}`);
    expect(r.status).toBe(200);
    expect(r.body.invoices).toHaveLength(1);
    expect(r.body.invoices[0]).toMatchObject({ number: 'INV-1', statusText: 'Open', period: { start: '2026-07-01', end: '2027-07-01', fromText: true } });
    expect(r.body.scheduleText).toBe('75% in the first month; 50% up to month 3; 25% up to month 6; nothing after.');
    expect((await as.viewer!(`/cancellations/invoices?organisationId=${b.orgId}&customerId=${b.customerId}`)).status).toBe(404);
  });

  it('refuses bad input in words, all at once; a viewer 403; another firm’s customer 404; a preview writes nothing', async () => {
    const bad = await as.collector!('/cancellations/preview', { method: 'POST', body: { organisationId: 'x', customerId: a.customerId, invoices: [], serviceStart: 'soon', serviceEnd: '2027-07-01', effectiveDate: '2026-12-07', method: 'by_days', reason: ' ' } });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.fields as { field: string; message: string }[];
    expect(fields.map((f) => f.field).sort()).toEqual(['invoices', 'organisationId', 'reason', 'serviceStart']);
    for (const f of fields) inWords(f.message);
    const backwards = await as.collector!('/cancellations/preview', { method: 'POST', body: body(a, { serviceEnd: '2026-06-01' }) });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.fields).toEqual([{ field: 'serviceEnd', message: 'The service must end after the day it starts.' }]);
    expect((await as.viewer!('/cancellations/preview', { method: 'POST', body: body(a) })).status).toBe(403);
    expect((await as.collector!('/cancellations/preview', { method: 'POST', body: body(b) })).status).toBe(404);
    const ok = await as.collector!('/cancellations/preview', { method: 'POST', body: body(a) });
    expect(ok.status).toBe(200);
    // 206 of 365 days unused: 1200 × 206 / 365 = 677.26; all of it owed.
    expect(ok.body.preview).toMatchObject({ creditText: '£677.26', allocatedText: '£677.26', leftAsCreditText: '£0.00', leftAsCreditSentence: null });
    for (const s of [ok.body.preview.periodText, ok.body.preview.methodText, ...ok.body.preview.stops]) inWords(s);
    expect(await database.db.select().from(writebacks).where(eq(writebacks.organisationId, a.orgId))).toHaveLength(0);
  });

  it('confirms once per request id: 201, then 200 with the same cancellation; one write-back; listed in words', async () => {
    const requestId = randomUUID();
    const first = await as.collector!('/cancellations', { method: 'POST', body: body(a, { requestId }) });
    expect(first.status).toBe(201);
    const again = await as.collector!('/cancellations', { method: 'POST', body: body(a, { requestId }) });
    expect(again.status).toBe(200);
    expect(again.body.message).toBe('This cancellation was already confirmed.');
    expect(again.body.cancellation.cancellationId).toBe(first.body.cancellation.cancellationId);
    const wbs = await database.db.select().from(writebacks).where(and(eq(writebacks.organisationId, a.orgId), eq(writebacks.kind, 'credit_note')));
    expect(wbs.map((w) => [w.purpose, w.amount, w.status])).toEqual([['cancellation', '677.2600', 'pending']]);
    expect(await database.db.select().from(cancellations).where(eq(cancellations.firmId, firmId))).toHaveLength(1);
    const list = await as.viewer!(`/cancellations?organisationId=${a.orgId}&customerId=${a.customerId}`);
    expect(list.body.cancellations).toHaveLength(1);
    expect(list.body.cancellations[0]).toMatchObject({ creditText: '£677.26', periodText: 'Cancelled from 7 December 2026', statusText: 'Being written to the ledger' });
  });

  it('the fixed schedule: an administrator changes it, a collector may not, errors in words', async () => {
    expect((await as.collector!('/cancellations/schedule', { method: 'PUT', body: { schedule: [{ throughMonth: 2, percent: '60' }] } })).status).toBe(403);
    const bad = await as.admin!('/cancellations/schedule', { method: 'PUT', body: { schedule: [{ throughMonth: 3, percent: '60' }, { throughMonth: 2, percent: '10' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('The schedule’s months must go up, from 1 to at most 120.');
    const ok = await as.admin!('/cancellations/schedule', { method: 'PUT', body: { schedule: [{ throughMonth: 6, percent: '60' }] } });
    expect(ok.body.scheduleText).toBe('60% in the first 6 months; nothing after.');
    const preview = await as.collector!('/cancellations/preview', { method: 'POST', body: body(a, { method: 'fixed_schedule' }) });
    // December is month 6 of a term from 1 July: 60% of 1,200.00.
    expect(preview.body.preview.creditText).toBe('£720.00');
    // Back to the default for whatever runs next.
    await as.admin!('/cancellations/schedule', { method: 'PUT', body: { schedule: [{ throughMonth: 1, percent: '75' }, { throughMonth: 3, percent: '50' }, { throughMonth: 6, percent: '25' }] } });
  });
});
