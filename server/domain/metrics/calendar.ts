import { type CalendarDate, daysInMonth, toDayNumber } from '../../../kernel/dates';

/**
 * Day numbers (days since 1970-01-01) and month indexes (year × 12 + month − 1) for the metrics,
 * in integer arithmetic: no Date objects, no regular expressions, no allocation, so the engine can
 * convert a million invoices' dates in its one pass (docs/decisions/022-metrics-engine.md).
 */

const DASH = 45;
const ZERO = 48;
const DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9];

/**
 * Reads 'YYYY-MM-DD' dates into day numbers, character by character, through a small
 * direct-mapped cache (a million invoices share a few thousand dates, so the calendar arithmetic
 * runs once per distinct date). A date it does not recognise goes to kernel `toDayNumber`, which
 * answers the same day number or throws the same DateError: `day(x)` is exactly `toDayNumber(x)`.
 *
 * A cache entry is keyed by the date's eight digit characters as nibbles (one-to-one for any
 * characters '0'–'?'), and only a date that passed the full check is ever filed, so a hit is
 * always a valid date.
 */
export class DateReader {
  private readonly mask: number;
  private readonly keys: Float64Array;
  private readonly days: Int32Array;

  /** `expected`: roughly how many dates will be read (sizes the cache, 64 to 4,096 entries). */
  constructor(expected = 4096) {
    let size = 64;
    while (size < 4096 && size < expected) size *= 2;
    this.mask = size - 1;
    this.keys = new Float64Array(size).fill(-1);
    this.days = new Int32Array(size);
  }

  day(date: CalendarDate): number {
    if (typeof date !== 'string' || date.length !== 10) return toDayNumber(date);
    const y0 = date.charCodeAt(0) - ZERO;
    const y1 = date.charCodeAt(1) - ZERO;
    const y2 = date.charCodeAt(2) - ZERO;
    const y3 = date.charCodeAt(3) - ZERO;
    const m0 = date.charCodeAt(5) - ZERO;
    const m1 = date.charCodeAt(6) - ZERO;
    const d0 = date.charCodeAt(8) - ZERO;
    const d1 = date.charCodeAt(9) - ZERO;
    // dashes in place, every other character '0'..'?' (a nibble), then a key one-to-one on them
    if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) >>> 0 > 15 || date.charCodeAt(4) !== DASH || date.charCodeAt(7) !== DASH) return toDayNumber(date);
    const key = ((y0 << 28) | (y1 << 24) | (y2 << 20) | (y3 << 16) | (m0 << 12) | (m1 << 8) | (d0 << 4) | d1) >>> 0;
    const h = ((((y3 << 1) + m0) * 10 + m1) * 32 + d0 * 10 + d1) & this.mask; // nearby dates, distinct slots
    if (this.keys[h] === key) return this.days[h]!;
    const day = this.check(date, y0 * 1000 + y1 * 100 + y2 * 10 + y3, m0 * 10 + m1, d0 * 10 + d1);
    this.keys[h] = key;
    this.days[h] = day;
    return day;
  }

  /** The full check, once per distinct date: digits, dashes, a real month and day. */
  private check(date: CalendarDate, year: number, month: number, day: number): number {
    const digits = DIGIT_AT.every((at) => date.charCodeAt(at) - ZERO <= 9);
    if (!digits || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      return toDayNumber(date); // throws the kernel's DateError
    }
    return daysFromCivil(year, month, day);
  }
}

/** H. Hinnant's days_from_civil for years 0–9999 (the same arithmetic as kernel/dates.ts). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1; // from 1 March
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Month index of a day number (H. Hinnant's civil_from_days, month part). */
export function monthOfDay(dayNumber: number): number {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + month - 1;
}

export function monthIndexOf(date: CalendarDate): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

/** Day number of the 1st of a month index. */
export function monthStartDay(monthIndex: number): number {
  const year = Math.floor(monthIndex / 12);
  return daysFromCivil(year, monthIndex - year * 12 + 1, 1);
}

export function monthLength(monthIndex: number): number {
  const year = Math.floor(monthIndex / 12);
  return daysInMonth(year, monthIndex - year * 12 + 1);
}

/** First index i with sorted[i] >= value (sorted.length when none). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
