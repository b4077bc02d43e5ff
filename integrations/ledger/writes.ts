/**
 * Changes Arcus makes in a ledger (the write-back engine's calls), behind one interface per provider
 * (integrations/xero/writes.ts, integrations/quickbooks/writes.ts). Each call carries `key`, the
 * write-back row's id, as the idempotency key (Xero `Idempotency-Key`, QuickBooks `requestid`),
 * so a retry after a crash between the ledger's answer and our bookkeeping is replayed by the
 * ledger and creates nothing twice. Amounts are exact decimal strings, tax-inclusive with no tax
 * (Xero LineAmountTypes NoTax; QuickBooks lines without a tax code) — except a credit note's lines
 * that carry a tax code (decision 061): net + tax, Xero Exclusive with TaxType and TaxAmount,
 * QuickBooks TaxCodeRef and the memo's TxnTaxDetail.TotalTax. Errors are LedgerError;
 * a stale QuickBooks SyncToken (5010) is re-read and retried once inside the call.
 */
import type { CalendarDate } from '../../kernel/dates';
import type { CallRunner } from './call';
import type { LedgerFactory } from './provider';
import type { Decimal, NormPayment, Provider } from './types';

export type WriteDocType = 'invoice' | 'creditNote' | 'payment';

export interface WriteLine {
  description: string;
  /**
   * > 0. Without a tax code: the whole (tax-inclusive) line amount, written with no tax. With one:
   * the net, its tax in `tax` (decision 061; credit notes only).
   */
  amount: Decimal;
  /** The ledger's tax code (Xero TaxType, QuickBooks TaxCodeRef), as the sync kept it from the invoice line. */
  taxCode?: string | null;
  /** With a tax code: the line's tax, ≥ 0, an exact decimal; the line credits `amount` + `tax`. */
  tax?: Decimal | null;
  /** Xero account code / QuickBooks item id; the provider's default sales account when absent. */
  accountCode?: string | null;
}

/**
 * Documents a writer answered with by reading them from the ledger after its last write (Xero: a
 * credit note with its allocation, GET after both PUTs). The write-back engine takes such an answer
 * as its confirming read-back instead of making the same GET again (decision 065). In memory
 * only: an answer stored and loaded again (a retry from `sent`) is never one, so it is read back.
 */
const readAfterWrite = new WeakSet<object>();

export function markReadAfterWrite<T extends object>(doc: T): T {
  readAfterWrite.add(doc);
  return doc;
}

export function isReadAfterWrite(doc: object | null | undefined): boolean {
  return !!doc && readAfterWrite.has(doc);
}

/** A ledger document as read back, for confirming a write-back. */
export interface LedgerDocument {
  type: WriteDocType;
  externalId: string;
  number: string | null;
  reference: string;
  /** Normalised: draft | authorised | paid | voided | deleted. */
  status: string;
  total: Decimal;
  /** Invoice: amount still due. Credit note: credit not yet allocated. Payment: 0. */
  remaining: Decimal;
  /** What this credit note or payment is applied to. */
  allocations: { invoiceExternalId: string; amount: Decimal }[];
  /** Invoice: the pay link Arcus wrote (Xero `Url`, QuickBooks customer memo link), if any. */
  url?: string | null;
  /** Invoice: the ledger's own online view (Xero OnlineInvoice, QuickBooks InvoiceLink), when it has one. */
  onlineUrl?: string | null;
  /** Invoice, QuickBooks: EmailStatus is NeedToSend or EmailSent (what "approved" means there; see authoriseInvoice). */
  approvedForSending?: boolean;
}

export interface CreatePaymentParams {
  key: string;
  invoiceExternalId: string;
  amount: Decimal;
  date: CalendarDate;
  reference: string;
  /** Xero: the bank account's code; QuickBooks: the deposit account id (undeposited funds when absent). */
  accountCode?: string | null;
}

export interface CreateCreditNoteParams {
  key: string;
  contactExternalId: string;
  date: CalendarDate;
  reference: string;
  currency: string;
  lines: WriteLine[];
  /** Allocate (part of) the credit to this invoice: Xero allocation; QuickBooks zero-amount payment linking both. */
  allocateTo: { invoiceExternalId: string; amount: Decimal } | null;
}

export interface AllocateCreditParams {
  key: string;
  source: 'creditNote' | 'overpayment' | 'prepayment';
  sourceExternalId: string;
  invoiceExternalId: string;
  amount: Decimal;
  date: CalendarDate;
}

/** Money paid back to a customer (issue #19). */
export interface CreateRefundParams {
  key: string;
  contactExternalId: string;
  amount: Decimal;
  currency: string;
  date: CalendarDate;
  reference: string;
  /** The line on the credit note (Xero) or refund receipt (QuickBooks). */
  description: string;
  /** Xero: the bank account's code; QuickBooks: the account the refund is paid from. */
  accountCode?: string | null;
  /**
   * The customer's existing credit the refund pays out (docs/decisions/047): Xero an Overpayment,
   * Prepayment or CreditNote (one PUT Payments naming it, so its RemainingCredit falls); QuickBooks a
   * Payment with unapplied money (a Check to the customer against Accounts Receivable, linked to
   * the payment) or a CreditMemo (the Check, then a zero Payment linking memo and check, decision
   * 063). Absent: a refund of money that paid an invoice (Xero credit note + refund;
   * QuickBooks RefundReceipt).
   */
  source?: RefundSource | null;
  /**
   * QuickBooks: the company's Accounts Receivable accounts as Arcus last read them (cached per
   * organisation, docs/decisions/056) — a refund on account credits the one the payment used, else
   * the company's default. Xero ignores it.
   */
  receivableAccounts?: LedgerAccount[] | null;
}

/** An account in the ledger's chart of accounts. */
export interface LedgerAccount {
  id: string;
  name: string;
}

export interface RefundSource {
  type: 'overpayment' | 'prepayment' | 'creditNote' | 'payment';
  externalId: string;
}

export interface CreateInvoiceParams {
  key: string;
  contactExternalId: string;
  date: CalendarDate;
  dueDate: CalendarDate;
  reference: string;
  currency: string;
  lines: WriteLine[];
}

export interface LedgerWrites {
  provider: Provider;
  /** API calls made so far. */
  readonly calls: number;
  /**
   * Put the pay link on the invoice. Xero: the invoice's `Url` (shown as "Go to Arcus");
   * QuickBooks: `InvoiceLink` is the ledger's own, so the link goes into the customer memo
   * (replacing an earlier Arcus link line, keeping the rest).
   */
  setPayLink(p: { key: string; invoiceExternalId: string; url: string }): Promise<{ field: 'Url' | 'CustomerMemo' }>;
  /** The ledger's own online invoice URL (Xero OnlineInvoice, QuickBooks InvoiceLink) when there is one. */
  onlineInvoiceUrl(invoiceExternalId: string): Promise<string | null>;
  createPayment(p: CreatePaymentParams): Promise<LedgerDocument>;
  createCreditNote(p: CreateCreditNoteParams): Promise<LedgerDocument>;
  createInvoice(p: CreateInvoiceParams): Promise<LedgerDocument>;
  /** Append lines to an open invoice (a late fee as a line). */
  addInvoiceLines(p: { key: string; invoiceExternalId: string; lines: WriteLine[] }): Promise<LedgerDocument>;
  /** Void an invoice or credit note, delete a payment (credit allocations are removed first). */
  voidDocument(p: { key: string; type: WriteDocType; externalId: string }): Promise<LedgerDocument>;
  /**
   * Apply credit the customer already has to an open invoice: Xero `PUT Overpayments|Prepayments|CreditNotes/{id}/Allocations`.
   * Answers the credit read back (its allocations). QuickBooks refuses (see server/exceptions/README.md).
   */
  allocateCredit(p: AllocateCreditParams): Promise<LedgerDocument>;
  /** Read a credit back (its allocations); null when the ledger has no such document. */
  readCredit(source: AllocateCreditParams['source'], externalId: string): Promise<LedgerDocument | null>;
  /**
   * Approve a reviewed invoice (billing review, docs/decisions/044): Xero POST Invoices/{id} with
   * Status AUTHORISED (from DRAFT or SUBMITTED); QuickBooks has no approval step, so a sparse update
   * sets EmailStatus NeedToSend (queued in "Send later"; QuickBooks or staff send it). Already
   * approved (or sent, or paid) is answered as it is, so a replay changes nothing; voided is refused.
   */
  authoriseInvoice(p: { key: string; invoiceExternalId: string }): Promise<LedgerDocument>;
  /**
   * Pay money back to the customer (docs/decisions/047). Out of an existing credit (`source`):
   * Xero one PUT Payments naming the Overpayment / Prepayment / CreditNote; QuickBooks a Check to
   * the customer against Accounts Receivable linked to the unapplied Payment. Of money that paid
   * an invoice: Xero PUT CreditNotes (key) then PUT Payments with CreditNote + Account (a derived
   * key) — a retry replays the credit note, never a second one; QuickBooks POST refundreceipt.
   * Answers the refund (Xero: the refund payment; QuickBooks: the check or the receipt).
   */
  createRefund(p: CreateRefundParams): Promise<LedgerDocument>;
  /** Read a refund back by the id createRefund answered (and the credit it paid out); null when the ledger has none. */
  readRefund(externalId: string, source?: RefundSource | null): Promise<LedgerDocument | null>;
  /** Read one document back; null when the ledger has no such document. */
  read(type: WriteDocType, externalId: string): Promise<LedgerDocument | null>;
  /**
   * QuickBooks: the company's active Accounts Receivable accounts from its chart of accounts
   * (`select * from Account where AccountType = 'Accounts Receivable'`). Absent for Xero.
   */
  receivableAccounts?(): Promise<LedgerAccount[]>;
}

export interface LedgerWritesParams {
  accessToken: string;
  tenantId: string;
  /** The opened ledger's runner (server/ledger/gateway.ts): the tenant's gate, shared with reads and notes. */
  runner: CallRunner;
}

/** Builds the provider's writer; implemented next to the notes writers. */
export type CreateLedgerWrites = (factory: LedgerFactory, provider: Provider, params: LedgerWritesParams) => LedgerWrites;

/** The reference Arcus puts on what it creates, so staff can find it in the ledger: 'Arcus <first 8 of key>'. */
export function arcusReference(key: string, what: string): string {
  return `Arcus ${key.slice(0, 8)} ${what}`.slice(0, 50);
}

/** A normalised payment as a LedgerDocument (a deleted payment is applied to nothing). */
export function paymentDocument(n: Pick<NormPayment, 'externalId' | 'reference' | 'status' | 'amount' | 'allocations'>): LedgerDocument {
  return {
    type: 'payment',
    externalId: n.externalId,
    number: null,
    reference: n.reference,
    status: n.status,
    total: n.amount,
    remaining: '0.00',
    allocations: n.status === 'deleted' ? [] : n.allocations.map((a) => ({ invoiceExternalId: a.invoiceExternalId, amount: a.amount })),
  };
}
