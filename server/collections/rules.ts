/**
 * The collection services' pure rules and words: ledger amounts as 2-place decimals (what
 * write-back requests accept), money and dates as notes and references show them, the source
 * keys that make each business event one write-back, a policy's late-fee rules in minor units,
 * and a plan's summary. No I/O.
 */
import type { CalendarDate } from '../../kernel/dates';
import { fromMinor, type Minor, toMinor } from '../../kernel/money';
import type { Frequency, Instalment } from '../domain/collections/plans';
import type { LateFeeRules } from '../domain/collections/lateFees';
import type { CollectionsPolicy } from './policy';

export const SCALE = 2;

export const minor = (value: string): Minor => toMinor(value, SCALE, true);
export const decimal = (units: Minor): string => fromMinor(units, SCALE);

const SYMBOLS: Record<string, string> = { GBP: '£', USD: '$', EUR: '€', AUD: 'A$', NZD: 'NZ$', CAD: 'C$' };

/** '£1,250.00' / 'CHF 1,250.00' for notes and references. */
export function money(units: Minor, currency: string): string {
  const [whole, frac] = decimal(units).replace('-', '').split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = units < 0 ? '-' : '';
  const sym = SYMBOLS[currency];
  return sym ? `${sign}${sym}${grouped}.${frac}` : `${sign}${currency} ${grouped}.${frac}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '2026-12-01' → '1 Dec 2026'. */
export function dayText(date: CalendarDate): string {
  return `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
}

export function invoiceName(inv: { number: string; externalId: string }): string {
  return inv.number || inv.externalId;
}

/** Source keys: one write-back per late-fee period of an invoice, per forgiven fee, per discount offer. */
export const feeSourceKey = (invoiceId: string, periodKey: string) => `late_fee:${invoiceId}:${periodKey}`;
export const forgiveSourceKey = (feeWritebackId: string) => `fee_reversal:${feeWritebackId}`;
export const discountSourceKey = (offerId: string) => `discount:${offerId}`;

/** A policy's late-fee section as the pure assessment's rules (amounts in minor units). */
export function rulesOf(p: CollectionsPolicy['lateFees']): LateFeeRules {
  return { kind: p.kind, flat: minor(p.amount), percent: p.percent, annualRatePct: p.annualRatePct, graceDays: p.graceDays, minimum: minor(p.minimum), cap: p.cap === null ? null : minor(p.cap), period: p.period, minimumInvoiceDue: minor(p.minimumInvoiceDue) };
}

/** Words for a schedule. */
export function planSummary(instalments: readonly Instalment[], frequency: Frequency, currency: string): string {
  const first = instalments[0]!;
  const last = instalments.at(-1)!;
  const n = instalments.length;
  const each = money(first.amount, currency);
  const amounts = n === 1 ? `1 instalment of ${each}` : last.amount === first.amount ? `${n} ${frequency} instalments of ${each}` : `${n} ${frequency} instalments of ${each} (the last ${money(last.amount, currency)})`;
  return `Payment plan agreed: ${amounts} from ${dayText(first.dueDate)}`;
}
