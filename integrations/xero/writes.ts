/**
 * Write-backs in Xero through xero-node (one AccountingApi per connection, `basePath` from
 * config), each write carrying the write-back's key as the Idempotency-Key (the SDK's trailing
 * argument), so a retry is replayed by Xero, not applied twice:
 *
 * - pay link: POST Invoices/{id} with only InvoiceID + Url ("Go to Arcus" in Xero);
 * - payment: PUT Payments on the invoice, into the bank account given or the organisation's
 *   first BANK account (GET Accounts where Type=="BANK"; '090' when the ledger lists none);
 * - credit note: PUT CreditNotes (ACCRECCREDIT, AUTHORISED; NoTax, or Exclusive with each line's
 *   TaxType and TaxAmount when a line carries a tax code — decision 061), then PUT
 *   CreditNotes/{id}/Allocations under a second key derived from the first. An allocation the
 *   ledger refuses voids the new credit note again, so no stray credit is left behind;
 * - invoice / extra lines / void or delete, and reading a document back, normalised.
 */
import { type Allocations, CreditNote, type CreditNotes, type CurrencyCode, Invoice, type Invoices, LineAmountTypes, type LineItem, type Payment, type Payments } from 'xero-node';
import { fromMinor, toMinor } from '../../kernel/money';
import { decimalOf } from '../ledger/convert';
import { LedgerError } from '../ledger/errors';
import type { Decimal } from '../ledger/types';
import { checkWriteKey, derivedKey, isKeyReuse } from '../ledger/write-keys';
import { type AllocateCreditParams, type CreateCreditNoteParams, type CreateInvoiceParams, type CreatePaymentParams, type CreateRefundParams, type LedgerDocument, type LedgerWrites, markReadAfterWrite, paymentDocument, type WriteDocType, type WriteLine } from '../ledger/writes';
import { XeroClient, type XeroClientParams } from './client';
import { mapXeroCreditNote, mapXeroInvoice, mapXeroPayment, mapXeroPrepayment, type XeroCreditNoteIn, type XeroInvoiceIn, type XeroPaymentIn, type XeroPrepaymentIn } from './mappers';

/** Xero's demo-company bank account, used when the organisation lists no BANK account. */
export const XERO_FALLBACK_BANK_CODE = '090';
/** Lines without an account code go to Sales. */
export const XERO_DEFAULT_SALES_CODE = '200';

function norm(status: string): string {
  return status === 'submitted' ? 'draft' : status;
}

const amountOf = (d: Decimal): number => Number(fromMinor(toMinor(d)));

/**
 * An authorised sales credit note for the customer. Lines without a tax code are tax-inclusive,
 * NoTax (refunds, most credit notes); when any line carries a tax code the note is Exclusive: each
 * taxed line its net, TaxType and TaxAmount, the others their whole amount with TaxType NONE.
 */
function creditNoteBody(p: { contactExternalId: string; date: string; reference: string; currency: string }, lines: WriteLine[]): CreditNotes {
  const taxed = lines.some((l) => !!l.taxCode);
  return {
    creditNotes: [
      {
        type: CreditNote.TypeEnum.ACCRECCREDIT,
        contact: { contactID: p.contactExternalId },
        date: p.date,
        reference: p.reference,
        status: CreditNote.StatusEnum.AUTHORISED,
        lineAmountTypes: taxed ? LineAmountTypes.Exclusive : LineAmountTypes.NoTax,
        currencyCode: p.currency as unknown as CurrencyCode,
        lineItems: lines.map((l) => lineOut(l, taxed)),
      },
    ],
  };
}

/** A line out; `taxed` only on an Exclusive credit note (invoices Arcus writes carry no tax). */
function lineOut(l: WriteLine, taxed = false): LineItem {
  if (toMinor(l.amount) <= 0) throw new LedgerError('validation', 'a line amount must be more than zero');
  const line: LineItem = { description: l.description, quantity: 1, unitAmount: amountOf(l.amount), accountCode: l.accountCode || XERO_DEFAULT_SALES_CODE };
  if (!taxed) {
    if (l.taxCode) throw new LedgerError('validation', 'a tax code is written on credit note lines only');
    return line;
  }
  if (!l.taxCode) return { ...line, taxType: 'NONE', taxAmount: 0 };
  if (toMinor(l.tax ?? '0') < 0) throw new LedgerError('validation', 'a line’s tax cannot be negative');
  return { ...line, taxType: l.taxCode, taxAmount: amountOf(l.tax ?? '0') };
}

export class XeroWrites implements LedgerWrites {
  readonly provider = 'xero' as const;
  private readonly client: XeroClient;
  private bankCode: string | null = null;

  constructor(params: XeroClientParams) {
    this.client = new XeroClient(params);
  }

  get calls(): number {
    return this.client.calls;
  }

  private call<T>(what: string, fn: () => Promise<{ response: { status?: number; headers?: unknown }; body: T }>): Promise<T> {
    return this.client.call(what, fn);
  }

  private get sdk() {
    return this.client.sdk;
  }

  private get tenant(): string {
    return this.client.tenant;
  }

  // ---- reads -------------------------------------------------------------------------------

  private async invoiceRaw(id: string): Promise<Invoice | null> {
    try {
      const body = await this.call('Reading the Xero invoice', () => this.sdk.getInvoice(this.tenant, id));
      return body.invoices?.[0] ?? null;
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'not_found') return null;
      throw err;
    }
  }

  private async creditNoteRaw(id: string): Promise<CreditNote | null> {
    try {
      const body = await this.call('Reading the Xero credit note', () => this.sdk.getCreditNote(this.tenant, id));
      return body.creditNotes?.[0] ?? null;
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'not_found') return null;
      throw err;
    }
  }

  private async paymentRaw(id: string): Promise<Payment | null> {
    try {
      const body = await this.call('Reading the Xero payment', () => this.sdk.getPayment(this.tenant, id));
      return body.payments?.[0] ?? null;
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'not_found') return null;
      throw err;
    }
  }

  private invoiceDoc(inv: Invoice): LedgerDocument {
    const n = mapXeroInvoice(inv as unknown as XeroInvoiceIn);
    if (!n) throw new LedgerError('validation', `Xero document ${inv.invoiceID ?? ''} is not a sales invoice`);
    return { type: 'invoice', externalId: n.externalId, number: n.number || null, reference: n.reference, status: norm(n.status), total: n.total, remaining: n.amountDue, allocations: [], url: n.url };
  }

  private creditNoteDoc(cn: CreditNote): LedgerDocument {
    const n = mapXeroCreditNote(cn as unknown as XeroCreditNoteIn);
    if (!n) throw new LedgerError('validation', `Xero document ${cn.creditNoteID ?? ''} is not a sales credit note`);
    const remaining = n.status === 'voided' || n.status === 'deleted' ? '0.00' : n.remainingCredit;
    return {
      type: 'creditNote',
      externalId: n.externalId,
      number: n.number || null,
      reference: cn.reference ?? '',
      status: norm(n.status),
      total: n.total,
      remaining,
      allocations: n.allocations.map((a) => ({ invoiceExternalId: a.invoiceExternalId, amount: a.amount })),
    };
  }

  private paymentDoc(p: Payment): LedgerDocument {
    const n = mapXeroPayment(p as unknown as XeroPaymentIn, { baseCurrency: '' });
    if (!n) throw new LedgerError('validation', `Xero payment ${p.paymentID ?? ''} is not a receipt on a sales invoice`);
    return paymentDocument(n);
  }

  async read(type: WriteDocType, externalId: string): Promise<LedgerDocument | null> {
    switch (type) {
      case 'invoice': {
        const inv = await this.invoiceRaw(externalId);
        return inv ? this.invoiceDoc(inv) : null;
      }
      case 'creditNote': {
        const cn = await this.creditNoteRaw(externalId);
        return cn ? this.creditNoteDoc(cn) : null;
      }
      case 'payment': {
        const p = await this.paymentRaw(externalId);
        return p ? this.paymentDoc(p) : null;
      }
      default: {
        const never: never = type;
        throw new Error(`unknown document type ${String(never)}`);
      }
    }
  }

  /** Overpayment / prepayment / credit note allocation to an invoice (the write-back's key as the Idempotency-Key). */
  async allocateCredit(p: AllocateCreditParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    const allocation: Allocations = { allocations: [{ invoice: { invoiceID: p.invoiceExternalId }, amount: amountOf(p.amount), date: p.date }] };
    const id = p.sourceExternalId;
    if (p.source === 'creditNote') await this.call('Allocating the Xero credit note to the invoice', () => this.sdk.createCreditNoteAllocation(this.tenant, id, allocation, true, p.key));
    else if (p.source === 'overpayment') await this.call('Allocating the Xero overpayment to the invoice', () => this.sdk.createOverpaymentAllocations(this.tenant, id, allocation, true, p.key));
    else await this.call('Allocating the Xero prepayment to the invoice', () => this.sdk.createPrepaymentAllocations(this.tenant, id, allocation, true, p.key));
    const doc = await this.readCredit(p.source, id);
    if (!doc) throw new LedgerError('not_found', `Xero has no ${p.source} ${id}`);
    return doc;
  }

  async readCredit(source: AllocateCreditParams['source'], externalId: string): Promise<LedgerDocument | null> {
    if (source === 'creditNote') return this.read('creditNote', externalId);
    try {
      const body =
        source === 'overpayment'
          ? await this.call('Reading the Xero overpayment', () => this.sdk.getOverpayment(this.tenant, externalId))
          : await this.call('Reading the Xero prepayment', () => this.sdk.getPrepayment(this.tenant, externalId));
      const raw = ('overpayments' in body ? body.overpayments?.[0] : (body as { prepayments?: unknown[] }).prepayments?.[0]) as unknown as XeroPrepaymentIn | undefined;
      const n = raw ? mapXeroPrepayment(raw) : null;
      if (!n) return null;
      return { type: 'creditNote', externalId: n.externalId, number: null, reference: n.reference, status: n.status, total: n.total, remaining: n.remainingCredit, allocations: n.allocations.map((a) => ({ invoiceExternalId: a.invoiceExternalId, amount: a.amount })) };
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'not_found') return null;
      throw err;
    }
  }

  private async mustRead(type: WriteDocType, externalId: string): Promise<LedgerDocument> {
    const doc = await this.read(type, externalId);
    if (!doc) throw new LedgerError('not_found', `Xero has no ${type} ${externalId}`);
    return doc;
  }

  // ---- writes ------------------------------------------------------------------------------

  async setPayLink(p: { key: string; invoiceExternalId: string; url: string }): Promise<{ field: 'Url' }> {
    checkWriteKey(p.key);
    const body: Invoices = { invoices: [{ invoiceID: p.invoiceExternalId, url: p.url }] };
    await this.call('Setting the pay link on the Xero invoice', () => this.sdk.updateInvoice(this.tenant, p.invoiceExternalId, body, undefined, p.key));
    return { field: 'Url' };
  }

  async onlineInvoiceUrl(invoiceExternalId: string): Promise<string | null> {
    try {
      const body = await this.call('Reading the Xero online invoice', () => this.sdk.getOnlineInvoice(this.tenant, invoiceExternalId));
      return body.onlineInvoices?.[0]?.onlineInvoiceUrl ?? null;
    } catch (err) {
      // Xero has no online invoice for a draft or voided invoice (400), nor for an unknown one.
      if (err instanceof LedgerError && (err.code === 'validation' || err.code === 'not_found')) return null;
      throw err;
    }
  }

  /** The code of the organisation's first BANK account (cached per writer). */
  async defaultBankCode(): Promise<string> {
    if (this.bankCode) return this.bankCode;
    const body = await this.call('Reading the Xero bank accounts', () => this.sdk.getAccounts(this.tenant, undefined, 'Type=="BANK"'));
    const bank = (body.accounts ?? []).find((a) => String(a.type) === 'BANK' && String(a.status ?? 'ACTIVE') === 'ACTIVE' && a.code);
    this.bankCode = bank?.code ?? XERO_FALLBACK_BANK_CODE;
    return this.bankCode;
  }

  async createPayment(p: CreatePaymentParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    if (toMinor(p.amount) <= 0) throw new LedgerError('validation', 'a payment amount must be more than zero');
    const code = p.accountCode || (await this.defaultBankCode());
    const body: Payments = {
      payments: [{ invoice: { invoiceID: p.invoiceExternalId }, account: { code }, date: p.date, amount: amountOf(p.amount), reference: p.reference }],
    };
    const res = await this.call('Recording the payment in Xero', () => this.sdk.createPayments(this.tenant, body, true, p.key));
    const payment = res.payments?.[0];
    if (!payment) throw new LedgerError('server', 'Xero answered the payment without a payment');
    return this.paymentDoc(payment);
  }

  async createCreditNote(p: CreateCreditNoteParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    const body = creditNoteBody(p, p.lines);
    const res = await this.call('Creating the Xero credit note', () => this.sdk.createCreditNotes(this.tenant, body, true, undefined, p.key));
    const created = res.creditNotes?.[0];
    if (!created?.creditNoteID) throw new LedgerError('server', 'Xero answered the credit note without an id');
    const id = created.creditNoteID;
    if (!p.allocateTo) return this.creditNoteDoc(created);
    const target = p.allocateTo;
    const allocation: Allocations = { allocations: [{ invoice: { invoiceID: target.invoiceExternalId }, amount: amountOf(target.amount), date: p.date }] };
    try {
      await this.call('Allocating the Xero credit note to the invoice', () => this.sdk.createCreditNoteAllocation(this.tenant, id, allocation, true, derivedKey(p.key, 'a')));
    } catch (err) {
      // A refused allocation (more than the amount due, a paid invoice…) leaves an unused
      // credit: void it, so the ledger holds nothing Arcus did not mean to write.
      if (err instanceof LedgerError && err.code === 'validation') await this.voidCreditNote(derivedKey(p.key, 'undo'), id).catch(() => undefined);
      throw err;
    }
    // Read after the allocation: the engine's confirming read-back (markReadAfterWrite).
    return markReadAfterWrite(await this.mustRead('creditNote', id));
  }

  /**
   * A refund: PUT CreditNotes for the amount (the write-back's key — a retry after a crash is
   * replayed by Xero, so there is never a second credit note), then PUT Payments with CreditNote
   * and the bank Account under a key derived from it. A refund payment Xero refuses voids the new
   * credit note again, so no stray credit is left behind.
   */
  async createRefund(p: CreateRefundParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    if (toMinor(p.amount) <= 0) throw new LedgerError('validation', 'a refund amount must be more than zero');
    if (p.source) return this.refundCredit(p, p.source);
    const body = creditNoteBody(p, [{ description: p.description, amount: p.amount }]);
    const res = await this.call('Creating the Xero credit note for the refund', () => this.sdk.createCreditNotes(this.tenant, body, true, undefined, p.key));
    const creditNoteID = res.creditNotes?.[0]?.creditNoteID;
    if (!creditNoteID) throw new LedgerError('server', 'Xero answered the credit note without an id');
    const code = p.accountCode || (await this.defaultBankCode());
    const refund: Payments = { payments: [{ creditNote: { creditNoteID }, account: { code }, date: p.date, amount: amountOf(p.amount), reference: p.reference }] };
    let payment: Payment | undefined;
    try {
      const paid = await this.call('Recording the refund in Xero', () => this.sdk.createPayments(this.tenant, refund, true, derivedKey(p.key, 'r')));
      payment = paid.payments?.[0];
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'validation') await this.voidCreditNote(derivedKey(p.key, 'undo'), creditNoteID).catch(() => undefined);
      throw err;
    }
    if (!payment?.paymentID) throw new LedgerError('server', 'Xero answered the refund without a payment');
    return this.refundDoc(payment);
  }

  /**
   * Refund a credit the customer already has (decision 047): one PUT Payments naming the
   * Overpayment, Prepayment or CreditNote with the bank Account — Xero's own refund of a credit
   * (PaymentType AROVERPAYMENTPAYMENT / ARPREPAYMENTPAYMENT / ARCREDITPAYMENT); its RemainingCredit
   * falls by the amount, so the customer is not credited twice. The write-back's key replays it.
   */
  private async refundCredit(p: CreateRefundParams, source: NonNullable<CreateRefundParams['source']>): Promise<LedgerDocument> {
    if (source.type === 'payment') throw new LedgerError('validation', 'a Xero payment is not a credit: refund its overpayment, prepayment or credit note');
    const code = p.accountCode || (await this.defaultBankCode());
    const of = source.type === 'overpayment' ? { overpayment: { overpaymentID: source.externalId } } : source.type === 'prepayment' ? { prepayment: { prepaymentID: source.externalId } } : { creditNote: { creditNoteID: source.externalId } };
    const body: Payments = { payments: [{ ...of, account: { code }, date: p.date, amount: amountOf(p.amount), reference: p.reference }] };
    const paid = await this.call(`Refunding the Xero ${source.type === 'creditNote' ? 'credit note' : source.type}`, () => this.sdk.createPayments(this.tenant, body, true, p.key));
    const payment = paid.payments?.[0];
    if (!payment?.paymentID) throw new LedgerError('server', 'Xero answered the refund without a payment');
    return this.refundDoc(payment);
  }

  async readRefund(externalId: string): Promise<LedgerDocument | null> {
    const p = await this.paymentRaw(externalId);
    return p ? this.refundDoc(p) : null;
  }

  /** A refund payment (ARCREDITPAYMENT on a credit note) as a document: its amount, status and credit note. */
  private refundDoc(p: Payment): LedgerDocument {
    const status = String(p.status ?? '').toUpperCase() === 'DELETED' ? 'deleted' : 'authorised';
    return {
      type: 'payment',
      externalId: p.paymentID ?? '',
      number: p.creditNote?.creditNoteNumber ?? null,
      reference: p.reference ?? '',
      status,
      total: fromMinor(toMinor(p.amount ?? 0, 2, true)),
      remaining: '0.00',
      allocations: [],
    };
  }

  async createInvoice(p: CreateInvoiceParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    const body: Invoices = {
      invoices: [
        {
          type: Invoice.TypeEnum.ACCREC,
          contact: { contactID: p.contactExternalId },
          date: p.date,
          dueDate: p.dueDate,
          reference: p.reference,
          status: Invoice.StatusEnum.AUTHORISED,
          lineAmountTypes: LineAmountTypes.NoTax,
          currencyCode: p.currency as unknown as CurrencyCode,
          lineItems: p.lines.map((l) => lineOut(l)),
        },
      ],
    };
    const res = await this.call('Creating the Xero invoice', () => this.sdk.createInvoices(this.tenant, body, true, undefined, p.key));
    const inv = res.invoices?.[0];
    if (!inv) throw new LedgerError('server', 'Xero answered the invoice without an invoice');
    return this.invoiceDoc(inv);
  }

  async addInvoiceLines(p: { key: string; invoiceExternalId: string; lines: WriteLine[] }): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    const added = p.lines.map((l) => lineOut(l));
    const inv = await this.invoiceRaw(p.invoiceExternalId);
    if (!inv) throw new LedgerError('not_found', `Xero has no invoice ${p.invoiceExternalId}`);
    const existing: LineItem[] = (inv.lineItems ?? []).map((l) => ({
      lineItemID: l.lineItemID,
      description: l.description,
      quantity: l.quantity,
      unitAmount: l.unitAmount,
      accountCode: l.accountCode,
      taxType: l.taxType,
      taxAmount: l.taxAmount,
      itemCode: l.itemCode,
      tracking: l.tracking,
    }));
    const body: Invoices = { invoices: [{ invoiceID: p.invoiceExternalId, lineItems: [...existing, ...added] }] };
    try {
      const res = await this.call('Adding lines to the Xero invoice', () => this.sdk.updateInvoice(this.tenant, p.invoiceExternalId, body, undefined, p.key));
      const updated = res.invoices?.[0];
      if (!updated) throw new LedgerError('server', 'Xero answered the update without the invoice');
      return this.invoiceDoc(updated);
    } catch (err) {
      // A retry after a crash reads the invoice with the lines already added, so its body differs
      // from the first attempt's and the key is refused as reused. The lines there mean done.
      if (isKeyReuse(err) && endsWithLines(inv, p.lines)) return this.mustRead('invoice', p.invoiceExternalId);
      throw err;
    }
  }

  private async voidCreditNote(key: string, id: string): Promise<LedgerDocument> {
    const cn = await this.creditNoteRaw(id);
    if (!cn) throw new LedgerError('not_found', `Xero has no credit note ${id}`);
    const status = String(cn.status ?? '');
    if (status === 'VOIDED' || status === 'DELETED') return this.creditNoteDoc(cn);
    for (const a of cn.allocations ?? []) {
      if (!a.allocationID || a.isDeleted) continue;
      const allocationId = a.allocationID;
      try {
        await this.call('Removing the Xero credit note allocation', () => this.sdk.deleteCreditNoteAllocations(this.tenant, id, allocationId));
      } catch (err) {
        if (!(err instanceof LedgerError && err.code === 'not_found')) throw err;
      }
    }
    const body: CreditNotes = { creditNotes: [{ creditNoteID: id, status: CreditNote.StatusEnum.VOIDED }] };
    const res = await this.call('Voiding the Xero credit note', () => this.sdk.updateCreditNote(this.tenant, id, body, undefined, key));
    const voided = res.creditNotes?.[0];
    return voided ? this.creditNoteDoc(voided) : this.mustRead('creditNote', id);
  }

  /** A reviewed draft approved: POST Invoices/{id} with Status AUTHORISED; already approved is answered as it is. */
  async authoriseInvoice(p: { key: string; invoiceExternalId: string }): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    const inv = await this.invoiceRaw(p.invoiceExternalId);
    if (!inv) throw new LedgerError('not_found', `Xero has no invoice ${p.invoiceExternalId}`);
    const status = String(inv.status ?? '');
    if (status === 'AUTHORISED' || status === 'PAID') return this.invoiceDoc(inv);
    if (status !== 'DRAFT' && status !== 'SUBMITTED') throw new LedgerError('validation', `The Xero invoice is ${status.toLowerCase()} and cannot be approved`);
    const body: Invoices = { invoices: [{ invoiceID: p.invoiceExternalId, status: Invoice.StatusEnum.AUTHORISED }] };
    const res = await this.call('Approving the Xero invoice', () => this.sdk.updateInvoice(this.tenant, p.invoiceExternalId, body, undefined, p.key));
    const updated = res.invoices?.[0];
    return updated ? this.invoiceDoc(updated) : this.mustRead('invoice', p.invoiceExternalId);
  }

  async voidDocument(p: { key: string; type: WriteDocType; externalId: string }): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    switch (p.type) {
      case 'invoice': {
        const inv = await this.invoiceRaw(p.externalId);
        if (!inv) throw new LedgerError('not_found', `Xero has no invoice ${p.externalId}`);
        const status = String(inv.status ?? '');
        if (status === 'VOIDED' || status === 'DELETED') return this.invoiceDoc(inv);
        // Xero deletes drafts and voids approved invoices.
        const next = status === 'DRAFT' || status === 'SUBMITTED' ? 'DELETED' : 'VOIDED';
        const body: Invoices = { invoices: [{ invoiceID: p.externalId, status: next === 'DELETED' ? Invoice.StatusEnum.DELETED : Invoice.StatusEnum.VOIDED }] };
        const res = await this.call('Voiding the Xero invoice', () => this.sdk.updateInvoice(this.tenant, p.externalId, body, undefined, p.key));
        const updated = res.invoices?.[0];
        return updated ? this.invoiceDoc(updated) : this.mustRead('invoice', p.externalId);
      }
      case 'creditNote':
        return this.voidCreditNote(p.key, p.externalId);
      case 'payment': {
        const payment = await this.paymentRaw(p.externalId);
        if (!payment) throw new LedgerError('not_found', `Xero has no payment ${p.externalId}`);
        if (String(payment.status ?? '') === 'DELETED') return this.paymentDoc(payment);
        const res = await this.call('Deleting the Xero payment', () => this.sdk.deletePayment(this.tenant, p.externalId, { status: 'DELETED' }, p.key));
        const deleted = res.payments?.[0];
        return deleted ? this.paymentDoc(deleted) : this.mustRead('payment', p.externalId);
      }
      default: {
        const never: never = p.type;
        throw new Error(`unknown document type ${String(never)}`);
      }
    }
  }
}

/** Whether an invoice's last lines are `lines` (description and amount): an earlier attempt under the same key added them. */
function endsWithLines(inv: Invoice, lines: WriteLine[]): boolean {
  const have = inv.lineItems ?? [];
  if (have.length < lines.length) return false;
  const tail = have.slice(have.length - lines.length);
  return tail.every((l, i) => l.description === lines[i]!.description && toMinor(decimalOf(l.lineAmount ?? l.unitAmount ?? 0)) === toMinor(lines[i]!.amount));
}
