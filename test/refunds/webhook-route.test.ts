/**
 * Refunds to the card through the real `/webhooks/stripe` route (decision 055), on the web process
 * with row-level security in force: a signed `refund.updated` for a card refund Stripe had answered
 * `pending` is looked up as the system, read back from Stripe (nock) in the refund's firm, recorded
 * once, and its ledger write-back queued; the same event again changes nothing; a bad signature is
 * a 400 that reads nothing.
 */
import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signStripePayload, stripeProvider } from '../../integrations/payments/stripe';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { activities, cardRefunds, checkouts, payLinks, payments, users, writebacks } from '../../server/db/schema';
import { decideException, listExceptions } from '../../server/exceptions/service';
import { ensureStatementLink } from '../../server/pay/links';
import { STATEMENTS_NOW, seedStatementsFirm } from '../statements/seed';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { until } from '../support/until';

const STRIPE = 'http://stripe.test';
const SECRET = 'whsec_test_refund_route';

describeWith('pg', 'Stripe refund webhooks through /webhooks/stripe', () => {
  let arcus: Arcus;
  let database: Database;
  let firmId = '';
  let userId = '';
  let org = '';

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('card-refund-webhook', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: STATEMENTS_NOW });
    arcus.services.payments = stripeProvider({ secretKey: 'sk_test_x', webhookSecret: SECRET, apiBase: STRIPE });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    userId = made.user.id;
    org = (await seedStatementsFirm(database, firmId)).xeroOrg;
    nock.disableNetConnect();
    nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'));
  }, 120_000);

  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await arcus?.close();
  });

  it('a signed refund.updated settles the pending card refund once and queues the ledger write', async () => {
    const db = database.db;
    expect(await db.select().from(users).where(eq(users.id, userId))).toHaveLength(1);
    await db.insert(payments).values([
      { firmId, organisationId: org, externalId: 'h-bank', contactExternalId: 'c-north', date: '2026-11-18', currency: 'GBP', amount: '80.00', reference: 'BACS', status: 'authorised', raw: {} },
      { firmId, organisationId: org, externalId: 'h-card', contactExternalId: 'c-north', date: '2026-11-20', currency: 'GBP', amount: '80.00', reference: 'Arcus pay link', status: 'authorised', raw: {} },
    ]);
    await ensureStatementLink(db, { firmId, organisationId: org, contactExternalId: 'c-north' }, { appUrl: 'http://arcus.test', linkKey: Buffer.alloc(32, 7), enqueueExecute: async () => undefined });
    const [link] = await db.select().from(payLinks).where(and(eq(payLinks.organisationId, org), eq(payLinks.contactExternalId, 'c-north')));
    const [checkout] = await db
      .insert(checkouts)
      .values({ firmId, organisationId: org, payLinkId: link!.id, provider: 'stripe', providerSessionId: 'cs_test_route', providerPaymentId: 'pi_3QArcusRoute01', amount: '80.00', currency: 'GBP', allocations: [], status: 'completed', completedAt: new Date('2026-11-20T09:00:00Z') })
      .returning();
    await db.insert(writebacks).values({ firmId, organisationId: org, kind: 'payment', purpose: 'payment', sourceKey: `payment:${checkout!.id}:x`, externalId: 'h-card', contactExternalId: 'c-north', amount: '80.00', currency: 'GBP', request: {}, status: 'confirmed', requestedBy: 'debtor' });

    const now = new Date(STATEMENTS_NOW);
    const item = (await listExceptions(db, firmId, org, now, { payments: arcus.services.payments })).find((e) => e.kind === 'duplicate' && e.customerName === 'North Yard');
    expect(item?.cardRefund).toMatchObject({ max: '80.00', providerText: 'Stripe' });
    const queued: string[] = [];
    const r = await decideException({ db, enqueueExecute: async (id) => void queued.push(id), now: () => now }, { firmId, userId }, { organisationId: org, key: item!.key, action: 'refund', reason: 'Paid twice', to: 'card' }, now, { payments: arcus.services.payments });
    const [card] = await db.select().from(cardRefunds).where(eq(cardRefunds.writebackId, r.writebackId!));
    // Stripe had answered the POST with a pending refund (what the write-back's run records).
    await db.update(cardRefunds).set({ status: 'pending', providerRefundId: 're_3QArcusRoute01' }).where(eq(cardRefunds.id, card!.id));

    const refund = { id: 're_3QArcusRoute01', object: 'refund', amount: 8_000, charge: 'ch_3QArcusRoute01', created: 1796630400, currency: 'gbp', metadata: { arcusRefundId: card!.id }, payment_intent: 'pi_3QArcusRoute01', reason: 'requested_by_customer', receipt_number: null, status: 'succeeded' };
    const body = Buffer.from(JSON.stringify({ id: 'evt_3QArcusRoute01', object: 'event', api_version: '2024-06-20', created: 1796630460, livemode: false, pending_webhooks: 1, type: 'refund.updated', data: { object: refund } }));
    const t = Math.floor(Date.now() / 1000);
    const post = (sig: string) => fetch(`${arcus.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${sig}` }, body });

    expect((await post('0'.repeat(64))).status).toBe(400);
    expect((await db.select().from(cardRefunds).where(eq(cardRefunds.id, card!.id)))[0]!.status).toBe('pending');

    nock(STRIPE).get('/v1/refunds/re_3QArcusRoute01').reply(200, refund);
    expect((await post(signStripePayload(body, SECRET, t))).status).toBe(200);
    expect(nock.pendingMocks()).toEqual([]);
    expect((await db.select().from(cardRefunds).where(eq(cardRefunds.id, card!.id)))[0]).toMatchObject({ status: 'succeeded' });
    const entries = await db.select().from(activities).where(and(eq(activities.firmId, firmId), eq(activities.kind, 'refund.card_refunded')));
    expect(entries.map((e) => e.summary)).toEqual(['£80.00 refunded to the customer’s card through Stripe']);
    // The ledger write was queued (no ledger on this server: it waits, with its reason).
    await until(async () => ((await db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!)))[0]?.attempts ?? 0) > 0, 10_000, 'the ledger write-back picked up');
    const [wb] = await db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ kind: 'refund', externalId: null });

    // Delivered again: nothing is read or recorded twice (no interceptor: a Stripe call would fail).
    expect((await post(signStripePayload(body, SECRET, t))).status).toBe(200);
    expect(await db.select().from(activities).where(and(eq(activities.firmId, firmId), eq(activities.kind, 'refund.card_refunded')))).toHaveLength(1);
  });
});
