/**
 * The sandbox ledger's provider-neutral state. Xero and QuickBooks views (xero/, qbo/) render
 * these records in each provider's own shapes; every change goes through store.ts so both
 * ledgers keep documents consistent the way the real ones do.
 *
 * Amounts are integer minor units (see kernel/money.ts); dates are calendar dates.
 */
import type { CalendarDate } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';

export type Provider = 'xero' | 'quickbooks';

export type PayingHabit = 'prompt' | 'slow' | 'chronic_late' | 'deteriorating' | 'disputer' | 'partial_payer' | 'seasonal';

export interface SbCompany {
  /** Xero: the tenant id (uuid). QuickBooks: the realm id (digits). */
  id: string;
  provider: Provider;
  name: string;
  legalName: string;
  baseCurrency: string;
  timezone: string;
  countryCode: string;
  /** QuickBooks: the company takes online payments (InvoiceLink available). */
  onlinePayments: boolean;
  shortCode: string;
  createdAt: number;
  /** Exchange rates to the base currency (1 unit of foreign = rate units of base). */
  rates: Record<string, string>;
  /** Tracking categories (Xero) or classes (QuickBooks): name → options. */
  tracking: { name: string; options: string[] }[];
  /** Next document numbers. */
  nextInvoiceNumber: number;
  nextCreditNoteNumber: number;
  /**
   * QuickBooks: the Accounts Receivable accounts in the chart of accounts, the company's default
   * first (absent: the sample company's one, `84` "Accounts Receivable (A/R)"). A real company's
   * ids are its own, so a test company can be given others (docs/decisions/056).
   */
  receivableAccounts?: SbAccount[];
}

/** An account in a QuickBooks company's chart of accounts. */
export interface SbAccount {
  id: string;
  name: string;
}

export interface SbAddress {
  line1: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
}

export interface SbContactPerson {
  firstName: string;
  lastName: string;
  email: string;
  includeInEmails: boolean;
}

export interface SbContact {
  id: string;
  companyId: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  contactPersons: SbContactPerson[];
  phone: string | null;
  address: SbAddress | null;
  isCustomer: boolean;
  status: 'ACTIVE' | 'ARCHIVED';
  currency: string;
  /** The paying habit the demo generator gave this customer (sandbox-only). */
  habit: PayingHabit;
  updatedAt: number;
  /** When the contact was created (QuickBooks MetaData.CreateTime); optional so older literals still compile. */
  createdAt?: number;
  syncToken: number;
  deletedAt: number | null;
}

export interface SbLine {
  id: string;
  description: string;
  /** Decimal string (quantities may be fractional). */
  quantity: string;
  unitAmount: Minor;
  lineAmount: Minor;
  taxAmount: Minor;
  /** The line's tax code as the client sent it (Xero TaxType, QuickBooks TaxCodeRef); absent when none. */
  taxType?: string | null;
  accountCode: string;
  itemCode: string | null;
  tracking: { name: string; option: string }[];
}

export type SbInvoiceStatus = 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'PAID' | 'VOIDED' | 'DELETED';

export interface SbHistoryEntry {
  at: number;
  user: string;
  changes: string;
  details: string;
}

export interface SbInvoice {
  id: string;
  companyId: string;
  number: string;
  reference: string;
  contactId: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  currencyRate: string;
  status: SbInvoiceStatus;
  lineAmountTypes: 'Exclusive' | 'Inclusive' | 'NoTax';
  lines: SbLine[];
  subTotal: Minor;
  totalTax: Minor;
  total: Minor;
  amountPaid: Minor;
  amountCredited: Minor;
  amountDue: Minor;
  /**
   * QuickBooks `Deposit`: received when the invoice was raised (not a payment), so amountDue =
   * total − deposit − paid − credited. Absent or 0 on Xero invoices.
   */
  deposit?: Minor;
  fullyPaidOnDate: CalendarDate | null;
  /** Xero `Url` ("Go to Arcus"). */
  url: string | null;
  /** QuickBooks PrivateNote / CustomerMemo. */
  privateNote: string;
  customerMemo: string;
  sentToContact: boolean;
  /** QuickBooks EmailStatus NeedToSend: approved, waiting in "Send later" (billing review). Absent: not set. */
  needToSend?: boolean;
  history: SbHistoryEntry[];
  updatedAt: number;
  createdAt: number;
  syncToken: number;
}

export interface SbAllocation {
  id: string;
  invoiceId: string;
  amount: Minor;
  date: CalendarDate;
}

export interface SbPayment {
  id: string;
  companyId: string;
  contactId: string;
  date: CalendarDate;
  currency: string;
  currencyRate: string;
  /**
   * Total received (QuickBooks TotalAmt); equals the sum of invoice allocations unless partly or
   * wholly unapplied (QuickBooks: a payment with no invoice lines at all is money on account).
   */
  amount: Minor;
  reference: string;
  status: 'AUTHORISED' | 'DELETED';
  /** Invoices paid. Xero payments have exactly one. */
  allocations: SbAllocation[];
  /** QuickBooks: credit memos linked by this payment (a zero-amount payment links both). */
  creditNoteLinks: { creditNoteId: string; amount: Minor }[];
  /**
   * Xero: a refund of an overpayment or prepayment (AROVERPAYMENTPAYMENT / ARPREPAYMENTPAYMENT):
   * money paid back out of its remaining credit; no invoice.
   */
  prepaymentLink?: { prepaymentId: string; amount: Minor } | null;
  /**
   * QuickBooks: refund checks linked to this payment (a Check to the customer against Accounts
   * Receivable, linked by a Line with TxnType Check): they use its unapplied money.
   */
  refundChecks?: { checkId: string; amount: Minor }[];
  /** QuickBooks: the Accounts Receivable account the payment was posted to (ARAccountRef; absent: the company's default). */
  arAccountId?: string | null;
  /** Xero: the batch payment (one deposit, several invoices) this payment is a child of. */
  batch?: { id: string; reference: string; date: CalendarDate; totalAmount: Minor } | null;
  updatedAt: number;
  createdAt: number;
  syncToken: number;
}

export interface SbCreditNote {
  id: string;
  companyId: string;
  number: string;
  reference: string;
  contactId: string;
  date: CalendarDate;
  currency: string;
  currencyRate: string;
  status: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'PAID' | 'VOIDED' | 'DELETED';
  lineAmountTypes: 'Exclusive' | 'Inclusive' | 'NoTax';
  lines: SbLine[];
  subTotal: Minor;
  totalTax: Minor;
  total: Minor;
  remainingCredit: Minor;
  allocations: SbAllocation[];
  updatedAt: number;
  createdAt: number;
  syncToken: number;
}

/**
 * Xero: a customer's overpayment or prepayment — money received that became a credit, allocated
 * to invoices like a credit note (counted in the invoice's AmountCredited). Xero sends no
 * webhooks for them, so the store emits no change events for them (their invoices' do).
 */
export interface SbPrepayment {
  id: string;
  companyId: string;
  kind: 'overpayment' | 'prepayment';
  contactId: string;
  date: CalendarDate;
  currency: string;
  currencyRate: string;
  reference: string;
  status: 'AUTHORISED' | 'PAID' | 'VOIDED';
  total: Minor;
  remainingCredit: Minor;
  allocations: SbAllocation[];
  updatedAt: number;
  createdAt: number;
  syncToken: number;
}

export type SbEntity = 'contact' | 'invoice' | 'payment' | 'creditNote';

export interface SbChange {
  companyId: string;
  entity: SbEntity;
  id: string;
  operation: 'Create' | 'Update' | 'Delete' | 'Void';
  at: number;
}

/** A write made through the provider APIs (for the admin "what was written back" list). */
export interface SbWrite {
  at: number;
  provider: Provider;
  companyId: string;
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  summary: string;
}
