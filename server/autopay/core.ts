/**
 * Autopay — pure (no I/O, no clock of its own). The re-processing schedule for a declined charge,
 * the charge attempts' keys, how a charge is split across invoices, and every word a person reads
 * about saved cards, mandates and attempts.
 *
 * Schedule: attempt 1 runs on the invoice's or instalment's due date; after it fails, retries run
 * `retryDays` after the first failure's day (default 1, 3 and 7 days), in the organisation's time
 * zone; after the last retry fails the sequence gives up (the mandate pauses, the collector is
 * told). A target that is settled by the time its attempt comes round is never charged.
 */
import { z } from 'zod';
import type { ChargeFailureCode } from '../../integrations/payments/provider';
import { addDays, type CalendarDate, longDate, toDayNumber } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';

export const DEFAULT_RETRY_DAYS: readonly number[] = [1, 3, 7];

/** A retry schedule is 1 to 10 strictly increasing day offsets between 1 and 60. */
export function validRetryDays(days: readonly number[]): boolean {
  return days.length >= 1 && days.length <= 10 && days.every((d, i) => Number.isInteger(d) && d >= 1 && d <= 60 && (i === 0 || d > days[i - 1]!));
}

/**
 * The firm's retry schedule (decision 056): 1 to 5 retries, each a whole number of days after the
 * first failure, increasing, the last within 30 days — card networks count retries of one
 * declined payment over 30 days, and a month is as long as a debtor should wait to hear the end.
 */
export const MAX_RETRIES = 5;
export const RETRY_WINDOW_DAYS = 30;
export const RetryScheduleSchema = z
  .array(z.number({ message: 'Enter each retry as a number of days.' }).int({ message: 'Enter each retry as a whole number of days.' }).min(1, { message: 'A retry is at least 1 day after the first failure.' }).max(RETRY_WINDOW_DAYS, { message: `A retry is at most ${RETRY_WINDOW_DAYS} days after the first failure.` }), { message: 'Enter the retry days as a list of numbers.' })
  .min(1, { message: 'Keep at least one retry.' })
  .max(MAX_RETRIES, { message: `At most ${MAX_RETRIES} retries.` })
  .refine((d) => d.every((x, i) => i === 0 || x > d[i - 1]!), { message: 'Each retry must come later than the one before.' });

/** The schedule in words: "1, 3 and 7 days after the first failure". */
export function retryScheduleWords(days: readonly number[]): string {
  const list = days.length <= 1 ? String(days[0] ?? '') : `${days.slice(0, -1).join(', ')} and ${days[days.length - 1]}`;
  return `${list} day${days.length === 1 && days[0] === 1 ? '' : 's'} after the first failure`;
}

export type Target = { kind: 'invoice'; id: string } | { kind: 'instalment'; id: string };

/** The charge sequence of one target: `invoice:<id>` / `instalment:<id>`. */
export const targetKey = (t: Target): string => `${t.kind}:${t.id}`;

/** Attempt n of a target: unique per firm, so two workers (or a re-run) claim it once. */
export const attemptKey = (t: Target, attemptNo: number): string => `${targetKey(t)}:${attemptNo}`;

export type NextStep = { kind: 'retry'; attemptNo: number; on: CalendarDate } | { kind: 'give_up' };

/**
 * After attempt `attemptNo` failed: the next attempt and its day, or give up. `firstFailedOn` is the
 * day (organisation's zone) attempt 1 failed; every retry counts from it.
 */
export function afterFailure(attemptNo: number, firstFailedOn: CalendarDate, retryDays: readonly number[] = DEFAULT_RETRY_DAYS, failedAttemptOn?: CalendarDate): NextStep {
  if (!validRetryDays(retryDays)) throw new RangeError('invalid retry schedule');
  const offset = retryDays[attemptNo - 1];
  if (offset === undefined) return { kind: 'give_up' };
  let on = addDays(firstFailedOn, offset);
  // A retry that was moved later (its mandate paused, then resumed — decision 056) keeps the
  // schedule's spacing from the day it was moved to: the pause stops the clock.
  if (attemptNo >= 2 && failedAttemptOn) {
    const spaced = addDays(failedAttemptOn, offset - retryDays[attemptNo - 2]!);
    if (spaced > on) on = spaced;
  }
  // Never beyond the window after the first failure (a long pause used it up): give up cleanly.
  if (toDayNumber(on) - toDayNumber(firstFailedOn) > RETRY_WINDOW_DAYS && Math.max(...retryDays) <= RETRY_WINDOW_DAYS) return { kind: 'give_up' };
  return { kind: 'retry', attemptNo: attemptNo + 1, on };
}

/**
 * A paused mandate turned back on (decision 056): each retry still waiting keeps its day if that is
 * still ahead, else it is made today; but once the first failure is more than the window behind,
 * the sequence gives up instead of charging a debtor about a month-old failure.
 */
export function onResume(waiting: { scheduledOn: CalendarDate; firstFailedOn: CalendarDate | null }, today: CalendarDate): { kind: 'keep' } | { kind: 'move'; on: CalendarDate } | { kind: 'give_up' } {
  if (waiting.firstFailedOn && toDayNumber(today) - toDayNumber(waiting.firstFailedOn) > RETRY_WINDOW_DAYS) return { kind: 'give_up' };
  return waiting.scheduledOn >= today ? { kind: 'keep' } : { kind: 'move', on: today };
}

/** What to charge for a target today: its amount, capped by what is still owed (never a settled invoice). */
export function chargeAmount(wanted: Minor, stillOwed: Minor): Minor {
  if (stillOwed <= 0 || wanted <= 0) return 0;
  return Math.min(wanted, stillOwed);
}

export interface OwedInvoice {
  id: string;
  externalId: string;
  number: string;
  dueDate: CalendarDate | null;
  /** Amount due less what is already on its way to the ledger. */
  owed: Minor;
}

/** A charge split across invoices oldest due first, each at most what it owes; the sum is exactly `amount` when they owe enough. */
export function splitCharge(amount: Minor, invoices: readonly OwedInvoice[]): { invoice: OwedInvoice; amount: Minor }[] {
  const ordered = [...invoices].filter((i) => i.owed > 0).sort((a, b) => (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') || a.number.localeCompare(b.number));
  const out: { invoice: OwedInvoice; amount: Minor }[] = [];
  let left = amount;
  for (const inv of ordered) {
    if (left <= 0) break;
    const take = Math.min(left, inv.owed);
    out.push({ invoice: inv, amount: take });
    left -= take;
  }
  return out;
}

export interface MandateFacts {
  status: string;
  failingSince: Date | null;
}

/** Reminders skip a customer on autopay — some live mandate with no charge failing — and resume once a charge fails. */
export function onAutopay(mandates: readonly MandateFacts[]): boolean {
  return mandates.some((m) => m.status === 'active' && m.failingSince === null);
}

const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', diners: 'Diners Club', jcb: 'JCB', unionpay: 'UnionPay', cartes_bancaires: 'Cartes Bancaires' };

export function brandName(brand: string | null): string {
  return (brand && BRANDS[brand]) || 'Card';
}

/** "Visa •••• 4242, expires 04/2028". */
export function cardText(c: { brand: string | null; last4: string | null; expMonth: number | null; expYear: number | null }): string {
  const exp = c.expMonth && c.expYear ? `, expires ${String(c.expMonth).padStart(2, '0')}/${c.expYear}` : '';
  return `${brandName(c.brand)} •••• ${c.last4 ?? '????'}${exp}`;
}

/** A card past its expiry month on `today`. */
export function cardExpired(c: { expMonth: number | null; expYear: number | null }, today: CalendarDate): boolean {
  if (!c.expMonth || !c.expYear) return false;
  const [y, m] = today.split('-').map(Number) as [number, number];
  return c.expYear < y || (c.expYear === y && c.expMonth < m);
}

export const FAILURE_WORDS: Record<ChargeFailureCode, string> = {
  card_declined: 'the card was declined',
  insufficient_funds: 'the card was declined for insufficient funds',
  expired_card: 'the card has expired',
  authentication_required: 'the bank asked the card holder to confirm the payment',
  other: 'the card could not be charged',
};

export function failureWords(code: string | null): string {
  return FAILURE_WORDS[(code ?? 'other') as ChargeFailureCode] ?? FAILURE_WORDS.other;
}

export const MANDATE_STATUS_WORDS: Record<string, string> = { active: 'On', paused: 'Paused after failed payments', cancelled: 'Turned off' };

/** The reasons pause.ts writes when a person pauses a mandate (decision 056); after failed payments the reason names the failures instead. */
export const PAUSED_BY_CUSTOMER = 'Paused by the customer.';
export const PAUSED_BY_COLLECTOR = 'Paused by a collector.';

/** Paused by a person (the customer or a collector, decision 056) rather than by failed payments: its reason says who. */
export const pausedByPerson = (m: { status: string; pausedReason?: string | null }): boolean => m.status === 'paused' && (m.pausedReason ?? '').startsWith('Paused by ');

/** Who paused a paused mandate: the customer, a collector (for the firm), or Arcus after the last retry failed; null when it is not paused. */
export function pausedBy(m: { status: string; pausedReason?: string | null }): 'customer' | 'collector' | 'failures' | null {
  if (m.status !== 'paused') return null;
  if (m.pausedReason === PAUSED_BY_CUSTOMER) return 'customer';
  if (pausedByPerson(m)) return 'collector';
  return 'failures';
}

export function mandateText(m: { scope: string; status: string; failingSince: Date | null; planText?: string | null; pausedReason?: string | null }): string {
  const what = m.scope === 'plan' ? `Payment plan instalments${m.planText ? ` (${m.planText})` : ''}` : 'Invoices as they fall due';
  const state = m.status === 'active' && m.failingSince ? 'On — a payment failed and is being retried' : pausedByPerson(m) ? m.pausedReason!.replace(/\.$/, '') : (MANDATE_STATUS_WORDS[m.status] ?? 'Unknown');
  return `${what}: ${state}`;
}

/** An attempt in words: "Attempt 2 on 8 December 2026: declined — the card was declined". */
export function attemptText(a: { attemptNo: number; scheduledOn: CalendarDate; status: string; failureCode: string | null; amountText: string | null }): string {
  const head = `${a.attemptNo === 1 ? 'Charge' : `Retry ${a.attemptNo - 1}`} on ${longDate(a.scheduledOn)}${a.amountText ? ` for ${a.amountText}` : ''}`;
  switch (a.status) {
    case 'scheduled':
      return `${head}: planned`;
    case 'charging':
      return `${head}: in progress`;
    case 'succeeded':
      return `${head}: paid`;
    case 'failed':
      return `${head}: failed — ${failureWords(a.failureCode)}`;
    case 'skipped':
      return `${head}: not needed — already paid`;
    case 'abandoned':
      return `${head}: not made — autopay was turned off`;
    default:
      return head;
  }
}

/** What the pay page shows (the client imports these types). */
export interface CardView {
  id: string;
  /** "Visa •••• 4242, expires 04/2028" */
  text: string;
  brand: string;
  /** The brand's own name ("Visa"), null for a brand we do not know (the pay page says "Card" in its language). */
  brandText: string | null;
  last4: string;
  expiry: string;
  expired: boolean;
}

export interface AutopayChoice {
  scope: 'invoices' | 'plan';
  planId: string | null;
  /** "Invoices as they fall due" / "Payment plan: 4 monthly instalments". */
  label: string;
  on: boolean;
  /** In words: "On", "Paused by you", "Paused by Harbour Joinery Ltd", "Paused after failed payments", … */
  statusText: string;
  /**
   * The same for the pay page's words in the debtor's language (client/src/pay/messages): `paused`
   * after failed payments, `paused_by_you` by the debtor, `paused_by_organisation` by a collector
   * (said as paused by the organisation the debtor pays).
   */
  state: 'off' | 'on' | 'retrying' | 'paused' | 'paused_by_you' | 'paused_by_organisation';
  /** A plan's instalment frequency (weekly, fortnightly, monthly); null for invoices. */
  frequency: string | null;
}

export interface AutopaySummary {
  available: boolean;
  cards: CardView[];
  choices: AutopayChoice[];
}
