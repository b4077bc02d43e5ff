import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CsvFormatError, parseHistoryCsv } from '../../server/domain/ar-history-csv';
import { addDays, isCalendarDate } from '../../kernel/dates';
import { fromMinor, type Minor } from '../../kernel/money';
import { computeMetrics, historyToMetricInvoices, type MetricsResult, toMetricsJson } from '../../server/domain/metrics';
import { type Command, UsageError } from '../command';

const USAGE = 'arcus metrics --csv FILE --from YYYY-MM-DD --to YYYY-MM-DD [--json]';

function parse(args: string[]): { csv: string; from: string; to: string; json: boolean } {
  let values: { csv?: string; from?: string; to?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { csv: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { csv, from, to, json = false } = values;
  if (!csv) throw new UsageError('--csv FILE is required');
  if (!from || !to) throw new UsageError('--from and --to are required');
  for (const [name, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!isCalendarDate(value)) throw new UsageError(`${name} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  return { csv, from, to, json };
}

function money(units: Minor): string {
  const [whole, frac] = fromMinor(units).split('.');
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

function ratio(value: number | null, unit: string): string {
  return value === null ? 'n/a' : `${value.toFixed(2)}${unit}`;
}

function table(r: MetricsResult): string {
  const rows: [string, string][] = [
    ['Credit sales', money(r.creditSales)],
    [`A/R at ${addDays(r.from, -1)}`, money(r.arOpen)],
    [`A/R at ${r.to}`, money(r.arEnd)],
    ['  current', money(r.aging.current)],
    ['  1–30 days past due', money(r.aging.d1_30)],
    ['  31–60 days past due', money(r.aging.d31_60)],
    ['  61–90 days past due', money(r.aging.d61_90)],
    ['  91+ days past due', money(r.aging.d91_plus)],
    ['Collected', money(r.collected)],
    ['DSO', ratio(r.dso, ' days')],
    ['Best-possible DSO', ratio(r.bestPossibleDso, ' days')],
    ['ADD (DSO − best possible)', ratio(r.add, ' days')],
    ['Countback DSO', ratio(r.dsoCountback, ' days')],
    ['CEI', ratio(r.cei, '%')],
    ['DBT', ratio(r.dbt, ' days')],
    ['Average days to pay', ratio(r.avgDaysToPay, ' days')],
  ];
  const width = Math.max(...rows.map(([, v]) => v.length));
  const head = `A/R metrics ${r.from} to ${r.to} (${r.days} days)${r.currency ? `, ${r.currency}` : ''}`;
  return [head, ...rows.map(([k, v]) => `  ${k.padEnd(28)}${v.padStart(width)}`)].join('\n');
}

export const command: Command = {
  name: 'metrics',
  summary: 'A/R metrics (DSO, countback DSO, CEI, DBT, aging…) from an IBM-layout invoice history CSV',
  usage: USAGE,
  async run(args) {
    const opts = parse(args);
    let text: string;
    try {
      text = await readFile(opts.csv, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
      console.error(`arcus metrics: cannot read ${opts.csv}: ${why}`);
      return 1;
    }
    let result: MetricsResult;
    try {
      const rows = parseHistoryCsv(text.replace(/^\uFEFF/, ''));
      result = computeMetrics(historyToMetricInvoices(rows), { from: opts.from, to: opts.to });
    } catch (err) {
      if (err instanceof CsvFormatError) {
        console.error(`arcus metrics: ${opts.csv}: ${err.message}`);
        return 1;
      }
      throw err;
    }
    console.log(opts.json ? JSON.stringify(toMetricsJson(result)) : table(result));
    return 0;
  },
};
