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
import { and, eq, isNull, sql } from 'drizzle-orm';
import { fromMinor, toMinor } from '../../kernel/money';
import { type CardPayments, type CardRefund, type CardRefunds, type CheckoutSession, type CheckoutState, type CreateCheckoutParams, type PaymentEvent, type PaymentProvider, PaymentProviderError, WebhookSignatureError } from '../../integrations/payments/provider';
import { type Db, queryRows } from '../db/client';
import { checkouts, savedPaymentMethods } from '../db/schema';

export const SANDBOX_CHECKOUT_PATH = '/pay/sandbox-checkout';
export const SANDBOX_SETUP_PATH = '/pay/sandbox-setup';

/**
 * The sandbox's test cards (Stripe's test numbers' last four): what an off-session charge of each does.
 * 4242 is charged; 0341 is declined; 3155 needs the card holder present (authentication_required).
 */
export const SANDBOX_CARDS = {
  '4242': { brand: 'visa', outcome: 'succeeded' },
  '0341': { brand: 'visa', outcome: 'card_declined' },
  '3155': { brand: 'visa', outcome: 'authentication_required' },
} as const;
export type SandboxCard = keyof typeof SANDBOX_CARDS;

const alnum = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');

/** The sandbox's saved cards are our own saved_payment_methods rows: the setup is complete once the method is set. */
function sandboxCards(opts: { db: Db; appUrl: () => string }): CardPayments {
  return {
    async setupCard(p) {
      const setupRef = `seti_sandbox_${alnum(p.idempotencyKey)}`;
      return { setupRef, url: `${opts.appUrl().replace(/\/+$/, '')}${SANDBOX_SETUP_PATH}/${setupRef}`, customerId: p.customerId ?? `cus_sandbox_${alnum(p.idempotencyKey).slice(0, 24)}` };
    },
    async retrieveCardSetup(setupRef) {
      const [row] = await opts.db
        .select({ status: savedPaymentMethods.status, customerId: savedPaymentMethods.providerCustomerId, methodId: savedPaymentMethods.providerMethodId, brand: savedPaymentMethods.brand, last4: savedPaymentMethods.last4, expMonth: savedPaymentMethods.expMonth, expYear: savedPaymentMethods.expYear })
        .from(savedPaymentMethods)
        .where(and(eq(savedPaymentMethods.provider, 'sandbox'), eq(savedPaymentMethods.setupRef, setupRef)));
      if (!row) throw new PaymentProviderError('No such setup session.', 404, 'invalid_request_error', 'resource_missing');
      const card = row.methodId && row.brand && row.last4 && row.expMonth && row.expYear ? { methodId: row.methodId, brand: row.brand, last4: row.last4, expMonth: row.expMonth, expYear: row.expYear } : null;
      return { status: card ? 'complete' : row.status === 'expired' ? 'expired' : 'open', customerId: row.customerId, card };
    },
    async chargeOffSession(p) {
      if (!(toMinor(p.amount, 2) > 0)) throw new PaymentProviderError('The amount must be more than zero.', 400, 'invalid_request_error', 'amount_too_small');
      // Deterministic by the idempotency key and the card: the same attempt asked twice is the same charge.
      const paymentId = `pi_sandbox_${alnum(p.idempotencyKey)}`;
      const last4 = /^pm_sandbox_(\d{4})_/.exec(p.methodId)?.[1] as SandboxCard | undefined;
      const outcome = last4 ? SANDBOX_CARDS[last4]?.outcome : undefined;
      if (!outcome) throw new PaymentProviderError('No such payment method.', 400, 'invalid_request_error', 'resource_missing');
      if (outcome === 'succeeded') return { outcome: 'succeeded', paymentId, amount: fromMinor(toMinor(p.amount, 2), 2), currency: p.currency.toUpperCase() };
      return { outcome: 'failed', paymentId, code: outcome };
    },
  };
}

/** The sandbox's card page "Save card": the pending setup gets its method (once). False for an unknown or finished setup. */
export async function sandboxSaveCard(db: Db, setupRef: string, last4: SandboxCard, expiry: { month: number; year: number }): Promise<{ id: string; firmId: string } | null> {
  const card = SANDBOX_CARDS[last4];
  const [row] = await db
    .update(savedPaymentMethods)
    .set({ providerMethodId: `pm_sandbox_${last4}_${randomBytes(8).toString('hex')}`, brand: card.brand, last4, expMonth: expiry.month, expYear: expiry.year, updatedAt: new Date() })
    .where(and(eq(savedPaymentMethods.provider, 'sandbox'), eq(savedPaymentMethods.setupRef, setupRef), eq(savedPaymentMethods.status, 'pending'), isNull(savedPaymentMethods.providerMethodId)))
    .returning({ id: savedPaymentMethods.id, firmId: savedPaymentMethods.firmId });
  return row ?? null;
}

/** Deterministic per idempotency key, so a retried create answers the same session. */
export function sandboxSessionId(idempotencyKey: string): string {
  return `cs_sandbox_${idempotencyKey.replace(/[^A-Za-z0-9]/g, '')}`;
}

/**
 * The sandbox's refunds to the card (decision 055): no card network, so a refund succeeds at once,
 * its id derived from the idempotency key (the same refund asked twice is one refund), and — like
 * Stripe — never more than the payment was charged less what is already refunded (the charge is
 * our checkout or autopay attempt; earlier refunds are our card_refunds rows).
 */
function sandboxRefunds(opts: { db: Db }): CardRefunds {
  const of = (id: string, r: { paymentId: string; amount: string; currency: string; arcusRefundId: string }): CardRefund => ({ refundId: id, paymentId: r.paymentId, status: 'succeeded', amount: fromMinor(toMinor(r.amount, 2, true), 2), currency: r.currency.toUpperCase(), arcusRefundId: r.arcusRefundId, failureReason: null });
  const refunded = async (refundId: string) =>
    (await queryRows<{ id: string; payment_id: string; amount: string; currency: string }>(opts.db, sql`SELECT id::text, provider_payment_id AS payment_id, amount::text AS amount, currency FROM card_refunds WHERE provider = 'sandbox' AND provider_refund_id = ${refundId}`))[0];
  return {
    async refund(p) {
      const asked = toMinor(p.amount, 2);
      if (!(asked > 0)) throw new PaymentProviderError('The amount must be more than zero.', 400, 'invalid_request_error', 'amount_too_small');
      const [charge] = await queryRows<{ amount: string }>(
        opts.db,
        sql`SELECT amount::text AS amount FROM checkouts WHERE provider = 'sandbox' AND provider_payment_id = ${p.paymentId} AND status = 'completed'
            UNION ALL SELECT amount::text FROM charge_attempts WHERE provider = 'sandbox' AND provider_payment_id = ${p.paymentId} AND status = 'succeeded' LIMIT 1`,
      );
      if (!charge) throw new PaymentProviderError(`No such payment: '${p.paymentId}'`, 404, 'invalid_request_error', 'resource_missing');
      const [done] = await queryRows<{ total: string | null }>(
        opts.db,
        sql`SELECT sum(amount)::text AS total FROM card_refunds WHERE provider = 'sandbox' AND provider_payment_id = ${p.paymentId} AND status = 'succeeded' AND id::text <> ${p.idempotencyKey}`,
      );
      const left = toMinor(charge.amount, 2, true) - (done?.total ? toMinor(done.total, 2, true) : 0);
      if (asked > left) throw new PaymentProviderError(`Refund amount (${fromMinor(asked, 2)}) is greater than unrefunded amount on charge (${fromMinor(Math.max(left, 0), 2)})`, 400, 'invalid_request_error', left <= 0 ? 'charge_already_refunded' : null);
      return of(`re_sandbox_${alnum(p.idempotencyKey)}`, { paymentId: p.paymentId, amount: p.amount, currency: p.currency, arcusRefundId: p.idempotencyKey });
    },
    async retrieveRefund(refundId) {
      const r = await refunded(refundId);
      if (!r) throw new PaymentProviderError(`No such refund: '${refundId}'`, 404, 'invalid_request_error', 'resource_missing');
      return of(refundId, { paymentId: r.payment_id, amount: r.amount, currency: r.currency, arcusRefundId: r.id });
    },
    async findRefund(paymentId, arcusRefundId) {
      const r = await refunded(`re_sandbox_${alnum(arcusRefundId)}`);
      return r && r.payment_id === paymentId ? of(`re_sandbox_${alnum(arcusRefundId)}`, { paymentId, amount: r.amount, currency: r.currency, arcusRefundId }) : null;
    },
  };
}

export function sandboxProvider(opts: { db: Db; appUrl: () => string }): PaymentProvider {
  return {
    name: 'sandbox',
    cards: sandboxCards(opts),
    refunds: sandboxRefunds(opts),
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
