/**
 * Gains against the frozen baseline for one report month. Pure: no I/O.
 *
 * - "Now" is measured over the 3 months ending on the report month's last day, the same length
 *   as the 3-month baseline it is compared with (a one-month DSO swings with one month's sales).
 * - Each KPI's change is now − baseline, in hundredths (exact), and whether it is better: lower
 *   is better for DSO, countback DSO, DBT, overdue share and days to pay; higher for CEI.
 * - Cash released = ΔDSO × daily sales, where ΔDSO = baseline DSO − DSO now (days; positive when
 *   DSO fell) and daily sales = the current window's credit sales ÷ its days. It is computed from
 *   the DSO figures shown (2 decimals), so a reader can redo it from the page:
 *   round_half_even(ΔDSO in hundredths × sales ÷ (100 × days)) minor units. Negative when DSO
 *   rose (cash tied up); null when either DSO is undefined or there were no days.
 */
import { divRoundHalfEven, type Minor } from '../../kernel/money';
import type { Baseline } from './baseline';
import type { WindowKpis } from './kpis';

export const KPI_KEYS = ['dso', 'dsoCountback', 'cei', 'dbt', 'overduePct', 'avgDaysToPay'] as const;
export type KpiKey = (typeof KPI_KEYS)[number];

/** Whether a higher value is better. */
export const HIGHER_IS_BETTER: Record<KpiKey, boolean> = { dso: false, dsoCountback: false, cei: true, dbt: false, overduePct: false, avgDaysToPay: false };

export interface KpiGain {
  key: KpiKey;
  baseline: number | null;
  current: number | null;
  /** current − baseline (2 decimals, exact), null when either is undefined. */
  change: number | null;
  /** null when unchanged or undefined. */
  better: boolean | null;
}

export interface Gains {
  kpis: KpiGain[];
  /** Days of DSO saved: baseline − now (positive = better). */
  dsoReduction: number | null;
  /** Daily credit sales of the current window, minor units (rounded half-even). */
  dailySales: Minor | null;
  cashReleased: Minor | null;
}

/** A 2-decimal figure as an exact integer of hundredths. */
export const hundredths = (v: number): bigint => BigInt(Math.round(v * 100));
const fromHundredths = (h: bigint): number => Number(h) / 100;

export function kpiGain(key: KpiKey, baseline: number | null, current: number | null): KpiGain {
  if (baseline === null || current === null) return { key, baseline, current, change: null, better: null };
  const change = hundredths(current) - hundredths(baseline);
  const better = change === 0n ? null : HIGHER_IS_BETTER[key] ? change > 0n : change < 0n;
  return { key, baseline, current, change: fromHundredths(change), better };
}

/** ΔDSO (days, 2 decimals) × sales ÷ days, rounded half-even to minor units. */
export function cashReleased(dsoReduction: number | null, creditSales: Minor, days: number): Minor | null {
  if (dsoReduction === null || days <= 0) return null;
  return Number(divRoundHalfEven(hundredths(dsoReduction) * BigInt(creditSales), 100n * BigInt(days)));
}

export function monthlyGains(baseline: Baseline, now: WindowKpis): Gains {
  const base = baseline.threeMonths;
  const kpis = KPI_KEYS.map((k) => kpiGain(k, base[k], now[k]));
  const dsoReduction = base.dso === null || now.dso === null ? null : fromHundredths(hundredths(base.dso) - hundredths(now.dso));
  return {
    kpis,
    dsoReduction,
    dailySales: now.days > 0 ? Number(divRoundHalfEven(BigInt(now.creditSales), BigInt(now.days))) : null,
    cashReleased: cashReleased(dsoReduction, now.creditSales, now.days),
  };
}
