/** Xero CreditNote and Allocation request elements → store inputs. */
import type { CalendarDate } from '../../../../kernel/dates';
import type { Minor } from '../../../../kernel/money';
import type { SbCompany } from '../../model';
import type { NewLine } from '../../store';
import { type Obj, Reader } from '../body';
import { readCurrency } from './invoice';
import { readLineAmountTypes, readLines } from './lines';
import { type ContactRef, type InvoiceRef, readContactRef, readInvoiceRef } from './refs';

export interface CreditNoteInput {
  contact?: ContactRef;
  date?: CalendarDate;
  lines: NewLine[];
  number?: string;
  reference?: string;
  currency?: string;
  status?: 'DRAFT' | 'AUTHORISED';
  lineAmountTypes?: 'Exclusive' | 'Inclusive' | 'NoTax';
}

export function parseCreditNote(item: Obj, company: SbCompany): CreditNoteInput {
  const r = new Reader(item);
  const type = r.str('Type');
  if (type === undefined) r.fail('Credit note Type must be specified');
  else if (type.toUpperCase() !== 'ACCRECCREDIT') r.fail(`The sandbox ledger holds receivables only: Type must be ACCRECCREDIT, got "${type}"`);
  const contact = readContactRef(r);
  if (!contact || (!contact.id && !contact.name)) r.fail('A Contact must be specified for this type of transaction');
  const lineAmountTypes = readLineAmountTypes(r);
  const lines = readLines(r, company, lineAmountTypes ?? 'Exclusive');
  if (!lines || lines.length === 0) r.fail('At least one line item is required');
  const statusText = r.str('Status');
  let status: 'DRAFT' | 'AUTHORISED' | undefined;
  if (statusText !== undefined) {
    const s = statusText.toUpperCase();
    if (s === 'DRAFT' || s === 'AUTHORISED') status = s;
    else r.fail(`A new credit note must be DRAFT or AUTHORISED, not ${statusText}`);
  }
  if (r.has('Allocations')) r.fail('Allocate a credit note with PUT /CreditNotes/{CreditNoteID}/Allocations');
  const input: CreditNoteInput = {
    contact,
    date: r.date('Date'),
    lines: lines ?? [],
    number: r.str('CreditNoteNumber', { max: 255 })?.trim() || undefined,
    reference: r.str('Reference', { max: 255 }),
    currency: readCurrency(r, company),
    status,
    lineAmountTypes,
  };
  r.done();
  return input;
}

export interface AllocationInput {
  invoice: InvoiceRef;
  amount: Minor;
  date?: CalendarDate;
}

export function parseAllocation(item: Obj): AllocationInput {
  const r = new Reader(item);
  const invoice = readInvoiceRef(r, true);
  const amount = r.amount('Amount', { required: true });
  if (amount !== undefined && amount <= 0) r.fail('Allocation amount must be greater than zero');
  const input = { invoice: invoice!, amount: amount!, date: r.date('Date') };
  r.done();
  return input;
}
