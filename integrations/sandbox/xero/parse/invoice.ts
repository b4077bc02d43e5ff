/** Xero Invoice request elements → store inputs (create and update). */
import type { CalendarDate } from '../../../../kernel/dates';
import type { SbCompany, SbInvoiceStatus } from '../../model';
import type { NewLine } from '../../store';
import { decimalText } from '../amounts';
import { type Obj, Reader } from '../body';
import { type LineAmountTypes, readLineAmountTypes, readLines } from './lines';
import { type ContactRef, isGuid, readContactRef } from './refs';

export interface InvoiceInput {
  invoiceId?: string;
  contact?: ContactRef;
  issueDate?: CalendarDate;
  dueDate?: CalendarDate;
  lines?: NewLine[];
  number?: string;
  reference?: string;
  currency?: string;
  currencyRate?: string;
  status?: SbInvoiceStatus;
  lineAmountTypes?: LineAmountTypes;
  url?: string;
  sentToContact?: boolean;
}

const ALL_STATUSES: SbInvoiceStatus[] = ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'PAID', 'VOIDED', 'DELETED'];

export function readUrl(r: Reader): string | undefined {
  const url = r.str('Url', { max: 2000 });
  if (url === undefined || url === '') return url;
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) r.fail(`Url must be an absolute http or https URL, got "${url}"`);
  return url;
}

export function readCurrency(r: Reader, company: SbCompany): string | undefined {
  const code = r.str('CurrencyCode');
  if (code === undefined || code === '') return undefined;
  const upper = code.toUpperCase();
  if (upper !== company.baseCurrency && !(upper in company.rates)) r.fail(`Organisation is not subscribed to currency ${code}`);
  return upper;
}

/**
 * Read one invoice element. `mode` create requires Type ACCREC and a Contact; update takes only
 * what is present.
 */
export function parseInvoice(item: Obj, company: SbCompany, mode: 'create' | 'update'): InvoiceInput {
  const r = new Reader(item);
  const type = r.str('Type');
  if (type === undefined) {
    if (mode === 'create') r.fail('Invoice Type must be specified');
  } else if (type.toUpperCase() !== 'ACCREC') {
    r.fail(type.toUpperCase() === 'ACCPAY' ? 'The sandbox ledger holds receivables only: Type must be ACCREC' : `Invoice Type "${type}" is not valid`);
  }
  const invoiceId = r.str('InvoiceID');
  if (invoiceId !== undefined && invoiceId !== '' && !isGuid(invoiceId)) r.fail(`InvoiceID is not a valid GUID: "${invoiceId}"`);
  const contact = readContactRef(r);
  if (mode === 'create' && (!contact || (!contact.id && !contact.name))) r.fail('A Contact must be specified for this type of transaction');
  const lineAmountTypes = readLineAmountTypes(r);
  const lines = readLines(r, company, lineAmountTypes ?? 'Exclusive');
  if (mode === 'create' && (lines === undefined || lines.length === 0)) r.fail('At least one line item is required');
  const statusText = r.str('Status');
  let status: SbInvoiceStatus | undefined;
  if (statusText !== undefined) {
    const s = statusText.toUpperCase() as SbInvoiceStatus;
    if (!ALL_STATUSES.includes(s)) r.fail(`Status "${statusText}" is not a valid invoice status`);
    else if (mode === 'create' && !['DRAFT', 'SUBMITTED', 'AUTHORISED'].includes(s)) r.fail(`A new invoice must be DRAFT, SUBMITTED or AUTHORISED, not ${s}`);
    else status = s;
  }
  let currencyRate: string | undefined;
  if (r.has('CurrencyRate')) {
    const t = decimalText(r.raw('CurrencyRate'));
    if (t === null || Number(t) <= 0) r.fail('CurrencyRate must be a positive number');
    else currencyRate = t;
  }
  const input: InvoiceInput = {
    invoiceId: invoiceId ? invoiceId.toLowerCase() : undefined,
    contact,
    issueDate: r.date('Date'),
    dueDate: r.date('DueDate'),
    lines,
    number: r.str('InvoiceNumber', { max: 255 })?.trim() || undefined,
    reference: r.str('Reference', { max: 255 }),
    currency: readCurrency(r, company),
    currencyRate,
    status,
    lineAmountTypes,
    url: readUrl(r),
    sentToContact: r.bool('SentToContact'),
  };
  r.done();
  return input;
}
