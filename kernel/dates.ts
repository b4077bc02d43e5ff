/**
 * Calendar dates. An invoice date is a day, not an instant: it travels as 'YYYY-MM-DD'
 * and is compared as a day number (days since 1970-01-01), never through local-time Dates.
 */

export type CalendarDate = string;

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export class DateError extends Error {
  override name = 'DateError';
}

export function isCalendarDate(value: string): boolean {
  const m = ISO.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

export function toDayNumber(date: CalendarDate): number {
  const m = ISO.exec(date);
  if (!m || !isCalendarDate(date)) throw new DateError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date, in integer arithmetic (H. Hinnant's
 * days_from_civil). Not Date.UTC, which reads years 0–99 as 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1; // from 1 March
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function fromDayNumber(day: number): CalendarDate {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/** b − a in days. */
export function diffDays(a: CalendarDate, b: CalendarDate): number {
  return toDayNumber(b) - toDayNumber(a);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month (1–12) of a year; a month outside 1–12 counts on from the year's ends. */
export function daysInMonth(year: number, month: number): number {
  const index = year * 12 + (month - 1);
  const [y, m] = [Math.floor(index / 12), (((index % 12) + 12) % 12) + 1];
  return m === 2 && isLeapYear(y) ? 29 : MONTH_DAYS[m - 1]!;
}

export function startOfMonth(date: CalendarDate): CalendarDate {
  return `${date.slice(0, 7)}-01`;
}

export function endOfMonth(date: CalendarDate): CalendarDate {
  const [y, m] = [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
  return `${date.slice(0, 7)}-${String(daysInMonth(y, m)).padStart(2, '0')}`;
}

export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const [y, m, d] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = (index % 12) + 1;
  const nd = Math.min(d, daysInMonth(ny, nm));
  return `${String(ny).padStart(4, '0')}-${String(nm).padStart(2, '0')}-${String(nd).padStart(2, '0')}`;
}

/** Today's calendar date in an IANA time zone (the organisation's). */
export function todayIn(timeZone: string, now: Date = new Date()): CalendarDate {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Whether a string names an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** 'M/D/YYYY' (the IBM sample's layout) to a calendar date, or null when malformed. */
export function parseUsDate(text: string): CalendarDate | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const iso = `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
  return isCalendarDate(iso) ? iso : null;
}

export function maxDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a >= b ? a : b;
}

export function minDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a <= b ? a : b;
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A day as people write it in a sentence, the same everywhere: '2026-12-07' → '7 December 2026'. */
export function longDate(date: CalendarDate): string {
  const m = ISO.exec(date);
  if (!m || !isCalendarDate(date)) throw new DateError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return `${Number(m[3])} ${MONTH_NAMES[Number(m[2]) - 1]} ${Number(m[1])}`;
}
