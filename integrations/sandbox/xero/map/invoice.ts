/** SbInvoice → Xero Invoice (ACCREC). */
import type { SbInvoice } from '../../model';
import { amountOut, decimalOut } from '../amounts';
import { dateString, msDate, msDateTime, utcSeconds } from '../dates';
import type { LedgerView } from '../view';
import { paymentAccount } from './accounts';
import { compact, contactRef, lineItemOut } from './common';

export interface InvoiceOutOptions {
  /** Include LineItems (a single invoice, a paged list, or a list filtered by IDs). */
  lineItems: boolean;
  /** summaryOnly=true: no line items, payments, credit notes or other heavy members. */
  summaryOnly: boolean;
}

export function invoiceOut(view: LedgerView, inv: SbInvoice, opts: InvoiceOutOptions): Record<string, unknown> {
  const out: Record<string, unknown> = compact({
    Type: 'ACCREC',
    InvoiceID: inv.id,
    InvoiceNumber: inv.number,
    Reference: inv.reference,
    AmountDue: amountOut(inv.amountDue),
    AmountPaid: amountOut(inv.amountPaid),
    AmountCredited: amountOut(inv.amountCredited),
    SentToContact: inv.sentToContact,
    CurrencyRate: decimalOut(inv.currencyRate),
    IsDiscounted: false,
    HasAttachments: false,
    HasErrors: false,
    Contact: contactRef(inv.contactId, view.contact(inv.contactId)),
    DateString: dateString(inv.issueDate),
    Date: msDate(inv.issueDate),
    DueDateString: inv.dueDate ? dateString(inv.dueDate) : undefined,
    DueDate: inv.dueDate ? msDate(inv.dueDate) : undefined,
    Status: inv.status,
    LineAmountTypes: inv.lineAmountTypes,
    SubTotal: amountOut(inv.subTotal),
    TotalTax: amountOut(inv.totalTax),
    Total: amountOut(inv.total),
    UpdatedDateUTC: msDateTime(inv.updatedAt),
    UpdatedDateUTCString: `${utcSeconds(inv.updatedAt)}Z`,
    CurrencyCode: inv.currency,
    FullyPaidOnDate: inv.fullyPaidOnDate ? msDate(inv.fullyPaidOnDate) : undefined,
    Url: inv.url ?? undefined,
  });
  if (opts.summaryOnly) return out;
  out.Payments = view.paymentsFor(inv.id).map(({ payment, allocation }) =>
    compact({
      PaymentID: payment.id,
      Date: msDate(allocation.date),
      Amount: amountOut(allocation.amount),
      Reference: payment.reference,
      CurrencyRate: decimalOut(payment.currencyRate),
      HasAccount: true,
      Account: paymentAccount(payment),
      HasValidationErrors: false,
    }),
  );
  out.CreditNotes = view.creditsFor(inv.id).map(({ creditNote, allocation }) => ({
    CreditNoteID: creditNote.id,
    CreditNoteNumber: creditNote.number,
    ID: creditNote.id,
    HasErrors: false,
    AppliedAmount: amountOut(allocation.amount),
    DateString: dateString(allocation.date),
    Date: msDate(allocation.date),
    LineItems: [],
    Total: amountOut(creditNote.total),
  }));
  const applied = (kind: 'overpayment' | 'prepayment') =>
    view
      .prepaymentsFor(inv.id)
      .filter(({ prepayment: x }) => x.kind === kind)
      .map(({ prepayment: x, allocation: a }) => ({ [kind === 'overpayment' ? 'OverpaymentID' : 'PrepaymentID']: x.id, ID: x.id, AppliedAmount: amountOut(a.amount), Date: msDate(a.date), Total: amountOut(x.total), LineItems: [] }));
  out.Prepayments = applied('prepayment');
  out.Overpayments = applied('overpayment');
  out.LineItems = opts.lineItems ? inv.lines.map((l) => lineItemOut(inv.companyId, l)) : [];
  return out;
}

/** The short invoice Xero embeds in payments and allocations. */
export function invoiceRef(view: LedgerView, inv: SbInvoice | undefined, invoiceId: string): Record<string, unknown> {
  if (!inv) return { InvoiceID: invoiceId };
  return {
    Type: 'ACCREC',
    InvoiceID: inv.id,
    InvoiceNumber: inv.number,
    Payments: [],
    CreditNotes: [],
    Prepayments: [],
    Overpayments: [],
    HasErrors: false,
    IsDiscounted: false,
    Contact: contactRef(inv.contactId, view.contact(inv.contactId)),
    LineItems: [],
    CurrencyCode: inv.currency,
  };
}
