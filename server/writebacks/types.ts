/**
 * The write-back model: what each kind asks the ledger to do (validated with zod when requested
 * and again when executed), and the states a write-back moves through. See README.md.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import { isCalendarDate } from '../../kernel/dates';
import type { Logger } from '../logger';
import type { GatePriority } from '../../integrations/ledger/gate';
import type { LedgerGateway } from '../ledger/gateway';
import type { PaymentProvider } from '../../integrations/payments/provider';
import type { OneOffMail } from '../reminders/one-off';

export const WRITEBACK_KINDS = ['pay_link', 'payment', 'credit_note', 'late_fee', 'plan_invoice', 'void', 'note', 'fee_invoice', 'allocation', 'authorise_invoice', 'refund'] as const;
export type WritebackKind = (typeof WRITEBACK_KINDS)[number];

/**
 * Which write-backs go first when the queue or the ledger's limit is busy (issue #15): a debtor's
 * payment, then credit notes, fees, plan invoices and voids, then pay links, then notes. The
 * gate's priority (integrations/ledger/gate.ts) and the queue's (QUEUE_PRIORITY) follow it.
 */
export const WRITEBACK_PRIORITY: Record<WritebackKind, GatePriority> = {
  payment: 'payment',
  credit_note: 'normal',
  late_fee: 'normal',
  plan_invoice: 'normal',
  fee_invoice: 'normal',
  void: 'normal',
  allocation: 'normal',
  authorise_invoice: 'normal',
  refund: 'normal',
  pay_link: 'link',
  note: 'note',
};

/** BullMQ job priority (1 is served first; jobs without one go before any with one) and the inline queue's order. */
export const QUEUE_PRIORITY: Record<GatePriority, number> = { high: 1, payment: 1, normal: 2, link: 3, note: 4 };

export const WRITEBACK_STATUSES = ['awaiting_approval', 'awaiting_client', 'pending', 'sending', 'sent', 'confirmed', 'failed', 'rejected', 'cancelled'] as const;
export type WritebackStatus = (typeof WRITEBACK_STATUSES)[number];

/** Why a credit note, fee or invoice is written. */
export const PURPOSES = ['early_payment_discount', 'goodwill', 'fee_reversal', 'cancellation', 'plan_transfer', 'late_fee', 'interest', 'instalment', 'pay_link', 'payment', 'reversal', 'reminder', 'returned_payment_fee', 'refund'] as const;
export type Purpose = (typeof PURPOSES)[number];

const Day = z.string().refine(isCalendarDate, { message: 'Enter a date.' });
/** A positive decimal amount with at most 2 places, as a string. */
export const AmountSchema = z.string().regex(/^\d{1,15}(\.\d{1,2})?$/, { message: 'Enter an amount such as 125.50.' }).refine((s) => /[1-9]/.test(s), { message: 'Enter an amount more than zero.' });
const Line = z.object({ description: z.string().trim().min(1).max(400), amount: AmountSchema, accountCode: z.string().max(40).nullish() });
/**
 * A credit note's line may carry the original line's tax code (decision 061): then `amount` is the
 * net and `tax` its tax (zero or more), the line crediting both; without one, `amount` is the whole line.
 */
const CreditLine = Line.extend({ taxCode: z.string().trim().min(1).max(40).nullish(), tax: z.string().regex(/^\d{1,15}(\.\d{1,2})?$/, { message: 'Enter a tax amount such as 20.00.' }).nullish() });

/**
 * The link by its row (the URL is derived when the write-back runs: a stored request holds no
 * working link, server/pay/url-at-rest.ts), or — as rows written before that still are — the URL.
 */
export const PayLinkRequest = z.union([z.object({ payLinkId: z.uuid() }), z.object({ url: z.url().max(1000) })]);
/** A pay link's request as the ledger call and the read-back check use it. */
export type ResolvedPayLinkRequest = { url: string };
export const PaymentRequest = z.object({ invoiceExternalId: z.string().min(1), amount: AmountSchema, date: Day, reference: z.string().max(255), accountCode: z.string().max(40).nullish(), checkoutId: z.uuid().nullish() });
export const CreditNoteRequest = z.object({
  contactExternalId: z.string().min(1),
  date: Day,
  reference: z.string().max(255),
  currency: z.string().regex(/^[A-Z]{3}$/),
  lines: z.array(CreditLine).min(1).max(50),
  allocateTo: z.object({ invoiceExternalId: z.string().min(1), amount: AmountSchema }).nullable(),
});
export const InvoiceRequest = z.object({
  contactExternalId: z.string().min(1),
  date: Day,
  dueDate: Day,
  reference: z.string().max(255),
  currency: z.string().regex(/^[A-Z]{3}$/),
  lines: z.array(Line).min(1).max(50),
});
/** A late fee: a new invoice to the customer, or lines added to the overdue invoice. */
export const LateFeeRequest = z.discriminatedUnion('mode', [
  InvoiceRequest.extend({ mode: z.literal('invoice') }),
  z.object({ mode: z.literal('line'), invoiceExternalId: z.string().min(1), lines: z.array(Line).min(1).max(5) }),
]);
/** A note on an invoice inside the ledger (a plan agreed, a promise), with no money moved. */
export const NoteRequest = z.object({ invoiceExternalId: z.string().min(1), text: z.string().trim().min(1).max(1000) });
/** Apply credit the customer already has (a Xero overpayment or prepayment, a credit note) to an open invoice (issue #19). */
export const AllocationRequest = z.object({ source: z.enum(['creditNote', 'overpayment', 'prepayment']), sourceExternalId: z.string().min(1), invoiceExternalId: z.string().min(1), amount: AmountSchema, date: Day });
/** Approve a reviewed draft (billing review, issue #21): Xero DRAFT/SUBMITTED → AUTHORISED; QuickBooks EmailStatus → NeedToSend. */
export const AuthoriseInvoiceRequest = z.object({ invoiceExternalId: z.string().min(1), reviewId: z.uuid() });
/**
 * Money paid back to the customer (issue #19): Xero a credit note for the amount and a refund
 * Payment against it (CreditNote + bank Account); QuickBooks a RefundReceipt (customer, amount,
 * the account the money leaves from). Full or partial: the amount is what is paid back.
 */
export const RefundRequest = z.object({
  contactExternalId: z.string().min(1),
  amount: AmountSchema,
  currency: z.string().regex(/^[A-Z]{3}$/),
  date: Day,
  reference: z.string().max(255),
  description: z.string().trim().min(1).max(400),
  /** Xero: the bank account's code (the first BANK account when absent); QuickBooks: the account id the refund is paid from. */
  accountCode: z.string().max(40).nullish(),
  /**
   * The credit the refund pays out (decision 047): a Xero overpayment / prepayment / credit note, or
   * a QuickBooks payment's unapplied money. Absent: a refund of money that paid an invoice.
   */
  source: z.object({ type: z.enum(['overpayment', 'prepayment', 'creditNote', 'payment']), externalId: z.string().min(1) }).nullish(),
  /** The money goes back to the card it was paid with (decision 055): this card refund must succeed before the ledger is written. */
  cardRefundId: z.uuid().nullish(),
});
export const VoidRequest = z.object({ type: z.enum(['invoice', 'creditNote', 'payment']), externalId: z.string().min(1) });

export const REQUEST_SCHEMAS = {
  pay_link: PayLinkRequest,
  payment: PaymentRequest,
  credit_note: CreditNoteRequest,
  late_fee: LateFeeRequest,
  plan_invoice: InvoiceRequest,
  /** The firm's fee for a month of its service, invoiced in its own practice ledger (server/fees/). */
  fee_invoice: InvoiceRequest,
  void: VoidRequest,
  note: NoteRequest,
  allocation: AllocationRequest,
  authorise_invoice: AuthoriseInvoiceRequest,
  refund: RefundRequest,
} as const;

export type RequestOf<K extends WritebackKind> = z.infer<(typeof REQUEST_SCHEMAS)[K]>;

export interface WritebackInput<K extends WritebackKind = WritebackKind> {
  firmId: string;
  organisationId: string;
  kind: K;
  purpose?: Purpose | null;
  /** The business event, unique per firm: a second request with the same key returns the first. */
  sourceKey?: string | null;
  invoiceId?: string | null;
  invoiceExternalId?: string | null;
  contactId?: string | null;
  contactExternalId?: string | null;
  /** Money moved, for the approval threshold and the timeline (null for links). */
  amount?: string | null;
  currency?: string | null;
  request: RequestOf<K>;
  /** The line noted on the invoice inside the ledger once confirmed (null: no note). */
  noteText?: string | null;
  requestedBy: 'user' | 'system' | 'debtor';
  userId?: string | null;
  /** The write-back this one undoes. */
  reversesId?: string | null;
  /** Words for the activity log. */
  summary: string;
}

export type WritebackCrashPoint = 'wb.after-lease' | 'wb.after-send' | 'wb.after-sent' | 'wb.before-confirm' | 'wb.after-confirm' | 'wb.card-after-provider';

export interface WritebackDeps {
  db: Db;
  log: Logger;
  /** null leaves write-backs pending (no ledger on this server). */
  ledger: LedgerGateway | null;
  now: () => Date;
  enqueueExecute(writebackId: string, attempt?: number, kind?: WritebackKind): Promise<void>;
  crash?: (point: WritebackCrashPoint) => void;
  leaseMs?: number;
  /** To derive a pay link's URL when its write-back runs (APP_URL and the pay-link key); without it pay links wait. */
  payLinks?: { appUrl: string | null; linkKey: Buffer };
  /** A refund to the card (decision 055): the payment provider, and the mail for the debtor's refund email. Without it card refunds wait. */
  cards?: { provider: PaymentProvider | null; mail: OneOffMail | null };
}

/** The reminder hold on a plan's posted instalment invoice (set on confirmation, lifted when the plan ends early). */
export const INSTALMENT_HOLD_REASON = 'Payment plan instalment: reminded by the plan';

export const WRITEBACK_LEASE_MS = 2 * 60_000;
/** The longest a pay link or a note waits inline for the ledger's limit before it is deferred. */
export const LOW_PRIORITY_INLINE_WAIT_MS = 5_000;
export const MAX_WRITEBACK_ATTEMPTS = 8;
