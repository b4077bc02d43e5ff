import { type CalendarDate, diffDays, isCalendarDate, parseUsDate } from '../../kernel/dates';
import { type Minor, toMinor } from '../../kernel/money';

/**
 * Invoice history in the layout of IBM's accounts-receivable sample:
 * countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,
 * Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate
 * Each invoice is settled in full on SettledDate (empty = still open).
 */
export interface HistoryInvoice {
  line: number;
  countryCode: string;
  customerId: string;
  paperlessDate: CalendarDate | null;
  invoiceNumber: string;
  invoiceDate: CalendarDate;
  dueDate: CalendarDate;
  amount: Minor;
  disputed: boolean;
  settledDate: CalendarDate | null;
  paperless: boolean;
  daysToSettle: number | null;
  daysLate: number | null;
}

export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
  constructor(
    readonly line: number,
    readonly column: string,
    message: string,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
  }
}

export const HISTORY_COLUMNS = [
  'countryCode',
  'customerID',
  'PaperlessDate',
  'invoiceNumber',
  'InvoiceDate',
  'DueDate',
  'InvoiceAmount',
  'Disputed',
  'SettledDate',
  'PaperlessBill',
  'DaysToSettle',
  'DaysLate',
] as const;
type Column = (typeof HISTORY_COLUMNS)[number];

/** Split one CSV record (RFC 4180 quoting, no embedded newlines). */
export function splitCsvLine(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function parseDate(value: string, line: number, column: string, required: boolean): CalendarDate | null {
  const v = value.trim();
  if (v === '' || v.toUpperCase() === 'NA') {
    if (required) throw new CsvFormatError(line, column, 'a date is required');
    return null;
  }
  const d = isCalendarDate(v) ? v : parseUsDate(v);
  if (!d) throw new CsvFormatError(line, column, `not a date (M/D/YYYY or YYYY-MM-DD): ${JSON.stringify(v)}`);
  return d;
}

function parseIntOrNull(value: string, line: number, column: string): number | null {
  const v = value.trim();
  if (v === '' || v.toUpperCase() === 'NA') return null;
  if (!/^-?\d+$/.test(v)) throw new CsvFormatError(line, column, `not a whole number: ${JSON.stringify(v)}`);
  return Number(v);
}

function parseYesNo(value: string, line: number, column: string, yes: string, no: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === yes.toLowerCase()) return true;
  if (v === no.toLowerCase()) return false;
  throw new CsvFormatError(line, column, `expected ${yes} or ${no}, got ${JSON.stringify(value)}`);
}

/** Parse the whole file; throws CsvFormatError naming the line (1-based, header = 1) and column. */
export function parseHistoryCsv(text: string): HistoryInvoice[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const index = new Map<string, number>();
  for (const [i, h] of header.entries()) index.set(h, i);
  for (const col of HISTORY_COLUMNS) {
    if (!index.has(col)) throw new CsvFormatError(1, col, 'missing from the header');
  }
  const rows: HistoryInvoice[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = splitCsvLine(raw);
    if (cells.length !== header.length) {
      throw new CsvFormatError(line, String(cells.length), `expected ${header.length} fields, found ${cells.length}`);
    }
    const get = (c: Column) => cells[index.get(c)!]!;
    const invoiceDate = parseDate(get('InvoiceDate'), line, 'InvoiceDate', true)!;
    const dueDate = parseDate(get('DueDate'), line, 'DueDate', true)!;
    const settledDate = parseDate(get('SettledDate'), line, 'SettledDate', false);
    let amount: Minor;
    try {
      amount = toMinor(get('InvoiceAmount'), 2, true);
    } catch (err) {
      throw new CsvFormatError(line, 'InvoiceAmount', (err as Error).message);
    }
    if (amount < 0) throw new CsvFormatError(line, 'InvoiceAmount', 'an invoice amount cannot be negative');
    if (settledDate && diffDays(invoiceDate, settledDate) < 0) {
      throw new CsvFormatError(line, 'SettledDate', 'settled before the invoice date');
    }
    const customerId = get('customerID').trim();
    if (!customerId) throw new CsvFormatError(line, 'customerID', 'a customer id is required');
    rows.push({
      line,
      countryCode: get('countryCode').trim(),
      customerId,
      paperlessDate: parseDate(get('PaperlessDate'), line, 'PaperlessDate', false),
      invoiceNumber: get('invoiceNumber').trim(),
      invoiceDate,
      dueDate,
      amount,
      disputed: parseYesNo(get('Disputed'), line, 'Disputed', 'Yes', 'No'),
      settledDate,
      paperless: parseYesNo(get('PaperlessBill'), line, 'PaperlessBill', 'Electronic', 'Paper'),
      daysToSettle: parseIntOrNull(get('DaysToSettle'), line, 'DaysToSettle'),
      daysLate: parseIntOrNull(get('DaysLate'), line, 'DaysLate'),
    });
  }
  return rows;
}
