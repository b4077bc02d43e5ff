import { MetricsError } from './types';

/**
 * Exact helpers for the metrics: sums of minor units that must stay exact, sums of
 * amount × days products that may outgrow 2^53, and one-time rounding of a fraction.
 */

/** a + b for integer minor units, refusing to leave the exact range. */
export function addExact(a: number, b: number): number {
  const s = a + b;
  if (!Number.isSafeInteger(s)) throw new MetricsError('a metric sum is outside the exact range');
  return s;
}

const FLUSH = 2 ** 52;

/** An exact running sum of integer products (amount × days) that may exceed 2^53. */
export class WideSum {
  private small = 0;
  private big = 0n;

  addProduct(a: number, b: number): void {
    const p = a * b;
    if (Number.isSafeInteger(p)) {
      this.small += p;
      if (this.small > FLUSH || this.small < -FLUSH) this.flush();
    } else {
      this.flush();
      this.big += BigInt(a) * BigInt(b);
    }
  }

  value(): bigint {
    return this.big + BigInt(this.small);
  }

  private flush(): void {
    this.big += BigInt(this.small);
    this.small = 0;
  }
}

/**
 * num / den rounded half away from zero to `places` decimals, as a JS number; null when
 * den is 0. Exact: the rounding happens on integers, and the final division by 10^places
 * yields the double nearest to the rounded decimal (what parsing its text would give).
 */
export function roundRatio(num: bigint, den: bigint, places = 2): number | null {
  if (den === 0n) return null;
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const scale = 10n ** BigInt(places);
  const n = num * scale;
  const abs = n < 0n ? -n : n;
  const q = (2n * abs + den) / (2n * den);
  const rounded = n < 0n ? -q : q;
  return rounded === 0n ? 0 : Number(rounded) / Number(scale);
}
