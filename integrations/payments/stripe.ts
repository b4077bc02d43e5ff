/**
 * Stripe Checkout over plain HTTP (no SDK): form-encoded POST /v1/checkout/sessions with an
 * `Idempotency-Key`, GET /v1/checkout/sessions/:id, and `Stripe-Signature` webhook verification
 * (HMAC-SHA256 of `${t}.${rawBody}` with the endpoint secret, constant-time, 5-minute tolerance).
 * Amounts go to Stripe in its minor units: zero-decimal currencies (JPY, KRW, …) as whole units,
 * three-decimal ones (BHD, KWD, …) in thousandths. The base URL comes from config so tests can
 * point it at nock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fromMinor, toMinor } from '../../kernel/money';
import { type CheckoutSession, type CheckoutState, type CreateCheckoutParams, headerValue, type PaymentEvent, type PaymentProvider, PaymentProviderError, type WebhookHeaders, WebhookSignatureError } from './provider';

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
      throw new PaymentProviderError(e?.message ?? `Stripe answered ${res.status}`, res.status, e?.type ?? null, e?.code ?? null);
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

  return {
    name: 'stripe',
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
