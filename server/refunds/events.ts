/**
 * Which Stripe events concern a refund to the card (decision 055). Pure. `refund.created`,
 * `refund.updated`, `refund.failed` and the older `charge.refund.updated` carry the Refund; our id
 * is in its metadata (`arcusRefundId`). `charge.refunded` carries the Charge: it names the payment,
 * and every refund of ours on it still on its way is read back. The event body only says which
 * refund to look at: its state is read back from Stripe before anything is recorded.
 */
import { z } from 'zod';

const RefundObject = z.object({ object: z.literal('refund'), id: z.string(), payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(), metadata: z.record(z.string(), z.string()).nullish() });
const ChargeObject = z.object({ object: z.literal('charge'), id: z.string(), payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish() });

export interface CardRefundEventRef {
  refundId: string | null;
  arcusRefundId: string | null;
  paymentId: string | null;
}

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : (v?.id ?? null));

export function cardRefundEventOf(type: string, object: unknown): CardRefundEventRef | null {
  if (type === 'refund.created' || type === 'refund.updated' || type === 'refund.failed' || type === 'charge.refund.updated') {
    const r = RefundObject.safeParse(object);
    if (!r.success) return null;
    // By our id, else by the provider's refund id; never "every refund on the payment" for one refund's event.
    return { refundId: r.data.id, arcusRefundId: r.data.metadata?.['arcusRefundId'] ?? null, paymentId: null };
  }
  if (type === 'charge.refunded') {
    const c = ChargeObject.safeParse(object);
    if (!c.success) return null;
    const paymentId = idOf(c.data.payment_intent);
    return paymentId ? { refundId: null, arcusRefundId: null, paymentId } : null;
  }
  return null;
}
