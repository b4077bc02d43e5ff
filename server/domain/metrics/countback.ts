import { roundRatio } from './exact';

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
  if (ar === 0) {
    for (const seg of segments) if (seg.sales > 0) return 0;
    return null;
  }
  let remaining = BigInt(ar);
  let days = 0n;
  for (const seg of segments) {
    const sales = BigInt(seg.sales);
    if (sales <= remaining) {
      remaining -= sales;
      days += BigInt(seg.days);
      if (remaining === 0n) return roundRatio(days, 1n);
      continue;
    }
    return roundRatio(days * sales + remaining * BigInt(seg.days), sales);
  }
  return null;
}
