/**
 * "How well Arcus would have predicted your last 6 months": the backtest protocol
 * (server/domain/scoring/backtest.ts: runBacktest, RECOMMENDED_SPEC) on one organisation's own history, split at
 * today − 6 months. Cached per organisation per day (and per state of its history).
 *
 * The protocol trains a model, so it runs only on `TrainingRows` (data-use.ts); an
 * organisation that may not be trained on (Xero) is backtested with the no-fit method it is
 * scored by (runNoFitBacktest; `method: 'nofit'`, no baseline trained either).
 */
import type { Db } from '../db/client';
import { addMonths, type CalendarDate, todayIn } from '../../kernel/dates';
import { BacktestError, type BacktestMetrics, runBacktest } from '../domain/scoring';
import { runNoFitBacktest } from '../domain/scoring/backtest';
import { cached } from './cache';
import { TrainingRows } from './data-use';
import { fingerprintOf, type HistoryInvoice, toScoringInvoice } from './history';
import { loadHistory } from './history-load';
import { loadProviders } from './models';

export const BACKTEST_MONTHS = 6;

export interface MetricsJson {
  auc: number | null;
  brier: number | null;
  mae: number | null;
}

export type InAppBacktest =
  | {
      available: true;
      /** 'fitted': the app's model and the protocol baseline; 'nofit': the no-fit method and a baseline without a training set (nTrain 0). */
      method: 'fitted' | 'nofit';
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

/**
 * The backtest on one organisation's history (what it has now), split `BACKTEST_MONTHS`
 * before `day`: fitted on `TrainingRows`, or the no-fit method on a plain history.
 */
export function backtestHistory(input: TrainingRows | readonly HistoryInvoice[], day: CalendarDate): InAppBacktest {
  const split = addMonths(day, -BACKTEST_MONTHS);
  try {
    if (!(input instanceof TrainingRows)) {
      const r = runNoFitBacktest(input.map(toScoringInvoice), split);
      return {
        available: true,
        method: 'nofit',
        split,
        asOf: day,
        nTrain: 0,
        nTest: r.n_test,
        nUnsettled: r.n_unsettled,
        model: metrics(r),
        baseline: metrics(r.baseline),
        intervalCoverage: finite(r.interval_coverage),
      };
    }
    TrainingRows.assertTrainable(input, day);
    const r = runBacktest(input.history.map(toScoringInvoice), split);
    return {
      available: true,
      method: 'fitted',
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
  const rows = TrainingRows.select(history, await loadProviders(db, org.firmId));
  const input = rows.allows(org.id) ? rows : history;
  return cached(db, { firmId: org.firmId, organisationId: org.id, kind: 'backtest', asOf: day, fingerprint: fingerprintOf(history, day) }, () => backtestHistory(input, day));
}
