/**
 * Which Arcus action a payment is credited to (docs/decisions/031-attribution-rule.md). Pure: no I/O.
 *
 * The rule, as the report shows it: a payment is credited to the last Arcus action on that
 * invoice (or on its customer as a whole) dated from N days before the payment up to the
 * payment's own day; with none, it was not collected through Arcus. N is configurable per
 * organisation (default ATTRIBUTION_DAYS_DEFAULT = 14). Days are calendar days in the
 * organisation's time zone. Ties on the same day go to the later action (by its timestamp), then
 * to one on the invoice over one on the whole customer. Every amount is exact minor units; a
 * reversal (negative allocation) is credited by the same rule, so it nets against its payment.
 */
import { type CalendarDate, diffDays } from '../../kernel/dates';
import { type Minor, sumMinor } from '../../kernel/money';

export const ATTRIBUTION_DAYS_DEFAULT = 14;
export const ATTRIBUTION_DAYS_MAX = 90;

export const TOUCH_KINDS = ['reminder', 'pay_link', 'plan', 'call'] as const;
export type TouchKind = (typeof TOUCH_KINDS)[number];

/** The touch kinds in words (the wire carries words, never the keys). */
export const TOUCH_WORDS: Record<TouchKind, string> = { reminder: 'Reminders', pay_link: 'Pay links', plan: 'Payment plans', call: 'Calls' };

export interface AttributedPayment {
  invoiceKey: string;
  customerKey: string;
  date: CalendarDate;
  amount: Minor;
}

export interface Touch {
  kind: TouchKind;
  /** Calendar day in the organisation's time zone. */
  date: CalendarDate;
  /** The instant, for ordering touches of the same day (ISO text or any sortable string). */
  at: string;
  customerKey: string;
  /** The invoices it was about; null: the customer as a whole. */
  invoiceKeys: readonly string[] | null;
}

export interface Attribution {
  total: Minor;
  byKind: Record<TouchKind, Minor>;
  unattributed: Minor;
  /** Payments credited to each kind (count of allocations). */
  countByKind: Record<TouchKind, number>;
}

function covers(t: Touch, p: AttributedPayment): boolean {
  return t.customerKey === p.customerKey && (t.invoiceKeys === null || t.invoiceKeys.includes(p.invoiceKey));
}

/** The touch a payment is credited to, or null. */
export function touchFor(p: AttributedPayment, touches: readonly Touch[], windowDays: number): Touch | null {
  let best: Touch | null = null;
  for (const t of touches) {
    const before = diffDays(t.date, p.date);
    if (before < 0 || before > windowDays || !covers(t, p)) continue;
    if (best === null || later(t, best)) best = t;
  }
  return best;
}

function later(a: Touch, b: Touch): boolean {
  if (a.date !== b.date) return a.date > b.date;
  if (a.at !== b.at) return a.at > b.at;
  return a.invoiceKeys !== null && b.invoiceKeys === null;
}

export function attribute(payments: readonly AttributedPayment[], touches: readonly Touch[], windowDays = ATTRIBUTION_DAYS_DEFAULT): Attribution {
  if (!Number.isInteger(windowDays) || windowDays < 0) throw new Error('the attribution window must be a whole number of days');
  const byKind = Object.fromEntries(TOUCH_KINDS.map((k) => [k, 0])) as Record<TouchKind, Minor>;
  const countByKind = Object.fromEntries(TOUCH_KINDS.map((k) => [k, 0])) as Record<TouchKind, number>;
  const byCustomer = new Map<string, Touch[]>();
  for (const t of touches) byCustomer.set(t.customerKey, [...(byCustomer.get(t.customerKey) ?? []), t]);
  const loose: Minor[] = [];
  for (const p of payments) {
    const t = touchFor(p, byCustomer.get(p.customerKey) ?? [], windowDays);
    if (t === null) loose.push(p.amount);
    else {
      byKind[t.kind] = sumMinor([byKind[t.kind], p.amount]);
      countByKind[t.kind]++;
    }
  }
  return { total: sumMinor(payments.map((p) => p.amount)), byKind, unattributed: sumMinor(loose), countByKind };
}

/** The rule in one sentence, for the report and the email. */
export function ruleSentence(windowDays: number): string {
  return `A payment counts as collected through Arcus when Arcus sent a reminder or a pay link, set up a payment plan or logged a call about that invoice or customer in the ${windowDays} day${windowDays === 1 ? '' : 's'} before it was paid (or on the day); the most recent such action gets the credit.`;
}
