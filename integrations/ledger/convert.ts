/**
 * Conversions at the SDK boundary, shared by the Xero and QuickBooks mappers: SDK floats to
 * exact decimal strings (never float arithmetic), ledger date forms to calendar dates and
 * instants.
 */
import { type CalendarDate, fromDayNumber, isCalendarDate } from '../../kernel/dates';
import { fromMinor, numberToDecimalString, toMinor } from '../../kernel/money';
import type { Decimal } from './types';

const MS_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
const MS_PER_DAY = 86_400_000;

/**
 * An amount as an exact decimal string with `scale` places. SDKs hand us floats parsed from
 * decimal JSON (1338.5, 0.30000000000000004 after someone else's arithmetic): the float is read
 * back as the decimal it was written as, then rounded half away from zero to `scale`.
 */
export function decimalOf(value: number | string | null | undefined, scale = 2): Decimal {
  if (value === null || value === undefined || value === '') return fromMinor(0, scale);
  const text = typeof value === 'number' ? numberToDecimalString(value) : value.trim();
  return fromMinor(toMinor(text, scale, true), scale);
}

/** A rate or quantity as written (no fixed scale), e.g. "1.6530" → "1.653". */
export function plainDecimal(value: number | string | null | undefined, fallback = '1'): Decimal {
  if (value === null || value === undefined || value === '') return fallback;
  if (typeof value === 'number') return numberToDecimalString(value);
  const t = value.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? t.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') : fallback;
}

/**
 * A calendar date from Xero's forms: a JS Date (xero-node's reading of `/Date(ms+0000)/`,
 * which is midnight UTC of the day, so the day is its UTC date whatever the process zone),
 * the `/Date(ms)/` text itself, or an ISO date / date-time whose first ten characters are the
 * day (`2024-01-31`, `2024-01-31T00:00:00`).
 */
export function calendarDateOf(value: Date | string | null | undefined): CalendarDate | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? null : fromDayNumber(Math.floor(ms / MS_PER_DAY));
  }
  const text = value.trim();
  const ms = MS_DATE.exec(text);
  if (ms) return fromDayNumber(Math.floor(Number(ms[1]) / MS_PER_DAY));
  const day = text.slice(0, 10);
  return isCalendarDate(day) ? day : null;
}

/** An instant from a JS Date, `/Date(ms)/`, or an ISO date-time (with Z or an offset). */
export function instantOf(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : new Date(value.getTime());
  const text = value.trim();
  const ms = MS_DATE.exec(text);
  if (ms) return new Date(Number(ms[1]));
  // A zone-less date-time from a ledger is UTC (Xero's UpdatedDateUTC), never local time.
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t);
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}

export function strOrNull(value: unknown): string | null {
  const s = str(value).trim();
  return s === '' ? null : s;
}
