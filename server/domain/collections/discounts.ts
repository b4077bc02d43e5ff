/**
 * Early-payment discounts — pure. An open invoice issued within the last `withinDays` days and
 * owing at least `minimumAmount` is offered `ratePct` % off its amount due (half-up to the
 * cent) if paid in full by `issueDate + withinDays` (the last day that counts, inclusive, in
 * the organisation's calendar). When the payments bring what is owed down to the discount or
 * less, on or before that day, the rest is credited: that credit is the discount applied.
 */
import { addDays, type CalendarDate } from '../../../kernel/dates';
import type { Minor } from '../../../kernel/money';
import { percentOf, toBasisPoints } from './rates';

export interface DiscountRules {
  ratePct: string;
  withinDays: number;
  /** Smallest amount due offered a discount, minor units. */
  minimumAmount: Minor;
}

export interface DiscountInvoice {
  issueDate: CalendarDate;
  amountDue: Minor;
}

export interface DiscountOffer {
  discount: Minor;
  rateBp: number;
  /** The last day a payment earns the discount. */
  expiresOn: CalendarDate;
  /** What the customer pays to earn it. */
  payable: Minor;
}

export type NoOffer = 'expired' | 'below_minimum' | 'nothing_due' | 'zero_discount';

export function discountExpiry(issueDate: CalendarDate, withinDays: number): CalendarDate {
  return addDays(issueDate, withinDays);
}

/** The offer for an invoice today, or why there is none. */
export function offerDiscount(invoice: DiscountInvoice, rules: DiscountRules, today: CalendarDate): DiscountOffer | { none: NoOffer } {
  if (invoice.amountDue <= 0) return { none: 'nothing_due' };
  const expiresOn = discountExpiry(invoice.issueDate, rules.withinDays);
  if (today > expiresOn) return { none: 'expired' };
  if (invoice.amountDue < rules.minimumAmount) return { none: 'below_minimum' };
  const discount = percentOf(invoice.amountDue, rules.ratePct);
  if (discount <= 0) return { none: 'zero_discount' };
  return { discount, rateBp: toBasisPoints(rules.ratePct), expiresOn, payable: invoice.amountDue - discount };
}

export interface DatedPayment {
  date: CalendarDate;
  amount: Minor;
}

/**
 * The credit that settles an invoice under its offer, or 0: there was at least one payment,
 * none after the expiry day, and what is still owed is more than zero and no more than the
 * discount (a customer who paid a little extra gets the smaller rest credited, never more).
 */
export function discountToApply(offer: Pick<DiscountOffer, 'discount' | 'expiresOn'>, state: { amountDue: Minor; payments: readonly DatedPayment[] }): Minor {
  if (state.payments.length === 0) return 0;
  if (state.payments.some((p) => p.date > offer.expiresOn)) return 0;
  if (state.amountDue <= 0 || state.amountDue > offer.discount) return 0;
  return state.amountDue;
}

/** Whether one payment, on its own, earns the discount on an invoice owing `amountDue`. */
export function paymentQualifies(offer: Pick<DiscountOffer, 'discount' | 'expiresOn'>, amountDue: Minor, payment: DatedPayment): boolean {
  return payment.date <= offer.expiresOn && payment.amount >= amountDue - offer.discount && payment.amount < amountDue;
}
