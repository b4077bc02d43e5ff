import { addDays, type CalendarDate, fromDayNumber, isCalendarDate, toDayNumber } from '../../../kernel/dates';
import { monthIndexOf, monthLength, monthStartDay } from './calendar';
import { type CountbackSegment, countbackDays } from './countback';
import { resultFromSums } from './exact';
import { MetricsError, type MetricsResult, type Period } from './types';

/**
 * A ledger's cumulative state at the end of a day, in one currency's minor units — what the
 * portfolio rollups keep per organisation and change day (migrations 0032, 0065;
 * docs/decisions/059-dashboard-from-rollups.md). Each field is a sum over the invoices of a step
 * function of the day, so a period's sums are differences of two states:
 */
export interface CumulativeState {
  /** Balances outstanding at the end of the day by days past due: current, 1–30, 31–60, 61–90, 91+. */
  aging: readonly [number, number, number, number, number];
  /** Totals of the invoices issued on or before the day. */
  salesCum: number;
  /** Settlements dated on or before the day. */
  collectedCum: number;
  /** Over invoices settled for good on or before the day (positive totals): Σ total. */
  settledWeightCum: number;
  /** … Σ total × max(0, settled − due). */
  lateDaysCum: bigint;
  /** … Σ total × (settled − issue). */
  payDaysCum: bigint;
  /** How many invoices were issued on or before the day. */
  issuedCum: number;
}

/** The state before anything happened. */
export const EMPTY_STATE: CumulativeState = { aging: [0, 0, 0, 0, 0], salesCum: 0, collectedCum: 0, settledWeightCum: 0, lateDaysCum: 0n, payDaysCum: 0n, issuedCum: 0 };

/**
 * The days whose states `metricsFromStates` reads for these periods: every from − 1 and to, the
 * day before each `to`'s month, and the last day of every month from the month before
 * `firstIssue`'s to the month before the latest `to`'s (countback's months). Sorted, unique.
 */
export function statesNeeded(periods: readonly Period[], firstIssue: CalendarDate | null): CalendarDate[] {
  const days = new Set<CalendarDate>();
  let last: CalendarDate | null = null;
  for (const p of periods) {
    days.add(addDays(p.from, -1));
    days.add(p.to);
    days.add(fromDayNumber(monthStartDay(monthIndexOf(p.to)) - 1));
    if (last === null || p.to > last) last = p.to;
  }
  if (firstIssue !== null && last !== null && firstIssue <= last) {
    const toMonth = monthIndexOf(last);
    for (let m = monthIndexOf(firstIssue); m <= toMonth; m++) days.add(fromDayNumber(monthStartDay(m) - 1));
  }
  return [...days].sort();
}

function safe(n: number): number {
  if (!Number.isSafeInteger(n)) throw new MetricsError('a metric sum is outside the exact range');
  return n;
}

/**
 * MetricsResult for each period from cumulative states — the same figures `computePeriods` computes
 * from the invoices, with the same exact arithmetic and the same rounding (`roundRatio`,
 * `countbackDays`): amounts are differences or values of states; DBT and average days to pay the
 * period's Σ total × days over its Σ total; countback walks month sales (differences of sales at
 * month ends) back from `to` to `firstIssue`'s month.
 * - `at(day)`: the state at the end of `day`, for every day of `statesNeeded(periods, firstIssue)`.
 * - `firstIssue`: the earliest issue date of any invoice (null when there are none).
 * - `currency`: the result's currency (the engine's: null when there are no invoices at all).
 * Throws MetricsError on a bad period or a sum outside the exact range.
 */
export function metricsFromStates(periods: readonly Period[], at: (day: CalendarDate) => CumulativeState, firstIssue: CalendarDate | null, currency: string | null): MetricsResult[] {
  return periods.map((period) => {
    if (!isCalendarDate(period.from) || !isCalendarDate(period.to)) throw new MetricsError('period dates must be YYYY-MM-DD');
    const fromDay = toDayNumber(period.from);
    const toDay = toDayNumber(period.to);
    if (fromDay > toDay) throw new MetricsError(`period ${period.from}..${period.to} ends before it starts`);
    const open = at(addDays(period.from, -1));
    const end = at(period.to);
    const arOf = (s: CumulativeState) => safe(s.aging[0] + s.aging[1] + s.aging[2] + s.aging[3] + s.aging[4]);
    const arEnd = arOf(end);
    return resultFromSums({
      from: period.from,
      to: period.to,
      days: toDay - fromDay + 1,
      currency,
      sales: safe(end.salesCum - open.salesCum),
      arOpen: arOf(open),
      arEnd,
      aging: end.aging,
      collected: safe(end.collectedCum - open.collectedCum),
      dsoCountback: countbackDays(arEnd, segmentsBack(period.to, toDay, end, at, firstIssue)),
      lateDays: end.lateDaysCum - open.lateDaysCum,
      payDays: end.payDaysCum - open.payDaysCum,
      settledWeight: BigInt(safe(end.settledWeightCum - open.settledWeightCum)),
    });
  });
}

/**
 * Countback segments at `to` as the engine walks them: the 1st of its month to `to`, then whole
 * earlier months back to the month of the first issue (months before any sale change nothing).
 */
function* segmentsBack(to: CalendarDate, toDay: number, end: CumulativeState, at: (day: CalendarDate) => CumulativeState, firstIssue: CalendarDate | null): Generator<CountbackSegment> {
  const toMonth = monthIndexOf(to);
  const first = monthStartDay(toMonth);
  let later = end.salesCum;
  let before = at(fromDayNumber(first - 1)).salesCum;
  yield { sales: safe(later - before), days: toDay - first + 1 };
  if (firstIssue === null || firstIssue > to) return;
  const earliest = monthIndexOf(firstIssue);
  for (let m = toMonth - 1; m >= earliest; m--) {
    later = before;
    before = at(fromDayNumber(monthStartDay(m) - 1)).salesCum;
    yield { sales: safe(later - before), days: monthLength(m) };
  }
}
