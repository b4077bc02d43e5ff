/**
 * The organisation's clock: local day, minute and weekday in its IANA zone, whether "now" is
 * inside its sending window on a business day, and when the window next opens (as an
 * instant, for RetryLaterError delays). Pure; DST-safe (local → UTC resolved per instant).
 */
import { addDays, type CalendarDate, toDayNumber } from '../domain/dates';

export interface LocalClock {
  date: CalendarDate;
  /** Minutes after local midnight. */
  minute: number;
  /** 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(timeZone: string, at: Date): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const p = formatter(timeZone).formatToParts(at);
  const get = (type: string) => Number(p.find((x) => x.type === type)?.value ?? 0);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour') % 24, mi: get('minute'), s: get('second') };
}

export function isoWeekday(date: CalendarDate): number {
  return ((((toDayNumber(date) + 3) % 7) + 7) % 7) + 1;
}

export function localClock(timeZone: string, now: Date): LocalClock {
  const p = parts(timeZone, now);
  const date = `${String(p.y).padStart(4, '0')}-${String(p.mo).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
  return { date, minute: p.h * 60 + p.mi, isoWeekday: isoWeekday(date) };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(timeZone: string, at: number): number {
  const p = parts(timeZone, new Date(at));
  return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - Math.floor(at / 1000) * 1000;
}

/** The instant a local wall-clock time happens (the later one in a DST gap's aftermath). */
export function zonedInstant(date: CalendarDate, minute: number, timeZone: string): Date {
  const wall = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), Math.floor(minute / 60), minute % 60);
  let guess = wall - offsetAt(timeZone, wall);
  const second = wall - offsetAt(timeZone, guess);
  if (second !== guess) guess = second;
  return new Date(guess);
}

export interface Window {
  windowStartMinute: number;
  windowEndMinute: number;
  businessDays: number[];
}

export function isBusinessDay(date: CalendarDate, w: Pick<Window, 'businessDays'>): boolean {
  return w.businessDays.includes(isoWeekday(date));
}

export function inSendingWindow(w: Window, timeZone: string, now: Date): boolean {
  const c = localClock(timeZone, now);
  return isBusinessDay(c.date, w) && c.minute >= w.windowStartMinute && c.minute < w.windowEndMinute;
}

/** When the window is next open: `now` if it is open, else the next opening; null if it never opens. */
export function nextWindowOpen(w: Window, timeZone: string, now: Date): Date | null {
  if (w.businessDays.length === 0 || w.windowEndMinute <= w.windowStartMinute) return null;
  if (inSendingWindow(w, timeZone, now)) return now;
  const today = localClock(timeZone, now).date;
  for (let i = 0; i <= 8; i++) {
    const day = addDays(today, i);
    if (!isBusinessDay(day, w)) continue;
    const start = zonedInstant(day, w.windowStartMinute, timeZone);
    if (start.getTime() > now.getTime()) return start;
  }
  return null;
}

/** The first window opening on a later local day than now's (the daily limit is spent for today). */
export function nextDayWindowOpen(w: Window, timeZone: string, now: Date): Date | null {
  if (w.businessDays.length === 0 || w.windowEndMinute <= w.windowStartMinute) return null;
  const today = localClock(timeZone, now).date;
  for (let i = 1; i <= 8; i++) {
    const day = addDays(today, i);
    if (isBusinessDay(day, w)) return zonedInstant(day, w.windowStartMinute, timeZone);
  }
  return null;
}

export function minuteText(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}
