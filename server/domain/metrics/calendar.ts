import { type CalendarDate, daysInMonth, toDayNumber } from '../../../kernel/dates';

/**
 * Day numbers and month indexes for the metrics. A month index is year × 12 + (month − 1).
 * `dayParser()` memoises 'YYYY-MM-DD' → day number: a million invoices share a few
 * thousand distinct dates, so each is validated and converted once.
 */
export function dayParser(): (date: CalendarDate) => number {
  const cache = new Map<string, number>();
  return (date) => {
    let day = cache.get(date);
    if (day === undefined) {
      day = toDayNumber(date);
      cache.set(date, day);
    }
    return day;
  };
}

export function monthIndexOf(date: CalendarDate): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

/** Day number of the 1st of a month index. */
export function monthStartDay(monthIndex: number): number {
  const year = Math.floor(monthIndex / 12);
  return Date.UTC(year, monthIndex - year * 12, 1) / 86_400_000;
}

export function monthLength(monthIndex: number): number {
  const year = Math.floor(monthIndex / 12);
  return daysInMonth(year, monthIndex - year * 12 + 1);
}

/** First index i with sorted[i] >= value (sorted.length when none). */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
