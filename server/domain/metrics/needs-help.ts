import type { MetricsResult } from './types';

/** Per-firm limits for flagging a client organisation. */
export interface HelpThresholds {
  /** Flag when DSO rose by more than this percent against 90 days ago. */
  dsoIncreasePct: number;
  /** Flag when CEI (percent) is below this. */
  ceiBelow: number;
  /** Flag when more than this percent of A/R is more than 60 days past due. */
  past60SharePct: number;
}

export const DEFAULT_HELP_THRESHOLDS: Readonly<HelpThresholds> = { dsoIncreasePct: 15, ceiBelow: 80, past60SharePct: 25 };

/** The figures the rule reads; a full MetricsResult fits, so do stored rows with these fields. */
export type HelpInput = Pick<MetricsResult, 'dso' | 'cei' | 'arEnd' | 'aging'>;

export interface HelpVerdict {
  flag: boolean;
  reasons: string[];
}

/** A whole percent, or one decimal when rounding would land on the limit it is compared with. */
function pct(value: number, limit: number): string {
  const whole = Math.round(value);
  return whole === limit ? String(Math.round(value * 10) / 10) : String(whole);
}

function days(value: number): string {
  return String(Math.round(value));
}

/**
 * Does a client need help? `current` is the latest period's metrics, `ninetyDaysAgo` the
 * same metrics for the period ending 90 days earlier (null when there is no history).
 * A rule whose inputs are undefined (null DSO or CEI, no A/R, DSO 90 days ago of 0) does
 * not fire. Reasons are plain sentences, in the order DSO, CEI, aging.
 */
export function needsHelp(current: HelpInput, ninetyDaysAgo: HelpInput | null, thresholds: Partial<HelpThresholds> = {}): HelpVerdict {
  const t = { ...DEFAULT_HELP_THRESHOLDS, ...thresholds };
  const reasons: string[] = [];

  const before = ninetyDaysAgo?.dso ?? null;
  if (current.dso !== null && before !== null && before > 0) {
    const rise = ((current.dso - before) / before) * 100;
    if (rise > t.dsoIncreasePct) {
      reasons.push(`DSO up ${pct(rise, t.dsoIncreasePct)}% in 90 days (${days(before)} → ${days(current.dso)} days)`);
    }
  }

  if (current.cei !== null && current.cei < t.ceiBelow) {
    reasons.push(`CEI ${pct(current.cei, t.ceiBelow)}% is below ${t.ceiBelow}%`);
  }

  if (current.arEnd > 0) {
    const past60 = current.aging.d61_90 + current.aging.d91_plus;
    const share = (past60 / current.arEnd) * 100;
    if (share > t.past60SharePct) {
      reasons.push(`${pct(share, t.past60SharePct)}% of receivables are more than 60 days past due (limit ${t.past60SharePct}%)`);
    }
  }

  return { flag: reasons.length > 0, reasons };
}
