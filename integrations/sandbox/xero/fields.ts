/**
 * The fields each resource exposes to `where` and `order`, named as in Xero's JSON. Built per
 * request over a LedgerView so nested paths (Invoice.Contact.Name) resolve without scans.
 */
import { fromMinor, type Minor } from '../../../kernel/money';
import type { SbContact, SbCreditNote, SbInvoice, SbPayment, SbPrepayment } from '../model';
import { dayStartMs } from './dates';
import type { LedgerView } from './view';
import { type FieldDef, type FieldMap, NULL, type WValue } from './where';

type Getter<T, V> = (doc: T) => V | null | undefined;

const str =
  <T>(get: Getter<T, string>): FieldDef<T> => ({
    type: 'str',
    get: (d) => {
      const v = get(d);
      return v === null || v === undefined ? NULL : { t: 'str', v };
    },
  });
const guid =
  <T>(get: Getter<T, string>): FieldDef<T> => ({
    type: 'guid',
    get: (d) => {
      const v = get(d);
      return v === null || v === undefined ? NULL : { t: 'guid', v: v.toLowerCase() };
    },
  });
const money =
  <T>(get: Getter<T, Minor>): FieldDef<T> => ({
    type: 'num',
    get: (d) => {
      const v = get(d);
      return v === null || v === undefined ? NULL : { t: 'num', v: fromMinor(v) };
    },
  });
const decimal =
  <T>(get: Getter<T, string>): FieldDef<T> => ({
    type: 'num',
    get: (d) => {
      const v = get(d);
      return v === null || v === undefined ? NULL : { t: 'num', v };
    },
  });
const day =
  <T>(get: Getter<T, string>): FieldDef<T> => ({
    type: 'date',
    get: (d) => {
      const v = get(d);
      return v === null || v === undefined ? NULL : { t: 'date', v: dayStartMs(v) };
    },
  });
const instant =
  <T>(get: Getter<T, number>): FieldDef<T> => ({
    type: 'date',
    get: (d) => {
      const v = get(d);
      return v === null || v === undefined ? NULL : { t: 'date', v };
    },
  });
const flag =
  <T>(get: Getter<T, boolean>): FieldDef<T> => ({
    type: 'bool',
    get: (d): WValue => {
      const v = get(d);
      return v === null || v === undefined ? NULL : { t: 'bool', v };
    },
  });

function fieldMap<T>(entries: Record<string, FieldDef<T>>): FieldMap<T> {
  return new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));
}

export function contactFields(): FieldMap<SbContact> {
  return fieldMap<SbContact>({
    ContactID: guid((c) => c.id),
    Name: str((c) => c.name),
    FirstName: str((c) => c.firstName),
    LastName: str((c) => c.lastName),
    EmailAddress: str((c) => c.email),
    ContactStatus: str((c) => c.status),
    ContactNumber: str(() => null),
    AccountNumber: str(() => null),
    IsCustomer: flag((c) => c.isCustomer),
    IsSupplier: flag(() => false),
    DefaultCurrency: str((c) => c.currency),
    UpdatedDateUTC: instant((c) => c.updatedAt),
    HasAttachments: flag(() => false),
  });
}

export function invoiceFields(view: LedgerView): FieldMap<SbInvoice> {
  return fieldMap<SbInvoice>({
    Type: str(() => 'ACCREC'),
    InvoiceID: guid((i) => i.id),
    InvoiceNumber: str((i) => i.number),
    Reference: str((i) => i.reference),
    Status: str((i) => i.status),
    Date: day((i) => i.issueDate),
    DueDate: day((i) => i.dueDate),
    FullyPaidOnDate: day((i) => i.fullyPaidOnDate),
    UpdatedDateUTC: instant((i) => i.updatedAt),
    AmountDue: money((i) => i.amountDue),
    AmountPaid: money((i) => i.amountPaid),
    AmountCredited: money((i) => i.amountCredited),
    SubTotal: money((i) => i.subTotal),
    TotalTax: money((i) => i.totalTax),
    Total: money((i) => i.total),
    CurrencyCode: str((i) => i.currency),
    CurrencyRate: decimal((i) => i.currencyRate),
    LineAmountTypes: str((i) => i.lineAmountTypes),
    SentToContact: flag((i) => i.sentToContact),
    Url: str((i) => i.url),
    HasAttachments: flag(() => false),
    IsDiscounted: flag(() => false),
    'Contact.ContactID': guid((i) => i.contactId),
    'Contact.Name': str((i) => view.contact(i.contactId)?.name),
    'Contact.EmailAddress': str((i) => view.contact(i.contactId)?.email),
  });
}

export function paymentFields(view: LedgerView): FieldMap<SbPayment> {
  const inv = (p: SbPayment) => (p.allocations[0] ? view.invoice(p.allocations[0].invoiceId) : undefined);
  return fieldMap<SbPayment>({
    PaymentID: guid((p) => p.id),
    Date: day((p) => p.date),
    Amount: money((p) => p.allocations[0]?.amount ?? p.amount),
    Reference: str((p) => p.reference),
    Status: str((p) => p.status),
    PaymentType: str(() => 'ACCRECPAYMENT'),
    CurrencyRate: decimal((p) => p.currencyRate),
    UpdatedDateUTC: instant((p) => p.updatedAt),
    IsReconciled: flag(() => false),
    'Invoice.InvoiceID': guid((p) => p.allocations[0]?.invoiceId),
    'Invoice.InvoiceNumber': str((p) => inv(p)?.number),
    'Invoice.Type': str((p) => (p.allocations[0] ? 'ACCREC' : null)),
    'Invoice.Contact.ContactID': guid((p) => p.contactId),
    'Invoice.Contact.Name': str((p) => view.contact(p.contactId)?.name),
  });
}

export function creditNoteFields(view: LedgerView): FieldMap<SbCreditNote> {
  return fieldMap<SbCreditNote>({
    CreditNoteID: guid((c) => c.id),
    CreditNoteNumber: str((c) => c.number),
    Type: str(() => 'ACCRECCREDIT'),
    Reference: str((c) => c.reference),
    Status: str((c) => c.status),
    Date: day((c) => c.date),
    UpdatedDateUTC: instant((c) => c.updatedAt),
    SubTotal: money((c) => c.subTotal),
    TotalTax: money((c) => c.totalTax),
    Total: money((c) => c.total),
    RemainingCredit: money((c) => c.remainingCredit),
    CurrencyCode: str((c) => c.currency),
    CurrencyRate: decimal((c) => c.currencyRate),
    'Contact.ContactID': guid((c) => c.contactId),
    'Contact.Name': str((c) => view.contact(c.contactId)?.name),
  });
}

/** Overpayments and prepayments (one field map: Xero gives both the same members). */
export function prepaymentFields(view: LedgerView, kind: SbPrepayment['kind']): FieldMap<SbPrepayment> {
  const idName = kind === 'overpayment' ? 'OverpaymentID' : 'PrepaymentID';
  return fieldMap<SbPrepayment>({
    [idName]: guid((x) => x.id),
    Type: str(() => (kind === 'overpayment' ? 'RECEIVE-OVERPAYMENT' : 'RECEIVE-PREPAYMENT')),
    Reference: str((x) => x.reference),
    Status: str((x) => x.status),
    Date: day((x) => x.date),
    Total: money((x) => x.total),
    RemainingCredit: money((x) => x.remainingCredit),
    CurrencyCode: str((x) => x.currency),
    UpdatedDateUTC: instant((x) => x.updatedAt),
    'Contact.ContactID': guid((x) => x.contactId),
    'Contact.Name': str((x) => view.contact(x.contactId)?.name),
  });
}
