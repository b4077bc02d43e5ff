/**
 * Opening a checkout from a pay link: the invoices chosen (all payable ones by default), each
 * paid in full today — less an early-payment discount still in time — allocated oldest first;
 * one `checkouts` row, then the provider's hosted checkout keyed by that row's id.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { PaymentProviderError } from '../../integrations/payments/provider';
import type { Db } from '../db/client';
import { checkouts } from '../db/schema';
import { conflict, DomainError, invalidField } from '../../kernel/errors';
import { allocate } from './amounts';
import { payUrl } from './links';
import type { LinkView } from './view';

export const CheckoutInput = z.object({ invoiceIds: z.array(z.uuid({ message: 'Choose invoices from this page.' })).min(1, { message: 'Choose at least one invoice to pay.' }).max(200).optional() });

export async function openCheckout(deps: { db: Db; provider: PaymentProvider | null; appUrl: string }, view: LinkView, token: string, input: z.infer<typeof CheckoutInput>): Promise<{ checkoutId: string; url: string; amount: string; currency: string }> {
  if (!deps.provider) throw conflict('Online card payment is not available for this organisation. Please pay by bank transfer.', 'payments_unavailable');
  const result = allocate(view.invoices, input.invoiceIds ?? null, view.today);
  if (!result.ok) throw invalidField(result.field, result.message);
  const [row] = await deps.db
    .insert(checkouts)
    .values({ firmId: view.link.firmId, organisationId: view.org.id, payLinkId: view.link.id, provider: deps.provider.name, amount: result.total, currency: result.currency, allocations: result.allocations, status: 'open' })
    .returning({ id: checkouts.id });
  const checkoutId = row!.id;
  const page = payUrl(deps.appUrl, token);
  const numbers = result.allocations.map((a) => a.number || a.invoiceExternalId);
  const description = `${view.org.name}: ${numbers.length === 1 ? `invoice ${numbers[0]}` : `invoices ${numbers.slice(0, 6).join(', ')}${numbers.length > 6 ? ` and ${numbers.length - 6} more` : ''}`}`;
  try {
    const session = await deps.provider.createCheckout({
      idempotencyKey: checkoutId,
      amount: result.total,
      currency: result.currency,
      description,
      customerEmail: view.customer.email,
      successUrl: `${page}?checkout=${checkoutId}`,
      cancelUrl: `${page}?cancelled=1`,
      metadata: { checkoutId, organisationId: view.org.id, payLinkId: view.link.id },
    });
    await deps.db
      .update(checkouts)
      .set({ providerSessionId: session.sessionId, updatedAt: new Date() })
      .where(and(eq(checkouts.id, checkoutId), eq(checkouts.firmId, view.link.firmId)));
    return { checkoutId, url: session.url, amount: result.total, currency: result.currency };
  } catch (err) {
    await deps.db
      .update(checkouts)
      .set({ status: 'failed', updatedAt: new Date() })
      .where(and(eq(checkouts.id, checkoutId), eq(checkouts.firmId, view.link.firmId)));
    // The provider's own words (its codes and ids) stay on `cause`: the debtor reads a sentence.
    if (err instanceof PaymentProviderError) {
      const busy = err.status >= 500;
      throw new DomainError(busy ? 'upstream_failed' : 'validation_failed', busy ? 'The payment service is not answering. Please try again in a few minutes.' : 'The payment could not be started. Please try again, or pay by bank transfer.', { code: 'payment_provider_error', cause: err });
    }
    throw err;
  }
}
