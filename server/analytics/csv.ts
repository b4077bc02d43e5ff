/**
 * CSV export (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma,
 * quote, CR/LF or outer spaces, quotes doubled. Amounts are exact decimals from minor units,
 * dates ISO. Text that a spreadsheet would run as a formula (= + - @ at the start) is
 * prefixed with an apostrophe.
 */
import type { Response } from 'express';
import { fromMinor, type Minor } from '../../kernel/money';

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvColumn<T> {
  header: string;
  /** `amount`: minor units written as an exact decimal; `text`: guarded against formulas. */
  type?: 'text' | 'amount' | 'number' | 'date';
  value: (row: T) => CsvValue;
}

function field(value: CsvValue, type: CsvColumn<unknown>['type']): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (type === 'amount') text = fromMinor(value as Minor);
  else text = String(value);
  if ((type === 'text' || type === undefined) && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One text cell as every CSV Arcus writes it: formula-guarded, quoted when it must be (the CLI's and the payroll exports too). */
export function csvText(value: string): string {
  return field(value, 'text');
}

export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => field(c.header, 'number')).join(',')];
  for (const row of rows) lines.push(columns.map((c) => field(c.value(row), c.type)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvHeaders(res: Response, name: string): void {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-');
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${safe}.csv"`);
  res.setHeader('cache-control', 'no-store');
}

/** Send rows as a CSV attachment named `<name>.csv`. */
export function sendCsv<T>(res: Response, name: string, columns: readonly CsvColumn<T>[], rows: readonly T[]): void {
  csvHeaders(res, name);
  res.send(toCsv(columns, rows));
}

/**
 * Stream a CSV attachment (chunked): the header row, then each batch `produce` hands over as it
 * comes, waiting for the socket to drain before asking for more, so memory stays at one batch.
 * A failure after the first byte cannot become an error answer: the response is cut short, so
 * the download fails visibly instead of ending as a silently truncated file.
 */
export async function streamCsv<T>(res: Response, name: string, columns: readonly CsvColumn<T>[], produce: (write: (rows: readonly T[]) => Promise<void>) => Promise<void>): Promise<void> {
  csvHeaders(res, name);
  // Wait for the socket to drain — or to close (a client gone away never drains; the next batch then stops the query).
  const send = (text: string) =>
    res.write(text)
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
  await send(`${columns.map((c) => field(c.header, 'number')).join(',')}\r\n`);
  try {
    await produce(async (rows) => {
      if (res.destroyed) throw new Error('the client went away');
      let text = '';
      for (const row of rows) text += `${columns.map((c) => field(c.value(row), c.type)).join(',')}\r\n`;
      await send(text);
    });
  } catch (e) {
    res.destroy(e as Error);
    return;
  }
  res.end();
}
