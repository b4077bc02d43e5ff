/** SbPayment → Xero Payment (ACCRECPAYMENT; refunds ARCREDITPAYMENT, AROVERPAYMENTPAYMENT, ARPREPAYMENTPAYMENT). */
import type { SbPayment } from '../../model';
import { amountOut, decimalOut } from '../amounts';
import { msDate, msDateTime, utcSeconds } from '../dates';
import type { LedgerView } from '../view';
import { paymentAccount } from './accounts';
import { compact } from './common';
import { invoiceRef } from './invoice';

export function paymentOut(view: LedgerView, p: SbPayment): Record<string, unknown> {
  const allocation = p.allocations[0];
  const refundLink = allocation ? undefined : p.creditNoteLinks[0];
  const refundOf = refundLink ? view.store.creditNotes.get(refundLink.creditNoteId) : undefined;
  const refundOfCredit = p.prepaymentLink ? view.store.prepayments.get(p.prepaymentLink.prepaymentId) : undefined;
  const amount = allocation ? allocation.amount : p.amount;
  // As recorded from Xero: base-currency batch children and deleted payments carry CurrencyRate 0.
  const zeroRate = p.currency === view.company.baseCurrency && (p.batch || p.status === 'DELETED');
  return compact({
    PaymentID: p.id,
    BatchPaymentID: p.batch?.id,
    BatchPayment: p.batch
      ? {
          Account: { AccountID: paymentAccount(p).AccountID },
          BatchPaymentID: p.batch.id,
          Reference: p.batch.reference || undefined,
          DateString: `${p.batch.date}T00:00:00`,
          Date: msDate(p.batch.date),
          Type: 'RECBATCH',
          Status: p.status,
          TotalAmount: amountOut(p.batch.totalAmount),
          UpdatedDateUTC: msDateTime(p.createdAt),
          IsReconciled: false,
        }
      : undefined,
    Date: msDate(p.date),
    BankAmount: amountOut(amount),
    Amount: amountOut(amount),
    Reference: p.reference,
    CurrencyRate: zeroRate ? 0 : decimalOut(p.currencyRate),
    // A refund out of a credit note (no invoice): ARCREDITPAYMENT with the CreditNote.
    // A refund of an overpayment / prepayment: AROVERPAYMENTPAYMENT / ARPREPAYMENTPAYMENT with the document.
    PaymentType: refundOfCredit ? (refundOfCredit.kind === 'overpayment' ? 'AROVERPAYMENTPAYMENT' : 'ARPREPAYMENTPAYMENT') : refundOf ? 'ARCREDITPAYMENT' : 'ACCRECPAYMENT',
    Status: p.status,
    UpdatedDateUTC: msDateTime(p.updatedAt),
    UpdatedDateUTCString: `${utcSeconds(p.updatedAt)}Z`,
    HasAccount: true,
    IsReconciled: false,
    Account: paymentAccount(p),
    Invoice: allocation ? invoiceRef(view, view.invoice(allocation.invoiceId), allocation.invoiceId) : undefined,
    CreditNote: refundOf ? { CreditNoteID: refundOf.id, CreditNoteNumber: refundOf.number } : undefined,
    Overpayment: refundOfCredit?.kind === 'overpayment' ? { OverpaymentID: refundOfCredit.id } : undefined,
    Prepayment: refundOfCredit?.kind === 'prepayment' ? { PrepaymentID: refundOfCredit.id } : undefined,
    HasValidationErrors: false,
  });
}
