/**
 * Issue #19 "Refunds … to the card through the payment provider" (docs/decisions/055), end to end
 * against the sandbox ledgers over HTTP (Xero and QuickBooks) and the payment providers: Stripe over
 * HTTP under nock with payloads in Stripe's documented shapes (test/refunds/fixtures/stripe), and the
 * sandbox provider. A debtor pays an invoice by card through the pay link two days after paying the
 * other one by bank transfer: the Exceptions queue flags the card payment as a possible duplicate and
 * offers "Refund to card". Each test follows one refund: the provider asked once (Idempotency-Key =
 * the card refund's id), the ledger refund written once through the outbox only after the provider
 * confirmed, the debtor's refund email in the test SMTP server once, one timeline entry per step —
 * including a worker killed between Stripe's answer and the bookkeeping, a pending refund settled by
 * Stripe's signed webhook, a refund Stripe refuses, an autopay charge refunded to the saved card, and
 * the limit of what was charged less what is already refunded, in words. Also: a Xero credit note's
 * credit refunded from the queue (PUT Payments naming the credit note).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { signStripePayload, stripeProvider } from '../../integrations/payments/stripe';
import { addDays } from '../../kernel/dates';
import { queryRows } from '../../server/db/client';
import { activities, cardRefunds, chargeAttempts, checkouts, contacts, invoices, payments, reminderCustomers, writebacks } from '../../server/db/schema';
import { decideException, listExceptions } from '../../server/exceptions/service';
import { openCheckout } from '../../server/pay/checkout';
import { completeCheckout } from '../../server/pay/complete';
import { sandboxPay, sandboxProvider, sandboxSaveCard } from '../../server/pay/sandbox-provider';
import { cardRefundEvent, cardRefundOfEvent } from '../../server/refunds/card';
import { cardRefundEventOf } from '../../server/refunds/events';
import { SimulatedCrash } from '../../server/reminders/deps';
import { CARD_REFUND_WAIT_MS, executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import type { WritebackCrashPoint, WritebackDeps } from '../../server/writebacks/types';
import { APP_URL, autopayDeps, customerWithInvoice, sync, viewFor } from '../autopay/helpers';
import { completeCardSetup, setAutopay, startCardSetup } from '../../server/autopay/cards';
import { runAutopay } from '../../server/autopay/charge';
import { companyToday } from '../ledger-writes/helpers';
import { type Capture, startCapture } from '../reminders/harness';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, engine, sweepOnce } from '../writebacks/harness';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(path.join(DIR, 'fixtures/stripe', `${name}.json`), 'utf8')) as Record<string, unknown>;
const payFixture = (name: string) => JSON.parse(readFileSync(path.join(DIR, '../pay/fixtures/stripe', `${name}.json`), 'utf8')) as Record<string, unknown>;
const BASE = 'https://api.stripe.test';
const SECRET = 'whsec_test_refunds';
const MIN = 60_000;

let fx: SyncFixture;
let capture: Capture;
let userId: string;
let orgs: Map<'xero' | 'quickbooks', { organisationId: string; companyId: string; timezone: string }>;
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());
const stripe = () => stripeProvider({ secretKey: 'sk_test_51Arcus', webhookSecret: SECRET, apiBase: BASE, now: () => fx.now() });
const sandbox = () => sandboxProvider({ db: fx.db, appUrl: () => APP_URL });
const mail = () => ({ mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', embedded: false });
const emailsTo = (address: string) => capture.messages.filter((m) => m.to.includes(address));

/** The write-back engine as a worker runs it, with the payment provider and mail for card refunds. */
function cardEngine(queue: string[], provider: PaymentProvider, crashAt?: WritebackCrashPoint): WritebackDeps {
  return { ...engine(fx, queue, crashAt), cards: { provider, mail: mail() } };
}
async function drainCards(queue: string[], provider: PaymentProvider): Promise<void> {
  while (queue.length) {
    const id = queue.shift()!;
    const r = await executeWriteback(cardEngine(queue, provider), id);
    if (r.outcome === 'retry') throw new Error(`write-back ${id} asked for a retry: ${r.error}`);
  }
}

/**
 * A customer who paid invoice 1 (200.00) by bank transfer two days ago and invoice 2 (200.00) by card
 * through the pay link today, booked through the outbox and synced: the card payment is the possible duplicate.
 */
async function cardPaidDuplicate(ledger: 'xero' | 'quickbooks', provider: PaymentProvider, tag: string, language?: 'fr') {
  const org = orgs.get(ledger)!;
  const s = store();
  const email = `${tag}@customer.example`;
  const contact = s.createContact(org.companyId, { name: `Card Payer ${tag}`, email });
  const today = companyToday(s, org.companyId);
  const qbo = ledger === 'quickbooks';
  const mk = (n: number) =>
    s.createInvoice(org.companyId, {
      contactId: contact.id,
      issueDate: addDays(today, -10),
      dueDate: addDays(today, 20),
      lines: [{ description: 'Monthly bookkeeping', unitAmount: 20_000, taxAmount: 0 }],
      status: 'AUTHORISED',
      lineAmountTypes: 'NoTax',
      ...(qbo ? { number: String(80_000 + s.list('invoices', org.companyId).length + n) } : {}),
    });
  const inv1 = mk(0);
  const inv2 = mk(1);
  s.createPayment(org.companyId, { date: addDays(today, -2), allocations: [{ invoiceId: inv1.id, amount: 20_000 }], reference: 'Bank transfer' });
  await sync(fx, org.organisationId);
  if (language) await fx.db.insert(reminderCustomers).values({ firmId: fx.firmId, organisationId: org.organisationId, contactExternalId: contact.id, language });
  const [inv2Row] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, org.organisationId), eq(invoices.externalId, inv2.id)));
  const currency = inv2Row!.currency;

  const { view, token } = await viewFor(fx, org.organisationId, contact.id);
  const pi = `pi_3QArcus${tag.replace(/[^A-Za-z0-9]/g, '')}`;
  if (provider.name === 'stripe') {
    const cs = `cs_test_${tag.replace(/[^A-Za-z0-9]/g, '')}`;
    nock(BASE)
      .post('/v1/checkout/sessions')
      .reply(200, { ...payFixture('session-created'), id: cs })
      .get(`/v1/checkout/sessions/${cs}`)
      .reply(200, { ...payFixture('session-complete'), id: cs, amount_total: 20_000, amount_subtotal: 20_000, currency: currency.toLowerCase(), payment_intent: pi, status: 'complete', payment_status: 'paid' });
  }
  const opened = await openCheckout({ db: fx.db, provider, appUrl: APP_URL }, view, token, { invoiceIds: [inv2Row!.id] });
  if (provider.name === 'sandbox') {
    const [row] = await fx.db.select().from(checkouts).where(eq(checkouts.id, opened.checkoutId));
    expect(await sandboxPay(fx.db, row!.providerSessionId!)).not.toBeNull();
  }
  const queue: string[] = [];
  const done = await completeCheckout({ db: fx.db, provider, enqueueExecute: async (id) => void queue.push(id), now }, { checkoutId: opened.checkoutId });
  expect(done.outcome).toBe('completed');
  await drain(fx, queue);
  await sync(fx, org.organisationId);
  const [checkout] = await fx.db.select().from(checkouts).where(eq(checkouts.id, opened.checkoutId));
  const [paymentWb] = await fx.db.select().from(writebacks).where(eq(writebacks.sourceKey, `payment:${opened.checkoutId}:${inv2Row!.id}`));
  const [payment] = await fx.db.select().from(payments).where(and(eq(payments.organisationId, org.organisationId), eq(payments.externalId, paymentWb!.externalId!)));
  const key = `duplicate:${payment!.id}`;
  const [c] = await fx.db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.organisationId, org.organisationId), eq(contacts.externalId, contact.id)));
  return { org, email, currency, key, paymentIntent: checkout!.providerPaymentId!, contactId: c!.id, contactExternalId: contact.id, paymentExternalId: payment!.externalId };
}

const decide = (organisationId: string, key: string, extra: { amount?: string; to?: 'card' | 'ledger' }, provider: PaymentProvider | null, queue: string[]) =>
  decideException({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now }, { firmId: fx.firmId, userId }, { organisationId, key, action: 'refund', reason: 'Paid twice: the customer asked for the card payment back', ...extra }, now(), { payments: provider });

const timeline = async (contactId: string) =>
  (await fx.db.select({ kind: activities.kind, summary: activities.summary }).from(activities).where(and(eq(activities.contactId, contactId), sql`(${activities.kind} IN ('exception.decided', 'refund.card_refunded', 'refund.card_failed', 'refund.notice') OR (${activities.kind} LIKE 'writeback.%' AND ${activities.details}->>'kind' = 'refund'))`))).map((a) => a.kind).sort();
/** One entry per step (sorted: the confirmation is stamped by the database's clock, the rest by the test's). */
const STEPS = ['exception.decided', 'refund.card_refunded', 'refund.notice', 'writeback.confirmed', 'writeback.requested'];

/** Xero: the refund payments against the credit note the refund wrote, by the write-back's refund payment id. */
function xeroRefundOf(companyId: string, refundPaymentId: string) {
  const p = store().list('payments', companyId).find((x) => x.id === refundPaymentId);
  const creditNoteId = p?.creditNoteLinks[0]?.creditNoteId;
  return { payment: p, creditNote: creditNoteId ? store().creditNote(companyId, creditNoteId) : null, refundsOnIt: creditNoteId ? store().list('payments', companyId).filter((x) => x.creditNoteLinks.some((l) => l.creditNoteId === creditNoteId)) : [] };
}

function deliver(name: string, object: Record<string, unknown>) {
  const body = Buffer.from(JSON.stringify({ ...fixture(name), created: Math.floor(fx.now() / 1000), data: { object } }));
  const t = Math.floor(fx.now() / 1000);
  return stripe().parseWebhook(body, { 'stripe-signature': `t=${t},v1=${signStripePayload(body, SECRET, t)}` });
}

/** What the Stripe webhook route does with a refund event: find the card refunds it concerns, read each back, settle. */
async function webhook(name: string, object: Record<string, unknown>, queue: string[]) {
  const event = deliver(name, object);
  const ref = cardRefundEventOf(event.type, event.object);
  expect(ref).not.toBeNull();
  const targets = await cardRefundOfEvent(fx.db, 'stripe', ref!);
  const out: string[] = [];
  for (const t of targets) out.push(await cardRefundEvent({ db: fx.db, provider: stripe(), now, mail: mail(), enqueueExecute: async (id) => void queue.push(id) }, t.id));
  return out;
}

describeWith('pg', 'Refund to card (Stripe under nock, sandbox provider) on both sandbox ledgers', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 5055, companies: [{ provider: 'xero', customers: 3, invoices: 6 }, { provider: 'quickbooks', customers: 3, invoices: 6 }] });
    capture = await startCapture({ now });
    const synced = await connectAndSync(fx, { name: 'Rae Refunds', email: 'rae@firm.example' });
    userId = synced.userId;
    orgs = synced.orgs;
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

  it('Xero + Stripe: a partial refund to the card; the worker killed between Stripe’s answer and the bookkeeping; Stripe asked once, one credit note and refund in Xero, one email, one timeline entry per step', async () => {
    const d = await cardPaidDuplicate('xero', stripe(), 'xs1');
    const item = (await listExceptions(fx.db, fx.firmId, d.org.organisationId, now(), { payments: stripe() })).find((e) => e.key === d.key);
    expect(item).toMatchObject({ kindText: 'Possible duplicate payment', refundMax: '200.00', cardRefund: { max: '200.00', providerText: 'Stripe', cardText: 'the card used on the pay link' } });
    // A server without the provider does not offer it.
    expect((await listExceptions(fx.db, fx.firmId, d.org.organisationId, now())).find((e) => e.key === d.key)!.cardRefund).toBeNull();

    const queue: string[] = [];
    await expect(decide(d.org.organisationId, d.key, { amount: '250.00', to: 'card' }, stripe(), queue)).rejects.toThrow(/Refund at most [A-Z]{3} 200\.00/);
    await expect(decide(d.org.organisationId, d.key, { amount: '80.00', to: 'card' }, null, queue)).rejects.toThrow(/not available on this server/);
    const r = await decide(d.org.organisationId, d.key, { amount: '80.00', to: 'card' }, stripe(), queue);
    expect(r).toMatchObject({ created: true, status: 'pending' });
    expect(queue).toEqual([r.writebackId]);
    const [card] = await fx.db.select().from(cardRefunds).where(eq(cardRefunds.writebackId, r.writebackId!));
    expect(card).toMatchObject({ status: 'requested', provider: 'stripe', providerPaymentId: d.paymentIntent, amount: '80.0000' });

    const posts: { key: string; form: Record<string, string> }[] = [];
    nock(BASE)
      .post('/v1/refunds', (b) => {
        posts.push({ key: '', form: Object.fromEntries(new URLSearchParams(b as unknown as string)) });
        return true;
      })
      .reply(function (this: nock.ReplyFnContext) {
        posts[posts.length - 1]!.key = String(this.req.headers['idempotency-key']);
        return [200, { ...fixture('refund-succeeded'), id: 're_xs1', amount: 8_000, currency: d.currency.toLowerCase(), payment_intent: d.paymentIntent, metadata: { arcusRefundId: card!.id } }];
      });
    // Killed after Stripe refunded and before Arcus recorded it.
    await expect(executeWriteback(cardEngine([], stripe(), 'wb.card-after-provider'), r.writebackId!)).rejects.toThrow(SimulatedCrash);
    expect(posts).toEqual([{ key: card!.id, form: { payment_intent: d.paymentIntent, amount: '8000', reason: 'requested_by_customer', 'metadata[organisationId]': d.org.organisationId, 'metadata[writebackId]': r.writebackId!, 'metadata[arcusRefundId]': card!.id } }]);
    expect((await fx.db.select().from(cardRefunds).where(eq(cardRefunds.id, card!.id)))[0]).toMatchObject({ status: 'refunding', calls: 1 });
    expect(emailsTo(d.email)).toHaveLength(0);

    // The sweep after the leases ran out: the refund Stripe made is found by our id; no second POST /v1/refunds.
    fx.advance(6 * MIN);
    expect(await stuckWritebacks(fx.db, now(), MIN)).toContain(r.writebackId);
    nock(BASE)
      .get('/v1/refunds')
      .query({ payment_intent: d.paymentIntent, limit: '100' })
      .reply(200, { ...fixture('refund-list'), data: [{ ...fixture('refund-succeeded'), id: 're_xs1', amount: 8_000, currency: d.currency.toLowerCase(), payment_intent: d.paymentIntent, metadata: { arcusRefundId: card!.id } }] });
    const again: string[] = [];
    expect(await executeWriteback(cardEngine(again, stripe()), r.writebackId!)).toEqual({ outcome: 'confirmed' });
    expect(posts).toHaveLength(1);
    expect((await fx.db.select().from(cardRefunds).where(eq(cardRefunds.id, card!.id)))[0]).toMatchObject({ status: 'succeeded', providerRefundId: 're_xs1', calls: 2 });

    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ kind: 'refund', status: 'confirmed' });
    const x = xeroRefundOf(d.org.companyId, wb!.externalId!);
    expect(x.creditNote).toMatchObject({ total: 8_000, remainingCredit: 0, status: 'PAID' });
    expect(x.refundsOnIt.map((p) => p.amount)).toEqual([8_000]);

    const mails = emailsTo(d.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^Your refund of .*80\.00 — /);
    expect(mails[0]!.text).toContain('the card you paid with');
    expect(await timeline(d.contactId)).toEqual(STEPS);

    // Run again, and Stripe's late webhook: nothing more (no Stripe call: no interceptor is left).
    expect(await executeWriteback(cardEngine([], stripe()), r.writebackId!)).toEqual({ outcome: 'not_claimable' });
    const late: string[] = [];
    expect(await webhook('event-refund-updated', { ...fixture('refund-succeeded'), id: 're_xs1', payment_intent: d.paymentIntent, metadata: { arcusRefundId: card!.id } }, late)).toEqual(['unchanged']);
    expect(late).toEqual([]);
    expect(emailsTo(d.email)).toHaveLength(1);
    // Deciding again is the first decision.
    expect(await decide(d.org.organisationId, d.key, { amount: '80.00', to: 'card' }, stripe(), queue)).toMatchObject({ created: false, writebackId: r.writebackId });
    expect(await fx.db.select().from(cardRefunds).where(eq(cardRefunds.providerPaymentId, d.paymentIntent))).toHaveLength(1);
  });

  it('Xero + Stripe: a refund Stripe answers pending waits; the signed charge.refunded webhook reads it back, then the ledger is written and the debtor emailed once', async () => {
    const d = await cardPaidDuplicate('xero', stripe(), 'xs2');
    const queue: string[] = [];
    const r = await decide(d.org.organisationId, d.key, { to: 'card' }, stripe(), queue);
    const [card] = await fx.db.select().from(cardRefunds).where(eq(cardRefunds.writebackId, r.writebackId!));
    const refund = { ...fixture('refund-pending'), id: 're_xs2', amount: 20_000, currency: d.currency.toLowerCase(), payment_intent: d.paymentIntent, metadata: { arcusRefundId: card!.id } };
    nock(BASE).post('/v1/refunds').matchHeader('idempotency-key', card!.id).reply(200, refund);
    const r1 = await executeWriteback(cardEngine([], stripe()), r.writebackId!);
    expect(r1).toMatchObject({ outcome: 'retry' });
    expect((await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!)))[0]).toMatchObject({ status: 'pending', externalId: null });
    expect((await fx.db.select().from(cardRefunds).where(eq(cardRefunds.id, card!.id)))[0]).toMatchObject({ status: 'pending', providerRefundId: 're_xs2' });
    expect(emailsTo(d.email)).toHaveLength(0);
    // The sweep honours the wait it asked for (decision 063): Stripe is not polled every minute.
    const asked = (await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!)))[0]!.nextAttemptAt!.getTime();
    expect(asked - fx.now()).toBeGreaterThan(CARD_REFUND_WAIT_MS - MIN);
    for (const minutes of [1, 5, 9]) {
      fx.advance(Math.max(0, asked - (CARD_REFUND_WAIT_MS - minutes * MIN) - fx.now()));
      expect(await sweepOnce(fx)).not.toContain(r.writebackId);
    }
    // Once the wait is over the sweep takes it again, and Stripe is asked once (still pending: it waits again).
    fx.advance(Math.max(0, asked + 1 - fx.now()));
    expect(await sweepOnce(fx)).toContain(r.writebackId);
    nock(BASE).get('/v1/refunds/re_xs2').reply(200, refund);
    expect(await executeWriteback(cardEngine([], stripe()), r.writebackId!)).toMatchObject({ outcome: 'retry' });
    fx.advance(2 * MIN);
    expect(await sweepOnce(fx)).not.toContain(r.writebackId);

    nock(BASE).get('/v1/refunds/re_xs2').reply(200, { ...refund, status: 'succeeded' });
    const woken: string[] = [];
    expect(await webhook('event-charge-refunded', { ...fixture('charge-refunded'), payment_intent: d.paymentIntent, currency: d.currency.toLowerCase() }, woken)).toEqual(['succeeded']);
    expect(woken).toEqual([r.writebackId]);
    expect(emailsTo(d.email)).toHaveLength(1);
    await drainCards(woken, stripe());
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ status: 'confirmed' });
    expect(xeroRefundOf(d.org.companyId, wb!.externalId!).refundsOnIt.map((p) => p.amount)).toEqual([20_000]);
    expect(emailsTo(d.email)).toHaveLength(1);
    expect(await timeline(d.contactId)).toEqual(STEPS);
  });

  it('Xero + Stripe: a refund Stripe refuses writes nothing to the ledger and sends no email; the reason is on the timeline', async () => {
    const d = await cardPaidDuplicate('xero', stripe(), 'xs3');
    const queue: string[] = [];
    const r = await decide(d.org.organisationId, d.key, { to: 'card' }, stripe(), queue);
    nock(BASE).post('/v1/refunds').reply(400, fixture('error-amount-too-large'));
    expect(await executeWriteback(cardEngine([], stripe()), r.writebackId!)).toEqual({ outcome: 'failed' });
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ status: 'cancelled', externalId: null, error: expect.stringMatching(/^Stripe refused the card refund: Refund amount/) });
    expect(emailsTo(d.email)).toHaveLength(0);
    const [failed] = await fx.db.select().from(activities).where(and(eq(activities.contactId, d.contactId), eq(activities.kind, 'refund.card_failed')));
    expect(failed!.summary).toMatch(/^The card refund did not go through: Stripe refused the card refund: .+ Nothing was written to the ledger\.$/);
  });

  it('QuickBooks + Stripe: killed after the POST; Stripe lists no refund with our id, so the same request goes again with the same Idempotency-Key; one refund receipt, one email', async () => {
    const d = await cardPaidDuplicate('quickbooks', stripe(), 'qs3');
    const queue: string[] = [];
    const r = await decide(d.org.organisationId, d.key, { amount: '120.00', to: 'card' }, stripe(), queue);
    const [card] = await fx.db.select().from(cardRefunds).where(eq(cardRefunds.writebackId, r.writebackId!));
    const keys: string[] = [];
    const answer = { ...fixture('refund-succeeded'), id: 're_qs3', amount: 12_000, currency: d.currency.toLowerCase(), payment_intent: d.paymentIntent, metadata: { arcusRefundId: card!.id } };
    nock(BASE)
      .post('/v1/refunds')
      .times(2)
      .reply(function (this: nock.ReplyFnContext) {
        keys.push(String(this.req.headers['idempotency-key']));
        return [200, answer];
      });
    await expect(executeWriteback(cardEngine([], stripe(), 'wb.card-after-provider'), r.writebackId!)).rejects.toThrow(SimulatedCrash);
    fx.advance(6 * MIN);
    nock(BASE).get('/v1/refunds').query({ payment_intent: d.paymentIntent, limit: '100' }).reply(200, fixture('refund-list'));
    expect(await executeWriteback(cardEngine([], stripe()), r.writebackId!)).toEqual({ outcome: 'confirmed' });
    // Both POSTs carried the card refund's id: Stripe answers the second with the first refund.
    expect(keys).toEqual([card!.id, card!.id]);
    expect((await fx.db.select().from(cardRefunds).where(eq(cardRefunds.id, card!.id)))[0]).toMatchObject({ status: 'succeeded', providerRefundId: 're_qs3', calls: 2 });
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    const ledger = await fx.gateway.open(d.org.organisationId, { purpose: 'writeback' });
    expect(await ledger.writes.readRefund(wb!.externalId!)).toMatchObject({ total: '120.00', status: 'authorised' });
    expect(emailsTo(d.email)).toHaveLength(1);
    expect(await timeline(d.contactId)).toEqual(STEPS);
  });

  it('QuickBooks + sandbox provider: all of it back to the card; one refund receipt; the email in the customer’s language (French), once; more than is left is refused by the provider', async () => {
    const d = await cardPaidDuplicate('quickbooks', sandbox(), 'qs1', 'fr');
    const item = (await listExceptions(fx.db, fx.firmId, d.org.organisationId, now(), { payments: sandbox() })).find((e) => e.key === d.key);
    expect(item?.cardRefund).toMatchObject({ max: '200.00', providerText: 'the sandbox payment provider' });
    const queue: string[] = [];
    const r = await decide(d.org.organisationId, d.key, { to: 'card' }, sandbox(), queue);
    await drainCards(queue, sandbox());
    const [card] = await fx.db.select().from(cardRefunds).where(eq(cardRefunds.writebackId, r.writebackId!));
    expect(card).toMatchObject({ status: 'succeeded', providerRefundId: expect.stringMatching(/^re_sandbox_/), amount: '200.0000' });
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ kind: 'refund', status: 'confirmed' });
    const ledger = await fx.gateway.open(d.org.organisationId, { purpose: 'writeback' });
    expect(await ledger.writes.readRefund(wb!.externalId!)).toMatchObject({ total: '200.00', status: 'authorised' });
    expect((await fx.db.select().from(writebacks).where(and(eq(writebacks.organisationId, d.org.organisationId), eq(writebacks.kind, 'refund'), eq(writebacks.contactExternalId, d.contactExternalId)))).length).toBe(1);
    const mails = emailsTo(d.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^Votre remboursement de /);
    expect(mails[0]!.text).toContain('la carte utilisée pour le paiement');
    // The day paid in French too (it was written the English way before).
    expect(mails[0]!.text).toMatch(/\(votre paiement du \d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}\)\./);
    // Nothing is left on the card payment.
    await expect(sandbox().refunds!.refund({ idempotencyKey: randomUUID(), paymentId: d.paymentIntent, amount: '1.00', currency: d.currency, reason: 'requested_by_customer', metadata: {} })).rejects.toThrow(/greater than unrefunded amount on charge \(0\.00\)/);
    expect(await timeline(d.contactId)).toEqual(STEPS);
  });

  it('never more to the card than was charged less what is already refunded, in words; a refund by bank instead is recorded once and the debtor emailed once', async () => {
    const d = await cardPaidDuplicate('quickbooks', sandbox(), 'qs2');
    // An earlier refund of 150.00 of this card payment (another decision on the same payment), and one of 30.00 an approver rejected (not counted).
    await fx.db.insert(cardRefunds).values({ firmId: fx.firmId, organisationId: d.org.organisationId, writebackId: randomUUID(), contactExternalId: d.contactExternalId, provider: 'sandbox', providerPaymentId: d.paymentIntent, amount: '150.00', currency: d.currency, status: 'succeeded' });
    const [rejected] = await fx.db.insert(writebacks).values({ firmId: fx.firmId, organisationId: d.org.organisationId, kind: 'refund', request: {}, status: 'rejected', requestedBy: 'user', amount: '30.00', currency: d.currency }).returning();
    await fx.db.insert(cardRefunds).values({ firmId: fx.firmId, organisationId: d.org.organisationId, writebackId: rejected!.id, contactExternalId: d.contactExternalId, provider: 'sandbox', providerPaymentId: d.paymentIntent, amount: '30.00', currency: d.currency, status: 'requested' });
    const item = (await listExceptions(fx.db, fx.firmId, d.org.organisationId, now(), { payments: sandbox() })).find((e) => e.key === d.key);
    expect(item).toMatchObject({ refundMax: '200.00', cardRefund: { max: '50.00' } });
    const queue: string[] = [];
    await expect(decide(d.org.organisationId, d.key, { amount: '60.00', to: 'card' }, sandbox(), queue)).rejects.toThrow(/^Refund at most [A-Z]{3} 50\.00 to the card: [A-Z]{3} 200\.00 was charged and [A-Z]{3} 150\.00 of it is already refunded\.$/);
    expect(queue).toEqual([]);
    // Recorded in the ledger only, the whole 200.00 may still go back by bank: one refund receipt, and the debtor told once.
    const r = await decide(d.org.organisationId, d.key, { amount: '200.00', to: 'ledger' }, sandbox(), queue);
    expect(r).toMatchObject({ created: true });
    await drainCards(queue, sandbox());
    expect((await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!)))[0]).toMatchObject({ status: 'confirmed' });
    expect(await executeWriteback(cardEngine([], sandbox()), r.writebackId!)).toEqual({ outcome: 'not_claimable' });
    expect(await fx.db.select().from(cardRefunds).where(eq(cardRefunds.providerPaymentId, d.paymentIntent))).toHaveLength(2);
    const mails = emailsTo(d.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^Your refund of .*200\.00 — /);
    expect(mails[0]!.text).toContain('We have refunded');
    expect(mails[0]!.text).not.toContain('card');
    expect((await fx.db.select().from(activities).where(and(eq(activities.contactId, d.contactId), eq(activities.kind, 'refund.notice')))).map((a) => a.summary)).toEqual([expect.stringMatching(/^Refund email sent to /)]);
  });

  it('Xero + sandbox provider: an autopay charge refunded to the saved card; the email names the card; the ledger refund once', async () => {
    const org = orgs.get('xero')!;
    const s = store();
    const email = 'autopay.refund@customer.example';
    const c = await customerWithInvoice(fx, org, 'Autopay Refund Ltd', email, 0);
    const today = companyToday(s, org.companyId);
    const other = s.createInvoice(org.companyId, { contactId: c.contactExternalId, issueDate: addDays(today, -10), dueDate: addDays(today, -3), lines: [{ description: 'Monthly bookkeeping', unitAmount: 20_000, taxAmount: 0 }], status: 'AUTHORISED', lineAmountTypes: 'NoTax' });
    s.createPayment(org.companyId, { date: addDays(today, -2), allocations: [{ invoiceId: other.id, amount: 20_000 }], reference: 'Bank transfer' });
    await sync(fx, org.organisationId);
    const { view, token } = await viewFor(fx, org.organisationId, c.contactExternalId);
    const started = await startCardSetup({ db: fx.db, provider: sandbox(), appUrl: APP_URL }, view, token);
    expect(await sandboxSaveCard(fx.db, started.url.split('/').pop()!, '4242', { month: 12, year: 2029 })).not.toBeNull();
    expect((await completeCardSetup({ db: fx.db, provider: sandbox(), now }, { id: started.setupId })).outcome).toBe('saved');
    expect(await setAutopay({ db: fx.db, provider: sandbox(), now }, view, { scope: 'invoices', on: true })).toEqual({ on: true });
    const charged: string[] = [];
    expect(await runAutopay(autopayDeps(fx, capture, sandbox(), charged), org.organisationId)).toMatchObject({ charged: 1 });
    await drain(fx, charged);
    await sync(fx, org.organisationId);
    const [attempt] = await fx.db.select().from(chargeAttempts).where(eq(chargeAttempts.invoiceId, c.invoiceId));
    const item = (await listExceptions(fx.db, fx.firmId, org.organisationId, now(), { payments: sandbox() })).find((e) => e.kind === 'duplicate' && e.customerName === 'Autopay Refund Ltd');
    expect(item?.cardRefund).toMatchObject({ max: '200.00', cardText: 'Visa ending 4242' });

    const queue: string[] = [];
    const r = await decide(org.organisationId, item!.key, { amount: '50.00', to: 'card' }, sandbox(), queue);
    await drainCards(queue, sandbox());
    const [card] = await fx.db.select().from(cardRefunds).where(eq(cardRefunds.writebackId, r.writebackId!));
    expect(card).toMatchObject({ status: 'succeeded', chargeAttemptId: attempt!.id, providerPaymentId: attempt!.providerPaymentId, amount: '50.0000' });
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ status: 'confirmed' });
    expect(xeroRefundOf(org.companyId, wb!.externalId!).refundsOnIt.map((p) => p.amount)).toEqual([5_000]);
    const mails = emailsTo(email).filter((m) => /refund/i.test(m.subject));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('to the Visa card ending 4242');
  });

  it('Xero: a credit note’s credit is refunded by PUT Payments naming the credit note (its RemainingCredit falls), not a second credit note', async () => {
    const org = orgs.get('xero')!;
    const s = store();
    const contact = s.createContact(org.companyId, { name: 'Credit Holder Ltd', email: 'credit.holder@customer.example' });
    const cn = s.createCreditNote(org.companyId, { contactId: contact.id, date: addDays(companyToday(s, org.companyId), -3), lines: [{ description: 'Service cancelled', unitAmount: 12_000, taxAmount: 0 }], status: 'AUTHORISED', lineAmountTypes: 'NoTax' });
    await sync(fx, org.organisationId);
    const [row] = await queryRows<{ id: string }>(fx.db, sql`SELECT id::text FROM credit_notes WHERE organisation_id = ${org.organisationId} AND external_id = ${cn.id}`);
    const key = `unallocated_credit:${row!.id}`;
    const item = (await listExceptions(fx.db, fx.firmId, org.organisationId, now())).find((e) => e.key === key);
    // No open invoice to apply it to: keep it, or refund it.
    expect(item?.actions).toEqual(['keep_credit', 'refund']);
    expect(item).toMatchObject({ refundMax: '120.00', cardRefund: null });
    const before = s.list('creditNotes', org.companyId).length;
    const queue: string[] = [];
    const r = await decide(org.organisationId, key, { amount: '70.00' }, null, queue);
    await drain(fx, queue);
    expect((await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!)))[0]).toMatchObject({ status: 'confirmed' });
    expect(s.creditNote(org.companyId, cn.id)).toMatchObject({ remainingCredit: 5_000, status: 'AUTHORISED' });
    expect(s.list('payments', org.companyId).filter((p) => p.creditNoteLinks.some((l) => l.creditNoteId === cn.id)).map((p) => p.amount)).toEqual([7_000]);
    expect(s.list('creditNotes', org.companyId)).toHaveLength(before);
  });
});
