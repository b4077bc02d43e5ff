/**
 * Payment plans — pure. A balance split into N instalments weekly, fortnightly or monthly
 * from a start date (monthly: the start's day of the month, clamped to shorter months' ends
 * and computed from the start each time, so 31 Jan → 28 Feb → 31 Mar). Amounts are equal with
 * the remainder cents on the LAST instalment, so the sum is exactly the balance. With an
 * instalment amount instead of a count, every instalment is that amount and the last one is
 * the rest.
 *
 * Payments received are allocated to instalments oldest first; an instalment is `paid` when
 * covered in full (on the day of the payment that completed it), `missed` when still not paid
 * more than `graceDays` after its due date, otherwise `due`. A plan is `completed` when every
 * instalment is paid and `broken` once `breakAfterMissed` instalments are missed.
 */
import { addDays, addMonths, type CalendarDate } from '../../../kernel/dates';
import { type Minor, MoneyError } from '../../../kernel/money';

export type Frequency = 'weekly' | 'fortnightly' | 'monthly';
export const FREQUENCIES = ['weekly', 'fortnightly', 'monthly'] as const;

export interface Instalment {
  seq: number;
  dueDate: CalendarDate;
  amount: Minor;
}

export function instalmentDates(start: CalendarDate, frequency: Frequency, count: number): CalendarDate[] {
  return Array.from({ length: count }, (_, i) => (frequency === 'monthly' ? addMonths(start, i) : addDays(start, i * (frequency === 'weekly' ? 7 : 14))));
}

/** Equal parts with the remainder on the last: splitLast(1000, 3) = [333, 333, 334]. */
export function splitLast(total: Minor, count: number): Minor[] {
  if (!Number.isInteger(count) || count < 1) throw new MoneyError('count must be a positive integer');
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? total - base * (count - 1) : base));
}

export type ScheduleInput = { total: Minor; start: CalendarDate; frequency: Frequency } & ({ count: number } | { instalmentAmount: Minor });

/** The instalments for a balance; throws MoneyError on a non-positive balance or amount. */
export function schedule(input: ScheduleInput): Instalment[] {
  if (input.total <= 0) throw new MoneyError('the balance must be more than zero');
  let amounts: Minor[];
  if ('count' in input) amounts = splitLast(input.total, input.count);
  else {
    if (input.instalmentAmount <= 0) throw new MoneyError('the instalment amount must be more than zero');
    const count = Math.ceil(input.total / input.instalmentAmount);
    amounts = Array.from({ length: count }, (_, i) => (i === count - 1 ? input.total - input.instalmentAmount * (count - 1) : input.instalmentAmount));
  }
  if (amounts.some((a) => a <= 0)) throw new MoneyError('more instalments than the balance has cents');
  const dates = instalmentDates(input.start, input.frequency, amounts.length);
  return amounts.map((amount, i) => ({ seq: i + 1, dueDate: dates[i]!, amount }));
}

export type InstalmentStatus = 'paid' | 'due' | 'missed';

export interface InstalmentState extends Instalment {
  paid: Minor;
  status: InstalmentStatus;
  paidOn: CalendarDate | null;
}

export interface Receipt {
  date: CalendarDate;
  amount: Minor;
}

/** Payments (any order) → each instalment's paid amount and status, oldest instalment first. */
export function allocatePayments(instalments: readonly Instalment[], payments: readonly Receipt[], today: CalendarDate, graceDays: number): InstalmentState[] {
  const queue = [...payments].filter((p) => p.amount > 0).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const ordered = [...instalments].sort((a, b) => a.seq - b.seq);
  let pi = 0;
  let left = queue[0]?.amount ?? 0;
  return ordered.map((inst) => {
    let paid = 0;
    let paidOn: CalendarDate | null = null;
    while (paid < inst.amount && pi < queue.length) {
      const take = Math.min(left, inst.amount - paid);
      paid += take;
      left -= take;
      if (paid === inst.amount) paidOn = queue[pi]!.date;
      if (left === 0) {
        pi += 1;
        left = queue[pi]?.amount ?? 0;
      }
    }
    const status: InstalmentStatus = paid >= inst.amount ? 'paid' : today > addDays(inst.dueDate, graceDays) ? 'missed' : 'due';
    return { ...inst, paid, status, paidOn };
  });
}

export type PlanStatus = 'active' | 'completed' | 'broken';

export function planStatus(states: readonly Pick<InstalmentState, 'status'>[], breakAfterMissed: number): PlanStatus {
  if (states.length > 0 && states.every((s) => s.status === 'paid')) return 'completed';
  const missed = states.filter((s) => s.status === 'missed').length;
  return missed >= Math.max(1, breakAfterMissed) ? 'broken' : 'active';
}

/**
 * What a plan's instalments still ask for against what its invoices still owe (issue #15,
 * "plans that stay true"). Remaining = each unpaid instalment's amount less what was paid
 * towards it. Owed less than remaining (a credit, a forgiven fee, a payment outside the plan):
 * the remaining instalments shrink by the difference, the LAST first (the debtor keeps the
 * rhythm agreed and the plan simply ends sooner; an instalment cut to what was already paid
 * towards it is done, one cut to nothing is cancelled). Nothing owed: every unpaid instalment
 * goes (`settled`). Owed more than remaining: not recomputed — a person decides (`increase`).
 */
export type Reconciliation =
  | { kind: 'ok' }
  | { kind: 'reduce'; by: Minor; changes: { seq: number; from: Minor; to: Minor }[] }
  | { kind: 'settled'; changes: { seq: number; from: Minor; to: Minor }[] }
  | { kind: 'increase'; by: Minor };

export function reconcileInstalments(states: readonly Pick<InstalmentState, 'seq' | 'amount' | 'paid' | 'status'>[], owed: Minor): Reconciliation {
  const open = [...states].filter((s) => s.status !== 'paid').sort((a, b) => a.seq - b.seq);
  const remaining = open.reduce((sum, s) => sum + (s.amount - s.paid), 0);
  if (owed <= 0) {
    const changes = open.map((s) => ({ seq: s.seq, from: s.amount, to: s.paid }));
    return changes.length ? { kind: 'settled', changes } : { kind: 'ok' };
  }
  if (owed === remaining) return { kind: 'ok' };
  if (owed > remaining) return { kind: 'increase', by: owed - remaining };
  let cut = remaining - owed;
  const changes: { seq: number; from: Minor; to: Minor }[] = [];
  for (let k = open.length - 1; k >= 0 && cut > 0; k--) {
    const s = open[k]!;
    const take = Math.min(cut, s.amount - s.paid);
    if (take <= 0) continue;
    changes.push({ seq: s.seq, from: s.amount, to: s.amount - take });
    cut -= take;
  }
  return { kind: 'reduce', by: remaining - owed, changes: changes.reverse() };
}
