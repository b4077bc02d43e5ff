/** Xero Payment request elements → store inputs. */
import type { CalendarDate } from '../../../../kernel/dates';
import type { Minor } from '../../../../kernel/money';
import { type Obj, Reader } from '../body';
import { type InvoiceRef, readInvoiceRef } from './refs';

export interface PaymentInput {
  invoice: InvoiceRef;
  /** A refund (ARCREDITPAYMENT): money paid back out of this credit note; no invoice. */
  creditNoteId?: string;
  /** A refund (AROVERPAYMENTPAYMENT / ARPREPAYMENTPAYMENT) out of this overpayment or prepayment; no invoice. */
  prepayment?: { kind: 'overpayment' | 'prepayment'; id: string };
  accountCode: string;
  date?: CalendarDate;
  amount: Minor;
  reference?: string;
}

export function parsePayment(item: Obj): PaymentInput {
  const r = new Reader(item);
  // A refund of an overpayment or prepayment: Payment with Overpayment (OverpaymentID) or Prepayment (PrepaymentID) and Account.
  let prepayment: PaymentInput['prepayment'];
  for (const [k, kind] of [['Overpayment', 'overpayment'], ['Prepayment', 'prepayment']] as const) {
    const ref = r.obj_(k);
    if (!ref) continue;
    const id = ref.str(`${k}ID`)?.trim();
    if (!id) r.fail(`A refund must name the ${kind} by its ${k}ID`);
    else if (prepayment) r.fail('A payment can refund one document only');
    else prepayment = { kind, id };
  }
  // A refund: Payment with CreditNote (CreditNoteID) and Account, no Invoice (as Xero's PUT Payments).
  const creditNote = r.obj_('CreditNote');
  const creditNoteId = creditNote?.str('CreditNoteID')?.trim();
  if (creditNote && !creditNoteId) r.fail('A refund must name the credit note by its CreditNoteID');
  if ((creditNote || prepayment) && r.has('Invoice')) r.fail('A payment can be made against an Invoice, a CreditNote, an Overpayment or a Prepayment, one of them');
  if (creditNote && prepayment) r.fail('A payment can refund one document only');
  const invoice = creditNote || prepayment ? { id: '' } : readInvoiceRef(r, true);
  const account = r.obj_('Account');
  const code = account?.str('Code')?.trim();
  const accountId = account?.str('AccountID');
  if (!code && !accountId) r.fail('An Account (Code or AccountID) must be specified for the payment');
  const amount = r.amount('Amount', { required: true });
  if (amount !== undefined && amount <= 0) r.fail('Payment amount must be greater than zero');
  const status = r.str('Status');
  if (status !== undefined && status.toUpperCase() !== 'AUTHORISED') r.fail(`A new payment must be AUTHORISED, not ${status}`);
  const input = { invoice: invoice as InvoiceRef, ...(creditNoteId ? { creditNoteId } : {}), ...(prepayment ? { prepayment } : {}), accountCode: code || '090', date: r.date('Date'), amount: amount!, reference: r.str('Reference', { max: 255 }) };
  r.done();
  return input;
}
