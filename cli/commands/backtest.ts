import { readFileSync } from 'node:fs';
import { isCalendarDate } from '../../kernel/dates';
import { CsvFormatError, parseHistoryCsv } from '../../server/domain/ar-history-csv';
import { BacktestError, type BacktestResult, type NoFitBacktestResult, runBacktest, runNoFitBacktest } from '../../server/domain/scoring/backtest';
import type { ScoringInvoice } from '../../server/domain/scoring/invoice';
import { fromHistoryInvoice } from '../../server/domain/scoring/invoice';
import { roundOrNull } from '../../server/domain/scoring/metrics';
import { DAYS_METHODS, type DaysMethod, LATE_METHODS, type LateMethod, type ModelSpec, RECOMMENDED_SPEC } from '../../server/domain/scoring/model';
import { type Command, UsageError } from '../command';

const USAGE =
  'arcus backtest --csv FILE --split YYYY-MM-DD [--until YYYY-MM-DD] [--issued-before YYYY-MM-DD] [--json] [--no-disputed] ' +
  `[--late ${LATE_METHODS.join('|')}] [--days ${DAYS_METHODS.join('|')}]`;

interface Args {
  csv: string;
  split: string;
  until: string | null;
  issuedBefore: string | null;
  json: boolean;
  spec: ModelSpec;
}

function parseArgs(args: string[]): Args {
  let csv: string | undefined;
  let split: string | undefined;
  let until: string | null = null;
  let issuedBefore: string | null = null;
  let json = false;
  const spec: ModelSpec = { ...RECOMMENDED_SPEC };
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => {
      if (eq > 0) return raw.slice(eq + 1);
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
      return v;
    };
    switch (flag) {
      case '--csv':
        csv = value();
        break;
      case '--split':
        split = value();
        break;
      case '--until':
        until = value();
        if (!isCalendarDate(until)) throw new UsageError(`--until must be a date as YYYY-MM-DD, got ${JSON.stringify(until)}`);
        break;
      case '--issued-before':
        issuedBefore = value();
        if (!isCalendarDate(issuedBefore)) throw new UsageError(`--issued-before must be a date as YYYY-MM-DD, got ${JSON.stringify(issuedBefore)}`);
        break;
      case '--json':
        json = true;
        break;
      case '--no-disputed':
        spec.useDisputed = false;
        break;
      case '--late': {
        const v = value();
        if (!(LATE_METHODS as readonly string[]).includes(v)) throw new UsageError(`--late must be one of ${LATE_METHODS.join(', ')}`);
        spec.late = v as LateMethod;
        break;
      }
      case '--days': {
        const v = value();
        if (!(DAYS_METHODS as readonly string[]).includes(v)) throw new UsageError(`--days must be one of ${DAYS_METHODS.join(', ')}`);
        spec.days = v as DaysMethod;
        break;
      }
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(raw)}`);
    }
  }
  if (!csv) throw new UsageError('--csv FILE is required');
  if (!split) throw new UsageError('--split YYYY-MM-DD is required');
  if (!isCalendarDate(split)) throw new UsageError(`--split must be a date as YYYY-MM-DD, got ${JSON.stringify(split)}`);
  if (until !== null && until <= split) throw new UsageError('--until must be after --split');
  if (issuedBefore !== null && issuedBefore <= split) throw new UsageError('--issued-before must be after --split');
  if (issuedBefore !== null && until !== null && issuedBefore > until) throw new UsageError('--issued-before must not be after --until');
  return { csv, split, until, issuedBefore, json, spec };
}

/**
 * The validation split of decision 034 (every constant and setting was chosen on it):
 *   arcus backtest --csv FILE --split 2012-07-01 --until 2013-01-01
 * (`--until` is exclusive: history as known at the start of that day.)
 *
 * The history as it was known at the start of `until`: invoices issued before it, settled only
 * when settled before it. A validation split inside a training period (`--split` earlier,
 * `--until` = the real split) never sees the test half.
 */
/**
 * Decision 066: score only the test invoices issued before `issuedBefore` — with `--until`, a
 * window whose outcomes were all known by then (e.g. `--split 2012-07-01 --issued-before 2012-09-14
 * --until 2013-01-01`; the longest days to settle before 2013 is 75). Invoices issued on or after
 * it are dropped from the history too; that changes nothing for the invoices scored, whose features
 * read only invoices settled before their own issue date, nor for training (settled before the split).
 */
export function issuedBeforeOnly(invoices: readonly ScoringInvoice[], issuedBefore: string): ScoringInvoice[] {
  return invoices.filter((inv) => inv.issueDate < issuedBefore);
}

export function knownBefore(invoices: readonly ScoringInvoice[], until: string): ScoringInvoice[] {
  return invoices.filter((inv) => inv.issueDate < until).map((inv) => (inv.settledDate !== null && inv.settledDate >= until ? { ...inv, settledDate: null } : inv));
}

/**
 * The backtest's JSON object (server/domain/scoring/backtest.ts): metrics to 4 decimals, MAE
 * to 2. The fitted model's fields at the top level (as before), `nofit` for the no-fit method
 * (docs/decisions/016-provider-data-use.md) on the same test invoices.
 */
export function backtestJson(r: BacktestResult, nofit: NoFitBacktestResult): Record<string, unknown> {
  return {
    split: r.split,
    n_train: r.n_train,
    n_test: r.n_test,
    n_unscored: r.n_unsettled,
    auc_late: roundOrNull(r.auc_late, 4),
    brier_late: roundOrNull(r.brier_late, 4),
    mae_days_to_settle: roundOrNull(r.mae_days_to_settle, 2),
    baseline: {
      auc_late: roundOrNull(r.baseline.auc_late, 4),
      brier_late: roundOrNull(r.baseline.brier_late, 4),
      mae_days_to_settle: roundOrNull(r.baseline.mae_days_to_settle, 2),
    },
    ece_late: roundOrNull(r.ece_late, 4),
    interval_coverage_80: roundOrNull(r.interval_coverage, 4),
    nofit: {
      auc_late: roundOrNull(nofit.auc_late, 4),
      brier_late: roundOrNull(nofit.brier_late, 4),
      mae_days_to_settle: roundOrNull(nofit.mae_days_to_settle, 2),
      ece_late: roundOrNull(nofit.ece_late, 4),
      interval_coverage_80: roundOrNull(nofit.interval_coverage, 4),
    },
  };
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function table(r: BacktestResult, nofit: NoFitBacktestResult, file: string, until: string | null, issuedBefore: string | null): string {
  const s = r.model.spec;
  const rows: [string, string, string, string][] = [
    ['AUC, paid late (higher is better)', fmt(r.auc_late, 4), fmt(nofit.auc_late, 4), fmt(r.baseline.auc_late, 4)],
    ['Brier, paid late (lower is better)', fmt(r.brier_late, 4), fmt(nofit.brier_late, 4), fmt(r.baseline.brier_late, 4)],
    ['MAE, days to settle (lower is better)', fmt(r.mae_days_to_settle, 2), fmt(nofit.mae_days_to_settle, 2), fmt(r.baseline.mae_days_to_settle, 2)],
    ['ECE, paid late (10 bins, lower is better)', fmt(r.ece_late, 4), fmt(nofit.ece_late, 4), ''],
    ['pay dates inside the 10–90% band', `${fmt(100 * r.interval_coverage, 0)}%`, `${fmt(100 * nofit.interval_coverage, 0)}%`, ''],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  return [
    `Backtest of ${file}, split ${r.split}` + (until ? `, history known before ${until} only` : ''),
    `  trained on ${r.n_train} invoices settled before the split`,
    `  tested on ${r.n_test} invoices issued on or after it` +
      (issuedBefore ? ` and before ${issuedBefore}` : '') +
      (r.n_unsettled > 0 ? ` (${r.n_unsettled} still unsettled, not scored)` : ''),
    `  model: P(late) ${s.late}${s.lateOnKnown && s.recent ? ` (trained on the rows issued ${s.recent.lagDays}+ days before the training cut)` : ''}, days ${s.days}${s.ruleBlend ? ` blended ${fmt(100 * (1 - s.ruleBlend), 0)}/${fmt(100 * s.ruleBlend, 0)} with the no-fit rule's days` : ''}, Disputed field ${s.useDisputed ? 'used' : 'not used'}`,
    `  calibration: ${r.model.calibration ? `${r.model.calibration.kind} on ${r.model.nCalibration} cross-fitted training rows` : 'none'}` +
      (r.model.bandScale !== undefined
        ? `; pay-date band × ${(r.model.bandScales ?? [r.model.bandScale]).map((c) => c.toFixed(2)).join('/')} (conformal, ${fmt(100 * (s.bandTarget ?? 0.8), 0)}%${s.recent ? ` of the rows issued ${s.recent.lagDays}+ days before the training cut` : ''}${r.model.bandScales ? ', per history bucket' : ''})`
        : ''),
    '',
    '  no-fit: fixed priors, rule weights, spreads and calibration constants, nothing trained (the method for Xero organisations)',
    '',
    `  ${''.padEnd(w)}  ${'model'.padStart(8)}  ${'no-fit'.padStart(8)}  ${'baseline'.padStart(8)}`,
    ...rows.map(([name, m, nf, b]) => `  ${name.padEnd(w)}  ${m.padStart(8)}  ${nf.padStart(8)}  ${b.padStart(8)}`),
  ].join('\n');
}

export const command: Command = {
  name: 'backtest',
  summary: 'Backtest invoice scoring (P(late), days to settle) on IBM-layout history',
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const a = parseArgs(args);
    let text: string;
    try {
      text = readFileSync(a.csv, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${a.csv}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let result: BacktestResult;
    let nofit: NoFitBacktestResult;
    try {
      const all = parseHistoryCsv(text).map(fromHistoryInvoice);
      const known = a.until ? knownBefore(all, a.until) : all;
      const invoices = a.issuedBefore ? issuedBeforeOnly(known, a.issuedBefore) : known;
      result = runBacktest(invoices, a.split, a.spec);
      nofit = runNoFitBacktest(invoices, a.split, a.spec.useDisputed);
    } catch (err) {
      if (err instanceof CsvFormatError) {
        console.error(`arcus backtest: ${a.csv}: ${err.message}`);
        return 1;
      }
      if (err instanceof BacktestError) throw new UsageError(err.message);
      throw err;
    }
    const window = { ...(a.until ? { until: a.until } : {}), ...(a.issuedBefore ? { issued_before: a.issuedBefore } : {}) };
    console.log(a.json ? JSON.stringify({ ...backtestJson(result, nofit), ...window }) : table(result, nofit, a.csv, a.until, a.issuedBefore));
    return 0;
  },
};
