/**
 * Xero (as xero-node hands it over: camelCase, JS Dates, float amounts) → the normalised model.
 * Pure functions. Amounts become exact decimal strings here and nowhere later; dates become
 * calendar dates by the UTC date of Xero's midnight-UTC representation; only receivables are
 * kept (ACCREC invoices, ACCRECCREDIT credit notes, ACCRECPAYMENT payments).
 */
import { calendarDateOf, decimalOf, instantOf, plainDecimal, str, strOrNull } from '../ledger/convert';
import type { NormAddress, NormContact, NormCreditNote, NormEmail, NormInvoice, NormInvoiceStatus, NormLine, NormOrganisation, NormPayment, NormPhone, NormPrepayment } from '../ledger/types';
import { ianaFromXero } from './timezones';

type XDate = Date | string | null | undefined;
type XNum = number | string | null | undefined;

export interface XeroContactRef {
  contactID?: string;
  name?: string;
}

export interface XeroLineIn {
  lineItemID?: string;
  description?: string;
  quantity?: XNum;
  unitAmount?: XNum;
  lineAmount?: XNum;
  taxAmount?: XNum;
  taxType?: string;
  accountCode?: string;
  tracking?: { name?: string; option?: string }[];
}

export interface XeroInvoiceIn {
  type?: unknown;
  invoiceID?: string;
  invoiceNumber?: string;
  reference?: string;
  contact?: XeroContactRef;
  date?: XDate;
  dueDate?: XDate;
  status?: unknown;
  currencyCode?: unknown;
  currencyRate?: XNum;
  subTotal?: XNum;
  totalTax?: XNum;
  total?: XNum;
  amountDue?: XNum;
  amountPaid?: XNum;
  amountCredited?: XNum;
  fullyPaidOnDate?: XDate;
  url?: string;
  updatedDateUTC?: XDate;
  lineItems?: XeroLineIn[];
}

export interface XeroAllocationIn {
  allocationID?: string;
  amount?: XNum;
  date?: XDate;
  invoice?: { invoiceID?: string };
  isDeleted?: boolean;
}

export interface XeroCreditNoteIn {
  type?: unknown;
  creditNoteID?: string;
  creditNoteNumber?: string;
  contact?: XeroContactRef;
  date?: XDate;
  status?: unknown;
  currencyCode?: unknown;
  total?: XNum;
  remainingCredit?: XNum;
  allocations?: XeroAllocationIn[];
  updatedDateUTC?: XDate;
}

export interface XeroPaymentIn {
  paymentID?: string;
  paymentType?: unknown;
  date?: XDate;
  amount?: XNum;
  currencyRate?: XNum;
  reference?: string;
  status?: unknown;
  invoice?: { invoiceID?: string; currencyCode?: unknown; contact?: XeroContactRef };
  /** A child of a batch payment (one deposit paying several invoices): its own amount and invoice. */
  batchPaymentID?: string;
  batchPayment?: { batchPaymentID?: string; reference?: string; status?: unknown };
  updatedDateUTC?: XDate;
}

/** A Xero Overpayment or Prepayment (both arrive in this shape). */
export interface XeroPrepaymentIn {
  overpaymentID?: string;
  prepaymentID?: string;
  type?: unknown;
  contact?: XeroContactRef;
  date?: XDate;
  status?: unknown;
  currencyCode?: unknown;
  currencyRate?: XNum;
  total?: XNum;
  remainingCredit?: XNum;
  reference?: string;
  allocations?: XeroAllocationIn[];
  updatedDateUTC?: XDate;
}

export interface XeroContactIn {
  contactID?: string;
  contactStatus?: unknown;
  name?: string;
  firstName?: string;
  lastName?: string;
  emailAddress?: string;
  contactPersons?: { firstName?: string; lastName?: string; emailAddress?: string; includeInEmails?: boolean }[];
  phones?: { phoneType?: unknown; phoneNumber?: string; phoneAreaCode?: string; phoneCountryCode?: string }[];
  addresses?: { addressType?: unknown; addressLine1?: string; city?: string; region?: string; postalCode?: string; country?: string }[];
  isCustomer?: boolean;
  updatedDateUTC?: XDate;
}

export interface XeroOrganisationIn {
  organisationID?: string;
  name?: string;
  legalName?: string;
  baseCurrency?: unknown;
  countryCode?: unknown;
  timezone?: unknown;
}

export interface MapContext {
  /** The organisation's base currency, for payments whose invoice does not say. */
  baseCurrency: string;
}

/**
 * What is kept as `raw`: the document's own fields. Line items, payments and credit notes are
 * stored in their own tables (each with its own raw), and the embedded contact is only a
 * reference, so they are left out — they would triple the row and every write of it.
 */
function withoutChildren(doc: object, drop: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (v === undefined || drop.includes(k)) continue;
    out[k] = v;
  }
  const contact = (doc as { contact?: XeroContactRef }).contact;
  if (contact) out['contact'] = { contactID: contact.contactID, name: contact.name };
  return out;
}

const INVOICE_CHILDREN = ['lineItems', 'payments', 'creditNotes', 'prepayments', 'overpayments', 'contact'];

const INVOICE_STATUS: Record<string, NormInvoiceStatus> = {
  DRAFT: 'draft',
  SUBMITTED: 'submitted',
  AUTHORISED: 'authorised',
  PAID: 'paid',
  VOIDED: 'voided',
  DELETED: 'deleted',
};

function invoiceStatus(status: unknown): NormInvoiceStatus {
  return INVOICE_STATUS[str(status).toUpperCase()] ?? 'draft';
}

function requireId(id: string | undefined, what: string): string {
  if (!id) throw new Error(`Xero sent a ${what} without an id`);
  return id.toLowerCase();
}

function requireDate(value: XDate, what: string): string {
  const d = calendarDateOf(value);
  if (!d) throw new Error(`Xero sent a ${what} without a date`);
  return d;
}

export function mapXeroLine(l: XeroLineIn, index: number): NormLine {
  return {
    lineNo: index + 1,
    externalId: l.lineItemID ? l.lineItemID.toLowerCase() : null,
    description: str(l.description),
    quantity: decimalOf(l.quantity ?? 1, 4),
    unitAmount: decimalOf(l.unitAmount, 4),
    lineAmount: decimalOf(l.lineAmount),
    taxAmount: decimalOf(l.taxAmount),
    taxCode: strOrNull(l.taxType),
    accountCode: strOrNull(l.accountCode),
    tracking: (l.tracking ?? []).map((t) => ({ name: str(t.name), option: str(t.option) })),
  };
}

/** An ACCREC invoice, or null for anything else (bills). */
export function mapXeroInvoice(inv: XeroInvoiceIn): NormInvoice | null {
  if (str(inv.type).toUpperCase() !== 'ACCREC') return null;
  return {
    externalId: requireId(inv.invoiceID, 'invoice'),
    contactExternalId: requireId(inv.contact?.contactID, 'invoice contact'),
    number: str(inv.invoiceNumber),
    reference: str(inv.reference),
    issueDate: requireDate(inv.date, 'invoice'),
    dueDate: calendarDateOf(inv.dueDate),
    currency: str(inv.currencyCode),
    currencyRate: plainDecimal(inv.currencyRate),
    subTotal: decimalOf(inv.subTotal),
    totalTax: decimalOf(inv.totalTax),
    total: decimalOf(inv.total),
    amountDue: decimalOf(inv.amountDue),
    amountPaid: decimalOf(inv.amountPaid),
    amountCredited: decimalOf(inv.amountCredited),
    status: invoiceStatus(inv.status),
    // Xero leaves FullyPaidOnDate behind when a payment is deleted: only a PAID invoice was paid.
    fullyPaidOn: invoiceStatus(inv.status) === 'paid' ? calendarDateOf(inv.fullyPaidOnDate) : null,
    url: strOrNull(inv.url),
    ledgerUpdatedAt: instantOf(inv.updatedDateUTC),
    lines: (inv.lineItems ?? []).map(mapXeroLine),
    raw: withoutChildren(inv, INVOICE_CHILDREN),
  };
}

/** An ACCRECCREDIT credit note with its allocations, or null (supplier credits). */
export function mapXeroCreditNote(cn: XeroCreditNoteIn): NormCreditNote | null {
  if (str(cn.type).toUpperCase() !== 'ACCRECCREDIT') return null;
  const id = requireId(cn.creditNoteID, 'credit note');
  const allocations: NormCreditNote['allocations'] = [];
  (cn.allocations ?? []).forEach((a, index) => {
    if (a.isDeleted) return;
    const invoiceId = requireId(a.invoice?.invoiceID, 'credit note allocation invoice');
    const date = requireDate(a.date, 'credit note allocation');
    allocations.push({
      externalId: a.allocationID ? a.allocationID.toLowerCase() : `${id}:${invoiceId}:${date}:${index}`,
      invoiceExternalId: invoiceId,
      amount: decimalOf(a.amount),
      date,
    });
  });
  const status = invoiceStatus(cn.status);
  return {
    externalId: id,
    contactExternalId: requireId(cn.contact?.contactID, 'credit note contact'),
    number: str(cn.creditNoteNumber),
    date: requireDate(cn.date, 'credit note'),
    currency: str(cn.currencyCode),
    total: decimalOf(cn.total),
    remainingCredit: decimalOf(cn.remainingCredit),
    status,
    allocations,
    ledgerUpdatedAt: instantOf(cn.updatedDateUTC),
    raw: withoutChildren(cn, ['lineItems', 'allocations', 'payments', 'contact']),
  };
}

/**
 * Xero's CurrencyRate on a payment: 0 (base-currency and batch payments) or absent means 1 — a
 * rate of 0 would value the payment at nothing in the base currency.
 */
export function paymentRate(rate: XNum): string {
  const r = plainDecimal(rate);
  return /^-?0(\.0*)?$/.test(r) ? '1' : r;
}

/**
 * A payment received on a sales invoice, or null (bill payments, refunds). A batch payment's
 * children arrive one per invoice with their own amount (the batch's TotalAmount is not theirs);
 * a child of a deleted batch settles nothing, whatever its own status says.
 */
export function mapXeroPayment(p: XeroPaymentIn, ctx: MapContext): NormPayment | null {
  if (str(p.paymentType).toUpperCase() !== 'ACCRECPAYMENT') return null;
  const date = requireDate(p.date, 'payment');
  const amount = decimalOf(p.amount);
  const invoiceId = p.invoice?.invoiceID ? p.invoice.invoiceID.toLowerCase() : null;
  const deleted = str(p.status).toUpperCase() === 'DELETED' || str(p.batchPayment?.status).toUpperCase() === 'DELETED';
  const status = deleted ? 'deleted' : 'authorised';
  return {
    externalId: requireId(p.paymentID, 'payment'),
    contactExternalId: p.invoice?.contact?.contactID ? p.invoice.contact.contactID.toLowerCase() : null,
    date,
    currency: str(p.invoice?.currencyCode) || ctx.baseCurrency,
    currencyRate: paymentRate(p.currencyRate),
    amount,
    reference: str(p.reference) || str(p.batchPayment?.reference),
    status,
    allocations: invoiceId ? [{ invoiceExternalId: invoiceId, amount, date }] : [],
    ledgerUpdatedAt: instantOf(p.updatedDateUTC),
    raw: { ...withoutChildren(p, ['invoice']), invoice: p.invoice ? { invoiceID: p.invoice.invoiceID, contact: p.invoice.contact?.contactID } : undefined },
  };
}

const PREPAYMENT_TYPES: Record<string, NormPrepayment['kind']> = { 'RECEIVE-OVERPAYMENT': 'overpayment', 'RECEIVE-PREPAYMENT': 'prepayment' };

const PREPAYMENT_STATUS: Record<string, NormPrepayment['status']> = { AUTHORISED: 'authorised', PAID: 'paid', VOIDED: 'voided', DELETED: 'deleted' };

/**
 * A customer's overpayment or prepayment (RECEIVE-OVERPAYMENT / RECEIVE-PREPAYMENT) with its
 * allocations to invoices, or null (SPEND- types are supplier-side). Xero's examples carry no
 * AllocationID on these: the key is derived from the document, invoice, date and position.
 */
export function mapXeroPrepayment(x: XeroPrepaymentIn): NormPrepayment | null {
  const kind = PREPAYMENT_TYPES[str(x.type).toUpperCase()];
  if (!kind) return null;
  const id = requireId(x.overpaymentID ?? x.prepaymentID, kind);
  const allocations: NormPrepayment['allocations'] = [];
  (x.allocations ?? []).forEach((a, index) => {
    if (a.isDeleted) return;
    const invoiceId = requireId(a.invoice?.invoiceID, `${kind} allocation invoice`);
    const date = requireDate(a.date, `${kind} allocation`);
    allocations.push({ externalId: a.allocationID ? a.allocationID.toLowerCase() : `${id}:${invoiceId}:${date}:${index}`, invoiceExternalId: invoiceId, amount: decimalOf(a.amount), date });
  });
  return {
    externalId: id,
    kind,
    contactExternalId: requireId(x.contact?.contactID, `${kind} contact`),
    date: requireDate(x.date, kind),
    currency: str(x.currencyCode),
    currencyRate: paymentRate(x.currencyRate),
    total: decimalOf(x.total),
    remainingCredit: decimalOf(x.remainingCredit),
    reference: str(x.reference),
    status: PREPAYMENT_STATUS[str(x.status).toUpperCase()] ?? 'authorised',
    allocations,
    ledgerUpdatedAt: instantOf(x.updatedDateUTC),
    raw: withoutChildren(x, ['lineItems', 'allocations', 'payments', 'attachments', 'contact']),
  };
}

function contactStatus(status: unknown): NormContact['status'] {
  switch (str(status).toUpperCase()) {
    case 'ARCHIVED':
      return 'archived';
    case 'GDPRREQUEST':
      return 'deleted';
    default:
      return 'active';
  }
}

export function mapXeroContact(c: XeroContactIn): NormContact {
  const emails: NormEmail[] = [];
  const primary = strOrNull(c.emailAddress);
  if (primary) emails.push({ address: primary, name: [c.firstName, c.lastName].filter(Boolean).join(' ') || null, primary: true, includeInEmails: true });
  for (const p of c.contactPersons ?? []) {
    const address = strOrNull(p.emailAddress);
    if (!address || emails.some((e) => e.address.toLowerCase() === address.toLowerCase())) continue;
    emails.push({ address, name: [p.firstName, p.lastName].filter(Boolean).join(' ') || null, primary: false, includeInEmails: p.includeInEmails === true });
  }
  const phones: NormPhone[] = [];
  for (const p of c.phones ?? []) {
    const number = [p.phoneCountryCode, p.phoneAreaCode, p.phoneNumber].map((x) => str(x).trim()).filter(Boolean).join(' ');
    if (str(p.phoneNumber).trim()) phones.push({ type: str(p.phoneType).toLowerCase() || 'default', number });
  }
  const addresses: NormAddress[] = [];
  for (const a of c.addresses ?? []) {
    const address = { type: str(a.addressType).toLowerCase() || 'pobox', line1: str(a.addressLine1), city: str(a.city), region: str(a.region), postalCode: str(a.postalCode), country: str(a.country) };
    if (address.line1 || address.city || address.region || address.postalCode || address.country) addresses.push(address);
  }
  return {
    externalId: requireId(c.contactID, 'contact'),
    name: str(c.name),
    firstName: strOrNull(c.firstName),
    lastName: strOrNull(c.lastName),
    emails,
    phones,
    addresses,
    isCustomer: c.isCustomer !== false,
    status: contactStatus(c.contactStatus),
    ledgerUpdatedAt: instantOf(c.updatedDateUTC),
    raw: c,
  };
}

export function mapXeroOrganisation(o: XeroOrganisationIn, tenantId: string): NormOrganisation {
  return {
    externalId: (o.organisationID ?? tenantId).toLowerCase(),
    name: str(o.name) || str(o.legalName),
    baseCurrency: str(o.baseCurrency),
    timezone: ianaFromXero(str(o.timezone)),
    countryCode: strOrNull(o.countryCode),
  };
}
