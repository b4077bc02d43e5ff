/** SbCreditNote → Xero CreditNote (ACCRECCREDIT), and its allocations. */
import type { SbAllocation, SbCreditNote } from '../../model';
import { amountOut, decimalOut } from '../amounts';
import { dateString, msDate, msDateTime, utcSeconds } from '../dates';
import type { LedgerView } from '../view';
import { compact, contactRef, lineItemOut } from './common';
import { invoiceRef } from './invoice';

export function allocationOut(view: LedgerView, cn: SbCreditNote, a: SbAllocation, withCreditNote: boolean): Record<string, unknown> {
  const inv = view.invoice(a.invoiceId);
  return compact({
    AllocationID: a.id,
    Amount: amountOut(a.amount),
    Date: msDate(a.date),
    Invoice: invoiceRef(view, inv, a.invoiceId),
    CreditNote: withCreditNote ? { CreditNoteID: cn.id, CreditNoteNumber: cn.number } : undefined,
    IsDeleted: false,
  });
}

export function creditNoteOut(view: LedgerView, cn: SbCreditNote, opts: { lineItems: boolean }): Record<string, unknown> {
  const lastAllocation = cn.allocations.reduce<string | null>((m, a) => (m === null || a.date > m ? a.date : m), null);
  return compact({
    CreditNoteID: cn.id,
    CreditNoteNumber: cn.number,
    ID: cn.id,
    Payments: [],
    CurrencyRate: decimalOut(cn.currencyRate),
    Type: 'ACCRECCREDIT',
    Reference: cn.reference,
    RemainingCredit: amountOut(cn.remainingCredit),
    Allocations: cn.allocations.map((a) => allocationOut(view, cn, a, false)),
    HasAttachments: false,
    HasErrors: false,
    Contact: contactRef(cn.contactId, view.contact(cn.contactId)),
    DateString: dateString(cn.date),
    Date: msDate(cn.date),
    Status: cn.status,
    LineAmountTypes: cn.lineAmountTypes,
    LineItems: opts.lineItems ? cn.lines.map((l) => lineItemOut(cn.companyId, l)) : [],
    SubTotal: amountOut(cn.subTotal),
    TotalTax: amountOut(cn.totalTax),
    Total: amountOut(cn.total),
    UpdatedDateUTC: msDateTime(cn.updatedAt),
    UpdatedDateUTCString: `${utcSeconds(cn.updatedAt)}Z`,
    CurrencyCode: cn.currency,
    FullyPaidOnDate: cn.status === 'PAID' && lastAllocation ? msDate(lastAllocation) : undefined,
    SentToContact: false,
  });
}
