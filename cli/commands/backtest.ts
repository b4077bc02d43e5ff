import { readFileSync } from 'node:fs';
import { CsvFormatError, parseHistoryCsv } from '../../server/domain/ar-history-csv';
import { isCalendarDate } from '../../kernel/dates';
import { BacktestError, type BacktestResult, runBacktest } from '../../server/domain/scoring/backtest';
import { fromHistoryInvoice } from '../../server/domain/scoring/invoice';
import { roundOrNull } from '../../server/domain/scoring/metrics';
import { DAYS_METHODS, type DaysMethod, LATE_METHODS, type LateMethod, type ModelSpec, RECOMMENDED_SPEC } from '../../server/domain/scoring/model';
import { type Command, UsageError } from '../command';

const USAGE =
  'arcus backtest --csv FILE --split YYYY-MM-DD [--json] [--no-disputed] ' +
  `[--late ${LATE_METHODS.join('|')}] [--days ${DAYS_METHODS.join('|')}]`;

interface Args {
  csv: string;
  split: string;
  json: boolean;
  spec: ModelSpec;
}

function parseArgs(args: string[]): Args {
  let csv: string | undefined;
  let split: string | undefined;
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
  return { csv, split, json, spec };
}

/** The backtest's JSON object (server/domain/scoring/backtest.ts): metrics to 4 decimals, MAE to 2. */
export function backtestJson(r: BacktestResult): Record<string, unknown> {
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
  };
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function table(r: BacktestResult, file: string): string {
  const s = r.model.spec;
  const rows: [string, string, string][] = [
    ['AUC, paid late (higher is better)', fmt(r.auc_late, 4), fmt(r.baseline.auc_late, 4)],
    ['Brier, paid late (lower is better)', fmt(r.brier_late, 4), fmt(r.baseline.brier_late, 4)],
    ['MAE, days to settle (lower is better)', fmt(r.mae_days_to_settle, 2), fmt(r.baseline.mae_days_to_settle, 2)],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  return [
    `Backtest of ${file}, split ${r.split}`,
    `  trained on ${r.n_train} invoices settled before the split`,
    `  tested on ${r.n_test} invoices issued on or after it` +
      (r.n_unsettled > 0 ? ` (${r.n_unsettled} still unsettled, not scored)` : ''),
    `  model: P(late) ${s.late}, days ${s.days}, Disputed field ${s.useDisputed ? 'used' : 'not used'}`,
    '',
    `  ${''.padEnd(w)}  ${'model'.padStart(8)}  ${'baseline'.padStart(8)}`,
    ...rows.map(([name, m, b]) => `  ${name.padEnd(w)}  ${m.padStart(8)}  ${b.padStart(8)}`),
    '',
    `  pay-date 10–90% band held ${fmt(100 * r.interval_coverage, 0)}% of the test invoices' actual pay dates`,
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
    try {
      const invoices = parseHistoryCsv(text).map(fromHistoryInvoice);
      result = runBacktest(invoices, a.split, a.spec);
    } catch (err) {
      if (err instanceof CsvFormatError) {
        console.error(`arcus backtest: ${a.csv}: ${err.message}`);
        return 1;
      }
      if (err instanceof BacktestError) throw new UsageError(err.message);
      throw err;
    }
    console.log(a.json ? JSON.stringify(backtestJson(result)) : table(result, a.csv));
    return 0;
  },
};
