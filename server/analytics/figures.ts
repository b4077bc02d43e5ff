/**
 * Ratios from period figures, for the portfolio (whose figures come from SQL). The formulas are
 * the engine's (server/domain/metrics/engine.ts), written with the engine's own exact rounding (roundRatio: one fraction of
 * integers, rounded half away from zero to 2 decimals, null on a zero denominator), so they
 * equal computeMetrics' fields on the same invoices — test/analytics/portfolio-sql.test.ts
 * checks that for several organisations and dates, to the cent.
 */
import type { Aging, HelpInput } from '../domain/metrics';
import { roundRatio } from '../domain/metrics/exact';
import type { Minor } from '../../kernel/money';

export interface PeriodFigures {
  /** D: days in [from, to]. */
  days: number;
  /** S: invoices issued in [from, to]. */
  creditSales: Minor;
  /** AR(from − 1). */
  arOpen: Minor;
  /** AR(to). */
  arEnd: Minor;
  /** Aging of AR(to); `current` is CurrentAR(to). */
  aging: Aging;
}

export interface PeriodRatios {
  dso: number | null;
  bestPossibleDso: number | null;
  add: number | null;
  cei: number | null;
  /** (AR − CurrentAR) / AR × 100. */
  overduePct: number | null;
}

export function ratiosFromFigures(f: PeriodFigures): PeriodRatios {
  const D = BigInt(f.days);
  const S = BigInt(f.creditSales);
  const A = BigInt(f.arOpen);
  const B = BigInt(f.arEnd);
  const C = BigInt(f.aging.current);
  return {
    dso: roundRatio(B * D, S),
    bestPossibleDso: roundRatio(C * D, S),
    add: roundRatio((B - C) * D, S),
    cei: roundRatio((A + S - B) * 100n, A + S - C),
    overduePct: overduePct(f.arEnd, f.aging.current),
  };
}

/** Share of A/R that is overdue, in percent (null without A/R). */
export function overduePct(arEnd: Minor, currentAr: Minor): number | null {
  return roundRatio(BigInt(arEnd - currentAr) * 100n, BigInt(arEnd));
}

/** DSO over a period from its A/R at the end and its sales (the comparison period of needs-help). */
export function dsoOf(arEnd: Minor, creditSales: Minor, days: number): number | null {
  return roundRatio(BigInt(arEnd) * BigInt(days), BigInt(creditSales));
}

export function helpInput(f: PeriodFigures, r: PeriodRatios): HelpInput {
  return { dso: r.dso, cei: r.cei, arEnd: f.arEnd, aging: f.aging };
}
