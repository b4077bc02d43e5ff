/**
 * Changing risk (docs/decisions/039-changing-risk-chronic-never-paid.md): has this customer's
 * paying behaviour changed? Pure: no I/O. Every signal is read from the customer's own history as
 * known at the end of `day` — a statistical test on their own invoices, or an event — so nothing
 * is fitted (decision 016) and every constant below is a fixed number chosen on synthetic data.
 *
 * Signals:
 *  - paying later: the days late of the last `TREND_RECENT` settled invoices (plus open invoices
 *    already later than every baseline invoice, counted at their days overdue so far — a lower
 *    bound) against the `TREND_BASELINE_MAX` settled before them, by an exact one-sided
 *    permutation test on the sum of the recent days late (every way of choosing the recent set
 *    from the pooled values is equally likely when the customer has not changed), firing when
 *    p ≤ `TREND_ALPHA` and the recent mean is at least `TREND_MIN_SHIFT_DAYS` later than the
 *    baseline median. Disputed invoices are left out (their lateness is the dispute's);
 *  - first missed promise: a promise to pay whose date (plus `PROMISE_GRACE_DAYS`) passed in the
 *    last `ALERT_DAYS` with what it covered still open, and no missed promise before it;
 *  - paying in parts: an invoice part-paid (its first payment short of the total) in the last
 *    `ALERT_DAYS`, when none of the (at least `PARTIAL_MIN_BEFORE`) invoices settled before was;
 *  - a dispute recorded in the last `ALERT_DAYS`;
 *  - a reminder to the customer bounced in the last `ALERT_DAYS`.
 */
import { addDays, type CalendarDate, diffDays, longDate } from '../../../kernel/dates';

/** Invoices in the recent window of the trend test. */
export const TREND_RECENT = 4;
/** At most this many settled invoices before the recent window form the baseline… */
export const TREND_BASELINE_MAX = 12;
/** …and at least this many are needed to test at all. */
export const TREND_BASELINE_MIN = 6;
/** One-sided significance level of the permutation test. */
export const TREND_ALPHA = 0.01;
/** The recent mean must also be this many days later than the baseline median (a change worth a call). */
export const TREND_MIN_SHIFT_DAYS = 7;
/** The newest recent invoice must have settled (or be open) within this many days: the change is current. */
export const TREND_CURRENT_DAYS = 90;
/** Open overdue invoices that may join the recent window as lower bounds. */
export const TREND_MAX_OPEN = 2;
/** Event signals (missed promise, part payment, dispute, bounce) are news for this many days. */
export const ALERT_DAYS = 30;
/** A promise is missed when what it covered is still open this many days after its date (payments take time to arrive and sync). */
export const PROMISE_GRACE_DAYS = 2;
/** Paying in parts is only "new" against at least this many invoices settled before. */
export const PARTIAL_MIN_BEFORE = 3;
/** …looking back over at most this many. */
export const PARTIAL_LOOKBACK = 12;
/** The false-alarm rate the trend test is held to on stable synthetic customers (measured in change.test.ts, `arcus change-eval`). */
export const STATED_FALSE_ALARM_RATE = 0.01;

/** One invoice of the customer (HistoryInvoice of server/scoring/history.ts fits this shape). */
export interface ChangeInvoice {
  id: string;
  number: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate;
  /** Minor units, document currency. */
  total: number;
  settledDate: CalendarDate | null;
  /** Distinct allocation days (ascending) and the cumulative settled amount at the end of each. */
  settlementDays: readonly CalendarDate[];
  settlementCum: readonly number[];
  disputedOn: CalendarDate | null;
}

/** A promise to pay (a `promise.recorded` activity): one invoice, or all the customer's open invoices when `invoiceId` is null. */
export interface ChangePromise {
  recordedOn: CalendarDate;
  promisedDate: CalendarDate;
  invoiceId: string | null;
}

export interface CustomerChangeInput {
  invoices: readonly ChangeInvoice[];
  promises?: readonly ChangePromise[];
  /** Days a reminder to one of the customer's addresses bounced. */
  bouncedOn?: readonly CalendarDate[];
}

export type ChangeKind = 'paying_later' | 'missed_promise' | 'partial_payments' | 'disputed' | 'bounced';

/** Words for each kind (never shown as the key). */
export const CHANGE_TITLES: Record<ChangeKind, string> = {
  paying_later: 'Paying later',
  missed_promise: 'First missed promise',
  partial_payments: 'Paying in parts',
  disputed: 'New dispute',
  bounced: 'Email bounced',
};

export interface ChangeAlert {
  kind: ChangeKind;
  title: string;
  /** The day the change showed. */
  on: CalendarDate;
  /** In words, with the figures: "Paid the last 4 invoices 18 days late on average, against 3 days late before …". */
  explanation: string;
  /** The trend test's p-value (paying later only). */
  pValue?: number;
}

const SIGNALS: readonly ChangeKind[] = ['paying_later', 'missed_promise', 'partial_payments', 'disputed', 'bounced'];

/** Every change signal of one customer as of the end of `day`, in a fixed order. */
export function detectChanges(input: CustomerChangeInput, day: CalendarDate): ChangeAlert[] {
  const known = input.invoices.filter((inv) => inv.issueDate <= day);
  const found: ChangeAlert[] = [];
  const trend = payingLater(known, day);
  if (trend) found.push(trend);
  const promise = firstMissedPromise(known, input.promises ?? [], day);
  if (promise) found.push(promise);
  const partial = partialPayments(known, day);
  if (partial) found.push(partial);
  const dispute = newDispute(known, day);
  if (dispute) found.push(dispute);
  const bounce = (input.bouncedOn ?? []).filter((d) => d <= day && diffDays(d, day) < ALERT_DAYS).sort();
  if (bounce.length > 0) {
    const on = bounce[bounce.length - 1]!;
    found.push({ kind: 'bounced', title: CHANGE_TITLES.bounced, on, explanation: `A reminder to this customer bounced on ${longDate(on)}: their email address is marked bad, so reminders are not reaching them.` });
  }
  return found.sort((a, b) => SIGNALS.indexOf(a.kind) - SIGNALS.indexOf(b.kind));
}

const settledBy = (inv: ChangeInvoice, day: CalendarDate) => inv.settledDate !== null && inv.settledDate <= day;
const disputedBy = (inv: ChangeInvoice, day: CalendarDate) => inv.disputedOn !== null && inv.disputedOn <= day;
const daysWord = (d: number) => {
  const r = Math.round(d);
  return r === 0 ? 'on time' : r > 0 ? `${r} day${r === 1 ? '' : 's'} late` : `${-r} day${r === -1 ? '' : 's'} early`;
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Exact one-sided permutation p-value: the share of the C(n, k) ways of choosing k of `pooled`
 * whose sum is at least `observed` (ties counted, so the test is conservative).
 */
export function permutationPValue(pooled: readonly number[], k: number, observed: number): number {
  const xs = [...pooled].sort((a, b) => b - a);
  const n = xs.length;
  let hits = 0;
  let total = 0;
  const walk = (from: number, left: number, sum: number) => {
    if (left === 0) {
      total++;
      if (sum >= observed - 1e-9) hits++;
      return;
    }
    for (let i = from; i <= n - left; i++) walk(i + 1, left - 1, sum + xs[i]!);
  };
  walk(0, k, 0);
  return total === 0 ? 1 : hits / total;
}

/** The days-late trend test (see the header). */
export function payingLater(invoices: readonly ChangeInvoice[], day: CalendarDate): ChangeAlert | null {
  const settled = invoices
    .filter((inv) => settledBy(inv, day) && !disputedBy(inv, day))
    .sort((a, b) => a.settledDate!.localeCompare(b.settledDate!) || a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id));
  if (settled.length < TREND_RECENT + TREND_BASELINE_MIN) return null;
  const recentInv = settled.slice(-TREND_RECENT);
  const baseInv = settled.slice(-TREND_RECENT - TREND_BASELINE_MAX, -TREND_RECENT);
  const lateOf = (inv: ChangeInvoice) => diffDays(inv.dueDate, inv.settledDate!);
  const base = baseInv.map(lateOf);
  const recent = recentInv.map(lateOf);
  const baseMax = Math.max(...base);
  // Open invoices already later than every baseline invoice: their days overdue so far (a lower bound).
  const open = invoices
    .filter((inv) => !settledBy(inv, day) && !disputedBy(inv, day) && diffDays(inv.dueDate, day) > baseMax)
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id))
    .slice(0, TREND_MAX_OPEN);
  const openLate = open.map((inv) => diffDays(inv.dueDate, day));
  const newest = recentInv[recentInv.length - 1]!.settledDate!;
  if (open.length === 0 && diffDays(newest, day) > TREND_CURRENT_DAYS) return null;
  const window = [...recent, ...openLate];
  const mean = window.reduce((s, x) => s + x, 0) / window.length;
  const baseMedian = median(base);
  if (mean - baseMedian < TREND_MIN_SHIFT_DAYS) return null;
  const p = permutationPValue([...base, ...window], window.length, window.reduce((s, x) => s + x, 0));
  if (p > TREND_ALPHA) return null;
  const recentMean = recent.reduce((s, x) => s + x, 0) / recent.length;
  const openWords = open.length === 0 ? '' : `; ${open.map((inv, i) => `${inv.number || 'an invoice'} is already ${openLate[i]} days overdue`).join(' and ')}`;
  return {
    kind: 'paying_later',
    title: CHANGE_TITLES.paying_later,
    on: open.length > 0 ? addDays(open[0]!.dueDate, baseMax + 1) : newest,
    explanation: `Paid the last ${recent.length} invoices ${daysWord(recentMean)} on average, against ${daysWord(baseMedian)} before (median of the previous ${base.length})${openWords}. A change this large would happen by chance ${chance(p)} for a customer whose habits had not changed.`,
    pValue: p,
  };
}

function chance(p: number): string {
  if (p < 0.001) return 'less than once in 1,000 times';
  const n = Math.round(1 / p);
  return `about once in ${n.toLocaleString('en-GB')} times`;
}

/** The first promise ever missed, when it was missed within the last ALERT_DAYS. */
export function firstMissedPromise(invoices: readonly ChangeInvoice[], promises: readonly ChangePromise[], day: CalendarDate): ChangeAlert | null {
  const byId = new Map(invoices.map((inv) => [inv.id, inv]));
  const paidBy = (inv: ChangeInvoice, d: CalendarDate) => inv.settledDate !== null && inv.settledDate <= d;
  const missed: { p: ChangePromise; seenOn: CalendarDate; open: ChangeInvoice[] }[] = [];
  let kept = 0;
  for (const p of [...promises].filter((x) => x.recordedOn <= day).sort((a, b) => a.promisedDate.localeCompare(b.promisedDate) || a.recordedOn.localeCompare(b.recordedOn))) {
    const seenOn = addDays(p.promisedDate, PROMISE_GRACE_DAYS + 1);
    if (seenOn > day) continue;
    const covered = p.invoiceId ? [byId.get(p.invoiceId)].filter((x): x is ChangeInvoice => x !== undefined) : invoices.filter((inv) => inv.issueDate <= p.recordedOn && !paidBy(inv, p.recordedOn));
    if (covered.length === 0) continue;
    const open = covered.filter((inv) => !paidBy(inv, addDays(p.promisedDate, PROMISE_GRACE_DAYS)));
    if (open.length === 0) kept++;
    else missed.push({ p, seenOn, open });
  }
  const first = missed[0];
  if (!first || diffDays(first.seenOn, day) >= ALERT_DAYS) return null;
  const what = first.p.invoiceId ? (first.open[0]!.number || 'an invoice') : `${first.open.length} open invoice${first.open.length === 1 ? '' : 's'}`;
  return {
    kind: 'missed_promise',
    title: CHANGE_TITLES.missed_promise,
    on: first.seenOn,
    explanation: `Promised to pay ${what} by ${longDate(first.p.promisedDate)} and has not: the first missed promise on record${kept > 0 ? ` (${kept} earlier promise${kept === 1 ? ' was' : 's were'} kept)` : ''}.`,
  };
}

/** The day an invoice was first part-paid (its first payment short of the total), or null. */
export function partPaidOn(inv: ChangeInvoice, day: CalendarDate): CalendarDate | null {
  const first = inv.settlementDays[0];
  if (first === undefined || first > day) return null;
  return (inv.settlementCum[0] ?? 0) < inv.total ? first : null;
}

export function partialPayments(invoices: readonly ChangeInvoice[], day: CalendarDate): ChangeAlert | null {
  const recent = invoices
    .map((inv) => ({ inv, on: partPaidOn(inv, day) }))
    .filter((x): x is { inv: ChangeInvoice; on: CalendarDate } => x.on !== null)
    .sort((a, b) => a.on.localeCompare(b.on) || a.inv.id.localeCompare(b.inv.id));
  const first = recent.find((x) => diffDays(x.on, day) < ALERT_DAYS);
  if (!first) return null;
  const before = invoices
    .filter((inv) => inv.id !== first.inv.id && inv.settledDate !== null && inv.settledDate < first.on)
    .sort((a, b) => a.settledDate!.localeCompare(b.settledDate!))
    .slice(-PARTIAL_LOOKBACK);
  if (before.length < PARTIAL_MIN_BEFORE || before.some((inv) => partPaidOn(inv, day) !== null)) return null;
  const k = first.inv.settlementDays.filter((d) => d <= day).length;
  const cum = first.inv.settlementCum[k - 1] ?? 0;
  const share = first.inv.total > 0 ? Math.floor((100 * cum) / first.inv.total) : 0;
  return {
    kind: 'partial_payments',
    title: CHANGE_TITLES.partial_payments,
    on: first.on,
    explanation: `Started paying in parts: ${first.inv.number || 'an invoice'} was part-paid on ${longDate(first.on)} (${share}% paid so far); none of the previous ${before.length} invoices was paid in parts.`,
  };
}

export function newDispute(invoices: readonly ChangeInvoice[], day: CalendarDate): ChangeAlert | null {
  const disputes = invoices.filter((inv) => disputedBy(inv, day)).sort((a, b) => a.disputedOn!.localeCompare(b.disputedOn!) || a.id.localeCompare(b.id));
  const latest = disputes[disputes.length - 1];
  if (!latest || diffDays(latest.disputedOn!, day) >= ALERT_DAYS) return null;
  const yearBefore = disputes.filter((inv) => inv !== latest && inv.disputedOn! > addDays(latest.disputedOn!, -365)).length;
  return {
    kind: 'disputed',
    title: CHANGE_TITLES.disputed,
    on: latest.disputedOn!,
    explanation: `Disputed ${latest.number || 'an invoice'} on ${longDate(latest.disputedOn!)}${yearBefore === 0 ? ': the first dispute in 12 months' : ` (${yearBefore} other dispute${yearBefore === 1 ? '' : 's'} in the 12 months before)`}.`,
  };
}
