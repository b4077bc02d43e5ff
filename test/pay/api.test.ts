/**
 * Pay links end to end over HTTP against the real app and PostgreSQL: links are idempotent and
 * request their ledger write-back once; the public API answers 404 for unknown or revoked
 * tokens, shows discounts in the organisation's time zone, records promises and disputes as
 * debtor activities that pause reminders, refuses bad input with a clear 400, keeps firms apart;
 * and a checkout completes exactly once however many times the webhook and the return arrive.
 */
import { and, eq, like } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sandboxProvider } from '../../server/pay/sandbox-provider';
import { signStripePayload, stripeProvider } from '../../integrations/payments/stripe';
import type { Database } from '../../server/db/client';
import { activities, checkouts, discountOffers, payLinks, reminderInvoiceHolds, writebacks } from '../../server/db/schema';
import { addDays, longDate } from '../../kernel/dates';
import { completeCheckout } from '../../server/pay/complete';
import { ensurePayLink, ensureStatementLink } from '../../server/pay/links';
import { loadActivityHolds } from '../../server/reminders/load';
import type { Arcus } from '../../root/runtime';
import { DISPUTE_RESOLVED, INVOICE_DISPUTED, PROMISE_RECORDED } from '../../server/scoring/in-motion';
import { startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashToken } from '../../server/pay/link-tokens';
import { seedPayOrg } from './seed';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/stripe');

describeWith('pg', 'Pay links and the public pay API', () => {
  let database: Database;
  let arcus: Arcus;
  let a: Awaited<ReturnType<typeof seedPayOrg>>;
  let b: Awaited<ReturnType<typeof seedPayOrg>>;
  const enqueued: string[] = [];
  const ctx = () => ({ appUrl: arcus.url, enqueueExecute: async (id: string) => void enqueued.push(id), linkKey: arcus.config.payLinkKey });

  const get = (p: string) => fetch(`${arcus.url}${p}`).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));
  const post = (p: string, body: unknown, type = 'application/json') =>
    fetch(`${arcus.url}${p}`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body), redirect: 'manual' }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json().catch(() => null) }));

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('pay-api', database, { LEDGER_SANDBOX: 'off' });
    a = await seedPayOrg(database, {
      invoices: [
        { number: 'INV-1', contact: 'c-bayside', amount: '1240.50', due: -10 },
        { number: 'INV-2', contact: 'c-bayside', amount: '300.00', due: 5 },
        { number: 'INV-3', contact: 'c-bayside', amount: '99.99', due: -40 },
        { number: 'INV-9', contact: 'c-north', amount: '50.00', due: -3 },
      ],
    });
    b = await seedPayOrg(database, { name: 'Other Firm Client', invoices: [{ number: 'B-1', contact: 'c-bayside', amount: '10.00', due: -1 }] });
  }, 120_000);
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await arcus?.close();
  }, 60_000);

  it('ensurePayLink: one random link per invoice, its pay_link write-back requested once', async () => {
    const inv = a.invoice('INV-1');
    const [l1, l2] = await Promise.all([ensurePayLink(database.db, { firmId: a.firmId, organisationId: a.org.id, invoiceId: inv.id }, ctx()), ensurePayLink(database.db, { firmId: a.firmId, organisationId: a.org.id, invoiceId: inv.id }, ctx())]);
    expect(l1.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(l2.token).toBe(l1.token);
    expect(l1.url).toBe(`${arcus.url}/pay/${l1.token}`);
    const wbs = await database.db.select().from(writebacks).where(and(eq(writebacks.firmId, a.firmId), eq(writebacks.sourceKey, `pay_link:${inv.id}`)));
    expect(wbs).toHaveLength(1);
    expect(wbs[0]).toMatchObject({ kind: 'pay_link', requestedBy: 'system', invoiceExternalId: inv.externalId, status: 'pending', noteText: null });
    // The request names the link row; the URL (with its token) is derived when the write-back runs.
    const [row] = await database.db.select({ id: payLinks.id }).from(payLinks).where(eq(payLinks.invoiceId, inv.id));
    expect(wbs[0]!.request).toEqual({ payLinkId: row!.id });
    expect(JSON.stringify(wbs[0])).not.toContain(l1.token);
    expect(enqueued).toContain(wbs[0]!.id);
    // Another firm's invoice id is refused.
    await expect(ensurePayLink(database.db, { firmId: a.firmId, organisationId: a.org.id, invoiceId: b.invoice('B-1').id }, ctx())).rejects.toThrow(/No such invoice/);
  });

  it('ensureStatementLink: one link per customer, even when asked concurrently', async () => {
    const p = { firmId: a.firmId, organisationId: a.org.id, contactExternalId: 'c-bayside' };
    const links = await Promise.all([ensureStatementLink(database.db, p, ctx()), ensureStatementLink(database.db, p, ctx()), ensureStatementLink(database.db, p, ctx())]);
    expect(new Set(links.map((l) => l.token)).size).toBe(1);
    const rows = await database.db.select().from(payLinks).where(and(eq(payLinks.organisationId, a.org.id), eq(payLinks.scope, 'statement')));
    expect(rows).toHaveLength(1);
    await expect(ensureStatementLink(database.db, p, { appUrl: 'not a url', linkKey: arcus.config.payLinkKey })).rejects.toThrow(/APP_URL/);
  });

  it('GET summary: organisation, customer, invoices; unknown, malformed and revoked tokens are a bare 404', async () => {
    const link = await ensureStatementLink(database.db, { firmId: a.firmId, organisationId: a.org.id, contactExternalId: 'c-bayside' }, ctx());
    const r = await get(`/pay-api/${link.token}`);
    expect(r.status).toBe(200);
    expect(r.body.organisation.name).toBe('Harbour Joinery Ltd');
    expect(r.body.customer.name).toBe('Bayside Cafe Ltd');
    expect(r.body.scope).toBe('statement');
    expect(r.body.invoices.map((i: { number: string }) => i.number)).toEqual(['INV-3', 'INV-1', 'INV-2']);
    expect(r.body.invoices[1]).toMatchObject({ amountDue: '1240.50', total: '1240.50', payNow: '1240.50', ledgerStatus: 'authorised', overdue: true, discount: null });
    expect(r.body.totals).toEqual([{ currency: 'GBP', payNow: '1640.49' }]);
    expect(r.body.canPay).toBe(true);

    const unknown = await get(`/pay-api/${'A'.repeat(43)}`);
    expect(unknown).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'This payment link is not valid.' } } });
    expect((await get('/pay-api/short')).status).toBe(404);

    const temp = await ensurePayLink(database.db, { firmId: a.firmId, organisationId: a.org.id, invoiceId: a.invoice('INV-9').id }, ctx());
    expect((await get(`/pay-api/${temp.token}`)).status).toBe(200);
    await database.db.update(payLinks).set({ revokedAt: new Date() }).where(eq(payLinks.tokenHash, hashToken(temp.token)));
    expect(await get(`/pay-api/${temp.token}`)).toEqual(unknown);
  });

  it('shows an early-payment discount only while it is offered and not expired in the organisation’s zone', async () => {
    const inv = a.invoice('INV-2');
    await database.db.insert(discountOffers).values({ firmId: a.firmId, organisationId: a.org.id, invoiceId: inv.id, rateBp: 200, discount: '6.00', currency: 'GBP', expiresOn: addDays(a.today, 3) });
    const link = await ensurePayLink(database.db, { firmId: a.firmId, organisationId: a.org.id, invoiceId: inv.id }, ctx());
    const r = await get(`/pay-api/${link.token}`);
    expect(r.body.invoices[0]).toMatchObject({ number: 'INV-2', amountDue: '300.00', payNow: '294.00', discount: { amount: '6.00', rateBp: 200, expiresOn: addDays(a.today, 3) } });
    await database.db.update(discountOffers).set({ expiresOn: addDays(a.today, -1) }).where(eq(discountOffers.invoiceId, inv.id));
    expect((await get(`/pay-api/${link.token}`)).body.invoices[0]).toMatchObject({ payNow: '300.00', discount: null });
    await database.db.update(discountOffers).set({ expiresOn: addDays(a.today, 3) }).where(eq(discountOffers.invoiceId, inv.id));
  });

  it('POST promise: a debtor activity with the promised date and a reminder hold through it', async () => {
    const inv = a.invoice('INV-1');
    const link = await ensurePayLink(database.db, { firmId: a.firmId, organisationId: a.org.id, invoiceId: inv.id }, ctx());
    const date = addDays(a.today, 7);
    const r = await post(`/pay-api/${link.token}/promise`, { date });
    expect(r.status).toBe(201);
    const acts = await database.db.select().from(activities).where(and(eq(activities.firmId, a.firmId), eq(activities.kind, PROMISE_RECORDED), eq(activities.invoiceId, inv.id)));
    expect(acts).toHaveLength(1);
    expect(acts[0]).toMatchObject({ actorType: 'debtor', contactId: a.contactId('c-bayside') });
    expect((acts[0]!.details as { promisedDate: string }).promisedDate).toBe(date);
    const [hold] = await database.db.select().from(reminderInvoiceHolds).where(and(eq(reminderInvoiceHolds.organisationId, a.org.id), eq(reminderInvoiceHolds.invoiceExternalId, inv.externalId)));
    expect(hold).toMatchObject({ pausedUntil: date, excluded: false });
    const holds = await loadActivityHolds(database.db, { id: a.org.id, firmId: a.firmId }, a.today);
    expect(holds).toContainEqual({ kind: 'promise', invoiceExternalId: inv.externalId, contactExternalId: null, until: date });
  });

  it('POST promise / dispute refuse bad input with a 400 naming the problem (and non-JSON with 415)', async () => {
    const link = await ensurePayLink(database.db, { firmId: a.firmId, organisationId: a.org.id, invoiceId: a.invoice('INV-1').id }, ctx());
    const far = await post(`/pay-api/${link.token}/promise`, { date: addDays(a.today, 61) });
    expect(far.status).toBe(400);
    expect(far.body.error).toMatchObject({ message: `Choose a date between ${longDate(a.today)} and ${longDate(addDays(a.today, 60))}.`, fields: [{ field: 'date', message: `Choose a date between ${longDate(a.today)} and ${longDate(addDays(a.today, 60))}.` }] });
    const past = await post(`/pay-api/${link.token}/promise`, { date: addDays(a.today, -1) });
    expect(past.status).toBe(400);
    expect((await post(`/pay-api/${link.token}/promise`, { date: '12/12/2026' })).body.error.fields).toEqual([{ field: 'date', message: 'Choose the date you will pay on.' }]);
    const reason = await post(`/pay-api/${link.token}/dispute`, { reason: 'because' });
    expect(reason.status).toBe(400);
    expect(reason.body.error.fields).toEqual([{ field: 'reason', message: 'Choose what is wrong.' }]);
    const long = await post(`/pay-api/${link.token}/dispute`, { reason: 'other', details: 'x'.repeat(1001) });
    expect(long.body.error.fields).toEqual([{ field: 'details', message: 'Please keep this to 1,000 characters or fewer.' }]);
    expect((await post(`/pay-api/${link.token}/dispute`, 'reason=other', 'application/x-www-form-urlencoded')).status).toBe(415);
    // Nothing was recorded by the refused requests.
    const disputes = await database.db.select().from(activities).where(and(eq(activities.firmId, a.firmId), eq(activities.kind, INVOICE_DISPUTED)));
    expect(disputes).toHaveLength(0);
  });

  it('POST dispute: a debtor activity that pauses the invoice’s reminders until resolved', async () => {
    const link = await ensureStatementLink(database.db, { firmId: a.firmId, organisationId: a.org.id, contactExternalId: 'c-bayside' }, ctx());
    const inv = a.invoice('INV-3');
    const r = await post(`/pay-api/${link.token}/dispute`, { reason: 'incorrect_amount', details: 'We agreed £80.', invoiceId: inv.id });
    expect(r.status).toBe(201);
    const [act] = await database.db.select().from(activities).where(and(eq(activities.firmId, a.firmId), eq(activities.kind, INVOICE_DISPUTED)));
    expect(act).toMatchObject({ actorType: 'debtor', invoiceId: inv.id });
    expect(act!.details).toMatchObject({ reason: 'incorrect_amount', text: 'We agreed £80.' });
    const org = { id: a.org.id, firmId: a.firmId };
    expect(await loadActivityHolds(database.db, org, addDays(a.today, 90))).toContainEqual({ kind: 'dispute', invoiceExternalId: inv.externalId, contactExternalId: null, until: null });
    await database.db.insert(activities).values({ firmId: a.firmId, organisationId: a.org.id, actorType: 'user', kind: DISPUTE_RESOLVED, invoiceId: inv.id, summary: 'resolved', createdAt: new Date(Date.now() + 1000) });
    expect((await loadActivityHolds(database.db, org, a.today)).filter((h) => h.kind === 'dispute')).toEqual([]);
  });

  it('keeps firms apart: a link names only its own firm’s invoices', async () => {
    const link = await ensureStatementLink(database.db, { firmId: a.firmId, organisationId: a.org.id, contactExternalId: 'c-bayside' }, ctx());
    const foreign = await post(`/pay-api/${link.token}/promise`, { date: addDays(a.today, 3), invoiceIds: [b.invoice('B-1').id] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.fields).toEqual([{ field: 'invoiceIds', message: 'One of the invoices chosen is not on this page. Reload the page and choose again.' }]);
    expect((await post(`/pay-api/${link.token}/checkout`, { invoiceIds: [b.invoice('B-1').id] })).status).toBe(400);
    const bl = await ensureStatementLink(database.db, { firmId: b.firmId, organisationId: b.org.id, contactExternalId: 'c-bayside' }, ctx());
    const rb = await get(`/pay-api/${bl.token}`);
    expect(rb.body.organisation.name).toBe('Other Firm Client');
    expect(rb.body.invoices.map((i: { number: string }) => i.number)).toEqual(['B-1']);
    const acts = await database.db.select().from(activities).where(eq(activities.firmId, b.firmId));
    expect(acts.filter((x) => x.kind === PROMISE_RECORDED)).toEqual([]);
  });

  it('sandbox checkout: pays the discounted amount, one payment and one discount credit note, however often it completes', async () => {
    const inv = a.invoice('INV-2'); // 300.00 with a 6.00 discount still offered
    const link = await ensureStatementLink(database.db, { firmId: a.firmId, organisationId: a.org.id, contactExternalId: 'c-bayside' }, ctx());
    const open = await post(`/pay-api/${link.token}/checkout`, { invoiceIds: [inv.id] });
    expect(open.status).toBe(201);
    expect(open.body).toMatchObject({ amount: '294.00', currency: 'GBP', url: expect.stringContaining('/pay/sandbox-checkout/cs_sandbox_') });
    const page = await fetch(open.body.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('294.00 GBP');
    const paid = await fetch(open.body.url, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`${link.url}?checkout=${open.body.checkoutId}`);
    // The return arrives as well, twice, and a direct completion races it.
    const deps = { db: database.db, provider: sandboxProvider({ db: database.db, appUrl: () => arcus.url }), enqueueExecute: async () => undefined, now: () => new Date() };
    const [r1, r2, direct] = await Promise.all([get(`/pay-api/${link.token}/checkouts/${open.body.checkoutId}`), get(`/pay-api/${link.token}/checkouts/${open.body.checkoutId}`), completeCheckout(deps, { checkoutId: open.body.checkoutId })]);
    expect(r1.body.status).toBe('completed');
    expect(r2.body.status).toBe('completed');
    expect(direct.outcome).toBe('already_completed');
    const wbs = await database.db.select().from(writebacks).where(and(eq(writebacks.firmId, a.firmId), like(writebacks.sourceKey, `%${open.body.checkoutId}%`)));
    expect(wbs).toHaveLength(1);
    expect(wbs[0]).toMatchObject({ kind: 'payment', requestedBy: 'debtor', amount: '294.0000', status: 'pending', invoiceExternalId: inv.externalId });
    expect(wbs[0]!.request).toMatchObject({ invoiceExternalId: inv.externalId, amount: '294.00', date: a.today, checkoutId: open.body.checkoutId });
    const [offer] = await database.db.select().from(discountOffers).where(eq(discountOffers.invoiceId, inv.id));
    expect(offer!.status).toBe('applied');
    const credits = await database.db.select().from(writebacks).where(and(eq(writebacks.firmId, a.firmId), eq(writebacks.sourceKey, `discount:${offer!.id}`)));
    expect(credits).toHaveLength(1);
    expect(credits[0]).toMatchObject({ kind: 'credit_note', purpose: 'early_payment_discount', id: offer!.writebackId, amount: '6.0000' });
    expect(credits[0]!.request).toMatchObject({ allocateTo: { invoiceExternalId: inv.externalId, amount: '6.00' }, lines: [{ amount: '6.00' }] });
    const received = await database.db.select().from(activities).where(and(eq(activities.firmId, a.firmId), eq(activities.kind, 'payment.received')));
    expect(received).toHaveLength(1);
    // The page now shows the invoice as processing, with nothing left to pay on it.
    const after = await get(`/pay-api/${link.token}`);
    expect(after.body.invoices.find((i: { id: string }) => i.id === inv.id)).toMatchObject({ processing: true, payNow: '0.00', amountDue: '0.00' });
  });

  it('Stripe: webhook and return both arrive → the checkout completes once with one set of write-backs', async () => {
    const STRIPE = 'http://stripe.test';
    const secret = 'whsec_test_api';
    nock.disableNetConnect();
    nock.enableNetConnect((host) => host.startsWith('127.0.0.1'));
    const sandboxPayments = arcus.services.payments;
    arcus.services.payments = stripeProvider({ secretKey: 'sk_test_x', webhookSecret: secret, apiBase: STRIPE });
    try {
      const inv = a.invoice('INV-1'); // 1240.50, as in the recorded session
      const link = await ensurePayLink(database.db, { firmId: a.firmId, organisationId: a.org.id, invoiceId: inv.id }, ctx());
      const created = JSON.parse(readFileSync(path.join(FIX, 'session-created.json'), 'utf8'));
      const complete = JSON.parse(readFileSync(path.join(FIX, 'session-complete.json'), 'utf8'));
      nock(STRIPE).post('/v1/checkout/sessions').reply(200, created);
      nock(STRIPE).get(`/v1/checkout/sessions/${created.id}`).times(3).reply(200, complete);
      const open = await post(`/pay-api/${link.token}/checkout`, {});
      expect(open.status).toBe(201);
      expect(open.body.url).toBe(created.url);
      const event = readFileSync(path.join(FIX, 'event-checkout-session-completed.json'));
      const t = Math.floor(Date.now() / 1000);
      const hook = () => fetch(`${arcus.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${signStripePayload(event, secret, t)}` }, body: event });
      const [h1, ret, h2] = await Promise.all([hook(), get(`/pay-api/${link.token}/checkouts/${open.body.checkoutId}`), hook()]);
      expect([h1.status, h2.status]).toEqual([200, 200]);
      expect(ret.body.status).toBe('completed');
      const bad = await fetch(`${arcus.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${'0'.repeat(64)}` }, body: event });
      expect(bad.status).toBe(400);
      const [row] = await database.db.select().from(checkouts).where(eq(checkouts.id, open.body.checkoutId));
      expect(row).toMatchObject({ status: 'completed', provider: 'stripe', providerPaymentId: 'pi_3QxYz2LkdIwHu7ix0Abc1234' });
      const wbs = await database.db.select().from(writebacks).where(and(eq(writebacks.firmId, a.firmId), like(writebacks.sourceKey, `payment:${open.body.checkoutId}:%`)));
      expect(wbs).toHaveLength(1);
      expect(wbs[0]!.request).toMatchObject({ amount: '1240.50', reference: 'Arcus pay link pi_3QxYz2LkdIwHu7ix0Abc1234' });
    } finally {
      arcus.services.payments = sandboxPayments;
    }
  });
});
