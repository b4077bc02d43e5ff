/**
 * Periods for the analytics API: `from`/`to` query parameters (inclusive calendar days) with
 * defaults — the 90 days ending today in the organisation's time zone (UTC for the
 * portfolio) — and the comparison period 90 days earlier that needs-help and the trend read.
 */
import { z } from 'zod';
import { addDays, type CalendarDate, diffDays, isCalendarDate, todayIn } from '../../kernel/dates';
import type { Period } from '../domain/metrics';

export const DEFAULT_PERIOD_DAYS = 90;
/** needsHelp compares with the same period ending this many days earlier. */
export const COMPARE_DAYS = 90;
const MAX_PERIOD_DAYS = 3660;

const CalendarDateSchema = z.string().refine(isCalendarDate, { message: 'Enter a date that exists on the calendar.' });

export const PeriodQuerySchema = z
  .object({ from: CalendarDateSchema.optional(), to: CalendarDateSchema.optional() })
  // zod runs these even when a date above failed (`2026-02-30`): they only compare real dates.
  .refine((q) => !bothDays(q) || q.from! <= q.to!, { message: 'The start date must be on or before the end date.', path: ['from'] })
  .refine((q) => !bothDays(q) || diffDays(q.from!, q.to!) < MAX_PERIOD_DAYS, { message: 'A period can be at most ten years long.', path: ['to'] });

function bothDays(q: { from?: unknown; to?: unknown }): boolean {
  return typeof q.from === 'string' && typeof q.to === 'string' && isCalendarDate(q.from) && isCalendarDate(q.to);
}
export type PeriodQuery = z.infer<typeof PeriodQuerySchema>;

/** The requested period, defaulting `to` to today in `timeZone` and `from` to 90 days before it inclusive. */
export function resolvePeriod(query: PeriodQuery, timeZone = 'UTC', now: Date = new Date()): Period {
  const to = query.to ?? (query.from ? maxOf(query.from, todayIn(timeZone, now)) : todayIn(timeZone, now));
  const from = query.from ?? addDays(to, -(DEFAULT_PERIOD_DAYS - 1));
  return { from, to };
}

function maxOf(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a >= b ? a : b;
}

/** The same period shifted `COMPARE_DAYS` earlier. */
export function comparePeriod(period: Period): Period {
  return { from: addDays(period.from, -COMPARE_DAYS), to: addDays(period.to, -COMPARE_DAYS) };
}

/** Trailing window of DEFAULT_PERIOD_DAYS ending on `day` (targets and baselines use it). */
export function windowEnding(day: CalendarDate): Period {
  return { from: addDays(day, -(DEFAULT_PERIOD_DAYS - 1)), to: day };
}

export function periodDays(period: Period): number {
  return diffDays(period.from, period.to) + 1;
}
