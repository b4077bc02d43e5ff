/**
 * Returned payments and chargebacks — the pure core (issue #19, docs/decisions/046). No I/O, no
 * clock: the service (service.ts) reads, asks these, and requests write-backs.
 *
 * - `returnedPaymentFee`: the NSF / returned-payment fee the organisation's policy allows, in minor
 *   units (flat amount plus a percentage of the payment, at most the cap; only where the
 *   organisation's country allows it; off by default).
 * - `disputeStatusOf` / `nextDisputeStatus`: a Stripe dispute's status as our lifecycle
 *   (opened → evidence_due → under_review → won | lost), moving forward only.
 * - `stripeReturnOf`: what a verified Stripe event says about a returned payment, if anything.
 * - `noticeLines`: the debtor's email, in sentences (the words per language: words.ts).
 */
import { z } from 'zod';
import type { Language } from '../../kernel/locale';
import { mulRate, type Minor, numberToDecimalString, toMinor } from '../../kernel/money';
import { returnNoticeLines } from './words';

export const RETURN_ORIGINS = ['collector', 'bank_debit_failed', 'chargeback'] as const;
export type ReturnOrigin = (typeof RETURN_ORIGINS)[number];
export const ORIGIN_WORDS: Record<ReturnOrigin, string> = { collector: 'Returned by the bank', bank_debit_failed: 'Bank debit failed', chargeback: 'Chargeback' };

export const DISPUTE_STATUSES = ['opened', 'evidence_due', 'under_review', 'won', 'lost'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];
export const DISPUTE_WORDS: Record<DisputeStatus, string> = { opened: 'Opened', evidence_due: 'Evidence due', under_review: 'Under review by the card issuer', won: 'Won: the payment stands', lost: 'Lost: the payment stays reversed' };

/** A decimal written as a string or a JSON number, kept as the string. */
const decimalText = (places: number, what: string) =>
  z.preprocess((v) => (typeof v === 'number' && Number.isFinite(v) ? numberToDecimalString(v) : v), z.string().trim().regex(new RegExp(`^\\d{1,13}(\\.\\d{1,${places}})?$`), { message: `Enter ${what}.` }));

/** The NSF / returned-payment fee policy (firms.settings.returnedPayments; off by default). */
export const ReturnedFeePolicySchema = z.object({
  enabled: z.boolean().default(false),
  /** Flat fee per returned payment. */
  amount: decimalText(2, 'an amount such as 25 or 12.50').default('0'),
  /** Percentage of the returned payment, added to the flat fee. */
  percent: decimalText(4, 'a percentage such as 2 or 1.5')
    .refine((s) => Number(s) <= 100, { message: 'Enter a percentage of 100 or less.' })
    .default('0'),
  /** Most charged for one returned payment (null: no cap). */
  cap: decimalText(2, 'an amount such as 25 or 12.50').nullable().default(null),
  /** Countries (ISO 3166 alpha-2) where the organisation may charge it; empty: none. */
  countries: z
    .array(z.string().regex(/^[A-Z]{2}$/, { message: 'Enter countries as two-letter codes such as GB or US.' }))
    .max(250)
    .default(['US', 'CA', 'GB', 'AU', 'NZ']),
  /** A new invoice for the fee, or a line added to the reopened invoice. */
  post: z.enum(['invoice', 'line']).default('invoice'),
  accountCode: z.string().trim().min(1).max(40).nullable().default(null),
});
export type ReturnedFeePolicy = z.infer<typeof ReturnedFeePolicySchema>;
export const DEFAULT_FEE_POLICY: ReturnedFeePolicy = ReturnedFeePolicySchema.parse({});

export type FeeDecision = { charge: true; minor: Minor } | { charge: false; why: string };

/** The fee for one returned payment of `paymentMinor` (currency scale 2), or why none. */
export function returnedPaymentFee(policy: ReturnedFeePolicy, p: { paymentMinor: Minor; countryCode: string | null; asked: boolean }): FeeDecision {
  if (!p.asked) return { charge: false, why: 'No fee was asked for.' };
  if (!policy.enabled) return { charge: false, why: 'Returned-payment fees are off.' };
  if (!p.countryCode || !policy.countries.includes(p.countryCode.toUpperCase())) return { charge: false, why: 'Returned-payment fees are not allowed in this organisation’s country.' };
  const flat = toMinor(policy.amount, 2, true);
  const share = mulRate(p.paymentMinor, (Number(policy.percent) / 100).toFixed(6));
  let fee = flat + share;
  if (policy.cap !== null) fee = Math.min(fee, toMinor(policy.cap, 2, true));
  return fee > 0 ? { charge: true, minor: fee } : { charge: false, why: 'The fee works out at nothing.' };
}

/** A Stripe dispute's status as our lifecycle. https://docs.stripe.com/api/disputes/object#dispute_object-status */
export function disputeStatusOf(stripeStatus: string, hasDeadline: boolean): DisputeStatus {
  switch (stripeStatus) {
    case 'warning_needs_response':
    case 'needs_response':
      return hasDeadline ? 'evidence_due' : 'opened';
    case 'warning_under_review':
    case 'under_review':
      return 'under_review';
    case 'won':
    case 'warning_closed':
      return 'won';
    case 'lost':
      return 'lost';
    default:
      return 'opened';
  }
}

const RANK: Record<DisputeStatus, number> = { opened: 0, evidence_due: 1, under_review: 2, won: 3, lost: 3 };

/** The status to store: only forward; a decided chargeback never changes. null: no change. */
export function nextDisputeStatus(current: DisputeStatus | null, incoming: DisputeStatus): DisputeStatus | null {
  if (current === null) return incoming;
  if (current === incoming || RANK[current] === 3) return null;
  return RANK[incoming] > RANK[current] ? incoming : null;
}

/** What a Stripe event says about a payment that came back. */
export type StripeReturn =
  | { kind: 'failed'; chargeId: string; paymentIntentId: string; reason: string }
  | { kind: 'dispute'; disputeId: string; chargeId: string; paymentIntentId: string | null; status: DisputeStatus; evidenceDueBy: Date | null; reason: string };

const Charge = z.object({ id: z.string(), object: z.literal('charge'), payment_intent: z.string().nullable(), failure_message: z.string().nullish(), failure_code: z.string().nullish() });
const Dispute = z.object({
  id: z.string(),
  object: z.literal('dispute'),
  charge: z.string(),
  payment_intent: z.string().nullish(),
  reason: z.string().nullish(),
  status: z.string(),
  evidence_details: z.object({ due_by: z.number().int().nullish() }).nullish(),
});

/** Stripe's dispute reasons in words (https://docs.stripe.com/api/disputes/object#dispute_object-reason). */
const DISPUTE_REASONS: Record<string, string> = {
  fraudulent: 'the card holder says they did not make the payment',
  duplicate: 'the card holder says they were charged twice',
  product_not_received: 'the card holder says they did not receive what they paid for',
  product_unacceptable: 'the card holder says what they received was not acceptable',
  subscription_canceled: 'the card holder says they had cancelled',
  unrecognized: 'the card holder does not recognise the payment',
  credit_not_processed: 'the card holder says a refund was promised',
  general: 'the card holder disputed the payment',
};

/** The return a verified Stripe event reports, or null for an event that is not about one. */
export function stripeReturnOf(type: string, object: unknown): StripeReturn | null {
  if (type === 'charge.failed') {
    const c = Charge.safeParse(object);
    if (!c.success || !c.data.payment_intent) return null;
    return { kind: 'failed', chargeId: c.data.id, paymentIntentId: c.data.payment_intent, reason: `The bank debit failed${c.data.failure_message ? `: ${c.data.failure_message.replace(/\.$/, '')}` : ''}.` };
  }
  if (type.startsWith('charge.dispute.')) {
    const d = Dispute.safeParse(object);
    if (!d.success) return null;
    const due = d.data.evidence_details?.due_by ?? null;
    const words = DISPUTE_REASONS[d.data.reason ?? 'general'] ?? DISPUTE_REASONS['general']!;
    return { kind: 'dispute', disputeId: d.data.id, chargeId: d.data.charge, paymentIntentId: d.data.payment_intent ?? null, status: disputeStatusOf(d.data.status, due !== null), evidenceDueBy: due === null ? null : new Date(due * 1000), reason: `Chargeback: ${words}.` };
  }
  return null;
}

/** The debtor's email about a returned payment, in sentences (English unless told; per language in words.ts). */
export function noticeLines(p: { greeting: string; amountText: string; paidOnText: string; invoiceNumber: string; origin: ReturnOrigin; feeText: string | null; payUrl: string | null; signature: string }, language: Language = 'en'): string[] {
  return returnNoticeLines(p, language);
}
