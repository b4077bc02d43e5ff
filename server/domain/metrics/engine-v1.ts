import { type CalendarDate, daysInMonth, isCalendarDate, toDayNumber } from '../../../kernel/dates';
import { type CountbackSegment, countbackDays } from './countback';
import { addExact, roundRatio, WideSum } from './exact';
import { type MetricInvoice, MetricsError, type MetricsResult, type Period } from './types';

/**
 * TEST ORACLE ONLY — the metrics engine as it was before issue #22 (objects, Maps, memoised
 * date strings), kept verbatim so engine-equivalence.test.ts can check that the columnar engine
 * (engine.ts) gives exactly the same results. Not exported from index.ts; do not use in code.
 *
 * The one pass behind computeMetrics and monthlySeries. Each invoice is visited once:
 * its dates become day numbers, its settlements are sorted (only if they are not already),
 * and it adds itself to
 * - sales, collected and DBT / days-to-pay sums of the period its dates fall in
 *   (binary search over the periods),
 * - sales by issue month and by issue day (for countback DSO),
 * - A/R and aging at each evaluation day (every period's from − 1 and to) on which it is
 *   outstanding, walking its settlements and those days together and stopping as soon as
 *   it is settled for good.
 * Cost: O(invoices × (settlements + log periods + evaluation days it is open on)).
 */

const BUCKETS = 5; // current, 1–30, 31–60, 61–90, 91+

function bucketOf(daysPastDue: number): number {
  if (daysPastDue <= 0) return 0;
  if (daysPastDue <= 30) return 1;
  if (daysPastDue <= 60) return 2;
  if (daysPastDue <= 90) return 3;
  return 4;
}

interface PeriodSums {
  fromDay: number;
  toDay: number;
  sales: number;
  collected: number;
  settledWeight: number;
  lateDays: WideSum;
  payDays: WideSum;
}

/**
 * Metrics for several periods in one pass. Periods must be in date order and must not
 * overlap (they need not touch). Throws MetricsError on mixed currencies, a negative
 * total, or a bad period; DateError on a malformed date.
 */
export function computePeriodsV1(invoices: Iterable<MetricInvoice>, periods: readonly Period[]): MetricsResult[] {
  const day = dayParser();
  const sums: PeriodSums[] = periods.map((p, i) => {
    if (!isCalendarDate(p.from) || !isCalendarDate(p.to)) throw new MetricsError(`period ${i + 1}: dates must be YYYY-MM-DD`);
    const fromDay = day(p.from);
    const toDay = day(p.to);
    if (fromDay > toDay) throw new MetricsError(`period ${p.from}..${p.to} ends before it starts`);
    return { fromDay, toDay, sales: 0, collected: 0, settledWeight: 0, lateDays: new WideSum(), payDays: new WideSum() };
  });
  for (let i = 1; i < sums.length; i++) {
    if (sums[i]!.fromDay <= sums[i - 1]!.toDay) throw new MetricsError('periods must be in date order and must not overlap');
  }
  const starts = sums.map((s) => s.fromDay);
  const periodOf = (d: number): PeriodSums | undefined => {
    const i = lowerBound(starts, d + 1) - 1;
    const s = sums[i];
    return s && d <= s.toDay ? s : undefined;
  };

  // Evaluation days: every from − 1 and every to, sorted, unique.
  const evalDays = [...new Set(sums.flatMap((s) => [s.fromDay - 1, s.toDay]))].sort((a, b) => a - b);
  const ar = new Array<number>(evalDays.length).fill(0);
  const aging = Array.from({ length: BUCKETS }, () => new Array<number>(evalDays.length).fill(0));

  const salesByMonth = new Map<number, number>();
  const salesByDay = new Map<number, number>();
  const monthOfDate = new Map<string, number>();
  let earliestMonth = Number.POSITIVE_INFINITY;
  let currency: string | null = null;

  let sDays: number[] = [];
  let sAmounts: number[] = [];

  for (const inv of invoices) {
    if (currency === null) currency = inv.currency;
    else if (inv.currency !== currency) {
      throw new MetricsError(`invoices are in more than one currency (${currency}, ${inv.currency}); convert them first (convertInvoices)`);
    }
    const total = inv.total;
    if (!Number.isSafeInteger(total) || total < 0) throw new MetricsError(`invoice ${inv.id}: total must be a non-negative whole number of minor units`);
    const issueDay = day(inv.issueDate);
    const dueDay = inv.dueDate === null ? issueDay : day(inv.dueDate);

    let month = monthOfDate.get(inv.issueDate);
    if (month === undefined) {
      month = monthIndexOf(inv.issueDate);
      monthOfDate.set(inv.issueDate, month);
    }
    if (month < earliestMonth) earliestMonth = month;
    salesByMonth.set(month, addExact(salesByMonth.get(month) ?? 0, total));
    salesByDay.set(issueDay, addExact(salesByDay.get(issueDay) ?? 0, total));
    const issuePeriod = periodOf(issueDay);
    if (issuePeriod) issuePeriod.sales = addExact(issuePeriod.sales, total);

    // Settlements as parallel arrays in date order.
    const list = inv.settlements;
    const n = list.length;
    sDays.length = 0;
    sAmounts.length = 0;
    let sorted = true;
    for (let j = 0; j < n; j++) {
      const s = list[j]!;
      if (!Number.isSafeInteger(s.amount)) throw new MetricsError(`invoice ${inv.id}: settlement amounts must be whole minor units`);
      const d = day(s.date);
      if (j > 0 && d < sDays[j - 1]!) sorted = false;
      sDays.push(d);
      sAmounts.push(s.amount);
      const p = periodOf(d);
      if (p) p.collected = addExact(p.collected, s.amount);
    }
    if (!sorted) {
      const order = sDays.map((_, j) => j).sort((a, b) => sDays[a]! - sDays[b]! || a - b);
      sAmounts = order.map((j) => sAmounts[j]!);
      sDays = order.map((j) => sDays[j]!);
    }

    // Settled date: the day the balance reached zero (and stayed there), never before issue.
    if (total > 0 && n > 0) {
      let cum = 0;
      let settledDay: number | null = null;
      for (let j = 0; j < n; j++) {
        cum += sAmounts[j]!;
        if (j + 1 < n && sDays[j + 1] === sDays[j]) continue;
        if (total - cum <= 0) settledDay ??= Math.max(sDays[j]!, issueDay);
        else settledDay = null;
      }
      if (settledDay !== null) {
        const p = periodOf(settledDay);
        if (p) {
          p.settledWeight = addExact(p.settledWeight, total);
          p.lateDays.addProduct(total, Math.max(0, settledDay - dueDay));
          p.payDays.addProduct(total, settledDay - issueDay);
        }
      }
    }

    // Balances at the evaluation days on or after the issue date.
    if (total > 0) {
      let j = 0;
      let cum = 0;
      for (let k = lowerBound(evalDays, issueDay); k < evalDays.length; k++) {
        const t = evalDays[k]!;
        while (j < n && sDays[j]! <= t) cum += sAmounts[j++]!;
        const balance = total - cum;
        if (balance > 0) {
          ar[k] = addExact(ar[k]!, balance);
          const bucket = aging[bucketOf(t - dueDay)]!;
          bucket[k] = bucket[k]! + balance;
        } else if (j === n) break;
      }
    }
  }

  return sums.map((s, i) => {
    const period = periods[i]!;
    const kOpen = lowerBound(evalDays, s.fromDay - 1);
    const kEnd = lowerBound(evalDays, s.toDay);
    const D = BigInt(s.toDay - s.fromDay + 1);
    const S = BigInt(s.sales);
    const arOpen = ar[kOpen]!;
    const arEnd = ar[kEnd]!;
    const currentArEnd = aging[0]![kEnd]!;
    const A = BigInt(arOpen);
    const B = BigInt(arEnd);
    const C = BigInt(currentArEnd);
    const weight = BigInt(s.settledWeight);
    return {
      from: period.from,
      to: period.to,
      days: Number(D),
      currency,
      creditSales: s.sales,
      arOpen,
      arEnd,
      currentArEnd,
      aging: {
        current: currentArEnd,
        d1_30: aging[1]![kEnd]!,
        d31_60: aging[2]![kEnd]!,
        d61_90: aging[3]![kEnd]!,
        d91_plus: aging[4]![kEnd]!,
      },
      collected: s.collected,
      dso: roundRatio(B * D, S),
      bestPossibleDso: roundRatio(C * D, S),
      add: roundRatio((B - C) * D, S),
      dsoCountback: countbackDays(arEnd, segmentsBack(s.toDay, period.to, salesByDay, salesByMonth, earliestMonth)),
      cei: roundRatio((A + S - B) * 100n, A + S - C),
      dbt: roundRatio(s.lateDays.value(), weight),
      avgDaysToPay: roundRatio(s.payDays.value(), weight),
    };
  });
}

/** Countback segments at `to`: the 1st of its month to `to`, then whole earlier months back to the first sale. */
function* segmentsBack(
  toDay: number,
  to: CalendarDate,
  salesByDay: Map<number, number>,
  salesByMonth: Map<number, number>,
  earliestMonth: number,
): Generator<CountbackSegment> {
  const toMonth = monthIndexOf(to);
  const first = monthStartDay(toMonth);
  let sales = 0;
  for (let d = first; d <= toDay; d++) sales += salesByDay.get(d) ?? 0;
  yield { sales, days: toDay - first + 1 };
  for (let m = toMonth - 1; m >= earliestMonth; m--) yield { sales: salesByMonth.get(m) ?? 0, days: monthLength(m) };
}

// The calendar helpers of that version, as they were.
function dayParser(): (date: CalendarDate) => number {
  const cache = new Map<string, number>();
  return (date) => {
    let day = cache.get(date);
    if (day === undefined) {
      day = toDayNumber(date);
      cache.set(date, day);
    }
    return day;
  };
}

function monthIndexOf(date: CalendarDate): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

function monthStartDay(monthIndex: number): number {
  const year = Math.floor(monthIndex / 12);
  return Date.UTC(year, monthIndex - year * 12, 1) / 86_400_000;
}

function monthLength(monthIndex: number): number {
  const year = Math.floor(monthIndex / 12);
  return daysInMonth(year, monthIndex - year * 12 + 1);
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
