/**
 * Stripe's events about saved cards and off-session charges (pure): `setup_intent.succeeded` names
 * the card setup it finishes (our row id in the SetupIntent's metadata, put there when the setup
 * was opened); `payment_intent.succeeded` / `payment_intent.payment_failed` name the charge attempt
 * (its id in the PaymentIntent's metadata). Anything else is not autopay's.
 */
import type { OffSessionResult } from '../../integrations/payments/provider';
import { paymentIntentResult, type StripePaymentIntent } from '../../integrations/payments/stripe';

export type AutopayEvent = { kind: 'setup'; savedMethodId: string } | { kind: 'charge'; attemptId: string; result: OffSessionResult };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function autopayEventOf(type: string, object: unknown): AutopayEvent | null {
  if (!object || typeof object !== 'object') return null;
  const o = object as { object?: unknown; metadata?: Record<string, unknown> | null };
  const meta = o.metadata ?? {};
  if (type === 'setup_intent.succeeded' && o.object === 'setup_intent') {
    const id = meta['savedMethodId'];
    return typeof id === 'string' && UUID.test(id) ? { kind: 'setup', savedMethodId: id } : null;
  }
  if ((type === 'payment_intent.succeeded' || type === 'payment_intent.payment_failed') && o.object === 'payment_intent') {
    const id = meta['attemptId'];
    if (typeof id !== 'string' || !UUID.test(id)) return null;
    const pi = object as StripePaymentIntent;
    if (typeof pi.id !== 'string' || typeof pi.status !== 'string' || typeof pi.currency !== 'string' || typeof pi.amount !== 'number') return null;
    const result = paymentIntentResult(type === 'payment_intent.payment_failed' && pi.status === 'succeeded' ? { ...pi, status: 'requires_payment_method' } : pi);
    return { kind: 'charge', attemptId: id, result };
  }
  return null;
}
