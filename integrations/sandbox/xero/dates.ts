/**
 * Xero's date formats. Date fields (Date, DueDate, FullyPaidOnDate) are calendar dates sent as
 * midnight UTC in Microsoft JSON form, `/Date(1700000000000+0000)/`; UpdatedDateUTC is the
 * instant itself. Incoming dates may be MS JSON, ISO dates or ISO date-times.
 */
import { type CalendarDate, fromDayNumber, isCalendarDate, toDayNumber } from '../../../kernel/dates';

const MS_PER_DAY = 86_400_000;

export function dayStartMs(date: CalendarDate): number {
  return toDayNumber(date) * MS_PER_DAY;
}

/** `/Date(…+0000)/` for a calendar date (midnight UTC). */
export function msDate(date: CalendarDate): string {
  return `/Date(${dayStartMs(date)}+0000)/`;
}

/** `/Date(…+0000)/` for an instant. */
export function msDateTime(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

/** `/Date(…)/` without offset (the envelope's DateTimeUTC, Organisation CreatedDateUTC). */
export function msDateTimeBare(ms: number): string {
  return `/Date(${ms})/`;
}

/** `2018-10-20T00:00:00` (DateString, DueDateString). */
export function dateString(date: CalendarDate): string {
  return `${date}T00:00:00`;
}

/** `2018-11-02T16:31:30` (HistoryRecord DateUTCString). */
export function utcSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

const MS_JSON = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A calendar date from what a client sent: `2024-01-31`, `2024-01-31T00:00:00`,
 * `2024-01-31T00:00:00.000Z` (a JS Date serialised by an SDK) or `/Date(1706659200000+0000)/`.
 * Returns null when the text is none of these.
 */
export function parseCalendarDate(value: unknown): CalendarDate | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const ms = MS_JSON.exec(text);
  if (ms) {
    const n = Number(ms[1]);
    if (!Number.isSafeInteger(n)) return null;
    return fromDayNumber(Math.floor(n / MS_PER_DAY));
  }
  const iso = ISO_DATE_TIME.exec(text);
  if (iso && isCalendarDate(iso[1]!)) return iso[1]!;
  return null;
}

/**
 * The instant in an If-Modified-Since header: an HTTP date, an ISO date-time (a zone-less one
 * is UTC, as Xero reads it) or MS JSON. Null when absent; NaN when unreadable.
 */
export function parseInstant(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const text = value.trim();
  const ms = MS_JSON.exec(text);
  if (ms) return Number(ms[1]);
  const iso = ISO_DATE_TIME.exec(text);
  if (iso) {
    if (!isCalendarDate(iso[1]!)) return Number.NaN;
    if (iso[2] === undefined) return dayStartMs(iso[1]!);
    const zone = iso[5] === undefined ? 'Z' : iso[5] === 'Z' ? 'Z' : iso[5].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
    const body = text.replace(' ', 'T').slice(0, iso[5] === undefined ? undefined : text.length - iso[5].length);
    return Date.parse(`${body}${zone}`);
  }
  return Date.parse(text);
}
