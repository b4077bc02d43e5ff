/**
 * The configured payment provider (PAYMENTS_PROVIDER): Stripe Checkout, the sandbox, or none.
 * Takes what it needs as parameters: the payment settings (config's `payments`) and a maker for
 * the sandbox provider, which lives in server/pay/ because it keeps its sessions in Arcus's own
 * `checkouts` table. Called only when chosen, so a Stripe or provider-less setup never builds it.
 */
import type { PaymentProvider, PaymentProviderName } from './provider';
import { stripeProvider } from './stripe';

export interface PaymentSettings {
  provider: PaymentProviderName | null;
  stripe: { secretKey: string; webhookSecret: string; apiBase: string } | null;
}

export interface PaymentProviderMakers {
  sandbox: () => PaymentProvider;
}

export function createPaymentProvider(settings: PaymentSettings, makers: PaymentProviderMakers): PaymentProvider | null {
  const p = settings;
  if (p.provider === 'stripe' && p.stripe) return stripeProvider({ secretKey: p.stripe.secretKey, webhookSecret: p.stripe.webhookSecret, apiBase: p.stripe.apiBase });
  if (p.provider === 'sandbox') return makers.sandbox();
  return null;
}
