/**
 * Synthetic customers for measuring change detection (change.ts): stable payers, whose days
 * late are drawn from one habit throughout, and shifted payers, whose last invoices are paid a
 * fixed number of days later. Deterministic for a seed. Used by change.test.ts and
 * `arcus change-eval`; nothing here is fitted.
 *
 * A payer: terms 14/30/45 days; an invoice every 7–35 days (their own cadence); days late =
 * habit (−5…15) + spread (1…8 days) × noise, where the noise is normal with a 10% chance of a
 * heavy tail (+ exponential × 2 spreads) — real payers are right-skewed; some pay early.
 */
import { addDays, type CalendarDate, diffDays } from '../../../kernel/dates';
import { mulberry32 } from '../random';
import { type ChangeInvoice, detectChanges } from './change';

export interface SyntheticPayerOptions {
  /** Days added to the last `shiftedInvoices` invoices' lateness (0: a stable payer). */
  shift?: number;
  shiftedInvoices?: number;
  invoices?: number;
  /** The day it is seen from (invoices settling after it are open). */
  asOf?: CalendarDate;
}

function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function syntheticPayer(seed: number, options: SyntheticPayerOptions = {}): ChangeInvoice[] {
  const rand = mulberry32(seed);
  const n = options.invoices ?? 24;
  const asOf = options.asOf ?? '2026-06-30';
  const shift = options.shift ?? 0;
  const shifted = options.shiftedInvoices ?? 5;
  const terms = [14, 30, 30, 45][Math.floor(rand() * 4)]!;
  const cadence = 7 + Math.floor(rand() * 29);
  const habit = -5 + 20 * rand();
  const spread = 1 + 7 * rand();
  // The last invoice is due about a month before asOf, so most of the window is settled.
  const lastIssue = addDays(asOf, -terms - 25);
  const out: ChangeInvoice[] = [];
  for (let i = 0; i < n; i++) {
    const issueDate = addDays(lastIssue, -(n - 1 - i) * cadence + Math.floor(rand() * 5) - 2);
    const dueDate = addDays(issueDate, terms);
    const tail = rand() < 0.1 ? 2 * spread * -Math.log(Math.max(rand(), 1e-12)) : 0;
    let late = Math.round(habit + spread * normal(rand) + tail);
    if (i >= n - shifted) late += shift;
    const settled = addDays(dueDate, Math.max(late, -diffDays(issueDate, dueDate)));
    const total = 10_000 + Math.floor(rand() * 90_000);
    const paid = settled <= asOf;
    out.push({
      id: `S${seed}-${i}`,
      number: `INV-${1000 + i}`,
      issueDate,
      dueDate,
      total,
      settledDate: paid ? settled : null,
      settlementDays: paid ? [settled] : [],
      settlementCum: paid ? [total] : [],
      disputedOn: null,
    });
  }
  return out;
}

export interface ChangeEval {
  stable: number;
  falseAlarms: number;
  falseAlarmRate: number;
  shifted: number;
  detected: number;
  detectionRate: number;
  shiftDays: number;
  shiftedInvoices: number;
}

/** Trend alerts on `count` stable and `count` shifted synthetic payers (seeds from `seed`). */
export function evaluateChangeDetection(options: { count?: number; seed?: number; shift?: number; shiftedInvoices?: number; asOf?: CalendarDate } = {}): ChangeEval {
  const count = options.count ?? 1000;
  const seed = options.seed ?? 1;
  const shift = options.shift ?? 15;
  const shiftedInvoices = options.shiftedInvoices ?? 5;
  const asOf = options.asOf ?? '2026-06-30';
  let falseAlarms = 0;
  let detected = 0;
  for (let i = 0; i < count; i++) {
    const fires = (shiftBy: number) => detectChanges({ invoices: syntheticPayer(seed * 100_003 + i, { shift: shiftBy, shiftedInvoices, asOf }) }, asOf).some((a) => a.kind === 'paying_later');
    if (fires(0)) falseAlarms++;
    if (fires(shift)) detected++;
  }
  return { stable: count, falseAlarms, falseAlarmRate: falseAlarms / count, shifted: count, detected, detectionRate: detected / count, shiftDays: shift, shiftedInvoices };
}
