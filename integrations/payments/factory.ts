/** The configured payment provider (PAYMENTS_PROVIDER): Stripe Checkout, the sandbox, or none. */
import type { Config } from '../../server/config';
import type { Db } from '../../server/db/client';
import type { PaymentProvider } from './provider';
import { sandboxProvider } from './sandbox';
import { stripeProvider } from './stripe';

export function createPaymentProvider(config: Pick<Config, 'payments'>, db: Db, appUrl: () => string): PaymentProvider | null {
  const p = config.payments;
  if (p.provider === 'stripe' && p.stripe) return stripeProvider({ secretKey: p.stripe.secretKey, webhookSecret: p.stripe.webhookSecret, apiBase: p.stripe.apiBase });
  if (p.provider === 'sandbox') return sandboxProvider({ db, appUrl });
  return null;
}
