/** SbPrepayment → Xero Overpayment (RECEIVE-OVERPAYMENT) or Prepayment (RECEIVE-PREPAYMENT). */
import type { SbPrepayment } from '../../model';
import { amountOut, decimalOut } from '../amounts';
import { dateString, msDate, msDateTime, utcSeconds } from '../dates';
import type { LedgerView } from '../view';
import { compact, contactRef } from './common';
import { invoiceRef } from './invoice';

export function prepaymentOut(view: LedgerView, x: SbPrepayment): Record<string, unknown> {
  const overpayment = x.kind === 'overpayment';
  return compact({
    [overpayment ? 'OverpaymentID' : 'PrepaymentID']: x.id,
    ID: x.id,
    // Xero's examples give CurrencyRate on a single document and leave it out of lists now and then.
    CurrencyRate: x.currency === view.company.baseCurrency ? undefined : decimalOut(x.currencyRate),
    Type: overpayment ? 'RECEIVE-OVERPAYMENT' : 'RECEIVE-PREPAYMENT',
    Reference: x.reference,
    RemainingCredit: amountOut(x.remainingCredit),
    // Recorded overpayment / prepayment allocations carry no AllocationID.
    Allocations: x.allocations.map((a) => ({ Amount: amountOut(a.amount), Date: msDate(a.date), Invoice: invoiceRef(view, view.invoice(a.invoiceId), a.invoiceId) })),
    // Refunds paid out of it (Xero lists them as the credit note example does: id, date, amount, reference).
    Payments: view.store.prepaymentRefunds(x.id).map((p) => ({ PaymentID: p.id, Date: msDate(p.date), Amount: amountOut(p.amount), Reference: p.reference, CurrencyRate: decimalOut(p.currencyRate), HasAccount: false, HasValidationErrors: false })),
    HasAttachments: false,
    Contact: contactRef(x.contactId, view.contact(x.contactId)),
    DateString: dateString(x.date),
    Date: msDate(x.date),
    Status: x.status,
    LineAmountTypes: 'NoTax',
    LineItems: [],
    SubTotal: amountOut(x.total),
    TotalTax: 0,
    Total: amountOut(x.total),
    UpdatedDateUTC: msDateTime(x.updatedAt),
    UpdatedDateUTCString: `${utcSeconds(x.updatedAt)}Z`,
    CurrencyCode: x.currency,
  });
}
