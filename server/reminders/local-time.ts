/**
 * The organisation's clock: local day, minute and weekday in its IANA zone, whether "now" is
 * inside its sending window on a business day, and when the window next opens (as an
 * instant, for RetryLaterError delays). Pure; DST-safe (local → UTC resolved per instant).
 */
import { addDays, type CalendarDate, toDayNumber } from '../../kernel/dates';
import { wallClock, zonedInstant as zonedAt } from '../../kernel/zoned-time';

export interface LocalClock {
  date: CalendarDate;
  /** Minutes after local midnight. */
  minute: number;
  /** 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
}

export function isoWeekday(date: CalendarDate): number {
  return ((((toDayNumber(date) + 3) % 7) + 7) % 7) + 1;
}

export function localClock(timeZone: string, now: Date): LocalClock {
  const w = wallClock(timeZone, now.getTime());
  const date = `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  return { date, minute: w.hour * 60 + w.minute, isoWeekday: isoWeekday(date) };
}

/** The instant a local wall-clock time happens (see kernel/zoned-time for DST gaps and repeats). */
export function zonedInstant(date: CalendarDate, minute: number, timeZone: string): Date {
  return new Date(zonedAt(timeZone, Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)), Math.floor(minute / 60), minute % 60));
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
