/**
 * Issue #19, autopay through Stripe over HTTP, replayed with nock from payloads in Stripe's shapes
 * (test/autopay/fixtures/stripe), on the sandbox ledger: a card saved through Checkout in setup mode
 * (customer, session, SetupIntent, PaymentMethod; finished by the signed `setup_intent.succeeded`
 * event), autopay for future invoices, the off-session charge on the due date (`off_session=true`,
 * `confirm=true`, Idempotency-Key = the attempt's id) → one payment in the ledger through the outbox;
 * a card that keeps declining → retries 1, 3 and 7 days after the first failure → give up (mandate
 * paused, the collector's task, one email per failure); a crash between Stripe's answer and the
 * ledger write → the re-run asks Stripe for the same charge and books it once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { PaymentEvent } from '../../integrations/payments/provider';
import { signStripePayload, stripeProvider } from '../../integrations/payments/stripe';
import { addDays, longDate, todayIn } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { autopaySummary, completeCardSetup, setAutopay, startCardSetup } from '../../server/autopay/cards';
import { runAutopay, settleFromEvent } from '../../server/autopay/charge';
import { autopayEventOf } from '../../server/autopay/events';
import { autopayMandates, chargeAttempts, collectorTasks, invoices, savedPaymentMethods, writebacks } from '../../server/db/schema';
import { loadCustomers } from '../../server/reminders/load';
import { type Capture, startCapture } from '../reminders/harness';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain } from '../writebacks/harness';
import { APP_URL, autopayDeps, customerWithInvoice, DAY, sync, viewFor } from './helpers';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/stripe');
const BASE = 'https://api.stripe.test';
const SECRET = 'whsec_test_autopay';
const fixture = (name: string) => JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Record<string, unknown>;

let fx: SyncFixture;
let capture: Capture;
let org: { organisationId: string; companyId: string; timezone: string };
const stripe = () => stripeProvider({ secretKey: 'sk_test_51Arcus', webhookSecret: SECRET, apiBase: BASE, now: () => fx.now() });
const store = () => fx.server.sandbox.ctx.store;
const ledgerPayments = (invoiceExternalId: string) => store().list('payments', org.companyId).filter((p) => p.status !== 'DELETED' && p.allocations.some((a) => a.invoiceId === invoiceExternalId));

/** An event as Stripe sends it, signed, through the provider's verification (what the webhook hands on). */
function deliver(name: string, object: Record<string, unknown>): PaymentEvent {
  const event = fixture(name);
  const body = Buffer.from(JSON.stringify({ ...event, created: Math.floor(fx.now() / 1000), data: { object } }));
  const t = Math.floor(fx.now() / 1000);
  return stripe().parseWebhook(body, { 'stripe-signature': `t=${t},v1=${signStripePayload(body, SECRET, t)}` });
}

/** Saves a Stripe card for the customer: Checkout in setup mode, then the signed setup_intent.succeeded. */
async function saveCard(contactExternalId: string, suffix: string) {
  const { view, token } = await viewFor(fx, org.organisationId, contactExternalId);
  const session = { ...fixture('setup-session-created'), id: `cs_test_setup_${suffix}`, setup_intent: `seti_${suffix}` };
  let setupBody = '';
  nock(BASE)
    .post('/v1/customers')
    .reply(200, { ...fixture('customer'), id: `cus_${suffix}` })
    .post('/v1/checkout/sessions', (b) => {
      setupBody = new URLSearchParams(b as unknown as string).toString();
      return true;
    })
    .reply(200, session);
  const started = await startCardSetup({ db: fx.db, provider: stripe(), appUrl: APP_URL }, view, token);
  expect(started.url).toBe(fixture('setup-session-created')['url']);
  const form = new URLSearchParams(setupBody);
  expect(form.get('mode')).toBe('setup');
  expect(form.get('customer')).toBe(`cus_${suffix}`);
  expect(form.get('setup_intent_data[metadata][savedMethodId]')).toBe(started.setupId);

  nock(BASE)
    .get(`/v1/checkout/sessions/cs_test_setup_${suffix}`)
    .reply(200, { ...fixture('setup-session-complete'), id: `cs_test_setup_${suffix}`, setup_intent: `seti_${suffix}`, customer: `cus_${suffix}` })
    .get(`/v1/setup_intents/seti_${suffix}`)
    .reply(200, { ...fixture('setup-intent-succeeded'), id: `seti_${suffix}`, customer: `cus_${suffix}`, payment_method: `pm_${suffix}` })
    .get(`/v1/payment_methods/pm_${suffix}`)
    .reply(200, { ...fixture('payment-method-card'), id: `pm_${suffix}`, customer: `cus_${suffix}` });
  const event = autopayEventOf(...eventParts(deliver('event-setup-intent-succeeded', { ...fixture('setup-intent-succeeded'), id: `seti_${suffix}`, metadata: { savedMethodId: started.setupId, organisationId: org.organisationId } })));
  expect(event).toEqual({ kind: 'setup', savedMethodId: started.setupId });
  const done = await completeCardSetup({ db: fx.db, provider: stripe(), now: () => new Date(fx.now()) }, { id: started.setupId });
  expect(done.outcome).toBe('saved');
  // The debtor's return after the webhook: nothing more to do, no call to Stripe.
  expect((await completeCardSetup({ db: fx.db, provider: stripe(), now: () => new Date(fx.now()) }, { id: started.setupId })).outcome).toBe('already_saved');
  return { view, token, setupId: started.setupId };
}

const eventParts = (e: PaymentEvent): [string, unknown] => [e.type, e.object];

/** Replies to the next off-session PaymentIntent create, recording its idempotency key and form. */
function chargeReply(status: number, body: Record<string, unknown>, seen: { key: string; form: URLSearchParams }[], times = 1) {
  nock(BASE)
    .post('/v1/payment_intents', (b) => {
      seen.push({ key: '', form: new URLSearchParams(b as unknown as string) });
      return true;
    })
    .times(times)
    .reply(function (this: nock.ReplyFnContext) {
      seen[seen.length - 1]!.key = String(this.req.headers['idempotency-key']);
      return [status, body];
    });
}

const emailsTo = (address: string) => capture.messages.filter((m) => m.to.includes(address));

describeWith('pg', 'autopay through Stripe (nock) on the sandbox ledger', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 61, companies: [{ provider: 'xero', customers: 3, invoices: 6 }, { provider: 'quickbooks', customers: 3, invoices: 6 }] });
    capture = await startCapture({ now: () => new Date(fx.now()) });
    const synced = await connectAndSync(fx, { name: 'Alex Admin', email: 'alex@firm.example' });
    org = synced.orgs.get('xero')!;
    nock.disableNetConnect();
    nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'));
  }, 120_000);
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await capture?.close();
    await fx?.close();
  });

  it('save a card → autopay on → charged off-session on the due date → one payment in the ledger; reminders skip the customer', async () => {
    const email = 'paid.by.card@customer.example';
    const c = await customerWithInvoice(fx, org, 'Card Payer Ltd', email, 2);
    const { view } = await saveCard(c.contactExternalId, 'ok1');
    const summary = await autopaySummary(fx.db, view, stripe());
    expect(summary.cards).toEqual([{ id: expect.any(String), text: 'Visa •••• 4242, expires 08/2030', brand: 'visa', brandText: 'Visa', last4: '4242', expiry: '08/2030', expired: false }]);
    const [stored] = await fx.db.select().from(savedPaymentMethods).where(eq(savedPaymentMethods.contactExternalId, c.contactExternalId));
    expect(stored).toMatchObject({ status: 'active', providerCustomerId: 'cus_ok1', providerMethodId: 'pm_ok1', brand: 'visa', last4: '4242', expMonth: 8, expYear: 2030 });

    expect(await setAutopay({ db: fx.db, provider: stripe(), now: () => new Date(fx.now()) }, view, { scope: 'invoices', on: true })).toEqual({ on: true });
    const customers = await loadCustomers(fx.db, { id: org.organisationId, firmId: fx.firmId }, [c.contactExternalId]);
    expect(customers.get(c.contactExternalId)!.autopay).toBe(true);

    const queue: string[] = [];
    const deps = autopayDeps(fx, capture, stripe(), queue);
    // Not due yet: Stripe is not called (no interceptor: a call would be deferred and counted).
    expect(await runAutopay(deps, org.organisationId)).toEqual({ charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 });

    fx.advance(2 * DAY);
    const seen: { key: string; form: URLSearchParams }[] = [];
    chargeReply(200, { ...fixture('payment-intent-succeeded'), id: 'pi_ok1' }, seen);
    expect(await runAutopay(deps, org.organisationId)).toMatchObject({ charged: 1, failed: 0 });
    const [attempt] = await fx.db.select().from(chargeAttempts).where(eq(chargeAttempts.invoiceId, c.invoiceId));
    expect(attempt).toMatchObject({ status: 'succeeded', attemptNo: 1, providerPaymentId: 'pi_ok1', amount: '200.0000' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.key).toBe(attempt!.id);
    expect(Object.fromEntries(seen[0]!.form)).toMatchObject({ amount: '20000', customer: 'cus_ok1', payment_method: 'pm_ok1', off_session: 'true', confirm: 'true', 'metadata[attemptId]': attempt!.id });

    // Again the same day, and Stripe's late event: nothing more.
    expect(await runAutopay(deps, org.organisationId)).toEqual({ charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 });
    const late = autopayEventOf(...eventParts(deliver('event-payment-intent-succeeded', { ...fixture('payment-intent-succeeded'), id: 'pi_ok1', metadata: { attemptId: attempt!.id } })));
    expect(late?.kind).toBe('charge');
    expect(await settleFromEvent(deps, attempt!.id, (late as { result: { outcome: 'succeeded'; paymentId: string } }).result)).toBe('unchanged');

    expect(queue).toHaveLength(1);
    const writebackId = queue[0]!;
    await drain(fx, queue);
    const paid = ledgerPayments(c.invoiceExternalId);
    expect(paid).toHaveLength(1);
    expect(paid[0]!.amount).toBe(20_000);
    const [w] = await fx.db.select().from(writebacks).where(eq(writebacks.id, writebackId));
    expect(w).toMatchObject({ kind: 'payment', status: 'confirmed', sourceKey: `payment:autopay:${attempt!.id}:${c.invoiceId}` });
    await sync(fx, org.organisationId);
    const [inv] = await fx.db.select().from(invoices).where(eq(invoices.id, c.invoiceId));
    expect(toMinor(inv!.amountDue)).toBe(0);
    expect(emailsTo(email)).toHaveLength(0);
  });

  it('a card that keeps declining: retries 1, 3 and 7 days after the first failure, one email each, then gives up (paused, collector told); reminders resume', async () => {
    const email = 'declined.card@customer.example';
    const c = await customerWithInvoice(fx, org, 'Declined Card Ltd', email, 1);
    const { view } = await saveCard(c.contactExternalId, 'dec1');
    await setAutopay({ db: fx.db, provider: stripe(), now: () => new Date(fx.now()) }, view, { scope: 'invoices', on: true });
    const queue: string[] = [];
    const deps = autopayDeps(fx, capture, stripe(), queue);
    const seen: { key: string; form: URLSearchParams }[] = [];
    const declined = fixture('error-card-declined-off-session');

    fx.advance(1 * DAY);
    const firstDay = todayIn(org.timezone, new Date(fx.now()));
    chargeReply(402, declined, seen);
    expect(await runAutopay(deps, org.organisationId)).toMatchObject({ charged: 0, failed: 1 });
    const [mandate] = await fx.db.select().from(autopayMandates).where(eq(autopayMandates.contactExternalId, c.contactExternalId));
    expect(mandate!.failingSince).not.toBeNull();
    expect((await loadCustomers(fx.db, { id: org.organisationId, firmId: fx.firmId }, [c.contactExternalId])).get(c.contactExternalId)!.autopay).toBe(false);
    expect(emailsTo(email)).toHaveLength(1);
    expect(emailsTo(email)[0]!.text).toContain(`We will try again on ${longDate(addDays(firstDay, 1))}.`);
    expect(emailsTo(email)[0]!.text).toMatch(/Visa •••• 4242, expires 08\/2030 today, but the card was declined\./);
    expect(emailsTo(email)[0]!.text).toMatch(/update it here: http:\/\/arcus\.test\/pay\/[A-Za-z0-9_-]{43}\?card=update/);

    // Day +1 (retry 1), then nothing on day +2, retry 2 on day +3, retry 3 on day +7 (asks for authentication).
    fx.advance(1 * DAY);
    chargeReply(402, declined, seen);
    expect(await runAutopay(deps, org.organisationId)).toMatchObject({ failed: 1 });
    fx.advance(1 * DAY);
    expect(await runAutopay(deps, org.organisationId)).toEqual({ charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 });
    fx.advance(1 * DAY);
    chargeReply(402, declined, seen);
    expect(await runAutopay(deps, org.organisationId)).toMatchObject({ failed: 1 });
    fx.advance(3 * DAY);
    expect(await runAutopay(deps, org.organisationId)).toEqual({ charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 });
    fx.advance(1 * DAY);
    chargeReply(402, fixture('error-authentication-required'), seen);
    expect(await runAutopay(deps, org.organisationId)).toMatchObject({ failed: 1 });

    const attempts = await fx.db.select().from(chargeAttempts).where(eq(chargeAttempts.invoiceId, c.invoiceId)).orderBy(chargeAttempts.attemptNo);
    expect(attempts.map((a) => [a.attemptNo, a.scheduledOn, a.status, a.failureCode])).toEqual([
      [1, firstDay, 'failed', 'card_declined'],
      [2, addDays(firstDay, 1), 'failed', 'card_declined'],
      [3, addDays(firstDay, 3), 'failed', 'card_declined'],
      [4, addDays(firstDay, 7), 'failed', 'authentication_required'],
    ]);
    // One Stripe request per attempt, each keyed by its attempt.
    expect(seen.map((s) => s.key)).toEqual(attempts.map((a) => a.id));
    const [after] = await fx.db.select().from(autopayMandates).where(eq(autopayMandates.id, mandate!.id));
    expect(after).toMatchObject({ status: 'paused' });
    expect(after!.pausedReason).toBe('The last 4 charges failed: the bank asked the card holder to confirm the payment.');
    const tasks = await fx.db.select().from(collectorTasks).where(and(eq(collectorTasks.contactExternalId, c.contactExternalId), eq(collectorTasks.organisationId, org.organisationId)));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.title).toMatch(/^Autopay stopped for Declined Card Ltd: 4 charges of £200\.00 for invoice .+ failed\./);
    const mails = emailsTo(email);
    expect(mails).toHaveLength(4);
    expect(mails.map((m) => m.subject)).toEqual([...Array(3).fill('Your automatic payment did not go through — ' + mails[0]!.subject.split(' — ')[1]), 'Automatic payments paused — ' + mails[0]!.subject.split(' — ')[1]]);
    expect(mails[3]!.text).toContain('the bank asked the card holder to confirm the payment');
    expect(mails[3]!.text).toContain('We have stopped trying, and automatic payments are paused.');
    // Paused: later runs charge nothing; nothing reached the ledger.
    fx.advance(10 * DAY);
    expect(await runAutopay(deps, org.organisationId)).toEqual({ charged: 0, failed: 0, skipped: 0, gaveUp: 0, deferred: 0 });
    expect(queue).toHaveLength(0);
    expect(ledgerPayments(c.invoiceExternalId)).toHaveLength(0);
  });

  it('a crash between Stripe’s answer and the ledger write: the re-run asks Stripe again with the same key, one charge and one payment', async () => {
    const c = await customerWithInvoice(fx, org, 'Crash Test Ltd', 'crash.test@customer.example', 1);
    const { view } = await saveCard(c.contactExternalId, 'crash1');
    await setAutopay({ db: fx.db, provider: stripe(), now: () => new Date(fx.now()) }, view, { scope: 'invoices', on: true });
    fx.advance(1 * DAY);
    const queue: string[] = [];
    const seen: { key: string; form: URLSearchParams }[] = [];
    // Stripe answers a repeated idempotency key with the same PaymentIntent.
    chargeReply(200, { ...fixture('payment-intent-succeeded'), id: 'pi_crash1' }, seen, 2);
    const crashing = autopayDeps(fx, capture, stripe(), queue, {
      crash: () => {
        throw new Error('worker killed');
      },
    });
    await expect(runAutopay(crashing, org.organisationId)).rejects.toThrow('worker killed');
    const [mid] = await fx.db.select().from(chargeAttempts).where(eq(chargeAttempts.invoiceId, c.invoiceId));
    expect(mid).toMatchObject({ status: 'charging', amount: '200.0000' });
    expect(queue).toHaveLength(0);
    // Another worker before the lease ends takes nothing.
    expect(await runAutopay(autopayDeps(fx, capture, stripe(), queue), org.organisationId)).toMatchObject({ charged: 0 });
    fx.advance(11 * 60_000);
    expect(await runAutopay(autopayDeps(fx, capture, stripe(), queue), org.organisationId)).toMatchObject({ charged: 1 });
    expect(seen.map((s) => s.key)).toEqual([mid!.id, mid!.id]);
    expect(seen[1]!.form.toString()).toBe(seen[0]!.form.toString());
    await drain(fx, queue);
    await drain(fx, queue);
    expect(ledgerPayments(c.invoiceExternalId)).toHaveLength(1);
    const [count] = await fx.db.select({ n: sql<number>`count(*)::int` }).from(writebacks).where(sql`${writebacks.sourceKey} LIKE ${`payment:autopay:${mid!.id}:%`}`);
    expect(count!.n).toBe(1);
  });
});
