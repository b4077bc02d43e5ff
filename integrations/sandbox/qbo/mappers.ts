/**
 * Sandbox records → QuickBooks Online JSON (minor version 75). Field names and nesting come
 * from Finance.xsd and Intuit's published Invoice read example; amounts are JSON numbers made
 * from exact decimal strings (Number(fromMinor(x))), never from float arithmetic.
 *
 * QuickBooks omits empty optional fields, so PrivateNote, CustomerMemo, BillEmail, BillAddr,
 * DeliveryInfo… appear only when they have a value. As in recorded answers, a company without
 * multicurrency sends no ExchangeRate, HomeTotalAmt or HomeBalance, and leaves CurrencyRef out of
 * some transactions (every fourth by Id here): a reader must fall back to the home currency and 1.
 */
import { fromMinor, type Minor, mulRate } from '../../../kernel/money';
import type { SandboxContext } from '../context';
import type { SbAddress, SbContact, SbCreditNote, SbInvoice, SbLine, SbPayment } from '../model';
import { currencyName, type QboLinkedTxn, QboView, SAMPLE_CHECKING_ACCOUNT, SAMPLE_UNDEPOSITED_FUNDS } from './view';

export type Json = Record<string, unknown>;

export interface QboRef {
  value: string;
  name?: string;
}

export interface QboMetaData {
  CreateTime: string;
  LastUpdatedTime: string;
}

export interface QboSalesLine {
  Id?: string;
  LineNum?: number;
  Description?: string;
  Amount: number;
  DetailType: 'SalesItemLineDetail' | 'SubTotalLineDetail' | 'DiscountLineDetail';
  SalesItemLineDetail?: { ItemRef: QboRef; ClassRef?: QboRef; UnitPrice: number; Qty: number; TaxCodeRef: QboRef };
  SubTotalLineDetail?: Record<string, never>;
  DiscountLineDetail?: { DiscountAccountRef: QboRef; PercentBased: boolean; DiscountPercent?: number };
}

/** Does the company show amounts in more than its home currency (QBO's MultiCurrencyEnabled)? */
export function multiCurrency(view: QboView): boolean {
  return Object.keys(view.company.rates).some((k) => k !== view.company.baseCurrency);
}

/** A single-currency company's answer leaves CurrencyRef out of some transactions. */
function withCurrencyRef(view: QboView, id: string): boolean {
  return multiCurrency(view) || !/^\d+$/.test(id) || Number(id) % 4 !== 0;
}

const PERCENT_DISCOUNT = /^Discount (\d+(?:\.\d+)?)%$/;

/** QBO amount from minor units, via the exact decimal string. */
export const amount = (m: Minor): number => Number(fromMinor(m));

const NAME_REFS: Record<string, string> = { '1': 'Services' };

function metaData(view: QboView, created: number, updated: number): QboMetaData {
  return { CreateTime: view.dateTime(created), LastUpdatedTime: view.dateTime(updated) };
}

function currencyRef(code: string): QboRef {
  return { value: code, name: currencyName(code) };
}

function addressId(contactId: string, which: 1 | 2): string {
  return /^\d{1,12}$/.test(contactId) ? String(Number(contactId) * 10 + which) : String(which);
}

function physicalAddress(contactId: string, a: SbAddress, which: 1 | 2): Json {
  const out: Json = { Id: addressId(contactId, which) };
  if (a.line1) out['Line1'] = a.line1;
  if (a.city) out['City'] = a.city;
  if (a.country) out['Country'] = a.country;
  if (a.region) out['CountrySubDivisionCode'] = a.region;
  if (a.postalCode) out['PostalCode'] = a.postalCode;
  return out;
}

function contactEmail(c: SbContact | null): string | null {
  if (!c) return null;
  return c.email ?? c.contactPersons.find((p) => p.includeInEmails && p.email)?.email ?? null;
}

/**
 * Item lines, then the SubTotal line (the sum before discounts), then discounts: a negative
 * sandbox line is a DiscountLineDetail with a positive Amount, "Discount 10%" a percent one.
 */
function salesLines(view: QboView, all: SbLine[], _subTotal: Minor, zeroed: boolean): QboSalesLine[] {
  const classes = view.classes();
  const lines = all.filter((l) => l.lineAmount >= 0);
  const discounts = all.filter((l) => l.lineAmount < 0);
  const subTotal = lines.reduce((sum, l) => sum + l.lineAmount, 0);
  const out: QboSalesLine[] = lines.map((l, i) => {
    const itemValue = l.itemCode ?? '1';
    const cls = l.tracking[0] ? classes.find((c) => c.name === l.tracking[0]!.option) : undefined;
    const detail: NonNullable<QboSalesLine['SalesItemLineDetail']> = {
      ItemRef: { value: itemValue, name: NAME_REFS[itemValue] ?? itemValue },
      UnitPrice: amount(l.unitAmount),
      Qty: zeroed ? 0 : Number(l.quantity),
      TaxCodeRef: { value: l.taxType ?? (l.taxAmount > 0 ? 'TAX' : 'NON') },
    };
    if (cls) detail.ClassRef = { value: cls.id, name: cls.name };
    const line: QboSalesLine = { Id: String(i + 1), LineNum: i + 1, Amount: zeroed ? 0 : amount(l.lineAmount), DetailType: 'SalesItemLineDetail', SalesItemLineDetail: detail };
    if (l.description) line.Description = l.description;
    return line;
  });
  out.push({ Amount: zeroed ? 0 : amount(subTotal), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} });
  for (const d of discounts) {
    const pct = PERCENT_DISCOUNT.exec(d.description);
    const detail: NonNullable<QboSalesLine['DiscountLineDetail']> = { DiscountAccountRef: { value: '86', name: 'Discounts given' }, PercentBased: pct !== null };
    if (pct) detail.DiscountPercent = Number(pct[1]);
    const line: QboSalesLine = { Amount: zeroed ? 0 : amount(-d.lineAmount), DetailType: 'DiscountLineDetail', DiscountLineDetail: detail };
    if (!pct && d.description) line.Description = d.description;
    out.push(line);
  }
  return out;
}

/** Where an open invoice can be paid online (the sandbox serves or ignores this path). */
export function qboInvoiceLink(ctx: SandboxContext, realmId: string, invoiceId: string): string {
  return `${ctx.options.baseUrl.replace(/\/$/, '')}/qbo/pay/${encodeURIComponent(realmId)}/${encodeURIComponent(invoiceId)}`;
}

function sentAt(inv: SbInvoice): number {
  const sent = [...inv.history].reverse().find((h) => /sent|email/i.test(`${h.changes} ${h.details}`));
  return sent?.at ?? inv.updatedAt;
}

/**
 * An Invoice. Voided invoices stay readable, as in QBO: TotalAmt, Balance and line amounts 0,
 * Qty 0, no LinkedTxn, and PrivateNote "Voided" (or "Voided - <note>").
 */
export function toQboInvoice(view: QboView, inv: SbInvoice, opts: { invoiceLink?: boolean } = {}): Json {
  const voided = inv.status === 'VOIDED';
  const contact = view.customer(inv.contactId);
  const company = view.company;
  const total = voided ? 0 : inv.total;
  const balance = voided ? 0 : inv.amountDue;
  const note = voided ? (inv.privateNote ? `Voided - ${inv.privateNote}` : 'Voided') : inv.privateNote;
  const multi = multiCurrency(view);
  const out: Json = {
    Deposit: voided ? 0 : amount(inv.deposit ?? 0),
    AllowIPNPayment: false,
    AllowOnlinePayment: false,
    AllowOnlineCreditCardPayment: company.onlinePayments,
    AllowOnlineACHPayment: company.onlinePayments,
    domain: 'QBO',
    sparse: false,
    Id: inv.id,
    SyncToken: String(inv.syncToken),
    MetaData: metaData(view, inv.createdAt, inv.updatedAt),
    CustomField: [],
    DocNumber: inv.number,
    TxnDate: inv.issueDate,
  };
  if (withCurrencyRef(view, inv.id)) out['CurrencyRef'] = currencyRef(inv.currency);
  if (multi) out['ExchangeRate'] = Number(inv.currencyRate);
  if (note) out['PrivateNote'] = note;
  out['LinkedTxn'] = voided ? [] : view.invoiceLinks(inv.id);
  out['Line'] = salesLines(view, inv.lines, inv.subTotal, voided);
  out['TxnTaxDetail'] = { TotalTax: voided ? 0 : amount(inv.totalTax) };
  out['CustomerRef'] = { value: inv.contactId, name: view.contactName(inv.contactId) };
  if (inv.customerMemo) out['CustomerMemo'] = { value: inv.customerMemo };
  if (contact?.address) {
    out['BillAddr'] = physicalAddress(contact.id, contact.address, 1);
    out['ShipAddr'] = physicalAddress(contact.id, contact.address, 2);
  }
  out['DueDate'] = inv.dueDate ?? inv.issueDate;
  out['TotalAmt'] = amount(total);
  if (multi) out['HomeTotalAmt'] = amount(mulRate(total, inv.currencyRate));
  out['ApplyTaxAfterDiscount'] = false;
  out['PrintStatus'] = 'NotSet';
  out['EmailStatus'] = inv.sentToContact ? 'EmailSent' : inv.needToSend ? 'NeedToSend' : 'NotSet';
  const email = contactEmail(contact);
  if (email) out['BillEmail'] = { Address: email };
  out['Balance'] = amount(balance);
  if (multi) out['HomeBalance'] = amount(mulRate(balance, inv.currencyRate));
  if (inv.sentToContact) out['DeliveryInfo'] = { DeliveryType: 'Email', DeliveryTime: view.dateTime(sentAt(inv)) };
  if (opts.invoiceLink && company.onlinePayments && inv.status === 'AUTHORISED' && inv.amountDue > 0) {
    out['InvoiceLink'] = qboInvoiceLink(view.ctx, view.realmId, inv.id);
  }
  return out;
}

/** A CreditMemo; PrivateNote carries the sandbox record's reference. */
export function toQboCreditMemo(view: QboView, cn: SbCreditNote): Json {
  const voided = cn.status === 'VOIDED';
  const contact = view.customer(cn.contactId);
  const total = voided ? 0 : cn.total;
  const remaining = voided ? 0 : cn.remainingCredit;
  const out: Json = {
    domain: 'QBO',
    sparse: false,
    Id: cn.id,
    SyncToken: String(cn.syncToken),
    MetaData: metaData(view, cn.createdAt, cn.updatedAt),
    CustomField: [],
    DocNumber: cn.number,
    TxnDate: cn.date,
    CurrencyRef: currencyRef(cn.currency),
    ExchangeRate: Number(cn.currencyRate),
  };
  const note = voided ? (cn.reference ? `Voided - ${cn.reference}` : 'Voided') : cn.reference;
  if (note) out['PrivateNote'] = note;
  out['LinkedTxn'] = voided ? [] : view.creditMemoLinks(cn.id);
  out['Line'] = salesLines(view, cn.lines, cn.subTotal, voided);
  out['TxnTaxDetail'] = { TotalTax: voided ? 0 : amount(cn.totalTax) };
  out['CustomerRef'] = { value: cn.contactId, name: view.contactName(cn.contactId) };
  if (contact?.address) {
    out['BillAddr'] = physicalAddress(contact.id, contact.address, 1);
    out['ShipAddr'] = physicalAddress(contact.id, contact.address, 2);
  }
  out['TotalAmt'] = amount(total);
  out['HomeTotalAmt'] = amount(mulRate(total, cn.currencyRate));
  out['ApplyTaxAfterDiscount'] = false;
  out['PrintStatus'] = 'NotSet';
  out['EmailStatus'] = 'NotSet';
  const email = contactEmail(contact);
  if (email) out['BillEmail'] = { Address: email };
  out['Balance'] = amount(remaining);
  out['HomeBalance'] = amount(mulRate(remaining, cn.currencyRate));
  out['RemainingCredit'] = amount(remaining);
  return out;
}

/** A Payment: one Line per invoice paid, per credit memo applied and per refund check linked. */
export function toQboPayment(view: QboView, p: SbPayment): Json {
  const lines: Json[] = [];
  for (const a of p.allocations) lines.push({ Amount: amount(a.amount), LinkedTxn: [{ TxnId: a.invoiceId, TxnType: 'Invoice' } satisfies QboLinkedTxn] });
  for (const l of p.creditNoteLinks) lines.push({ Amount: amount(l.amount), LinkedTxn: [{ TxnId: l.creditNoteId, TxnType: 'CreditMemo' } satisfies QboLinkedTxn] });
  for (const c of p.refundChecks ?? []) lines.push({ Amount: amount(c.amount), LinkedTxn: [{ TxnId: c.checkId, TxnType: 'Check' } satisfies QboLinkedTxn] });
  const out: Json = {
    CustomerRef: { value: p.contactId, name: view.contactName(p.contactId) },
    DepositToAccountRef: { value: '4', name: 'Undeposited Funds' },
    TotalAmt: amount(p.amount),
    UnappliedAmt: amount(QboView.unapplied(p)),
    ProcessPayment: false,
    domain: 'QBO',
    sparse: false,
    Id: p.id,
    SyncToken: String(p.syncToken),
    MetaData: metaData(view, p.createdAt, p.updatedAt),
    TxnDate: p.date,
  };
  if (withCurrencyRef(view, p.id)) out['CurrencyRef'] = currencyRef(p.currency);
  if (multiCurrency(view)) out['ExchangeRate'] = Number(p.currencyRate);
  if (p.reference) out['PaymentRefNum'] = p.reference;
  if (p.arAccountId) out['ARAccountRef'] = { value: p.arAccountId, name: view.receivableAccounts().find((a) => a.id === p.arAccountId)?.name ?? 'Accounts Receivable' };
  out['Line'] = lines;
  return out;
}

/** A Customer. Deleted sandbox contacts show as inactive "Name (deleted)", as QBO does. */
export function toQboCustomer(view: QboView, c: SbContact): Json {
  const deleted = c.deletedAt !== null;
  const displayName = deleted ? `${c.name} (deleted)` : c.name;
  const balance = view.customerBalance(c.id);
  const email = contactEmail(c);
  const out: Json = { Taxable: false };
  if (c.address) {
    out['BillAddr'] = physicalAddress(c.id, c.address, 1);
    out['ShipAddr'] = physicalAddress(c.id, c.address, 2);
  }
  Object.assign(out, {
    Job: false,
    BillWithParent: false,
    Balance: amount(balance),
    BalanceWithJobs: amount(balance),
    CurrencyRef: currencyRef(c.currency),
    PreferredDeliveryMethod: email ? 'Email' : 'Print',
    IsProject: false,
    domain: 'QBO',
    sparse: false,
    Id: c.id,
    SyncToken: String(c.syncToken),
    MetaData: metaData(view, c.createdAt ?? c.updatedAt, c.updatedAt),
  });
  if (c.firstName) out['GivenName'] = c.firstName;
  if (c.lastName) out['FamilyName'] = c.lastName;
  out['FullyQualifiedName'] = displayName;
  if (!c.firstName && !c.lastName) out['CompanyName'] = c.name;
  out['DisplayName'] = displayName;
  out['PrintOnCheckName'] = c.name;
  out['Active'] = c.status === 'ACTIVE' && !deleted;
  if (c.phone) out['PrimaryPhone'] = { FreeFormNumber: c.phone };
  if (email) out['PrimaryEmailAddr'] = { Address: email };
  return out;
}

/** What CDC returns for a deleted transaction. */
export function toQboDeleted(view: QboView, id: string, at: number): Json {
  return { domain: 'QBO', status: 'Deleted', Id: id, MetaData: { LastUpdatedTime: view.dateTime(at) } };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * CompanyInfo. Like QBO's, it carries no time zone: Finance.xsd declares an optional
 * `DefaultTimeZone`, but published responses do not fill it, so the sandbox leaves it out
 * (see README.md: Arcus keeps the zone in its own organisation settings).
 */
export function toQboCompanyInfo(view: QboView): Json {
  const c = view.company;
  return {
    CompanyName: c.name,
    LegalName: c.legalName,
    CompanyAddr: { Id: '1', Country: c.countryCode },
    CustomerCommunicationAddr: { Id: '1', Country: c.countryCode },
    LegalAddr: { Id: '1', Country: c.countryCode },
    PrimaryPhone: {},
    CompanyStartDate: view.dateTime(c.createdAt).slice(0, 10),
    FiscalYearStartMonth: MONTHS[0],
    Country: c.countryCode,
    Email: { Address: `accounts@${c.shortCode.toLowerCase() || 'company'}.example` },
    WebAddr: {},
    SupportedLanguages: 'en',
    NameValue: [
      { Name: 'NeoEnabled', Value: 'true' },
      { Name: 'IsQbdtMigrated', Value: 'false' },
      { Name: 'SubscriptionStatus', Value: 'PAID' },
      { Name: 'OfferingSku', Value: 'QuickBooks Online Plus' },
      { Name: 'PayrollFeature', Value: 'false' },
      { Name: 'AccountantFeature', Value: 'false' },
      { Name: 'IsPaymentsEnabled', Value: String(c.onlinePayments) },
    ],
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '0',
    MetaData: metaData(view, c.createdAt, c.createdAt),
  };
}

export function toQboPreferences(view: QboView): Json {
  const c = view.company;
  const multi = Object.keys(c.rates).some((k) => k !== c.baseCurrency);
  return {
    AccountingInfoPrefs: {
      TrackDepartments: false,
      DepartmentTerminology: 'Location',
      ClassTrackingPerTxn: false,
      ClassTrackingPerTxnLine: c.tracking.length > 0,
      CustomerTerminology: 'Customers',
    },
    ProductAndServicesPrefs: { ForSales: true, ForPurchase: true },
    SalesFormsPrefs: {
      CustomField: [],
      CustomTxnNumbers: true,
      AllowDeposit: false,
      AllowDiscount: false,
      AllowEstimates: true,
      ETransactionEnabledStatus: 'NotApplicable',
      IPNSupportEnabled: false,
      AllowServiceDate: false,
      AllowShipping: false,
      DefaultTerms: { value: '3', name: 'Net 30' },
      AutoApplyCredit: true,
      AutoApplyPayments: true,
      ETransactionPaymentEnabled: c.onlinePayments,
    },
    EmailMessagesPrefs: {},
    VendorAndPurchasesPrefs: { TrackingByCustomer: false, BillableExpenseTracking: false },
    TimeTrackingPrefs: { UseServices: false, MarkTimeEntriesBillable: false },
    TaxPrefs: { UsingSalesTax: false },
    CurrencyPrefs: { MultiCurrencyEnabled: multi, HomeCurrency: { value: c.baseCurrency } },
    ReportPrefs: { ReportBasis: 'Accrual', CalcAgingReportFromTxnDate: false },
    OtherPrefs: {
      NameValue: [
        { Name: 'SalesFormsPrefs.DefaultCustomerMessage', Value: 'Thank you for your business and have a great day!' },
        { Name: 'SalesFormsPrefs.UsingPriceLevels', Value: 'false' },
      ],
    },
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '0',
    MetaData: metaData(view, c.createdAt, c.createdAt),
  };
}

/**
 * The company's chart of accounts as far as the sandbox keeps one (docs/decisions/056): its
 * Accounts Receivable accounts (the default carries the customers' balances), Checking and
 * Undeposited Funds — in the shape of the recorded `Account` query answer.
 */
export function toQboAccounts(view: QboView): Json[] {
  const created = view.company.createdAt;
  let receivable = 0;
  for (const c of view.customers()) receivable += view.customerBalance(c.id);
  const account = (id: string, name: string, type: string, subType: string, classification: string, balance: number): Json => ({
    Name: name,
    SubAccount: false,
    FullyQualifiedName: name,
    Active: true,
    Classification: classification,
    AccountType: type,
    AccountSubType: subType,
    CurrentBalance: amount(balance),
    CurrentBalanceWithSubAccounts: amount(balance),
    CurrencyRef: currencyRef(view.company.baseCurrency),
    domain: 'QBO',
    sparse: false,
    Id: id,
    SyncToken: '0',
    MetaData: metaData(view, created, created),
  });
  return [
    ...view.receivableAccounts().map((a, i) => account(a.id, a.name, 'Accounts Receivable', 'AccountsReceivable', 'Asset', i === 0 ? receivable : 0)),
    account(SAMPLE_CHECKING_ACCOUNT.id, SAMPLE_CHECKING_ACCOUNT.name, 'Bank', 'Checking', 'Asset', 0),
    account(SAMPLE_UNDEPOSITED_FUNDS.id, SAMPLE_UNDEPOSITED_FUNDS.name, 'Other Current Asset', 'UndepositedFunds', 'Asset', 0),
  ].sort((a, b) => Number(a['Id']) - Number(b['Id']));
}
