/**
 * Stripe Checkout over HTTP, replayed with nock from recorded payloads (test/pay/fixtures/stripe,
 * shaped after Stripe's API reference): the form-encoded create with its Idempotency-Key and
 * minor units, retrieve (paid, expired), Stripe errors, and Stripe-Signature verification
 * (good, tampered, wrong secret, stale timestamp).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PaymentProviderError, WebhookSignatureError } from '../../integrations/payments/provider';
import { fromStripeAmount, signStripePayload, stripeProvider, toStripeAmount } from '../../integrations/payments/stripe';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/stripe');
const raw = (name: string) => readFileSync(path.join(DIR, `${name}.json`));
const json = (name: string) => JSON.parse(raw(name).toString('utf8')) as Record<string, unknown>;

const BASE = 'http://stripe.test';
const SECRET = 'whsec_test_5Vg2kq8XrA1mPz';
const NOW = 1_795_426_230_000;

function provider() {
  return stripeProvider({ secretKey: 'sk_test_51Arcus', webhookSecret: SECRET, apiBase: BASE, now: () => NOW });
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('Stripe Checkout provider', () => {
  it('creates a session: form-encoded, minor units, Idempotency-Key, bearer key', async () => {
    let form: URLSearchParams | null = null;
    nock(BASE, { reqheaders: { authorization: 'Bearer sk_test_51Arcus', 'idempotency-key': '3b1f6a52-8f0e-4d7c-9a1b-2c3d4e5f6a7b', 'content-type': 'application/x-www-form-urlencoded' } })
      .post('/v1/checkout/sessions', (body: unknown) => {
        form = new URLSearchParams(typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString());
        return true;
      })
      .reply(200, json('session-created'));
    const s = await provider().createCheckout({
      idempotencyKey: '3b1f6a52-8f0e-4d7c-9a1b-2c3d4e5f6a7b',
      amount: '1240.50',
      currency: 'GBP',
      description: 'Harbour Joinery: invoice INV-1042',
      customerEmail: 'ap@bayside.example',
      successUrl: 'https://arcus.example.com/pay/TOKEN?checkout=3b1f6a52-8f0e-4d7c-9a1b-2c3d4e5f6a7b',
      cancelUrl: 'https://arcus.example.com/pay/TOKEN?cancelled=1',
      metadata: { checkoutId: '3b1f6a52-8f0e-4d7c-9a1b-2c3d4e5f6a7b' },
    });
    expect(s).toEqual({ sessionId: 'cs_test_a1Kq9ZxN0sVb3mFhT7yWc2LpRd', url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/) });
    const f = form as unknown as URLSearchParams;
    expect(f.get('mode')).toBe('payment');
    expect(f.get('line_items[0][price_data][unit_amount]')).toBe('124050');
    expect(f.get('line_items[0][price_data][currency]')).toBe('gbp');
    expect(f.get('line_items[0][quantity]')).toBe('1');
    expect(f.get('metadata[checkoutId]')).toBe('3b1f6a52-8f0e-4d7c-9a1b-2c3d4e5f6a7b');
    expect(f.get('client_reference_id')).toBe('3b1f6a52-8f0e-4d7c-9a1b-2c3d4e5f6a7b');
    expect(f.get('customer_email')).toBe('ap@bayside.example');
  });

  it('converts amounts per Stripe’s zero- and three-decimal currency lists', () => {
    expect(toStripeAmount('1240.50', 'GBP')).toBe(124050);
    expect(toStripeAmount('1200.00', 'JPY')).toBe(1200);
    expect(() => toStripeAmount('1200.50', 'JPY')).toThrow();
    expect(toStripeAmount('12.345', 'KWD')).toBe(12345);
    expect(fromStripeAmount(1200, 'JPY')).toBe('1200.00');
    expect(fromStripeAmount(124050, 'GBP')).toBe('1240.50');
  });

  it('retrieves a paid session with its PaymentIntent', async () => {
    nock(BASE).get('/v1/checkout/sessions/cs_test_a1Kq9ZxN0sVb3mFhT7yWc2LpRd').reply(200, json('session-complete'));
    expect(await provider().retrieveCheckout('cs_test_a1Kq9ZxN0sVb3mFhT7yWc2LpRd')).toEqual({ status: 'complete', paid: true, amountTotal: '1240.50', currency: 'GBP', paymentId: 'pi_3QxYz2LkdIwHu7ix0Abc1234' });
  });

  it('retrieves an expired session as unpaid', async () => {
    nock(BASE).get('/v1/checkout/sessions/cs_test_a1Kq9ZxN0sVb3mFhT7yWc2LpRd').reply(200, json('session-expired'));
    const s = await provider().retrieveCheckout('cs_test_a1Kq9ZxN0sVb3mFhT7yWc2LpRd');
    expect(s).toMatchObject({ status: 'expired', paid: false, paymentId: null });
  });

  it('turns a Stripe error (card_error, 402; invalid_request_error, 400) into PaymentProviderError with Stripe’s message', async () => {
    nock(BASE).post('/v1/checkout/sessions').reply(402, json('error-card-declined'));
    const p = provider();
    const params = { idempotencyKey: 'k1', amount: '10.00', currency: 'gbp', description: 'x', successUrl: 'https://a/s', cancelUrl: 'https://a/c', metadata: {} };
    const err = await p.createCheckout(params).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect(err).toMatchObject({ status: 402, type: 'card_error', code: 'card_declined', message: 'Your card was declined.' });

    nock(BASE).post('/v1/checkout/sessions').reply(400, json('error-invalid-request'));
    const err2 = await p.createCheckout({ ...params, idempotencyKey: 'k2' }).catch((e: unknown) => e);
    expect(err2).toMatchObject({ status: 400, type: 'invalid_request_error', message: 'Invalid integer: 1240.5' });
  });
});

describe('Stripe-Signature', () => {
  const body = raw('event-checkout-session-completed');
  const t = Math.floor(NOW / 1000) - 30;
  const header = (payload: Buffer, secret = SECRET, ts = t) => `t=${ts},v1=${signStripePayload(payload, secret, ts)},v0=deadbeef`;

  it('accepts a correctly signed checkout.session.completed and names its session', () => {
    expect(provider().parseWebhook(body, { 'stripe-signature': header(body) })).toMatchObject({ id: 'evt_1QxYz3LkdIwHu7ixQwErTy12', type: 'checkout.session.completed', sessionId: 'cs_test_a1Kq9ZxN0sVb3mFhT7yWc2LpRd', object: { object: 'checkout.session' } });
  });

  it('refuses a tampered body, a wrong secret, a missing header', () => {
    const tampered = Buffer.from(body.toString('utf8').replace('"amount_total": 124050', '"amount_total": 1'));
    expect(tampered.equals(body)).toBe(false);
    expect(() => provider().parseWebhook(tampered, { 'stripe-signature': header(body) })).toThrow(WebhookSignatureError);
    expect(() => provider().parseWebhook(body, { 'stripe-signature': header(body, 'whsec_other') })).toThrow(/no signature matches/);
    expect(() => provider().parseWebhook(body, {})).toThrow(/no Stripe-Signature/);
  });

  it('refuses a stale timestamp (more than 5 minutes old) even when the signature is right', () => {
    const stale = Math.floor(NOW / 1000) - 301;
    expect(() => provider().parseWebhook(body, { 'stripe-signature': header(body, SECRET, stale) })).toThrow(/tolerance/);
    const fresh = Math.floor(NOW / 1000) - 299;
    expect(provider().parseWebhook(body, { 'stripe-signature': header(body, SECRET, fresh) }).id).toBe('evt_1QxYz3LkdIwHu7ixQwErTy12');
  });
});
