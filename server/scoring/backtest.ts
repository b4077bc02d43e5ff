/**
 * "How well Arcus would have predicted your last 6 months": the backtest protocol
 * (server/domain/scoring/backtest.ts: runBacktest, RECOMMENDED_SPEC) on one organisation's own history, split at
 * today − 6 months. Cached per organisation per day (and per state of its history).
 *
 * The protocol trains a model, so it runs only on `TrainingRows` (data-use.ts); an
 * organisation that may not be trained on (Xero) is backtested with the no-fit method it is
 * scored by (runNoFitBacktest; `method: 'nofit'`, no baseline trained either).
 */

import { addDays, addMonths, type CalendarDate, todayIn } from '../../kernel/dates';
import type { Db } from '../db/client';
import { BacktestError, type BacktestMetrics, runBacktest } from '../domain/scoring';
import { type BacktestPrediction, runNoFitBacktest } from '../domain/scoring/backtest';
import type { CalibrationBin } from '../domain/scoring/metrics';
import { cached } from './cache';
import { TrainingRows } from './data-use';
import { fingerprintOf, type HistoryInvoice, toScoringInvoice } from './history';
import { loadHistory } from './history-load';
import { loadProviders } from './models';

export const BACKTEST_MONTHS = 6;
/** The backtest reads invoices issued in the last HISTORY_MONTHS only, and at most MAX_INVOICES of them (the most recent). */
export const BACKTEST_HISTORY_MONTHS = 30;
export const BACKTEST_MAX_INVOICES = 50_000;
/** Test predictions kept per customer (the most recent), for the customer page. */
export const PREDICTIONS_PER_CUSTOMER = 8;

/** One test invoice: what was predicted on its issue date and what happened. */
export interface PredictionJson {
  invoiceId: string;
  number: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate;
  pLate: number;
  predictedDate: CalendarDate;
  lowDate: CalendarDate;
  highDate: CalendarDate;
  paidDate: CalendarDate;
  late: boolean;
  /** The paid date fell inside the predicted range. */
  inRange: boolean;
}

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
      /** Expected calibration error of P(late) over 10 bins, and the bins (predicted vs observed late share, with counts). */
      ece: number | null;
      calibration: CalibrationBin[];
    }
  | { available: false; split: CalendarDate; asOf: CalendarDate; reason: string };

const finite = (x: number) => (Number.isFinite(x) ? x : null);
const metrics = (m: BacktestMetrics): MetricsJson => ({ auc: finite(m.auc_late), brier: finite(m.brier_late), mae: finite(m.mae_days_to_settle) });

/**
 * The backtest on one organisation's history (what it has now), split `BACKTEST_MONTHS`
 * before `day`: fitted on `TrainingRows`, or the no-fit method on a plain history.
 */
export function backtestHistory(input: TrainingRows | readonly HistoryInvoice[], day: CalendarDate): InAppBacktest {
  return backtestWithPredictions(input, day).backtest;
}

/** Predictions of each customer (contact external id), the most recent PREDICTIONS_PER_CUSTOMER, newest first. */
export type CustomerPredictions = Record<string, PredictionJson[]>;

function predictionsOf(history: readonly HistoryInvoice[], rows: readonly BacktestPrediction[]): CustomerPredictions {
  const out = new Map<string, PredictionJson[]>();
  for (let t = rows.length - 1; t >= 0; t--) {
    const p = rows[t]!;
    const inv = history[p.index]!;
    let list = out.get(inv.contactExternalId);
    if (!list) {
      list = [];
      out.set(inv.contactExternalId, list);
    }
    if (list.length >= PREDICTIONS_PER_CUSTOMER) continue;
    const low = addDays(inv.issueDate, p.daysLow);
    const high = addDays(inv.issueDate, p.daysHigh);
    list.push({
      invoiceId: inv.id,
      number: inv.number,
      issueDate: inv.issueDate,
      dueDate: inv.dueDate,
      pLate: p.pLate,
      predictedDate: addDays(inv.issueDate, Math.round(p.daysToSettle)),
      lowDate: low,
      highDate: high,
      paidDate: addDays(inv.issueDate, p.actualDays),
      late: p.late,
      inRange: p.actualDays >= p.daysLow && p.actualDays <= p.daysHigh,
    });
  }
  for (const list of out.values()) list.sort((a, b) => (a.issueDate < b.issueDate ? 1 : a.issueDate > b.issueDate ? -1 : 0));
  return Object.fromEntries(out);
}

/** The backtest and its per-customer test predictions (what the cache stores). */
export function backtestWithPredictions(input: TrainingRows | readonly HistoryInvoice[], day: CalendarDate): { backtest: InAppBacktest; predictions: CustomerPredictions } {
  const split = addMonths(day, -BACKTEST_MONTHS);
  const history = input instanceof TrainingRows ? input.history : input;
  try {
    if (!(input instanceof TrainingRows)) {
      const r = runNoFitBacktest(input.map(toScoringInvoice), split);
      return { predictions: predictionsOf(history, r.predictions), backtest: {
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
        ece: finite(r.ece_late),
        calibration: r.calibration_bins,
      } };
    }
    TrainingRows.assertTrainable(input, day);
    const r = runBacktest(input.history.map(toScoringInvoice), split);
    return { predictions: predictionsOf(history, r.predictions), backtest: {
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
      ece: finite(r.ece_late),
      calibration: r.calibration_bins,
    } };
  } catch (err) {
    if (err instanceof BacktestError) return { predictions: {}, backtest: { available: false, split, asOf: day, reason: err.message } };
    throw err;
  }
}

interface Stored {
  backtest: InAppBacktest;
  predictions: CustomerPredictions;
}

/**
 * The organisation's backtest with its per-customer predictions, from `scoring_cache` when the
 * settled history has not changed since it was computed today; computed (and stored) otherwise.
 * Reads at most BACKTEST_MAX_INVOICES invoices issued in the last BACKTEST_HISTORY_MONTHS.
 * The scoring job calls it after each sync's re-score, so a page view finds it stored.
 */
async function storedBacktest(db: Db, org: { id: string; firmId: string; timezone: string }, now: Date): Promise<Stored> {
  const day = todayIn(org.timezone, now);
  const history = (
    await loadHistory(db, { firmId: org.firmId, organisationId: org.id, issuedFrom: addMonths(day, -BACKTEST_HISTORY_MONTHS), limit: BACKTEST_MAX_INVOICES })
  ).filter((inv) => inv.issueDate <= day);
  const rows = TrainingRows.select(history, await loadProviders(db, org.firmId));
  const input = rows.allows(org.id) ? rows : history;
  return cached<Stored>(db, { firmId: org.firmId, organisationId: org.id, kind: 'backtest', asOf: day, fingerprint: `v5:${fingerprintOf(history, day)}` }, () =>
    backtestWithPredictions(input, day),
  );
}

export async function organisationBacktest(db: Db, org: { id: string; firmId: string; timezone: string }, now = new Date()): Promise<InAppBacktest> {
  return (await storedBacktest(db, org, now)).backtest;
}

/** One customer's recent test predictions (newest first) and the backtest they came from. */
export async function customerBacktest(
  db: Db,
  org: { id: string; firmId: string; timezone: string },
  contactExternalId: string,
  now = new Date(),
): Promise<{ method: 'fitted' | 'nofit' | null; split: CalendarDate; predictions: PredictionJson[] }> {
  const s = await storedBacktest(db, org, now);
  return { method: s.backtest.available ? s.backtest.method : null, split: s.backtest.split, predictions: Object.hasOwn(s.predictions, contactExternalId) ? s.predictions[contactExternalId]! : [] };
}
