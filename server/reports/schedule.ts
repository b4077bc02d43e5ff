/**
 * When a month's report is due. Pure: no I/O. The report for a month is sent on the first
 * business day (Monday to Friday; public holidays are not known to Arcus) of the next month, in
 * the organisation's time zone, from SEND_HOUR local time; a day missed (the worker down) is made
 * up on a later day of that month. The send claim makes it once per period whatever the day.
 */
import { addDays, type CalendarDate, endOfMonth, startOfMonth, toDayNumber } from '../../kernel/dates';
import { addMonths } from '../../kernel/dates';

export const SEND_HOUR = 8;

/** 0 = Sunday … 6 = Saturday (1970-01-01, day 0, was a Thursday). */
export function weekday(date: CalendarDate): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

export function firstBusinessDay(anyDayOfMonth: CalendarDate): CalendarDate {
  let d = startOfMonth(anyDayOfMonth);
  while (weekday(d) === 0 || weekday(d) === 6) d = addDays(d, 1);
  return d;
}

/** A month as 'YYYY-MM'. */
export type ReportMonth = string;
export const isReportMonth = (s: string): boolean => /^\d{4}-(0[1-9]|1[0-2])$/.test(s);

export function monthRange(month: ReportMonth): { from: CalendarDate; to: CalendarDate } {
  const from = `${month}-01`;
  return { from, to: endOfMonth(from) };
}

export const previousMonth = (today: CalendarDate): ReportMonth => addMonths(startOfMonth(today), -1).slice(0, 7);

/**
 * The month whose report is due today (local date and hour), or null: on or after the first
 * business day of this month, from SEND_HOUR on that first day.
 */
export function dueReportMonth(today: CalendarDate, localHour: number): ReportMonth | null {
  const first = firstBusinessDay(today);
  if (today < first || (today === first && localHour < SEND_HOUR)) return null;
  return previousMonth(today);
}
