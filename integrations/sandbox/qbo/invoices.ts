/**
 * Invoice: read (`?include=invoiceLink`), create, sparse/full update, void, delete.
 *
 * - DocNumber defaults to the next number after the highest numeric one (invoices and
 *   credit memos share the sequence, as QBO's custom transaction numbers do); a duplicate
 *   is QBO's 6140 unless `?include=allowduplicatedocnum`.
 * - DueDate defaults to TxnDate + 30 days (the company's default terms, Net 30).
 * - Void keeps the document: TotalAmt, Balance and line amounts 0, PrivateNote "Voided".
 *   The sandbox refuses to void an invoice with payments applied (QBO would unapply them).
 * - Update: Line replaces all lines; a Line identical to the current one (a read sent back)
 *   is not a change, so notes can be edited on a paid invoice.
 */
import type { Request, Router } from 'express';
import { addDays } from '../../../kernel/dates';
import type { Minor } from '../../../kernel/money';
import type { SandboxContext } from '../context';
import type { SbInvoice, SbLine } from '../model';
import type { NewLine } from '../store';
import { faults } from './faults';
import { locals, queryString, reply, write } from './http';
import { body, checkSyncToken, idAndSyncToken, isObject, optDate, optMoney, optRef, optString, optWrapped, reqRef, salesLines } from './input';
import { type Json, toQboInvoice } from './mappers';
import type { QboView } from './view';

const MAX_DOC_NUMBER = 21;

/** The next DocNumber: one past the highest numeric DocNumber of invoices and credit memos. */
export function nextDocNumber(view: QboView): string {
  let max = 1000;
  for (const d of [...view.store.list('invoices', view.realmId), ...view.store.list('creditNotes', view.realmId)]) {
    if (/^\d{1,15}$/.test(d.number)) max = Math.max(max, Number(d.number));
  }
  return String(max + 1);
}

export function checkDocNumber(view: QboView, req: Request, docNumber: string, txnType: 'Invoice' | 'CreditMemo'): void {
  if (docNumber.length > MAX_DOC_NUMBER) throw faults.invalidProperty('DocNumber', `at most ${MAX_DOC_NUMBER} characters`);
  const include = queryString(req, 'include') ?? '';
  if (include.toLowerCase().split(',').includes('allowduplicatedocnum')) return;
  const docs = txnType === 'Invoice' ? view.invoices() : view.creditMemos();
  const dup = docs.find((d) => d.number === docNumber);
  if (dup) throw faults.duplicateDocNumber(docNumber, txnType, dup.id);
}

/** The customer a new transaction refers to: unknown → 2500, inactive → 610. */
export function activeCustomer(view: QboView, id: string) {
  const c = view.customer(id);
  if (!c) throw faults.invalidReference('CustomerRef', `Customer ${id} does not exist in this company`);
  if (c.status !== 'ACTIVE' || c.deletedAt !== null) throw faults.objectNotFound(`Customer ${id} is inactive`);
  return c;
}

export function totalTaxOf(b: Json): Minor | undefined {
  const t = b['TxnTaxDetail'];
  return isObject(t) ? optMoney(t, 'TotalTax', 'TxnTaxDetail.TotalTax') : undefined;
}

function sameLines(current: SbLine[], next: NewLine[]): boolean {
  if (current.length !== next.length) return false;
  const tax = (ls: { taxAmount?: Minor }[]) => ls.reduce((s, l) => s + (l.taxAmount ?? 0), 0);
  if (tax(current) !== tax(next)) return false;
  return current.every((c, i) => {
    const n = next[i]!;
    const track = (t: { name: string; option: string }[] | undefined) => JSON.stringify(t ?? []);
    return (
      c.description === n.description &&
      Number(c.quantity) === Number(n.quantity ?? '1') &&
      c.unitAmount === n.unitAmount &&
      (c.itemCode ?? null) === (n.itemCode ?? null) &&
      track(c.tracking) === track(n.tracking)
    );
  });
}

function exchangeRate(b: Json): string | undefined {
  const v = b['ExchangeRate'];
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d+(\.\d+)?$/.test(s) || Number(s) <= 0) throw faults.invalidProperty('ExchangeRate', 'expected a positive number');
  return s;
}

function createInvoice(view: QboView, req: Request, b: Json) {
  const customer = activeCustomer(view, reqRef(b, 'CustomerRef'));
  if (b['Line'] === undefined) throw faults.requiredParam('Line');
  const lines = salesLines(view, b['Line'], totalTaxOf(b));
  const issueDate = optDate(b, 'TxnDate') ?? view.today();
  const dueDate = optDate(b, 'DueDate') ?? addDays(issueDate, 30);
  const currency = optRef(b, 'CurrencyRef') ?? customer.currency;
  if (currency !== customer.currency) throw faults.business(`The transaction currency (${currency}) must match the customer's currency (${customer.currency})`);
  const number = optString(b, 'DocNumber')?.trim() || undefined;
  if (number) checkDocNumber(view, req, number, 'Invoice');
  const inv = view.store.createInvoice(view.realmId, {
    contactId: customer.id,
    issueDate,
    dueDate,
    lines,
    number: number ?? nextDocNumber(view),
    currency,
    currencyRate: exchangeRate(b),
    status: 'AUTHORISED',
    privateNote: optString(b, 'PrivateNote') ?? '',
    customerMemo: optWrapped(b, 'CustomerMemo', 'value') ?? '',
  });
  return { body: { Invoice: toQboInvoice(view, inv) }, summary: `Invoice ${inv.id} (${inv.number}) created` };
}

function current(view: QboView, b: Json): { inv: SbInvoice; syncToken: number } {
  const { id, syncToken } = idAndSyncToken(b);
  const inv = view.invoice(id);
  if (!inv) throw faults.objectNotFound(`Invoice ${id}`);
  checkSyncToken(inv.syncToken, syncToken);
  return { inv, syncToken };
}

function updateInvoice(view: QboView, b: Json) {
  const { inv, syncToken } = current(view, b);
  if (inv.status === 'VOIDED') throw faults.business(`Invoice ${inv.number} is voided and cannot be edited`);
  const full = b['sparse'] !== true && b['sparse'] !== 'true';
  const patch: Parameters<QboView['store']['updateInvoice']>[2] = {};
  const note = optString(b, 'PrivateNote');
  if (note !== undefined || full) patch.privateNote = note ?? '';
  const memo = optWrapped(b, 'CustomerMemo', 'value');
  if (memo !== undefined || full) patch.customerMemo = memo ?? '';
  const due = optDate(b, 'DueDate');
  if (due !== undefined) patch.dueDate = due;
  const txnDate = optDate(b, 'TxnDate');
  if (txnDate !== undefined) patch.issueDate = txnDate;
  const emailStatus = optString(b, 'EmailStatus');
  if (emailStatus === 'EmailSent') patch.sentToContact = true;
  else if (emailStatus === 'NotSet') Object.assign(patch, { sentToContact: false, needToSend: false });
  else if (emailStatus === 'NeedToSend') patch.needToSend = true;
  const docNumber = optString(b, 'DocNumber');
  if (docNumber !== undefined && docNumber !== inv.number) throw faults.unsupported('changing DocNumber on an existing invoice (sandbox limitation)');
  const customerId = optRef(b, 'CustomerRef');
  if (customerId !== undefined && customerId !== inv.contactId) throw faults.business('The customer of an invoice cannot be changed in the sandbox; void it and create a new one');
  if (b['Line'] !== undefined) {
    const lines = salesLines(view, b['Line'], totalTaxOf(b) ?? (full ? undefined : inv.totalTax));
    if (!sameLines(inv.lines, lines)) patch.lines = lines;
  } else if (full) {
    throw faults.requiredParam('Line');
  }
  const updated = view.store.updateInvoice(view.realmId, inv.id, patch, syncToken);
  const changed = Object.keys(patch).join(', ') || 'no changes';
  return { body: { Invoice: toQboInvoice(view, updated) }, summary: `Invoice ${inv.id} (${inv.number}) updated: ${changed}` };
}

function voidInvoice(view: QboView, b: Json) {
  const { inv } = current(view, b);
  const voided = view.store.voidInvoice(view.realmId, inv.id);
  return { body: { Invoice: toQboInvoice(view, voided) }, summary: `Invoice ${inv.id} (${inv.number}) voided` };
}

function deleteInvoice(view: QboView, b: Json) {
  const { inv } = current(view, b);
  view.store.deleteInvoice(view.realmId, inv.id);
  return { body: { Invoice: { status: 'Deleted', domain: 'QBO', Id: inv.id } }, summary: `Invoice ${inv.id} (${inv.number}) deleted` };
}

export function invoiceRoutes(router: Router, ctx: SandboxContext): void {
  router.get('/invoice/:id', (req, res) => {
    const { view } = locals(res);
    const id = String(req.params['id']);
    const inv = view.invoice(id);
    if (!inv) throw faults.objectNotFound(`Invoice ${id}`);
    const include = (queryString(req, 'include') ?? '').toLowerCase().split(',');
    reply(res, { Invoice: toQboInvoice(view, inv, { invoiceLink: include.includes('invoicelink') }) });
  });

  router.post(
    '/invoice',
    write(ctx, (req, view) => {
      const b = body(req.body);
      const operation = queryString(req, 'operation');
      switch (operation) {
        case undefined:
        case 'create':
          return b['Id'] !== undefined && operation === undefined ? updateInvoice(view, b) : createInvoice(view, req, b);
        case 'update':
          return updateInvoice(view, b);
        case 'void':
          return voidInvoice(view, b);
        case 'delete':
          return deleteInvoice(view, b);
        default:
          throw faults.unsupported(`${operation} on Invoice`);
      }
    }),
  );
}
