/**
 * Expected collections per ISO week (Monday–Sunday) for 13 weeks, from each open invoice's
 * pay-date distribution. Pure functions, no I/O.
 *
 * - The horizon starts the day after `day` (what is known through the end of `day`); week 0
 *   is the ISO week holding that first day.
 * - Point forecast: each invoice's balance is spread over the 13 weeks and "later" by the
 *   probability that it settles in each (its distribution conditioned on still being open on
 *   `day`), in whole cents by largest remainder, so per invoice — and therefore in total —
 *   weeks + later + never paid = the open balance exactly.
 * - Never paid: each item's `pNeverPaid` (server/domain/scoring/never-paid.ts, decision 039) is
 *   taken off the top; the rest is timed by its distribution.
 * - Band: 10th–90th percentile of weekly totals over seeded simulations (mulberry32): each
 *   draw picks one uniform per customer and settles all that customer's invoices at that
 *   quantile of their own distributions (a customer pays early or late across the board, so
 *   the band is not falsely narrow). The band is widened, if needed, to contain the point
 *   forecast.
 */
import { addDays, type CalendarDate, fromDayNumber, toDayNumber } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import { mulberry32 } from '../domain/random';
import { cdf, conditionFrom, type PayDistribution } from './pay-distribution';

export const FORECAST_WEEKS = 13;
export const FORECAST_DRAWS = 400;
const SEED = 0x5eed06;

export interface ForecastItem {
  /** Invoices of one customer move together in the simulation. */
  customerKey: string;
  issueDate: CalendarDate;
  /** Balance to collect, minor units of the forecast's currency. */
  amount: Minor;
  /** Days from issue to settlement (conditioned again on `day` here). */
  distribution: PayDistribution;
  /** Chance it is never paid (default 0). */
  pNeverPaid?: number;
}

export interface ForecastWeek {
  weekStart: CalendarDate;
  weekEnd: CalendarDate;
  expected: Minor;
  low: Minor;
  high: Minor;
}

export interface WeeklyForecast {
  /** Known through this day; collections counted from the next. */
  day: CalendarDate;
  weeks: ForecastWeek[];
  /** Expected after the 13 weeks. */
  later: Minor;
  /** Expected never to be paid (Σ balance × P(never paid)). */
  neverPaid: Minor;
  /** Open balance forecast (= Σ expected + later + neverPaid). */
  open: Minor;
  invoices: number;
}

/** Monday of the ISO week holding `date`. */
export function isoWeekStart(date: CalendarDate): CalendarDate {
  const d = toDayNumber(date);
  return fromDayNumber(d - ((((d + 3) % 7) + 7) % 7));
}

/** The 13 weeks counted by a forecast known through `day`. */
export function forecastWeeks(day: CalendarDate, weeks = FORECAST_WEEKS): { weekStart: CalendarDate; weekEnd: CalendarDate }[] {
  const start = isoWeekStart(addDays(day, 1));
  return Array.from({ length: weeks }, (_, k) => ({ weekStart: addDays(start, 7 * k), weekEnd: addDays(start, 7 * k + 6) }));
}

/** Whole cents per bucket summing exactly to `amount` (largest remainder; ties to the earlier bucket). */
export function apportion(amount: Minor, probabilities: readonly number[]): Minor[] {
  const total = probabilities.reduce((s, p) => s + Math.max(0, p), 0);
  if (total <= 0) return probabilities.map((_, k) => (k === probabilities.length - 1 ? amount : 0));
  const exact = probabilities.map((p) => (amount * Math.max(0, p)) / total);
  const out = exact.map((x) => Math.floor(x));
  let rest = amount - out.reduce((s, x) => s + x, 0);
  const order = exact.map((x, k) => ({ k, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.k - b.k);
  for (let i = 0; rest > 0; i = (i + 1) % order.length, rest--) out[order[i]!.k]! += 1;
  return out;
}

/** Per invoice: cumulative probability of settling by the end of week k (k = 0…weeks−1); the rest is later. */
function weekCdf(item: ForecastItem, day: CalendarDate, firstWeekStart: number, weeks: number): Float64Array {
  const issue = toDayNumber(item.issueDate);
  const dist = conditionFrom(item.distribution, toDayNumber(day) - issue + 0.5);
  const paid = 1 - Math.min(1, Math.max(0, item.pNeverPaid ?? 0));
  const out = new Float64Array(weeks);
  for (let k = 0; k < weeks; k++) out[k] = paid * cdf(dist, firstWeekStart + 7 * k + 6 - issue + 0.5);
  return out;
}

export function weeklyForecast(items: readonly ForecastItem[], day: CalendarDate, options: { weeks?: number; draws?: number; seed?: number } = {}): WeeklyForecast {
  const weeks = options.weeks ?? FORECAST_WEEKS;
  const draws = options.draws ?? FORECAST_DRAWS;
  const frame = forecastWeeks(day, weeks);
  const first = toDayNumber(frame[0]!.weekStart);
  const expected = new Array<Minor>(weeks).fill(0);
  let later = 0;
  let neverPaid = 0;
  let open = 0;
  const cdfs: Float64Array[] = [];
  for (const item of items) {
    const c = weekCdf(item, day, first, weeks);
    cdfs.push(c);
    const never = Math.min(1, Math.max(0, item.pNeverPaid ?? 0));
    const probs = Array.from({ length: weeks + 2 }, (_, k) => (k === weeks + 1 ? never : k === weeks ? Math.max(0, 1 - never - c[weeks - 1]!) : c[k]! - (k > 0 ? c[k - 1]! : 0)));
    const cents = apportion(item.amount, probs);
    for (let k = 0; k < weeks; k++) expected[k]! += cents[k]!;
    later += cents[weeks]!;
    neverPaid += cents[weeks + 1]!;
    open += item.amount;
  }

  // Simulation: one uniform per customer per draw.
  const customers = new Map<string, number>();
  const customerOf = items.map((item) => {
    const known = customers.get(item.customerKey);
    if (known !== undefined) return known;
    const c = customers.size;
    customers.set(item.customerKey, c);
    return c;
  });
  const rng = mulberry32(options.seed ?? SEED);
  const sims = Array.from({ length: weeks }, () => new Float64Array(draws));
  const u = new Float64Array(customers.size);
  for (let s = 0; s < draws; s++) {
    for (let c = 0; c < u.length; c++) u[c] = rng();
    for (let i = 0; i < items.length; i++) {
      const c = cdfs[i]!;
      const v = u[customerOf[i]!]!;
      let k = 0;
      while (k < weeks && v >= c[k]!) k++;
      if (k < weeks) sims[k]![s]! += items[i]!.amount;
    }
  }
  const at = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
  return {
    day,
    weeks: frame.map((w, k) => {
      const sorted = sims[k]!.sort();
      const e = expected[k]!;
      return { ...w, expected: e, low: draws > 0 ? Math.min(e, at(sorted, 0.1)) : e, high: draws > 0 ? Math.max(e, at(sorted, 0.9)) : e };
    }),
    later,
    neverPaid,
    open,
    invoices: items.length,
  };
}
