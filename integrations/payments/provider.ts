/**
 * The payment-provider interface behind pay links: open a hosted checkout for an exact amount,
 * read its state back, and verify the provider's webhook. Amounts are decimal strings in the
 * currency's major unit ("125.50"); each provider converts to what its API wants. Implemented by
 * Stripe Checkout (stripe.ts, over plain HTTP) and the sandbox provider (sandbox.ts, the demo's).
 */

export type PaymentProviderName = 'stripe' | 'sandbox';

export interface CreateCheckoutParams {
  /** Stable per checkout (our checkouts row id): a retried create returns the same session. */
  idempotencyKey: string;
  /** Decimal string, > 0, in `currency`'s major unit. */
  amount: string;
  /** ISO 4217, any case. */
  currency: string;
  description: string;
  customerEmail?: string | null;
  successUrl: string;
  cancelUrl: string;
  metadata: Record<string, string>;
}

export interface CheckoutSession {
  sessionId: string;
  url: string;
}

export interface CheckoutState {
  status: 'open' | 'complete' | 'expired';
  paid: boolean;
  /** Decimal string in the major unit. */
  amountTotal: string;
  /** Upper-case ISO 4217. */
  currency: string;
  /** The provider's payment id (Stripe PaymentIntent), when paid. */
  paymentId: string | null;
}

/** A verified provider event. `sessionId` is the checkout session it concerns, if any. */
export interface PaymentEvent {
  id: string;
  type: string;
  sessionId: string | null;
  /** The event's `data.object` as sent (a charge, a dispute…), for handlers that read it (server/returns/). */
  object?: unknown;
}

export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** A card saved with the provider: what Arcus may keep (never the number). */
export interface SavedCard {
  methodId: string;
  /** The provider's brand word: visa, mastercard, amex, … */
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface CardSetupParams {
  /** Stable per setup (our saved_payment_methods row id): a retried create returns the same session. */
  idempotencyKey: string;
  /** The provider's customer for this debtor, when one exists already. */
  customerId: string | null;
  customerName: string;
  customerEmail?: string | null;
  successUrl: string;
  cancelUrl: string;
  metadata: Record<string, string>;
}

export interface CardSetupSession {
  /** The provider's hosted setup session (Stripe Checkout in setup mode). */
  setupRef: string;
  url: string;
  customerId: string;
}

export interface CardSetupState {
  status: 'open' | 'complete' | 'expired';
  customerId: string | null;
  /** Set once the card is saved. */
  card: SavedCard | null;
}

export interface OffSessionChargeParams {
  /** Our charge attempt's id: the same attempt asked twice is one charge. */
  idempotencyKey: string;
  customerId: string;
  methodId: string;
  /** Decimal string, > 0, in `currency`'s major unit. */
  amount: string;
  currency: string;
  description: string;
  metadata: Record<string, string>;
}

/** Why a card charge failed, as far as Arcus acts on it: a decline, or the bank wants the card holder present. */
export type ChargeFailureCode = 'card_declined' | 'authentication_required' | 'expired_card' | 'insufficient_funds' | 'other';

export type OffSessionResult =
  | { outcome: 'succeeded'; paymentId: string; amount: string; currency: string }
  | { outcome: 'processing'; paymentId: string }
  | { outcome: 'failed'; paymentId: string | null; code: ChargeFailureCode };

/** Saving cards and charging them without the debtor present (autopay, server/autopay/). */
export interface CardPayments {
  setupCard(params: CardSetupParams): Promise<CardSetupSession>;
  retrieveCardSetup(setupRef: string): Promise<CardSetupState>;
  /** A card refusal is a `failed` result; an outage or a refused request throws PaymentProviderError. */
  chargeOffSession(params: OffSessionChargeParams): Promise<OffSessionResult>;
}

export interface CardRefundParams {
  /** Our card refund's id (card_refunds row): the same refund asked twice is one refund. Also sent as metadata `arcusRefundId`. */
  idempotencyKey: string;
  /** The card payment to refund (Stripe PaymentIntent). */
  paymentId: string;
  /** Decimal string, > 0, in `currency`'s major unit. */
  amount: string;
  currency: string;
  reason: 'duplicate' | 'requested_by_customer';
  metadata: Record<string, string>;
}

/** A refund as the provider reports it (a response or a webhook's object). */
export interface CardRefund {
  refundId: string;
  paymentId: string | null;
  /** pending and requires_action are still on their way; canceled is failed. */
  status: 'pending' | 'succeeded' | 'failed';
  /** Decimal string in the major unit. */
  amount: string;
  currency: string;
  /** Our card refund's id, from the metadata; null when the refund was not made by Arcus. */
  arcusRefundId: string | null;
  /** The provider's word for a failed refund (lost_or_stolen_card, expired_or_canceled_card, unknown). */
  failureReason: string | null;
}

/** Money back to the card a debtor paid with (decision 055). */
export interface CardRefunds {
  /** Refusals (more than remains, a payment not found) throw PaymentProviderError with status 4xx. */
  refund(params: CardRefundParams): Promise<CardRefund>;
  retrieveRefund(refundId: string): Promise<CardRefund>;
  /** The refund Arcus made with this id on this payment, if any (a retry after the idempotency key expired). */
  findRefund(paymentId: string, arcusRefundId: string): Promise<CardRefund | null>;
}

export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Refunds to the card; absent: this provider cannot refund (the refund is recorded in the ledger only). */
  readonly refunds?: CardRefunds;
  createCheckout(params: CreateCheckoutParams): Promise<CheckoutSession>;
  retrieveCheckout(sessionId: string): Promise<CheckoutState>;
  /** Verifies the signature over the raw bytes; throws WebhookSignatureError otherwise. */
  parseWebhook(rawBody: Buffer, headers: WebhookHeaders): PaymentEvent;
  /** Saved cards and off-session charges; absent: this provider offers no autopay. */
  readonly cards?: CardPayments;
}

/** The provider refused or failed a call (Stripe's `error` object: type, code, message). */
export class PaymentProviderError extends Error {
  override name = 'PaymentProviderError';
  constructor(
    message: string,
    readonly status: number,
    readonly type: string | null = null,
    readonly code: string | null = null,
    /** The provider's error object as sent (Stripe's `error`, with its `payment_intent` on a card error). */
    readonly detail: unknown = null,
  ) {
    super(message);
  }
}

export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

export function headerValue(headers: WebhookHeaders, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted || v === undefined) continue;
    return Array.isArray(v) ? (v[0] ?? null) : v;
  }
  return null;
}
