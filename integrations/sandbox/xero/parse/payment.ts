/** Xero Payment request elements → store inputs. */
import type { CalendarDate } from '../../../../kernel/dates';
import type { Minor } from '../../../../kernel/money';
import { type Obj, Reader } from '../body';
import { type InvoiceRef, readInvoiceRef } from './refs';

export interface PaymentInput {
  invoice: InvoiceRef;
  /** A refund (ARCREDITPAYMENT): money paid back out of this credit note; no invoice. */
  creditNoteId?: string;
  accountCode: string;
  date?: CalendarDate;
  amount: Minor;
  reference?: string;
}

export function parsePayment(item: Obj): PaymentInput {
  const r = new Reader(item);
  for (const k of ['Prepayment', 'Overpayment']) if (r.has(k)) r.fail(`Payments against a ${k} (refunds) are not supported by the sandbox ledger`);
  // A refund: Payment with CreditNote (CreditNoteID) and Account, no Invoice (as Xero's PUT Payments).
  const creditNote = r.obj_('CreditNote');
  const creditNoteId = creditNote?.str('CreditNoteID')?.trim();
  if (creditNote && !creditNoteId) r.fail('A refund must name the credit note by its CreditNoteID');
  if (creditNote && r.has('Invoice')) r.fail('A payment can be made against an Invoice or a CreditNote, not both');
  const invoice = creditNote ? { id: '' } : readInvoiceRef(r, true);
  const account = r.obj_('Account');
  const code = account?.str('Code')?.trim();
  const accountId = account?.str('AccountID');
  if (!code && !accountId) r.fail('An Account (Code or AccountID) must be specified for the payment');
  const amount = r.amount('Amount', { required: true });
  if (amount !== undefined && amount <= 0) r.fail('Payment amount must be greater than zero');
  const status = r.str('Status');
  if (status !== undefined && status.toUpperCase() !== 'AUTHORISED') r.fail(`A new payment must be AUTHORISED, not ${status}`);
  const input = { invoice: invoice as InvoiceRef, ...(creditNoteId ? { creditNoteId } : {}), accountCode: code || '090', date: r.date('Date'), amount: amount!, reference: r.str('Reference', { max: 255 }) };
  r.done();
  return input;
}
