/**
 * Stripe Checkout over plain HTTP (no SDK): form-encoded POST /v1/checkout/sessions with an
 * `Idempotency-Key`, GET /v1/checkout/sessions/:id, POST /v1/refunds keyed by our card refund's
 * id (decision 055), and `Stripe-Signature` webhook verification
 * (HMAC-SHA256 of `${t}.${rawBody}` with the endpoint secret, constant-time, 5-minute tolerance).
 * Amounts go to Stripe in its minor units: zero-decimal currencies (JPY, KRW, …) as whole units,
 * three-decimal ones (BHD, KWD, …) in thousandths. The base URL comes from config so tests can
 * point it at nock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fromMinor, toMinor } from '../../kernel/money';
import {
  type CardPayments,
  type CardRefund,
  type CardRefunds,
  type CardSetupState,
  type ChargeFailureCode,
  type CheckoutSession,
  type CheckoutState,
  type CreateCheckoutParams,
  headerValue,
  type OffSessionResult,
  type PaymentEvent,
  type PaymentProvider,
  PaymentProviderError,
  type WebhookHeaders,
  WebhookSignatureError,
} from './provider';

/** https://docs.stripe.com/currencies#zero-decimal */
export const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
/** https://docs.stripe.com/currencies#three-decimal (the last digit must be 0). */
export const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export const WEBHOOK_TOLERANCE_SECONDS = 300;
const API_VERSION = '2024-06-20';

export function stripeScale(currency: string): number {
  const c = currency.toUpperCase();
  return ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
}

/** "125.50" GBP → 12550; "1200.00" JPY → 1200. A fraction a zero-decimal currency cannot carry is an error. */
export function toStripeAmount(amount: string, currency: string): number {
  return toMinor(amount, stripeScale(currency));
}

export function fromStripeAmount(units: number, currency: string): string {
  const scale = stripeScale(currency);
  // Always two or more places, like our decimal strings.
  return scale === 0 ? `${units}.00` : fromMinor(units, scale);
}

/** Stripe's bracket form encoding of nested params (metadata[k]=v, line_items[0][…]=…). */
export function formEncode(params: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const key = prefix ? `${prefix}[${k}]` : k;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        out.push(...(typeof item === 'object' && item !== null ? formEncode(item as Record<string, unknown>, `${key}[${i}]`) : [`${encodeURIComponent(`${key}[${i}]`)}=${encodeURIComponent(String(item))}`]));
      });
    } else if (typeof v === 'object') out.push(...formEncode(v as Record<string, unknown>, key));
    else out.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`);
  }
  return out;
}

interface StripeSession {
  id: string;
  object: string;
  status: 'open' | 'complete' | 'expired' | null;
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  amount_total: number | null;
  currency: string | null;
  url: string | null;
  payment_intent: string | { id: string } | null;
}

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  apiBase?: string;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
}

export function stripeProvider(opts: StripeOptions): PaymentProvider {
  const base = (opts.apiBase ?? 'https://api.stripe.com').replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;

  async function call<T>(method: 'GET' | 'POST', path: string, body?: string, idempotencyKey?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.secretKey}`, 'stripe-version': API_VERSION, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000) });
    } catch (err) {
      throw new PaymentProviderError(`Stripe could not be reached: ${err instanceof Error ? err.message : String(err)}`, 503, 'api_connection_error');
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // handled below
    }
    if (!res.ok) {
      const e = (json as { error?: { type?: string; code?: string; message?: string } } | null)?.error;
      throw new PaymentProviderError(e?.message ?? `Stripe answered ${res.status}`, res.status, e?.type ?? null, e?.code ?? null, e ?? null);
    }
    if (json === null || typeof json !== 'object') throw new PaymentProviderError('Stripe answered with something that is not JSON', 502, 'api_error');
    return json as T;
  }

  function state(s: StripeSession): CheckoutState {
    const currency = (s.currency ?? '').toUpperCase();
    const paymentId = typeof s.payment_intent === 'string' ? s.payment_intent : (s.payment_intent?.id ?? null);
    return {
      status: s.status ?? 'open',
      paid: s.payment_status === 'paid',
      amountTotal: fromStripeAmount(s.amount_total ?? 0, currency || 'USD'),
      currency,
      paymentId: s.payment_status === 'paid' ? paymentId : null,
    };
  }

  const cards: CardPayments = {
    async setupCard(p) {
      // The debtor's Stripe customer, once (the key is our row's: a retry finds the same customer).
      const customerId =
        p.customerId ??
        (await call<{ id: string }>('POST', '/v1/customers', formEncode({ name: p.customerName.slice(0, 250), email: p.customerEmail ?? undefined, metadata: p.metadata }).join('&'), `${p.idempotencyKey}:customer`)).id;
      // Stripe's hosted page in setup mode: it creates and confirms the SetupIntent with the card holder present.
      const body = formEncode({
        mode: 'setup',
        customer: customerId,
        payment_method_types: ['card'],
        success_url: p.successUrl,
        cancel_url: p.cancelUrl,
        metadata: p.metadata,
        setup_intent_data: { metadata: p.metadata },
      }).join('&');
      const s = await call<StripeSession>('POST', '/v1/checkout/sessions', body, p.idempotencyKey);
      if (!s.id || !s.url) throw new PaymentProviderError('Stripe returned a setup session without an id or URL', 502, 'api_error');
      return { setupRef: s.id, url: s.url, customerId };
    },
    async retrieveCardSetup(setupRef): Promise<CardSetupState> {
      const s = await call<StripeSession & { customer: string | null; setup_intent: string | { id: string } | null }>('GET', `/v1/checkout/sessions/${encodeURIComponent(setupRef)}`);
      const status = s.status ?? 'open';
      const siId = typeof s.setup_intent === 'string' ? s.setup_intent : (s.setup_intent?.id ?? null);
      if (status !== 'complete' || !siId) return { status, customerId: s.customer ?? null, card: null };
      const si = await call<StripeSetupIntent>('GET', `/v1/setup_intents/${encodeURIComponent(siId)}`);
      const pmId = typeof si.payment_method === 'string' ? si.payment_method : (si.payment_method?.id ?? null);
      if (si.status !== 'succeeded' || !pmId) return { status: 'open', customerId: s.customer ?? null, card: null };
      const pm = await call<StripePaymentMethod>('GET', `/v1/payment_methods/${encodeURIComponent(pmId)}`);
      if (!pm.card) throw new PaymentProviderError('Stripe saved a payment method that is not a card', 502, 'api_error');
      return { status: 'complete', customerId: s.customer ?? si.customer ?? null, card: { methodId: pm.id, brand: pm.card.brand, last4: pm.card.last4, expMonth: pm.card.exp_month, expYear: pm.card.exp_year } };
    },
    async chargeOffSession(p): Promise<OffSessionResult> {
      const body = formEncode({
        amount: toStripeAmount(p.amount, p.currency),
        currency: p.currency.toLowerCase(),
        customer: p.customerId,
        payment_method: p.methodId,
        off_session: 'true',
        confirm: 'true',
        description: p.description.slice(0, 250),
        metadata: p.metadata,
      }).join('&');
      let pi: StripePaymentIntent;
      try {
        pi = await call<StripePaymentIntent>('POST', '/v1/payment_intents', body, p.idempotencyKey);
      } catch (err) {
        // A card error is the card's answer (402), not an outage: the attempt failed.
        if (err instanceof PaymentProviderError && err.type === 'card_error') {
          const detail = err.detail as { decline_code?: string; payment_intent?: { id?: string } } | null;
          return { outcome: 'failed', paymentId: detail?.payment_intent?.id ?? null, code: failureCode(err.code, detail?.decline_code ?? null) };
        }
        throw err;
      }
      return paymentIntentResult(pi);
    },
  };

  const refunds: CardRefunds = {
    async refund(p) {
      const body = formEncode({ payment_intent: p.paymentId, amount: toStripeAmount(p.amount, p.currency), reason: p.reason, metadata: { ...p.metadata, arcusRefundId: p.idempotencyKey } }).join('&');
      return refundOf(await call<StripeRefund>('POST', '/v1/refunds', body, p.idempotencyKey));
    },
    async retrieveRefund(refundId) {
      return refundOf(await call<StripeRefund>('GET', `/v1/refunds/${encodeURIComponent(refundId)}`));
    },
    async findRefund(paymentId, arcusRefundId) {
      const list = await call<{ data?: StripeRefund[] }>('GET', `/v1/refunds?payment_intent=${encodeURIComponent(paymentId)}&limit=100`);
      const hit = (list.data ?? []).find((r) => r.metadata?.['arcusRefundId'] === arcusRefundId);
      return hit ? refundOf(hit) : null;
    },
  };

  return {
    name: 'stripe',
    cards,
    refunds,
    async createCheckout(p: CreateCheckoutParams): Promise<CheckoutSession> {
      const currency = p.currency.toLowerCase();
      const body = formEncode({
        mode: 'payment',
        success_url: p.successUrl,
        cancel_url: p.cancelUrl,
        customer_email: p.customerEmail ?? undefined,
        client_reference_id: p.metadata['checkoutId'],
        line_items: [{ quantity: 1, price_data: { currency, unit_amount: toStripeAmount(p.amount, p.currency), product_data: { name: p.description.slice(0, 250) } } }],
        metadata: p.metadata,
        payment_intent_data: { description: p.description.slice(0, 250), metadata: p.metadata },
      }).join('&');
      const s = await call<StripeSession>('POST', '/v1/checkout/sessions', body, p.idempotencyKey);
      if (!s.id || !s.url) throw new PaymentProviderError('Stripe returned a checkout session without an id or URL', 502, 'api_error');
      return { sessionId: s.id, url: s.url };
    },
    async retrieveCheckout(sessionId: string): Promise<CheckoutState> {
      return state(await call<StripeSession>('GET', `/v1/checkout/sessions/${encodeURIComponent(sessionId)}`));
    },
    parseWebhook(rawBody: Buffer, headers: WebhookHeaders): PaymentEvent {
      verifyStripeSignature(rawBody, headerValue(headers, 'stripe-signature'), opts.webhookSecret, Math.floor(now() / 1000));
      let event: { id?: unknown; type?: unknown; data?: { object?: { id?: unknown; object?: unknown } } };
      try {
        event = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw new WebhookSignatureError('the signed body is not JSON');
      }
      if (typeof event.id !== 'string' || typeof event.type !== 'string') throw new WebhookSignatureError('the event has no id or type');
      const obj = event.data?.object;
      return { id: event.id, type: event.type, sessionId: obj?.object === 'checkout.session' && typeof obj.id === 'string' ? obj.id : null, object: obj ?? null };
    },
  };
}

/** https://docs.stripe.com/api/refunds/object */
export interface StripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string | { id: string } | null;
  status: string | null;
  metadata?: Record<string, string> | null;
  failure_reason?: string | null;
}

/** A Refund (a response or a webhook's object) → the provider-neutral refund. */
export function refundOf(r: StripeRefund): CardRefund {
  const status = r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' || r.status === 'canceled' ? 'failed' : 'pending';
  return {
    refundId: r.id,
    paymentId: typeof r.payment_intent === 'string' ? r.payment_intent : (r.payment_intent?.id ?? null),
    status,
    amount: fromStripeAmount(r.amount, r.currency),
    currency: r.currency.toUpperCase(),
    arcusRefundId: r.metadata?.['arcusRefundId'] ?? null,
    failureReason: r.failure_reason ?? null,
  };
}

interface StripeSetupIntent {
  id: string;
  object: 'setup_intent';
  status: string;
  customer: string | null;
  payment_method: string | { id: string } | null;
}

interface StripePaymentMethod {
  id: string;
  object: 'payment_method';
  type: string;
  card?: { brand: string; last4: string; exp_month: number; exp_year: number };
}

export interface StripePaymentIntent {
  id: string;
  object: 'payment_intent';
  status: string;
  amount: number;
  amount_received?: number;
  currency: string;
  metadata?: Record<string, string>;
  last_payment_error?: { code?: string; decline_code?: string; type?: string } | null;
}

/** Stripe's code (and a decline's own code) → what Arcus does about it. */
export function failureCode(code: string | null | undefined, declineCode: string | null | undefined): ChargeFailureCode {
  if (code === 'authentication_required' || declineCode === 'authentication_required') return 'authentication_required';
  if (code === 'expired_card') return 'expired_card';
  if (declineCode === 'insufficient_funds') return 'insufficient_funds';
  if (code === 'card_declined') return 'card_declined';
  return 'other';
}

/** A PaymentIntent (a response or a webhook's object) → the attempt's result. */
export function paymentIntentResult(pi: StripePaymentIntent): OffSessionResult {
  if (pi.status === 'succeeded') return { outcome: 'succeeded', paymentId: pi.id, amount: fromStripeAmount(pi.amount_received ?? pi.amount, pi.currency), currency: pi.currency.toUpperCase() };
  if (pi.status === 'processing') return { outcome: 'processing', paymentId: pi.id };
  const e = pi.last_payment_error;
  // requires_action off-session: the bank wants the card holder there.
  return { outcome: 'failed', paymentId: pi.id, code: pi.status === 'requires_action' ? 'authentication_required' : failureCode(e?.code, e?.decline_code) };
}

/** Throws WebhookSignatureError unless one v1 signature matches and `t` is within the tolerance. */
export function verifyStripeSignature(rawBody: Buffer, header: string | null, secret: string, nowSeconds: number, toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS): void {
  if (!header) throw new WebhookSignatureError('no Stripe-Signature header');
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k === 't' && /^\d+$/.test(v)) t = Number(v);
    else if (k === 'v1') v1.push(v);
  }
  if (t === null || v1.length === 0) throw new WebhookSignatureError('the Stripe-Signature header has no timestamp or v1 signature');
  const expected = Buffer.from(signStripePayload(rawBody, secret, t), 'hex');
  const ok = v1.some((sig) => {
    const given = /^[0-9a-f]+$/i.test(sig) ? Buffer.from(sig, 'hex') : Buffer.alloc(0);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new WebhookSignatureError('no signature matches the payload');
  if (Math.abs(nowSeconds - t) > toleranceSeconds) throw new WebhookSignatureError('the signature timestamp is outside the tolerance');
}

/** Hex HMAC-SHA256 of `${t}.${rawBody}`, as Stripe signs events (and tests sign fixtures). */
export function signStripePayload(rawBody: Buffer, secret: string, t: number): string {
  return createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
}
