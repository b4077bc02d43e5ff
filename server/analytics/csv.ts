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

export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => field(c.header, 'number')).join(',')];
  for (const row of rows) lines.push(columns.map((c) => field(c.value(row), c.type)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Send rows as a CSV attachment named `<name>.csv`. */
export function sendCsv<T>(res: Response, name: string, columns: readonly CsvColumn<T>[], rows: readonly T[]): void {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-');
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${safe}.csv"`);
  res.setHeader('cache-control', 'no-store');
  res.send(toCsv(columns, rows));
}
