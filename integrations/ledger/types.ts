/**
 * The one normalised model both ledgers are mapped into. Amounts are exact decimal strings
 * (as stored in numeric columns), dates are calendar dates, instants are Dates.
 */
import type { CalendarDate } from '../../kernel/dates';

export type Provider = 'xero' | 'quickbooks';
export type Decimal = string;

export interface NormEmail {
  address: string;
  name: string | null;
  primary: boolean;
  includeInEmails: boolean;
}

export interface NormPhone {
  type: string;
  number: string;
}

export interface NormAddress {
  type: string;
  line1: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
}

export interface NormContact {
  externalId: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  emails: NormEmail[];
  phones: NormPhone[];
  addresses: NormAddress[];
  isCustomer: boolean;
  status: 'active' | 'archived' | 'deleted';
  ledgerUpdatedAt: Date | null;
  raw: unknown;
}

export interface NormLine {
  lineNo: number;
  externalId: string | null;
  description: string;
  quantity: Decimal;
  unitAmount: Decimal;
  lineAmount: Decimal;
  taxAmount: Decimal;
  /** The line's tax code: Xero TaxType, QuickBooks SalesItemLineDetail.TaxCodeRef value; null when none. */
  taxCode: string | null;
  accountCode: string | null;
  tracking: { name: string; option: string }[];
}

export type NormInvoiceStatus = 'draft' | 'submitted' | 'authorised' | 'paid' | 'voided' | 'deleted';

export interface NormInvoice {
  externalId: string;
  contactExternalId: string;
  number: string;
  reference: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  currencyRate: Decimal;
  subTotal: Decimal;
  totalTax: Decimal;
  total: Decimal;
  amountDue: Decimal;
  amountPaid: Decimal;
  amountCredited: Decimal;
  /**
   * QuickBooks `Deposit`: received when the invoice was raised, settled on its issue date
   * (part of amountPaid). Absent or "0.00" elsewhere.
   */
  deposit?: Decimal;
  status: NormInvoiceStatus;
  fullyPaidOn: CalendarDate | null;
  url: string | null;
  ledgerUpdatedAt: Date | null;
  lines: NormLine[];
  raw: unknown;
}

export interface NormPayment {
  externalId: string;
  contactExternalId: string | null;
  date: CalendarDate;
  currency: string;
  currencyRate: Decimal;
  amount: Decimal;
  reference: string;
  status: 'authorised' | 'deleted';
  allocations: { invoiceExternalId: string; amount: Decimal; date: CalendarDate }[];
  /**
   * QuickBooks only: credit memos this payment applies to its invoices (a zero-amount payment
   * linking a memo and an invoice). Stored as credit-note allocations keyed
   * `qbo-payment:<paymentId>:<creditMemoId>:<invoiceId>`; the cash part stays in `allocations`.
   */
  creditApplications?: { creditNoteExternalId: string; invoiceExternalId: string; amount: Decimal; date: CalendarDate }[];
  ledgerUpdatedAt: Date | null;
  raw: unknown;
}

export interface NormCreditNote {
  externalId: string;
  contactExternalId: string;
  number: string;
  date: CalendarDate;
  currency: string;
  total: Decimal;
  remainingCredit: Decimal;
  status: 'draft' | 'submitted' | 'authorised' | 'paid' | 'voided' | 'deleted';
  /** externalId: the ledger's allocation id, or a stable key the mapper derives. */
  allocations: { externalId: string; invoiceExternalId: string; amount: Decimal; date: CalendarDate }[];
  ledgerUpdatedAt: Date | null;
  raw: unknown;
}

/**
 * A Xero overpayment or prepayment: money received that became a credit, allocated to invoices
 * like a credit note (Xero counts the allocations in the invoice's AmountCredited).
 */
export interface NormPrepayment {
  externalId: string;
  kind: 'overpayment' | 'prepayment';
  contactExternalId: string;
  date: CalendarDate;
  currency: string;
  currencyRate: Decimal;
  total: Decimal;
  remainingCredit: Decimal;
  reference: string;
  status: 'authorised' | 'paid' | 'voided' | 'deleted';
  /** externalId: the ledger's allocation id, or a stable key the mapper derives. */
  allocations: { externalId: string; invoiceExternalId: string; amount: Decimal; date: CalendarDate }[];
  ledgerUpdatedAt: Date | null;
  raw: unknown;
}

export type EntityType = 'contacts' | 'invoices' | 'payments' | 'creditNotes';
export const ENTITY_TYPES: EntityType[] = ['contacts', 'invoices', 'payments', 'creditNotes'];

/** Entities only some providers have (Xero overpayments and prepayments): read through `LedgerApi.credits`. */
export type CreditEntityType = 'overpayments' | 'prepayments';
export const CREDIT_ENTITY_TYPES: CreditEntityType[] = ['overpayments', 'prepayments'];
/** Every entity a sync run may read, each with its own checkpoint. */
export type SyncEntityType = EntityType | CreditEntityType;
export const SYNC_ENTITY_TYPES: SyncEntityType[] = [...ENTITY_TYPES, ...CREDIT_ENTITY_TYPES];

export interface NormOrganisation {
  externalId: string;
  name: string;
  baseCurrency: string;
  /** IANA zone. */
  timezone: string;
  countryCode: string | null;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scopes: string[];
  idToken: string | null;
}

export interface Tenant {
  externalId: string;
  name: string;
  /** Xero's connection id (DELETE /connections/{id}); null for QuickBooks. */
  providerConnectionId: string | null;
}

export interface IdentityClaims {
  provider: Provider;
  subject: string;
  email: string;
  name: string;
}
