/**
 * The bank account a payment was received into. The ledger model does not keep it, so the
 * Xero view remembers the code it was given per payment (payments made elsewhere — demo data,
 * admin-simulated receipts — show the default bank account).
 */
import type { SbPayment } from '../../model';
import { stableUuid } from '../view';

export const DEFAULT_BANK_ACCOUNT_CODE = '090';

const accountCodes = new WeakMap<SbPayment, string>();

export function rememberPaymentAccount(payment: SbPayment, code: string): void {
  accountCodes.set(payment, code);
}

export function paymentAccount(payment: SbPayment): { AccountID: string; Code: string } {
  const code = accountCodes.get(payment) ?? DEFAULT_BANK_ACCOUNT_CODE;
  return { AccountID: stableUuid(payment.companyId, 'account', code), Code: code };
}
