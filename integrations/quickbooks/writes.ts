/**
 * Write-backs in QuickBooks Online through node-quickbooks (sdk.ts, endpoint from config). Each
 * write carries the write-back's key as `?requestid=` (the SDK sends `entity.requestId`), so QBO
 * replays a retried request instead of applying it twice. Updates send the SyncToken read just
 * before; a stale one (fault 5010: someone changed the document in between) is re-read and
 * retried once, and a second 5010 surfaces as LedgerError('stale_object').
 *
 * - pay link: QBO generates `InvoiceLink` itself, so the link goes into the CustomerMemo by a
 *   sparse update, replacing an earlier "Pay online: " line and keeping the rest (≤ 1000 chars);
 * - payment: Payment with CustomerRef (from the invoice), TotalAmt, one Invoice line;
 * - credit note: CreditMemo, then a zero-amount Payment with one Invoice line and one CreditMemo
 *   line (requestid derived from the key); a link the ledger refuses deletes the memo again;
 * - invoice / extra lines (the full Line array, sparse) / void (invoice), delete (payment; and
 *   credit memo, which QBO cannot void — its zero-amount linking payments are deleted first);
 * - Arcus's reference goes into PrivateNote (invoice, credit memo) or PaymentRefNum (≤ 21).
 */
import { fromMinor, toMinor } from '../../kernel/money';
import { decimalOf, str } from '../ledger/convert';
import { LedgerError } from '../ledger/errors';
import type { Decimal } from '../ledger/types';
import { checkWriteKey, derivedKey, isKeyReuse } from '../ledger/write-keys';
import { type AllocateCreditParams, type CreateCreditNoteParams, type CreateInvoiceParams, type CreatePaymentParams, type CreateRefundParams, type LedgerAccount, type LedgerDocument, type LedgerWrites, paymentDocument, type WriteDocType, type WriteLine } from '../ledger/writes';
import { chooseReceivableAccount, receivableAccountsOf } from './accounts';
import { QboClient, type QboClientParams } from './client';
import { mapQboCreditMemo, mapQboInvoice, mapQboPayment } from './mappers';
import type { Json, QboMethod } from './sdk';

/** QuickBooks' CustomerMemo holds at most this many characters. */
export const QBO_CUSTOMER_MEMO_MAX = 1000;
/** QuickBooks' PaymentRefNum holds at most this many characters. */
export const QBO_PAYMENT_REF_MAX = 21;
/** The line of the customer memo that carries Arcus's pay link. */
export const PAY_LINK_PREFIX = 'Pay online: ';
/** QBO's "Services" item, for lines without an item. */
export const QBO_DEFAULT_ITEM = '1';

/**
 * The customer memo with `url` as its pay-link line: an earlier "Pay online: " line is replaced
 * in place, other text is kept (shortened from its end when the memo would pass QBO's limit).
 */
export function memoWithPayLink(existing: string, url: string, max = QBO_CUSTOMER_MEMO_MAX): string {
  const line = `${PAY_LINK_PREFIX}${url}`;
  if (line.length > max) throw new LedgerError('validation', `the pay link is longer than QuickBooks' ${max}-character customer memo`);
  const lines = existing ? existing.split(/\r?\n/) : [];
  const at = lines.findIndex((l) => l.startsWith(PAY_LINK_PREFIX));
  const others = lines.filter((_, i) => i !== at);
  let rest = others.join('\n');
  const room = max - line.length - (rest ? 1 : 0);
  if (rest.length > room) rest = room > 0 ? rest.slice(0, room).trimEnd() : '';
  if (!rest) return line;
  // Keep the link where it was (or at the end), the other text around it.
  if (at < 0) return `${rest}\n${line}`;
  const restLines = rest.split('\n');
  restLines.splice(Math.min(at, restLines.length), 0, line);
  return restLines.join('\n');
}

/** The pay link in a customer memo, if Arcus wrote one. */
export function payLinkOf(memo: string): string | null {
  const line = memo.split(/\r?\n/).find((l) => l.startsWith(PAY_LINK_PREFIX));
  return line ? line.slice(PAY_LINK_PREFIX.length).trim() || null : null;
}

const amountOf = (d: Decimal): number => Number(fromMinor(toMinor(d)));

/** A sales line; `taxed` only on a credit memo, whose lines may carry a tax code (decision 061). */
function salesLine(l: WriteLine, taxed = false): Json {
  if (toMinor(l.amount) <= 0) throw new LedgerError('validation', 'a line amount must be more than zero');
  if (l.taxCode && !taxed) throw new LedgerError('validation', 'a tax code is written on credit note lines only');
  if (l.taxCode && toMinor(l.tax ?? '0') < 0) throw new LedgerError('validation', 'a line’s tax cannot be negative');
  const amount = amountOf(l.amount);
  const detail: Json = { ItemRef: { value: l.accountCode || QBO_DEFAULT_ITEM }, Qty: 1, UnitPrice: amount };
  if (l.taxCode) detail['TaxCodeRef'] = { value: l.taxCode };
  return { DetailType: 'SalesItemLineDetail', Amount: amount, Description: l.description, SalesItemLineDetail: detail };
}

/** A credit memo's tax: the sum of its coded lines' tax, exact (QuickBooks keeps tax on the transaction). */
function memoTax(lines: WriteLine[]): Json {
  if (!lines.some((l) => !!l.taxCode)) return {};
  const total = lines.reduce((s, l) => s + (l.taxCode ? toMinor(l.tax ?? '0') : 0), 0);
  return { TxnTaxDetail: { TotalTax: amountOf(fromMinor(total)) } };
}

function obj(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : [];
}

/** The reference Arcus put in a PrivateNote: its first line, without QBO's "Voided - ". */
function referenceOf(privateNote: unknown): string {
  return (str(privateNote).split(/\r?\n/)[0] ?? '').replace(/^Voided( - )?/, '');
}

function linkedIds(doc: Json, type: string): string[] {
  return arr(doc['LinkedTxn']).filter((t) => str(t['TxnType']) === type).map((t) => str(t['TxnId']));
}

function deletedDoc(type: WriteDocType, externalId: string, before: LedgerDocument | null): LedgerDocument {
  return { type, externalId, number: before?.number ?? null, reference: before?.reference ?? '', status: 'deleted', total: before?.total ?? '0.00', remaining: '0.00', allocations: [] };
}

export class QboWrites implements LedgerWrites {
  readonly provider = 'quickbooks' as const;
  private readonly client: QboClient;

  constructor(params: QboClientParams) {
    this.client = new QboClient(params);
  }

  get calls(): number {
    return this.client.calls;
  }

  private call(what: string, method: QboMethod, arg: unknown): Promise<Json> {
    return this.client.call(what, method, arg);
  }

  /** Read, change, write; on 5010 read again and write once more (failed writes are not remembered under their requestid). */
  private async withFreshSyncToken<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'stale_object') return fn();
      throw err;
    }
  }

  // ---- reads -------------------------------------------------------------------------------

  private async raw(type: WriteDocType, id: string, opts: { invoiceLink?: boolean } = {}): Promise<Json | null> {
    const method: QboMethod = type === 'invoice' ? 'getInvoice' : type === 'creditNote' ? 'getCreditMemo' : 'getPayment';
    // node-quickbooks' read puts the id in the path; the query string rides along with it.
    const arg = opts.invoiceLink ? `${encodeURIComponent(id)}?include=invoiceLink` : encodeURIComponent(id);
    try {
      return await this.call(`Reading the QuickBooks ${type === 'creditNote' ? 'credit memo' : type}`, method, arg);
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'not_found') return null;
      throw err;
    }
  }

  private async mustRaw(type: WriteDocType, id: string): Promise<Json> {
    const doc = await this.raw(type, id);
    if (!doc) throw new LedgerError('not_found', `QuickBooks has no ${type} ${id}`);
    return doc;
  }

  private invoiceDoc(inv: Json): LedgerDocument {
    const n = mapQboInvoice(inv);
    return {
      type: 'invoice',
      externalId: n.externalId,
      number: n.number || null,
      reference: referenceOf(inv['PrivateNote']),
      status: n.status,
      total: n.total,
      remaining: n.amountDue,
      allocations: [],
      url: payLinkOf(str(obj(inv['CustomerMemo'])['value'])),
      approvedForSending: str(inv['EmailStatus']) === 'NeedToSend' || str(inv['EmailStatus']) === 'EmailSent',
    };
  }

  /** A credit memo with what it is applied to (read from the payments that link it). */
  private async creditMemoDoc(cm: Json): Promise<LedgerDocument> {
    const n = mapQboCreditMemo(cm);
    const allocations: LedgerDocument['allocations'] = [];
    for (const paymentId of linkedIds(cm, 'Payment')) {
      const payment = await this.raw('payment', paymentId);
      if (!payment) continue;
      for (const a of mapQboPayment(payment).creditApplications ?? []) {
        if (a.creditNoteExternalId === n.externalId) allocations.push({ invoiceExternalId: a.invoiceExternalId, amount: a.amount });
      }
    }
    return { type: 'creditNote', externalId: n.externalId, number: n.number || null, reference: referenceOf(cm['PrivateNote']), status: n.status, total: n.total, remaining: n.remainingCredit, allocations };
  }

  private paymentDoc(p: Json): LedgerDocument {
    return paymentDocument(mapQboPayment(p));
  }

  /**
   * Not built for QuickBooks: its unapplied payments are applied by changing the payment itself
   * (a sparse update the sandbox does not imitate), and it has no overpayment documents. Refused
   * in words, so a request never half-writes (server/exceptions/README.md).
   */
  async allocateCredit(_p: AllocateCreditParams): Promise<LedgerDocument> {
    throw new LedgerError('validation', 'Applying existing credit to an invoice is not available for QuickBooks yet; apply it in QuickBooks.');
  }

  async readCredit(source: AllocateCreditParams['source'], externalId: string): Promise<LedgerDocument | null> {
    return source === 'creditNote' ? this.read('creditNote', externalId) : null;
  }

  async read(type: WriteDocType, externalId: string): Promise<LedgerDocument | null> {
    const doc = await this.raw(type, externalId);
    if (!doc) return null;
    if (type === 'invoice') return this.invoiceDoc(doc);
    if (type === 'creditNote') return this.creditMemoDoc(doc);
    return this.paymentDoc(doc);
  }

  // ---- writes ------------------------------------------------------------------------------

  async setPayLink(p: { key: string; invoiceExternalId: string; url: string }): Promise<{ field: 'CustomerMemo' }> {
    checkWriteKey(p.key);
    await this.withFreshSyncToken(async () => {
      const inv = await this.mustRaw('invoice', p.invoiceExternalId);
      const existing = str(obj(inv['CustomerMemo'])['value']);
      const memo = memoWithPayLink(existing, p.url);
      // Already there (a retry after a crash between QBO's answer and our bookkeeping).
      if (memo === existing) return;
      await this.call('Putting the pay link in the QuickBooks customer memo', 'updateInvoice', {
        Id: str(inv['Id']),
        SyncToken: str(inv['SyncToken']),
        sparse: true,
        CustomerMemo: { value: memo },
        requestId: p.key,
      });
    });
    return { field: 'CustomerMemo' };
  }

  async onlineInvoiceUrl(invoiceExternalId: string): Promise<string | null> {
    const inv = await this.raw('invoice', invoiceExternalId, { invoiceLink: true });
    const link = inv ? str(inv['InvoiceLink']) : '';
    return link || null;
  }

  async createPayment(p: CreatePaymentParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    if (toMinor(p.amount) <= 0) throw new LedgerError('validation', 'a payment amount must be more than zero');
    const inv = await this.mustRaw('invoice', p.invoiceExternalId);
    const amount = amountOf(p.amount);
    const payment: Json = {
      CustomerRef: { value: str(obj(inv['CustomerRef'])['value']) },
      TotalAmt: amount,
      TxnDate: p.date,
      PaymentRefNum: p.reference.slice(0, QBO_PAYMENT_REF_MAX),
      Line: [{ Amount: amount, LinkedTxn: [{ TxnId: p.invoiceExternalId, TxnType: 'Invoice' }] }],
      requestId: p.key,
    };
    if (p.accountCode) payment['DepositToAccountRef'] = { value: p.accountCode };
    const created = await this.call('Recording the payment in QuickBooks', 'createPayment', payment);
    return this.paymentDoc(created);
  }

  async createCreditNote(p: CreateCreditNoteParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    const memo = await this.call('Creating the QuickBooks credit memo', 'createCreditMemo', {
      CustomerRef: { value: p.contactExternalId },
      TxnDate: p.date,
      CurrencyRef: { value: p.currency },
      PrivateNote: p.reference,
      Line: p.lines.map((l) => salesLine(l, true)),
      ...memoTax(p.lines),
      requestId: p.key,
    });
    const memoId = str(memo['Id']);
    if (!memoId) throw new LedgerError('server', 'QuickBooks answered the credit memo without an Id');
    if (!p.allocateTo) return this.creditMemoDoc(memo);
    const amount = amountOf(p.allocateTo.amount);
    try {
      await this.call('Applying the QuickBooks credit memo to the invoice', 'createPayment', {
        CustomerRef: { value: p.contactExternalId },
        TotalAmt: 0,
        TxnDate: p.date,
        Line: [
          { Amount: amount, LinkedTxn: [{ TxnId: p.allocateTo.invoiceExternalId, TxnType: 'Invoice' }] },
          { Amount: amount, LinkedTxn: [{ TxnId: memoId, TxnType: 'CreditMemo' }] },
        ],
        requestId: derivedKey(p.key, 'a'),
      });
    } catch (err) {
      // The link was refused (more than the amount due, another customer's invoice…): delete the
      // unused memo again so the ledger holds nothing Arcus did not mean to write.
      if (err instanceof LedgerError && err.code === 'validation') await this.deleteCreditMemo(derivedKey(p.key, 'undo'), memoId).catch(() => undefined);
      throw err;
    }
    return this.creditMemoDoc(await this.mustRaw('creditNote', memoId));
  }

  /**
   * A refund: one RefundReceipt (customer, one line for the amount, the account the money is paid
   * from) under the write-back's key as requestid, so a retry is replayed by QuickBooks.
   */
  async createRefund(p: CreateRefundParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    if (toMinor(p.amount) <= 0) throw new LedgerError('validation', 'a refund amount must be more than zero');
    if (p.source) return this.refundOnAccount(p, p.source);
    const receipt = await this.call('Recording the refund receipt in QuickBooks', 'createRefundReceipt', {
      CustomerRef: { value: p.contactExternalId },
      TxnDate: p.date,
      CurrencyRef: { value: p.currency },
      PrivateNote: p.reference,
      DepositToAccountRef: { value: p.accountCode || QBO_REFUND_ACCOUNT },
      Line: [salesLine({ description: p.description, amount: p.amount })],
      requestId: p.key,
    });
    return refundReceiptDoc(obj(receipt['RefundReceipt'] ?? receipt));
  }

  /**
   * Refund money the customer has on account — a payment's unapplied amount (decision 047) — the
   * way QuickBooks has an accountant do it: a Check to the customer whose one line is Accounts
   * Receivable (`requestid` = the key), then the payment linked to the check by a sparse update
   * adding a Line `{LinkedTxn: Check}` (`requestid` derived from the key), so its UnappliedAmt and
   * the customer's balance fall by the amount. A retry replays the check; a payment already linked
   * to it is not linked twice. Answers the check.
   */
  private async refundOnAccount(p: CreateRefundParams, source: NonNullable<CreateRefundParams['source']>): Promise<LedgerDocument> {
    if (source.type === 'creditNote') return this.refundCreditMemo(p, source.externalId);
    if (source.type !== 'payment') throw new LedgerError('validation', 'a QuickBooks refund on account pays out a payment’s unapplied money or a credit memo’s credit');
    const amount = amountOf(p.amount);
    const purchase = await this.refundCheck(p, await this.receivableAccountFor(p, await this.mustRaw('payment', source.externalId)));
    const checkId = str(purchase['Id']);
    await this.withFreshSyncToken(async () => {
      const payment = await this.mustRaw('payment', source.externalId);
      const lines = arr(payment['Line']);
      if (lines.some((l) => arr(l['LinkedTxn']).some((t) => str(t['TxnType']) === 'Check' && str(t['TxnId']) === checkId))) return;
      if (toMinor(decimalOf(payment['UnappliedAmt'] as number | string | null)) < toMinor(p.amount)) throw new LedgerError('validation', 'the payment has less unapplied money than the refund');
      await this.call('Linking the refund check to the QuickBooks payment', 'updatePayment', {
        Id: str(payment['Id']),
        SyncToken: str(payment['SyncToken']),
        sparse: true,
        Line: [...lines.map((l) => ({ Amount: l['Amount'], LinkedTxn: arr(l['LinkedTxn']).map((t) => ({ TxnId: str(t['TxnId']), TxnType: str(t['TxnType']) })) })), { Amount: amount, LinkedTxn: [{ TxnId: checkId, TxnType: 'Check' }] }],
        requestId: derivedKey(p.key, 'l'),
      });
    });
    return checkDoc(purchase);
  }

  /**
   * Refund a credit memo's credit (decision 063), QuickBooks' way: a Check to the customer against
   * the Accounts Receivable account (`requestid` = the key), then a zero-amount Payment (ReceivePayment)
   * whose two lines link the credit memo and the check for the same amount (`requestid` derived from
   * the key), so the memo's credit is used up by the check and the customer's balance is unchanged
   * by the pair. A retry replays both. Answers the check.
   */
  private async refundCreditMemo(p: CreateRefundParams, memoId: string): Promise<LedgerDocument> {
    const amount = amountOf(p.amount);
    const memo = await this.mustRaw('creditNote', memoId);
    // Less credit left than the refund: refused before any check is written — unless this is a retry
    // whose zero payment already used the credit (a payment on the memo links a check with this reference).
    if (toMinor(decimalOf(memo['Balance'] as number | string | null)) < toMinor(p.amount) && !(await this.creditMemoRefundedAs(memo, p.reference)))
      throw new LedgerError('validation', 'the credit memo has less credit left than the refund');
    const purchase = await this.refundCheck(p, await this.receivableAccountFor(p, memo));
    await this.call('Using the credit memo’s credit for the refund check in QuickBooks', 'createPayment', {
      CustomerRef: { value: p.contactExternalId },
      TotalAmt: 0,
      TxnDate: p.date,
      CurrencyRef: { value: p.currency },
      PrivateNote: p.reference,
      Line: [
        { Amount: amount, LinkedTxn: [{ TxnId: memoId, TxnType: 'CreditMemo' }] },
        { Amount: amount, LinkedTxn: [{ TxnId: str(purchase['Id']), TxnType: 'Check' }] },
      ],
      requestId: derivedKey(p.key, 'l'),
    });
    return checkDoc(purchase);
  }

  /** The refund Check to the customer whose one line credits Accounts Receivable (`requestid` = the key). */
  private async refundCheck(p: CreateRefundParams, receivable: string): Promise<Json> {
    const amount = amountOf(p.amount);
    const check = obj(
      await this.call('Writing the refund check in QuickBooks', 'createPurchase', {
        PaymentType: 'Check',
        AccountRef: { value: p.accountCode || QBO_REFUND_ACCOUNT },
        EntityRef: { value: p.contactExternalId, type: 'Customer' },
        TxnDate: p.date,
        CurrencyRef: { value: p.currency },
        PrivateNote: p.reference,
        Line: [{ Amount: amount, DetailType: 'AccountBasedExpenseLineDetail', Description: p.description, AccountBasedExpenseLineDetail: { AccountRef: { value: receivable } } }],
        requestId: p.key,
      }),
    );
    const purchase = obj(check['Purchase'] ?? check);
    if (!str(purchase['Id'])) throw new LedgerError('server', 'QuickBooks answered the refund check without an Id');
    return purchase;
  }

  /**
   * The Accounts Receivable account a refund check credits (docs/decisions/056): the payment's own
   * `ARAccountRef`, else that of the first invoice it paid, else the company's default among the
   * A/R accounts Arcus has cached (read here when none were handed in). None: refused in words.
   */
  private async receivableAccountFor(p: CreateRefundParams, payment: Json): Promise<string> {
    const refOf = (doc: Json | null) => (doc ? str(obj(doc['ARAccountRef'])['value']) || null : null);
    const own = refOf(payment);
    if (own) return own;
    const invoiceId = arr(payment['Line']).flatMap((l) => arr(l['LinkedTxn'])).find((t) => str(t['TxnType']) === 'Invoice');
    const viaInvoice = invoiceId ? refOf(await this.raw('invoice', str(invoiceId['TxnId']))) : null;
    if (viaInvoice) return viaInvoice;
    const accounts = p.receivableAccounts?.length ? p.receivableAccounts : await this.receivableAccounts();
    return chooseReceivableAccount(accounts, []);
  }

  /** Whether a payment on the credit memo links a refund check written with this reference (a retry of the same refund). */
  private async creditMemoRefundedAs(memo: Json, reference: string): Promise<boolean> {
    const payments = arr(memo['LinkedTxn']).filter((t) => str(t['TxnType']) === 'Payment').map((t) => str(t['TxnId']));
    for (const id of payments) {
      const payment = await this.raw('payment', id);
      const checks = arr(payment?.['Line']).flatMap((l) => arr(l['LinkedTxn'])).filter((t) => str(t['TxnType']) === 'Check');
      for (const t of checks) {
        const c = await this.call('Reading the QuickBooks refund check', 'getPurchase', encodeURIComponent(str(t['TxnId'])));
        if (referenceOf(obj(c['Purchase'] ?? c)['PrivateNote']) === referenceOf(reference)) return true;
      }
    }
    return false;
  }

  /** Whether one of the payments linked to the credit memo links the check too (the zero payment of a credit memo refund). */
  private async creditMemoPaysCheck(memoId: string, checkId: string): Promise<boolean> {
    const memo = await this.raw('creditNote', memoId);
    const payments = arr(memo?.['LinkedTxn']).filter((t) => str(t['TxnType']) === 'Payment').map((t) => str(t['TxnId']));
    for (const id of payments) {
      const payment = await this.raw('payment', id);
      if (arr(payment?.['Line']).some((l) => arr(l['LinkedTxn']).some((t) => str(t['TxnType']) === 'Check' && str(t['TxnId']) === checkId))) return true;
    }
    return false;
  }

  async receivableAccounts(): Promise<LedgerAccount[]> {
    const body = await this.call('Reading the QuickBooks Accounts Receivable accounts', 'findAccounts', "WHERE AccountType = 'Accounts Receivable'");
    return receivableAccountsOf(body);
  }

  async readRefund(externalId: string, source?: CreateRefundParams['source']): Promise<LedgerDocument | null> {
    if (source?.type === 'payment' || source?.type === 'creditNote') {
      try {
        const c = await this.call('Reading the QuickBooks refund check', 'getPurchase', encodeURIComponent(externalId));
        const doc = checkDoc(obj(c['Purchase'] ?? c));
        // A credit memo's refund is read back only once a payment linked to the memo uses its credit for this check.
        if (source.type === 'creditNote' && !(await this.creditMemoPaysCheck(source.externalId, externalId))) return null;
        return doc;
      } catch (err) {
        if (err instanceof LedgerError && err.code === 'not_found') return null;
        throw err;
      }
    }
    try {
      const receipt = await this.call('Reading the QuickBooks refund receipt', 'getRefundReceipt', encodeURIComponent(externalId));
      return refundReceiptDoc(obj(receipt['RefundReceipt'] ?? receipt));
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'not_found') return null;
      throw err;
    }
  }

  async createInvoice(p: CreateInvoiceParams): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    const inv = await this.call('Creating the QuickBooks invoice', 'createInvoice', {
      CustomerRef: { value: p.contactExternalId },
      TxnDate: p.date,
      DueDate: p.dueDate,
      CurrencyRef: { value: p.currency },
      PrivateNote: p.reference,
      Line: p.lines.map((l) => salesLine(l)),
      requestId: p.key,
    });
    return this.invoiceDoc(inv);
  }

  async addInvoiceLines(p: { key: string; invoiceExternalId: string; lines: WriteLine[] }): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    const added = p.lines.map((l) => salesLine(l));
    return this.withFreshSyncToken(async () => {
      const inv = await this.mustRaw('invoice', p.invoiceExternalId);
      // Lines as read (QBO recomputes the subtotal line), then the new ones; Line replaces all lines.
      const existing = arr(inv['Line']).filter((l) => l['DetailType'] !== 'SubTotalLineDetail');
      try {
        const updated = await this.call('Adding lines to the QuickBooks invoice', 'updateInvoice', {
          Id: str(inv['Id']),
          SyncToken: str(inv['SyncToken']),
          sparse: true,
          Line: [...existing, ...added],
          requestId: p.key,
        });
        return this.invoiceDoc(updated);
      } catch (err) {
        // A retry after a crash reads the lines already added, so the body differs from the first
        // attempt's and the requestid is refused as reused: the lines being there means done.
        if (isKeyReuse(err) && endsWithLines(existing, p.lines)) return this.invoiceDoc(inv);
        throw err;
      }
    });
  }

  /** Delete a credit memo; first the zero-amount payments that apply it (QBO cannot void a memo). */
  private async deleteCreditMemo(key: string, id: string): Promise<LedgerDocument> {
    const cm = await this.raw('creditNote', id);
    if (!cm) return deletedDoc('creditNote', id, null);
    const before = await this.creditMemoDoc(cm);
    for (const paymentId of linkedIds(cm, 'Payment')) {
      const payment = await this.raw('payment', paymentId);
      if (!payment) continue;
      if (toMinor(decimalOf(payment['TotalAmt'] as number | string | null)) !== 0) {
        throw new LedgerError('validation', `Credit memo ${before.number ?? id} is used by payment ${paymentId}, which also moves money; remove that payment in QuickBooks first`);
      }
      await this.deletePayment(derivedKey(key, `d${paymentId}`), paymentId);
    }
    await this.withFreshSyncToken(async () => {
      const fresh = await this.raw('creditNote', id);
      if (!fresh) return;
      await this.call('Deleting the QuickBooks credit memo', 'deleteCreditMemo', { Id: str(fresh['Id']), SyncToken: str(fresh['SyncToken']), requestId: key });
    });
    return deletedDoc('creditNote', id, before);
  }

  private async deletePayment(key: string, id: string): Promise<LedgerDocument> {
    let before: LedgerDocument | null = null;
    await this.withFreshSyncToken(async () => {
      const payment = await this.raw('payment', id);
      if (!payment) return;
      before = this.paymentDoc(payment);
      await this.call('Deleting the QuickBooks payment', 'deletePayment', { Id: str(payment['Id']), SyncToken: str(payment['SyncToken']), requestId: key });
    });
    return deletedDoc('payment', id, before);
  }

  /**
   * A reviewed invoice approved: QuickBooks has no draft or approval state, so approval marks it to
   * be emailed (sparse update, EmailStatus NeedToSend). Already NeedToSend or EmailSent is answered
   * as it is (a replay, or sent meanwhile); a voided invoice is refused.
   */
  async authoriseInvoice(p: { key: string; invoiceExternalId: string }): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    return this.withFreshSyncToken(async () => {
      const inv = await this.mustRaw('invoice', p.invoiceExternalId);
      const doc = this.invoiceDoc(inv);
      if (doc.status === 'voided') throw new LedgerError('validation', 'The QuickBooks invoice is voided and cannot be approved');
      if (doc.approvedForSending) return doc;
      const updated = await this.call('Marking the QuickBooks invoice to be sent', 'updateInvoice', { Id: str(inv['Id']), SyncToken: str(inv['SyncToken']), sparse: true, EmailStatus: 'NeedToSend', requestId: p.key });
      return this.invoiceDoc(updated);
    });
  }

  async voidDocument(p: { key: string; type: WriteDocType; externalId: string }): Promise<LedgerDocument> {
    checkWriteKey(p.key);
    switch (p.type) {
      case 'invoice':
        return this.withFreshSyncToken(async () => {
          const inv = await this.mustRaw('invoice', p.externalId);
          const doc = this.invoiceDoc(inv);
          if (doc.status === 'voided') return doc;
          const res = await this.call('Voiding the QuickBooks invoice', 'voidInvoice', { Id: str(inv['Id']), SyncToken: str(inv['SyncToken']), requestId: p.key });
          const voided = obj(res['Invoice']);
          return voided['Id'] ? this.invoiceDoc(voided) : this.invoiceDoc(await this.mustRaw('invoice', p.externalId));
        });
      case 'creditNote':
        return this.deleteCreditMemo(p.key, p.externalId);
      case 'payment':
        return this.deletePayment(p.key, p.externalId);
      default: {
        const never: never = p.type;
        throw new Error(`unknown document type ${String(never)}`);
      }
    }
  }
}

/** The account a refund is paid from when none is given (the sandbox company's Checking, as in QuickBooks' sample company). */
export const QBO_REFUND_ACCOUNT = '35';

function checkDoc(c: Json): LedgerDocument {
  const id = str(c['Id']);
  if (!id) throw new LedgerError('server', 'QuickBooks answered the refund check without an Id');
  return { type: 'payment', externalId: id, number: str(c['DocNumber']) || null, reference: referenceOf(c['PrivateNote']), status: 'authorised', total: decimalOf(c['TotalAmt'] as number | string | null), remaining: '0.00', allocations: [] };
}

function refundReceiptDoc(r: Json): LedgerDocument {
  const id = str(r['Id']);
  if (!id) throw new LedgerError('server', 'QuickBooks answered the refund receipt without an Id');
  return { type: 'payment', externalId: id, number: str(r['DocNumber']) || null, reference: referenceOf(r['PrivateNote']), status: 'authorised', total: decimalOf(r['TotalAmt'] as number | string | null), remaining: '0.00', allocations: [] };
}

function endsWithLines(existing: Json[], lines: WriteLine[]): boolean {
  if (existing.length < lines.length) return false;
  const tail = existing.slice(existing.length - lines.length);
  return tail.every((l, i) => str(l['Description']) === lines[i]!.description && toMinor(decimalOf(l['Amount'] as number | string | null)) === toMinor(lines[i]!.amount));
}
