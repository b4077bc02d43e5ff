import { MetricsError, type MetricsResult } from './types';

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

/** A period's sums, integer minor units (days a count), as both engines end with them. */
export interface PeriodSums {
  from: string;
  to: string;
  days: number;
  currency: string | null;
  sales: number;
  arOpen: number;
  arEnd: number;
  /** Aging of arEnd at `to`: current, 1–30, 31–60, 61–90, 91+. */
  aging: readonly [number, number, number, number, number];
  collected: number;
  dsoCountback: number | null;
  /** Σ total × days late and Σ total × days to pay over invoices settled in the period, and Σ total of them. */
  lateDays: bigint;
  payDays: bigint;
  settledWeight: bigint;
}

/**
 * The metrics result from a period's sums: every ratio an exact BigInt fraction rounded once
 * (the one place the engine over invoices and the one over rollup states compute them).
 */
export function resultFromSums(s: PeriodSums): MetricsResult {
  const D = BigInt(s.days);
  const S = BigInt(s.sales);
  const A = BigInt(s.arOpen);
  const B = BigInt(s.arEnd);
  const C = BigInt(s.aging[0]);
  return {
    from: s.from,
    to: s.to,
    days: s.days,
    currency: s.currency,
    creditSales: s.sales,
    arOpen: s.arOpen,
    arEnd: s.arEnd,
    currentArEnd: s.aging[0],
    aging: { current: s.aging[0], d1_30: s.aging[1], d31_60: s.aging[2], d61_90: s.aging[3], d91_plus: s.aging[4] },
    collected: s.collected,
    dso: roundRatio(B * D, S),
    bestPossibleDso: roundRatio(C * D, S),
    add: roundRatio((B - C) * D, S),
    dsoCountback: s.dsoCountback,
    cei: roundRatio((A + S - B) * 100n, A + S - C),
    dbt: roundRatio(s.lateDays, s.settledWeight),
    avgDaysToPay: roundRatio(s.payDays, s.settledWeight),
  };
}
