/**
 * Late fees and interest on one overdue invoice — pure: what is due now, given the policy, the
 * day, and the fees already charged. Every fee carries a stable `periodKey` (the write-back's
 * source key ends with it), so a period is never charged twice however often this runs.
 *
 *   kind        period   periodKey          charged when (d = days overdue = today − due date)
 *   flat/pct    once     once               d > graceDays
 *   flat/pct    monthly  d0-30, d30-60, …   d > max(30k, graceDays), for each 30-day band k whose
 *                                           end lies beyond the grace (a long grace skips bands)
 *   annual_rate —        2026-11, …         each calendar month completed before today's month,
 *                                           once d > graceDays (charged on the first assessment
 *                                           on or after the 1st of the next month)
 *
 * Flat fees are `flat`; percentage fees are `percent` % of the amount due (what is overdue);
 * interest is simple, on the amount due, `annualRatePct` % a year accrued daily ACT/365 from
 * the day after the due date (the grace only delays charging — an invoice paid late pays
 * interest from its due date). Each fee is raised to `minimum`; the total of all fees on the
 * invoice never exceeds `cap` (the last fee is cut to fit, nothing is charged once it is
 * reached). Invoices owing less than `minimumInvoiceDue` are not charged. Amounts are minor
 * units, rounded half-up with bigint.
 */
import { addDays, type CalendarDate, diffDays, endOfMonth, maxDate, startOfMonth } from '../../../kernel/dates';
import type { Minor } from '../../../kernel/money';
import { percentOf, simpleInterest, simpleInterestHalfEven } from './rates';

export type LateFeeKind = 'flat' | 'percentage' | 'annual_rate' | 'uk_statutory' | 'eu_directive';

/**
 * Statutory interest and compensation for one invoice (server/collections/statutory.ts): interest
 * per completed calendar month as `annual_rate`, at the rate the law sets for that month (UK:
 * fixed by the due date; EU: the half-year's), rounded half to even; the fixed compensation once
 * (period key `compensation`).
 */
export interface StatutoryTerms {
  /** The statutory rate for interest accruing from `from` (null: no reference rate in the table). */
  ratePctFor: (from: CalendarDate) => string | null;
  compensation: Minor;
}

export interface LateFeeRules {
  kind: LateFeeKind;
  /** Flat fee, minor units. */
  flat: Minor;
  /** Percentage of the amount due, as a decimal string ("2.5"). */
  percent: string;
  /** Annual interest rate in percent ("8"). */
  annualRatePct: string;
  graceDays: number;
  /** Smallest fee charged, minor units (0: none). */
  minimum: Minor;
  /** Most charged on one invoice in total, minor units (null: no cap). */
  cap: Minor | null;
  period: 'once' | 'monthly';
  /** Invoices owing less than this are not charged. */
  minimumInvoiceDue: Minor;
  /** uk_statutory / eu_directive: the invoice's statutory terms (null: the invoice cannot be charged, see `statutorySkip`). */
  statutory?: StatutoryTerms | null;
  /** Why statutory terms are missing for this invoice. */
  statutorySkip?: 'other_currency' | null;
}

export interface FeeInvoice {
  amountDue: Minor;
  dueDate: CalendarDate;
}

/** A fee already requested for the invoice; `amount` is what counts toward the cap (0 when forgiven). */
export interface ChargedFee {
  periodKey: string;
  amount: Minor;
}

export interface FeeDue {
  periodKey: string;
  amount: Minor;
  purpose: 'late_fee' | 'interest';
  /** Words for the period: 'Nov 2026', '31–60 days overdue'. */
  label: string;
  /** The amount due the fee was computed on. */
  basis: Minor;
  /** Interest: the days accrued in the period. */
  days?: number;
  /** The fee before the cap cut it. */
  uncapped?: Minor;
  /** Statutory interest: the rate applied, percent a year. */
  ratePct?: string;
}

export type FeeSkip = 'not_overdue' | 'in_grace' | 'below_minimum_due' | 'cap_reached' | 'nothing_due' | 'no_reference_rate' | 'other_currency';

export interface FeeAssessment {
  overdueDays: number;
  fees: FeeDue[];
  /** Why nothing is due (null when `fees` is non-empty). */
  skipped: FeeSkip | null;
  /** Counted toward the cap so far. */
  chargedTotal: Minor;
  /** Room left under the cap after `fees` (null: no cap). */
  capRemaining: Minor | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '2026-11' or '2026-11-05' → 'Nov 2026'. */
export function monthLabel(date: string): string {
  return `${MONTHS[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
}

export const BAND_DAYS = 30;

/** The monthly bands (d0-30, d30-60, …) chargeable at `overdueDays`. */
export function chargeableBands(overdueDays: number, graceDays: number): { key: string; label: string }[] {
  const out: { key: string; label: string }[] = [];
  if (overdueDays <= graceDays) return out;
  for (let k = 0; BAND_DAYS * k < overdueDays; k++) {
    const start = BAND_DAYS * k;
    const end = start + BAND_DAYS;
    if (end <= graceDays) continue;
    out.push({ key: `d${start}-${end}`, label: `${start + 1}–${end} days overdue` });
  }
  return out;
}

/** Calendar months completed before `today`'s month in which interest accrued (from the day after `dueDate`). */
export function interestMonths(dueDate: CalendarDate, today: CalendarDate): { key: string; from: CalendarDate; to: CalendarDate; days: number }[] {
  const accrualStart = addDays(dueDate, 1);
  const out: { key: string; from: CalendarDate; to: CalendarDate; days: number }[] = [];
  let month = startOfMonth(accrualStart);
  const current = startOfMonth(today);
  while (month < current) {
    const from = maxDate(accrualStart, month);
    const to = endOfMonth(month);
    out.push({ key: month.slice(0, 7), from, to, days: diffDays(from, to) + 1 });
    month = addDays(to, 1);
  }
  return out;
}

/** The fees due now on one invoice, oldest period first. */
export function assessLateFees(invoice: FeeInvoice, rules: LateFeeRules, today: CalendarDate, charged: readonly ChargedFee[]): FeeAssessment {
  const overdueDays = diffDays(invoice.dueDate, today);
  let chargedTotal = 0;
  for (const c of charged) chargedTotal += c.amount;
  const capRoom = () => (rules.cap === null ? null : Math.max(0, rules.cap - chargedTotal));
  const done = (fees: FeeDue[], skipped: FeeSkip | null): FeeAssessment => {
    const sum = fees.reduce((s, f) => s + f.amount, 0);
    return { overdueDays, fees, skipped: fees.length ? null : skipped, chargedTotal, capRemaining: rules.cap === null ? null : Math.max(0, rules.cap - chargedTotal - sum) };
  };
  if (overdueDays <= 0) return done([], 'not_overdue');
  if (overdueDays <= rules.graceDays) return done([], 'in_grace');
  if (invoice.amountDue <= 0 || invoice.amountDue < rules.minimumInvoiceDue) return done([], 'below_minimum_due');
  if (capRoom() === 0) return done([], 'cap_reached');

  const seen = new Set(charged.map((c) => c.periodKey));
  const raw: Omit<FeeDue, 'uncapped'>[] = [];
  const basis = invoice.amountDue;
  let missingRate = false;
  if (rules.kind === 'uk_statutory' || rules.kind === 'eu_directive') {
    const terms = rules.statutory;
    if (!terms) return done([], rules.statutorySkip ?? 'no_reference_rate');
    if (!seen.has('compensation') && terms.compensation > 0) raw.push({ periodKey: 'compensation', amount: terms.compensation, purpose: 'late_fee', label: 'fixed compensation', basis });
    for (const m of interestMonths(invoice.dueDate, today)) {
      if (seen.has(m.key)) continue;
      const ratePct = terms.ratePctFor(m.from);
      if (ratePct === null) {
        missingRate = true;
        continue;
      }
      raw.push({ periodKey: m.key, amount: simpleInterestHalfEven(basis, ratePct, m.days), purpose: 'interest', label: monthLabel(m.key), basis, days: m.days, ratePct });
    }
  } else if (rules.kind === 'annual_rate') {
    for (const m of interestMonths(invoice.dueDate, today)) {
      if (seen.has(m.key)) continue;
      raw.push({ periodKey: m.key, amount: simpleInterest(basis, rules.annualRatePct, m.days), purpose: 'interest', label: monthLabel(m.key), basis, days: m.days });
    }
  } else {
    const amount = rules.kind === 'flat' ? rules.flat : percentOf(basis, rules.percent);
    const periods = rules.period === 'once' ? [{ key: 'once', label: monthLabel(today) }] : chargeableBands(overdueDays, rules.graceDays);
    for (const p of periods) if (!seen.has(p.key)) raw.push({ periodKey: p.key, amount, purpose: 'late_fee', label: p.label, basis });
  }

  const fees: FeeDue[] = [];
  let room = capRoom();
  for (const f of raw) {
    const wanted = Math.max(f.amount, rules.minimum);
    if (wanted <= 0) continue;
    if (room !== null && room <= 0) break;
    const amount = room === null ? wanted : Math.min(wanted, room);
    if (room !== null) room -= amount;
    fees.push(amount === wanted ? { ...f, amount } : { ...f, amount, uncapped: wanted });
  }
  return done(fees, raw.length === 0 ? (missingRate ? 'no_reference_rate' : 'nothing_due') : room === 0 ? 'cap_reached' : 'nothing_due');
}
