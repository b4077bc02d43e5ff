/**
 * "How well Arcus would have predicted your last 6 months": the backtest protocol
 * (server/domain/scoring/backtest.ts: runBacktest, RECOMMENDED_SPEC) on one organisation's own history, split at
 * today − 6 months. Cached per organisation per day (and per state of its history).
 */
import type { Db } from '../db/client';
import { addMonths, type CalendarDate, todayIn } from '../../kernel/dates';
import { BacktestError, type BacktestMetrics, runBacktest } from '../domain/scoring';
import { cached } from './cache';
import { fingerprintOf, type HistoryInvoice, toScoringInvoice } from './history';
import { loadHistory } from './history-load';

export const BACKTEST_MONTHS = 6;

export interface MetricsJson {
  auc: number | null;
  brier: number | null;
  mae: number | null;
}

export type InAppBacktest =
  | {
      available: true;
      split: CalendarDate;
      asOf: CalendarDate;
      nTrain: number;
      nTest: number;
      nUnsettled: number;
      model: MetricsJson;
      baseline: MetricsJson;
      intervalCoverage: number | null;
    }
  | { available: false; split: CalendarDate; asOf: CalendarDate; reason: string };

const finite = (x: number) => (Number.isFinite(x) ? x : null);
const metrics = (m: BacktestMetrics): MetricsJson => ({ auc: finite(m.auc_late), brier: finite(m.brier_late), mae: finite(m.mae_days_to_settle) });

/** The backtest on a history (what the organisation has now), split `BACKTEST_MONTHS` before `day`. */
export function backtestHistory(history: readonly HistoryInvoice[], day: CalendarDate): InAppBacktest {
  const split = addMonths(day, -BACKTEST_MONTHS);
  try {
    const r = runBacktest(history.map(toScoringInvoice), split);
    return {
      available: true,
      split,
      asOf: day,
      nTrain: r.n_train,
      nTest: r.n_test,
      nUnsettled: r.n_unsettled,
      model: metrics(r),
      baseline: metrics(r.baseline),
      intervalCoverage: finite(r.interval_coverage),
    };
  } catch (err) {
    if (err instanceof BacktestError) return { available: false, split, asOf: day, reason: err.message };
    throw err;
  }
}

export async function organisationBacktest(db: Db, org: { id: string; firmId: string; timezone: string }, now = new Date()): Promise<InAppBacktest> {
  const day = todayIn(org.timezone, now);
  const history = (await loadHistory(db, { firmId: org.firmId, organisationId: org.id })).filter((inv) => inv.issueDate <= day);
  return cached(db, { firmId: org.firmId, organisationId: org.id, kind: 'backtest', asOf: day, fingerprint: fingerprintOf(history, day) }, () => backtestHistory(history, day));
}
