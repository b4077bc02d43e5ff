/**
 * The returned-payments API (issue #19): marking a synced payment returned (collector+), the NSF fee
 * policy (settings.manage), the list; refusals in words, a viewer 403, another firm's payment 404.
 * No ledger here: the reversal write-back waits pending (the engine's own tests write it).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { memberships, paymentAllocations, payments, returnedPayments, users, writebacks } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';
import { seedOrg } from '../reminders/seed';

const inWords = (text: string) => {
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/i);
  expect(text).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
};

describeWith('pg', 'Returned payments API', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;
  let orgId: string;
  let paymentId: string;
  let otherOrg: string;
  let otherPayment: string;
  const as: Record<string, ReturnType<typeof signedIn>> = {};

  async function paidOrg(fid: string) {
    const o = await seedOrg(database.db, fid, { timezone: 'Europe/London', contacts: [{ externalId: 'c-1', name: 'Bayside Cafe Ltd' }], invoices: [{ number: 'INV-1', due: -5, contact: 'c-1' }] });
    const [p] = await database.db.insert(payments).values({ firmId: fid, organisationId: o.id, externalId: `pay-${fid.slice(0, 6)}`, contactExternalId: 'c-1', date: '2026-11-20', currency: 'GBP', amount: '120.00', status: 'authorised' }).returning();
    await database.db.insert(paymentAllocations).values({ firmId: fid, organisationId: o.id, paymentId: p!.id, invoiceExternalId: 'inv-0-INV-1', amount: '120.00', date: '2026-11-20' });
    return { orgId: o.id, paymentId: p!.id };
  }

  beforeAll(async () => {
    database = await testDatabase();
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    ({ orgId, paymentId } = await paidOrg(firmId));
    const other = await createFirm(database, 'admin');
    ({ orgId: otherOrg, paymentId: otherPayment } = await paidOrg(other.firm.id));
    arcus = await startTestApp('returns-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-12-07T10:00:00Z', APP_URL: 'http://arcus.test' });
    const api = `${arcus.url}/api`;
    as.admin = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId }));
    for (const role of ['collector', 'viewer'] as const) {
      const [u] = await database.db.insert(users).values({ email: `${role}-${firmId.slice(0, 8)}@ret.example`, name: `A ${role}`, authProvider: 'test', authSubject: `ret-${role}-${firmId}` }).returning();
      await database.db.insert(memberships).values({ firmId, userId: u!.id, role });
      as[role] = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId }));
    }
    as.stranger = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: other.user.id, firmId: other.firm.id }));
  }, 120_000);
  afterAll(async () => arcus?.close());

  it('refuses bad input in words, a viewer with 403 and another firm’s payment with 404; writes nothing', async () => {
    const bad = await as.collector!('/returned-payments', { method: 'POST', body: { organisationId: 'nope', paymentId: 'x', reason: ' ' } });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.fields as { field: string; message: string }[];
    expect(fields.map((f) => f.field).sort()).toEqual(['organisationId', 'paymentId', 'reason']);
    for (const f of fields) inWords(f.message);
    expect(fields.find((f) => f.field === 'reason')!.message).toBe('Say why the payment came back.');
    expect((await as.viewer!('/returned-payments', { method: 'POST', body: { organisationId: orgId, paymentId, reason: 'Bounced' } })).status).toBe(403);
    const stranger = await as.collector!('/returned-payments', { method: 'POST', body: { organisationId: otherOrg, paymentId: otherPayment, reason: 'Bounced' } });
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.message).toBe('No such payment for this client.');
    expect(await database.db.select().from(returnedPayments).where(eq(returnedPayments.firmId, firmId))).toHaveLength(0);
  });

  it('the fee policy: off by default; a collector may not change it; an administrator may, with errors in words', async () => {
    const got = await as.viewer!('/returned-payments/policy');
    expect(got.status).toBe(200);
    expect(got.body.policy).toMatchObject({ enabled: false, cap: null });
    expect((await as.collector!('/returned-payments/policy', { method: 'PUT', body: { enabled: true } })).status).toBe(403);
    const bad = await as.admin!('/returned-payments/policy', { method: 'PUT', body: { percent: '120', countries: ['gbr'] } });
    expect(bad.status).toBe(400);
    for (const f of bad.body.error.fields as { message: string }[]) inWords(f.message);
    const ok = await as.admin!('/returned-payments/policy', { method: 'PUT', body: { enabled: true, amount: 25, cap: '20', countries: ['GB'] } });
    expect(ok.status).toBe(200);
    expect(ok.body.policy).toMatchObject({ enabled: true, amount: '25', cap: '20', countries: ['GB'] });
  });

  it('a collector marks a payment returned once: the reversal and the fee requested once, listed in words', async () => {
    const first = await as.collector!('/returned-payments', { method: 'POST', body: { organisationId: orgId, paymentId, reason: 'Returned by the bank' } });
    expect(first.status).toBe(201);
    expect(first.body.returnedPayment).toMatchObject({ originText: 'Returned by the bank', invoiceNumber: 'INV-1', paidOnText: '20 November 2026', statusText: 'Being reversed in the ledger' });
    const again = await as.collector!('/returned-payments', { method: 'POST', body: { organisationId: orgId, paymentId, reason: 'Returned by the bank' } });
    expect(again.status).toBe(200);
    expect(again.body.message).toBe('This payment was already marked as returned.');
    const wbs = await database.db.select().from(writebacks).where(and(eq(writebacks.organisationId, orgId)));
    expect(wbs.filter((w) => w.sourceKey?.startsWith('returned:')).map((w) => w.kind).sort()).toEqual(['late_fee', 'void']);
    const list = await as.viewer!(`/returned-payments?organisationId=${orgId}`);
    expect(list.body.returnedPayments).toHaveLength(1);
    for (const f of ['originText', 'statusText', 'paidOnText', 'reason']) inWords(list.body.returnedPayments[0][f]);
    const queue = await as.viewer!(`/exceptions?organisationId=${orgId}`);
    expect(queue.body.returned).toHaveLength(1);
    expect((await as.stranger!(`/returned-payments?organisationId=${orgId}`)).body.returnedPayments).toHaveLength(0);
  });
});
