/** SbPayment → Xero Payment (ACCRECPAYMENT). */
import type { SbPayment } from '../../model';
import { amountOut, decimalOut } from '../amounts';
import { msDate, msDateTime, utcSeconds } from '../dates';
import type { LedgerView } from '../view';
import { paymentAccount } from './accounts';
import { compact } from './common';
import { invoiceRef } from './invoice';

export function paymentOut(view: LedgerView, p: SbPayment): Record<string, unknown> {
  const allocation = p.allocations[0];
  const amount = allocation ? allocation.amount : p.amount;
  return compact({
    PaymentID: p.id,
    Date: msDate(p.date),
    BankAmount: amountOut(amount),
    Amount: amountOut(amount),
    Reference: p.reference,
    CurrencyRate: decimalOut(p.currencyRate),
    PaymentType: 'ACCRECPAYMENT',
    Status: p.status,
    UpdatedDateUTC: msDateTime(p.updatedAt),
    UpdatedDateUTCString: `${utcSeconds(p.updatedAt)}Z`,
    HasAccount: true,
    IsReconciled: false,
    Account: paymentAccount(p),
    Invoice: allocation ? invoiceRef(view, view.invoice(allocation.invoiceId), allocation.invoiceId) : undefined,
    HasValidationErrors: false,
  });
}
