import type { CalendarDate } from '../../../kernel/dates';
import { monthIndexOf, monthLength } from './calendar';
import { addExact, roundRatio } from './exact';

/** A stretch of days walked by countback DSO and the sales issued in it. */
export interface CountbackSegment {
  sales: number;
  days: number;
}

/**
 * Countback DSO: start with `ar`; walk the segments newest first (the part of
 * `to`'s month up to `to`, then whole earlier calendar months); while a segment's sales fit
 * in what remains, subtract them and add its days; otherwise add remaining / sales × days
 * and stop. A segment with no sales fits and adds its days.
 *
 * - ar = 0 → 0 days (nothing to count back), unless no segment has any sales → null.
 * - The segments run out with A/R still unexplained (only possible with reversed
 *   settlements) → null.
 * Exact: the result is one fraction of integers, rounded once to 2 decimals.
 */
export function countbackDays(ar: number, segments: Iterable<CountbackSegment>): number | null {
  const f = countbackFraction(ar, segments);
  return f && roundRatio(f.num, f.den);
}

/**
 * The countback walk as an exact fraction of days (num / den), null where countbackDays is null.
 * Shared by countbackDays and countbackAdd so a difference of two walks is rounded once.
 */
function countbackFraction(ar: number, segments: Iterable<CountbackSegment>): { num: bigint; den: bigint } | null {
  if (ar === 0) {
    for (const seg of segments) if (seg.sales > 0) return { num: 0n, den: 1n };
    return null;
  }
  let remaining = BigInt(ar);
  let days = 0n;
  for (const seg of segments) {
    const sales = BigInt(seg.sales);
    if (sales <= remaining) {
      remaining -= sales;
      days += BigInt(seg.days);
      if (remaining === 0n) return { num: days, den: 1n };
      continue;
    }
    return { num: days * sales + remaining * BigInt(seg.days), den: sales };
  }
  return null;
}

/**
 * Countback ADD: countback days of `ar` minus countback days of its current (not overdue)
 * part `currentAr`, over the same segments — how many days of the most recent sales the
 * overdue balance stands for. Unlike (AR − Current AR) / S × D it stays meaningful when
 * little was sold in the period (one customer). Exact: one fraction, rounded once.
 * Null when either walk is null.
 */
export function countbackAdd(ar: number, currentAr: number, segments: Iterable<CountbackSegment>): number | null {
  const list = [...segments];
  const all = countbackFraction(ar, list);
  const current = countbackFraction(currentAr, list);
  if (!all || !current) return null;
  return roundRatio(all.num * current.den - current.num * all.den, all.den * current.den);
}

/**
 * Countback segments at `to` for a list of (issue date, amount) sales: the 1st of `to`'s month
 * to `to`, then whole earlier calendar months back to the month of the first sale.
 */
export function countbackSegments(sales: Iterable<{ issueDate: CalendarDate; total: number }>, to: CalendarDate): CountbackSegment[] {
  const toMonth = monthIndexOf(to);
  const byMonth = new Map<number, number>();
  let first = toMonth;
  for (const s of sales) {
    if (s.issueDate > to) continue;
    const m = monthIndexOf(s.issueDate);
    if (m < first) first = m;
    byMonth.set(m, addExact(byMonth.get(m) ?? 0, s.total));
  }
  const out: CountbackSegment[] = [{ sales: byMonth.get(toMonth) ?? 0, days: Number(to.slice(8, 10)) }];
  for (let m = toMonth - 1; m >= first; m--) out.push({ sales: byMonth.get(m) ?? 0, days: monthLength(m) });
  return out;
}
