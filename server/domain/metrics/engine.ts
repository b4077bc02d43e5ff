import { type CalendarDate, isCalendarDate } from '../../../kernel/dates';
import { DateReader, lowerBound, monthIndexOf, monthLength, monthOfDay, monthStartDay } from './calendar';
import { type CountbackSegment, countbackDays } from './countback';
import { addExact, resultFromSums, WideSum } from './exact';
import { ledgerBlocks, MetricLedger, NOT_SETTLED } from './ledger';
import { type MetricInvoice, MetricsError, type MetricsResult, type Period } from './types';

/**
 * The one pass behind computeMetrics and monthlySeries (docs/decisions/022-metrics-engine.md),
 * over the invoices in columns (MetricLedger, ledger.ts: day numbers, integer minor units,
 * settlements in date order, the settled day — converted once, with no Date and no regular
 * expression). Each invoice is visited once, and adds itself to
 * - sales by issue day (for period sales and countback's segments, summed at the end),
 * - collected and DBT / days-to-pay sums of the period its dates fall in,
 * - A/R and aging at each evaluation day (every period's from − 1 and to) on which it is
 *   outstanding, walking its settlements and those days together and stopping as soon as
 *   it is settled for good.
 * Which period and which first evaluation day a day belongs to are looked up in per-day tables
 * over the days the periods span (built once per call), so the pass makes no allocation, no Map
 * look-up and no binary search per invoice. Sums are integer minor units held in doubles and
 * checked to stay below 2^53, so they are exact; amount × days products go to WideSum (bigint past
 * 2^53); ratios are BigInt fractions rounded once at the end.
 * Cost: O(invoices × (settlements + evaluation days it is open on) + days spanned by the periods).
 */

const BUCKETS = 5; // current, 1–30, 31–60, 61–90, 91+
const MAX = Number.MAX_SAFE_INTEGER;
/** Above this many days spanned by the periods (about 180 years) the per-day tables give way to searches. */
const TABLE_DAYS_LIMIT = 1 << 16;
/** Sales are kept by day for the latest this many days before the last period's end (about 360 years). */
const SALES_DAYS_LIMIT = 1 << 17;
/** A list of invoices is converted to columns this many at a time (ledgerBlocks). */
const BLOCK_SIZE = 4096;

/** Internal sizes, settable so tests can drive every path with small inputs; the defaults are for production. */
export interface EngineTuning {
  tableDaysLimit?: number;
  blockSize?: number;
}

function bucketOf(daysPastDue: number): number {
  if (daysPastDue <= 0) return 0;
  if (daysPastDue <= 30) return 1;
  if (daysPastDue <= 60) return 2;
  if (daysPastDue <= 90) return 3;
  return 4;
}

function outOfRange(): never {
  throw new MetricsError('a metric sum is outside the exact range');
}

/**
 * Metrics for several periods in one pass, over a list of invoices (converted to columns a block
 * at a time) or a MetricLedger (converted already). Periods must be in date order and must not
 * overlap (they need not touch). Throws MetricsError on mixed currencies, a negative
 * total, or a bad period; DateError on a malformed date.
 */
export function computePeriods(invoices: Iterable<MetricInvoice> | MetricLedger, periods: readonly Period[], tuning: EngineTuning = {}): MetricsResult[] {
  const { tableDaysLimit = TABLE_DAYS_LIMIT, blockSize = BLOCK_SIZE } = tuning;
  const dates = new DateReader(2 * periods.length);
  const P = periods.length;
  const fromDays = new Int32Array(P);
  const toDays = new Int32Array(P);
  for (let i = 0; i < P; i++) {
    const p = periods[i]!;
    if (!isCalendarDate(p.from) || !isCalendarDate(p.to)) throw new MetricsError(`period ${i + 1}: dates must be YYYY-MM-DD`);
    fromDays[i] = dates.day(p.from);
    toDays[i] = dates.day(p.to);
    if (fromDays[i]! > toDays[i]!) throw new MetricsError(`period ${p.from}..${p.to} ends before it starts`);
    if (i > 0 && fromDays[i]! <= toDays[i - 1]!) throw new MetricsError('periods must be in date order and must not overlap');
  }

  // Evaluation days: every from − 1 and every to, sorted, unique.
  const evalDays = Int32Array.from(new Set(Array.from(periods, (_, i) => [fromDays[i]! - 1, toDays[i]!]).flat()).values()).sort();
  const E = evalDays.length;

  // Per-period sums, one slot per period.
  const collected = new Float64Array(P);
  const settledWeight = new Float64Array(P);
  const lateDays = Array.from({ length: P }, () => new WideSum());
  const payDays = Array.from({ length: P }, () => new WideSum());
  // A/R and aging at each evaluation day; aging[bucket × E + k].
  const ar = new Float64Array(E);
  const aging = new Float64Array(BUCKETS * E);

  // The days the periods span, [lo, hi]: from the day before the first period (or the 1st of
  // its last month, if earlier) to the last period's end. Days before lo are in no period and
  // before every evaluation day; days after hi are after all of them.
  const lo = P ? Math.min(fromDays[0]! - 1, monthStartDay(monthOfDay(toDays[0]!))) : 0;
  const hi = P ? toDays[P - 1]! : -1;
  const span = hi - lo + 1;
  const useTables = span <= tableDaysLimit;
  const slotAt = new Int32Array(useTables ? span : 0); // period index, −1 outside every period
  const evalAt = new Int32Array(useTables ? span : 0); // first evaluation index on or after the day
  if (useTables) {
    slotAt.fill(-1);
    for (let i = 0; i < P; i++) slotAt.fill(i, fromDays[i]! - lo, toDays[i]! - lo + 1);
    for (let k = 0, off = 0; off < span; off++) {
      while (evalDays[k]! < off + lo) k++;
      evalAt[off] = k;
    }
  }
  const slotOf = (d: number): number => {
    const off = d - lo;
    if (off < 0 || off >= span) return -1;
    if (useTables) return slotAt[off]!;
    const i = lowerBound(fromDays, d + 1) - 1;
    return i >= 0 && d <= toDays[i]! ? i : -1;
  };

  // Sales by issue day, for days up to the last period's end (later sales count nowhere):
  // salesAtDay[day − dayBase], grown downwards as earlier days appear, up to SALES_DAYS_LIMIT
  // days; sales older than that by day in oldSales. Period sales, countback's month sums and its
  // first segment are summed from these at the end. Each is a sum of non-negative safe integers,
  // so one that ends at most 2^53 − 1 was exact all along (checked at the end).
  const salesUpTo = P ? hi : Number.NEGATIVE_INFINITY;
  let dayBase = P ? Math.max(lo, hi - SALES_DAYS_LIMIT + 1) : 0;
  let salesAtDay = new Float64Array(P ? hi - dayBase + 1 : 0);
  const oldSales = new Map<number, number>();
  let firstSale = Number.POSITIVE_INFINITY;

  let currency: string | null = null;
  for (const ledger of invoices instanceof MetricLedger ? [invoices] : ledgerBlocks(invoices, blockSize)) {
    currency = ledger.currency;
    const { size, issue, due, total: totals, settled, settlementStart, settlementDay, settlementAmount } = ledger;
    for (let i = 0; i < size; i++) {
      const issueDay = issue[i]!;
      const dueDay = due[i]!;
      const total = totals[i]!;

      if (issueDay <= salesUpTo) {
        if (issueDay < firstSale) firstSale = issueDay;
        const off = issueDay - dayBase;
        if (off >= 0) salesAtDay[off] = salesAtDay[off]! + total;
        else if (hi - issueDay < SALES_DAYS_LIMIT) {
          const grown = new Float64Array(Math.min(SALES_DAYS_LIMIT, Math.max(2 * salesAtDay.length, hi - issueDay + 1)));
          grown.set(salesAtDay, grown.length - salesAtDay.length);
          dayBase = hi - grown.length + 1;
          salesAtDay = grown;
          salesAtDay[issueDay - dayBase] = total; // a day in the new part, so far 0
        } else oldSales.set(issueDay, (oldSales.get(issueDay) ?? 0) + total);
      }

      const first = settlementStart[i]!;
      const end = settlementStart[i + 1]!;
      for (let j = first; j < end; j++) {
        const slot = slotOf(settlementDay[j]!);
        if (slot >= 0) {
          const c = collected[slot]! + settlementAmount[j]!;
          if (c > MAX || c < -MAX) outOfRange();
          collected[slot] = c;
        }
      }

      const settledDay = settled[i]!;
      if (settledDay !== NOT_SETTLED) {
        const slot = slotOf(settledDay);
        if (slot >= 0) {
          const weight = settledWeight[slot]! + total;
          if (weight > MAX) outOfRange();
          settledWeight[slot] = weight;
          lateDays[slot]!.addProduct(total, Math.max(0, settledDay - dueDay));
          payDays[slot]!.addProduct(total, settledDay - issueDay);
        }
      }

      // Balances at the evaluation days on or after the issue date, walking the settlements and
      // those days together, until the invoice is settled for good.
      if (total > 0 && issueDay <= hi) {
        let j = first;
        let cum = 0;
        for (let k = issueDay < lo ? 0 : useTables ? evalAt[issueDay - lo]! : lowerBound(evalDays, issueDay); k < E; k++) {
          const t = evalDays[k]!;
          while (j < end && settlementDay[j]! <= t) cum += settlementAmount[j++]!;
          const balance = total - cum;
          if (balance > 0) {
            const sum = ar[k]! + balance;
            if (sum > MAX) outOfRange();
            ar[k] = sum;
            const b = bucketOf(t - dueDay) * E + k;
            aging[b] = aging[b]! + balance;
          } else if (j === end) break;
        }
      }
    }
  }
  for (const v of salesAtDay) if (v > MAX) outOfRange();
  for (const v of oldSales.values()) if (v > MAX) outOfRange();
  /** Sales issued in [a, b], inclusive. */
  const salesIn = (a: number, b: number): number => {
    let sum = 0;
    for (let d = Math.max(a, dayBase); d <= b; d++) sum = addExact(sum, salesAtDay[d - dayBase]!);
    if (a < dayBase) for (const [d, v] of oldSales) if (d >= a && d <= b) sum = addExact(sum, v);
    return sum;
  };
  const salesByMonth = new Map<number, number>();
  const addMonth = (m: number, v: number) => salesByMonth.set(m, addExact(salesByMonth.get(m) ?? 0, v));
  for (let off = 0, month = monthOfDay(dayBase), next = monthStartDay(month + 1); off < salesAtDay.length; off++) {
    if (off + dayBase === next) next = monthStartDay(++month + 1);
    if (salesAtDay[off]) addMonth(month, salesAtDay[off]!);
  }
  for (const [d, v] of oldSales) addMonth(monthOfDay(d), v);
  const earliestMonth = firstSale === Number.POSITIVE_INFINITY ? firstSale : monthOfDay(firstSale);

  return periods.map((period, i) => {
    const fromDay = fromDays[i]!;
    const toDay = toDays[i]!;
    const kOpen = lowerBound(evalDays, fromDay - 1);
    const kEnd = lowerBound(evalDays, toDay);
    const sales = salesIn(fromDay, toDay);
    const arEnd = ar[kEnd]!;
    return resultFromSums({
      from: period.from,
      to: period.to,
      days: toDay - fromDay + 1,
      currency,
      sales,
      arOpen: ar[kOpen]!,
      arEnd,
      aging: [aging[kEnd]!, aging[E + kEnd]!, aging[2 * E + kEnd]!, aging[3 * E + kEnd]!, aging[4 * E + kEnd]!],
      collected: collected[i]!,
      dsoCountback: countbackDays(arEnd, segmentsBack(toDay, period.to, salesIn, salesByMonth, earliestMonth)),
      lateDays: lateDays[i]!.value(),
      payDays: payDays[i]!.value(),
      settledWeight: BigInt(settledWeight[i]!),
    });
  });
}

/** Countback segments at `to`: the 1st of its month to `to`, then whole earlier months back to the first sale. */
function* segmentsBack(
  toDay: number,
  to: CalendarDate,
  salesIn: (from: number, to: number) => number,
  salesByMonth: Map<number, number>,
  earliestMonth: number,
): Generator<CountbackSegment> {
  const toMonth = monthIndexOf(to);
  const first = monthStartDay(toMonth);
  yield { sales: salesIn(first, toDay), days: toDay - first + 1 };
  for (let m = toMonth - 1; m >= earliestMonth; m--) yield { sales: salesByMonth.get(m) ?? 0, days: monthLength(m) };
}
