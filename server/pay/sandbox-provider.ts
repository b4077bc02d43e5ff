/**
 * The sandbox payment provider, for the demo and tests: no card network. Its "hosted checkout"
 * is a page Arcus serves itself (GET /pay/sandbox-checkout/:sessionId, server/routes/pay.ts) with
 * one Pay button; its sessions are our own `checkouts` rows (provider 'sandbox'): a session is
 * paid once `provider_payment_id` is set. Webhooks do not exist here: the Pay button completes
 * the checkout directly, the way a provider's webhook would. It lives in server/ (not
 * integrations/payments/) because it reads and writes Arcus's own tables; it implements the same
 * PaymentProvider interface as Stripe, and the factory there is handed it where the app is wired.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { fromMinor, toMinor } from '../../kernel/money';
import { type CheckoutSession, type CheckoutState, type CreateCheckoutParams, type PaymentEvent, type PaymentProvider, PaymentProviderError, WebhookSignatureError } from '../../integrations/payments/provider';
import type { Db } from '../db/client';
import { checkouts } from '../db/schema';

export const SANDBOX_CHECKOUT_PATH = '/pay/sandbox-checkout';

/** Deterministic per idempotency key, so a retried create answers the same session. */
export function sandboxSessionId(idempotencyKey: string): string {
  return `cs_sandbox_${idempotencyKey.replace(/[^A-Za-z0-9]/g, '')}`;
}

export function sandboxProvider(opts: { db: Db; appUrl: () => string }): PaymentProvider {
  return {
    name: 'sandbox',
    async createCheckout(p: CreateCheckoutParams): Promise<CheckoutSession> {
      if (!(toMinor(p.amount, 2) > 0)) throw new PaymentProviderError('The amount must be more than zero.', 400, 'invalid_request_error', 'amount_too_small');
      const sessionId = sandboxSessionId(p.idempotencyKey);
      return { sessionId, url: `${opts.appUrl().replace(/\/+$/, '')}${SANDBOX_CHECKOUT_PATH}/${sessionId}` };
    },
    async retrieveCheckout(sessionId: string): Promise<CheckoutState> {
      const [row] = await opts.db
        .select({ amount: checkouts.amount, currency: checkouts.currency, status: checkouts.status, paymentId: checkouts.providerPaymentId })
        .from(checkouts)
        .where(and(eq(checkouts.provider, 'sandbox'), eq(checkouts.providerSessionId, sessionId)));
      if (!row) throw new PaymentProviderError('No such checkout session.', 404, 'invalid_request_error', 'resource_missing');
      const paid = row.paymentId !== null;
      return { status: paid ? 'complete' : row.status === 'expired' ? 'expired' : 'open', paid, amountTotal: fromMinor(toMinor(row.amount, 2, true), 2), currency: row.currency.toUpperCase(), paymentId: row.paymentId };
    },
    parseWebhook(): PaymentEvent {
      throw new WebhookSignatureError('the sandbox provider sends no webhooks');
    },
  };
}

/** The sandbox's Pay button: marks the session paid (once). Returns the checkout id, or null for an unknown or closed session. */
export async function sandboxPay(db: Db, sessionId: string): Promise<{ checkoutId: string; firmId: string } | null> {
  const paymentId = `pi_sandbox_${randomBytes(12).toString('hex')}`;
  await db
    .update(checkouts)
    .set({ providerPaymentId: paymentId, updatedAt: new Date() })
    .where(and(eq(checkouts.provider, 'sandbox'), eq(checkouts.providerSessionId, sessionId), isNull(checkouts.providerPaymentId), eq(checkouts.status, 'open')));
  const [row] = await db
    .select({ id: checkouts.id, firmId: checkouts.firmId, paymentId: checkouts.providerPaymentId })
    .from(checkouts)
    .where(and(eq(checkouts.provider, 'sandbox'), eq(checkouts.providerSessionId, sessionId)));
  return row?.paymentId ? { checkoutId: row.id, firmId: row.firmId } : null;
}
