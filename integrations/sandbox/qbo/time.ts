/**
 * QuickBooks writes instants with the company's UTC offset ("2015-08-10T11:33:46-07:00";
 * the response `time` adds milliseconds). The offset comes from the company's IANA zone via
 * Intl, so it follows daylight saving the way QBO's does.
 */
import type { CalendarDate } from '../../../kernel/dates';
import { isCalendarDate, todayIn } from '../../../kernel/dates';

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function offsetFormat(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset', year: 'numeric' });
    offsetFormats.set(timeZone, f);
  }
  return f;
}

/** The zone's UTC offset in minutes at an instant (e.g. -480 for PST). */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const name = offsetFormat(timeZone)
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name ?? '');
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2024-01-02T10:11:12-08:00" (or with ".123" when `millis`) in the company's zone. */
export function formatQboDateTime(ms: number, timeZone: string, millis = false): string {
  const offset = zoneOffsetMinutes(ms, timeZone);
  const local = new Date(ms + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const frac = millis ? `.${pad(local.getUTCMilliseconds(), 3)}` : '';
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${frac}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Midnight at the start of a calendar day in the zone, as epoch ms. */
export function startOfDayInZone(date: CalendarDate, timeZone: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  let guess = utcMidnight - zoneOffsetMinutes(utcMidnight, timeZone) * 60_000;
  guess = utcMidnight - zoneOffsetMinutes(guess, timeZone) * 60_000;
  return guess;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An instant from a QBO date-time literal: full ISO with offset or Z, a local date-time
 * without offset (read in the company's zone), or a bare date (its midnight in the zone).
 * A '+' turned into a space by form decoding (`changedSince=…T10:00:00+02:00` sent
 * unencoded, as node-quickbooks does) is put back. Null when unreadable.
 */
export function parseQboDateTime(text: string, timeZone: string): number | null {
  let t = text.trim();
  t = t.replace(/(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$/, '$1+$2');
  const m = DATE_TIME.exec(t);
  if (!m || !isCalendarDate(m[1]!)) return null;
  const [, date, hh, mi, ss, frac, zone] = m;
  if (hh === undefined) return startOfDayInZone(date!, timeZone);
  if (Number(hh) > 23 || Number(mi) > 59 || Number(ss ?? 0) > 59) return null;
  const ms = frac ? Math.round(Number(`0${frac}`) * 1000) : 0;
  const wall = Date.parse(`${date}T${hh}:${mi}:${ss ?? '00'}Z`) + ms;
  if (zone === undefined) {
    const first = wall - zoneOffsetMinutes(wall, timeZone) * 60_000;
    return wall - zoneOffsetMinutes(first, timeZone) * 60_000;
  }
  if (zone === 'Z') return wall;
  const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const offset = (Number(zm[2]) * 60 + Number(zm[3])) * (zm[1] === '-' ? -1 : 1);
  return wall - offset * 60_000;
}

/** Today's date in the company's zone at sandbox time `ms`. */
export function todayInZone(ms: number, timeZone: string): CalendarDate {
  return todayIn(timeZone, new Date(ms));
}
