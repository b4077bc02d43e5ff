/**
 * Payment: read, create, delete.
 *
 * `{CustomerRef, TotalAmt, TxnDate, Line:[{Amount, LinkedTxn:[{TxnId, TxnType}]}]}`: lines
 * linked to an Invoice pay it; lines linked to a CreditMemo use its credit. A TotalAmt 0
 * payment with one invoice line and one credit-memo line of equal amounts is how QBO applies
 * a credit memo to an invoice. TotalAmt − (invoice lines − credit lines) is UnappliedAmt.
 * DepositToAccountRef is always Undeposited Funds. The one update taken is a sparse update that
 * keeps the lines and adds lines linking refund Checks (refund-checks.ts); others are refused.
 */
import type { Router } from 'express';
import { fromMinor, type Minor } from '../../../kernel/money';
import type { SandboxContext } from '../context';
import { faults } from './faults';
import { locals, queryString, reply, write } from './http';
import { body, checkSyncToken, idAndSyncToken, isObject, optDate, optRef, optString, reqMoney, reqRef } from './input';
import { activeCustomer } from './invoices';
import { linkRefundChecks, refundCheckLinked, refundCheckOf } from './refund-checks';
import { type Json, toQboPayment } from './mappers';
import type { QboView } from './view';

function createPayment(view: QboView, b: Json) {
  const customer = activeCustomer(view, reqRef(b, 'CustomerRef'));
  const total = reqMoney(b, 'TotalAmt');
  if (total < 0) throw faults.invalidProperty('TotalAmt', 'a payment amount cannot be negative');
  const rawLines = b['Line'] ?? [];
  if (!Array.isArray(rawLines)) throw faults.invalidProperty('Line', 'expected an array of lines');
  const allocations: { invoiceId: string; amount: Minor }[] = [];
  const creditNoteLinks: { creditNoteId: string; amount: Minor }[] = [];
  const refundChecks: { checkId: string; amount: Minor }[] = [];
  rawLines.forEach((raw, i) => {
    const el = `Line[${i}]`;
    if (!isObject(raw)) throw faults.invalidProperty(el, 'expected a line object');
    const amount = reqMoney(raw, 'Amount', `${el}.Amount`);
    const linked = raw['LinkedTxn'];
    if (!Array.isArray(linked) || linked.length === 0) throw faults.requiredParam(`${el}.LinkedTxn`);
    if (linked.length > 1) throw faults.unsupported(`${el} with more than one LinkedTxn (send one line per transaction)`);
    const txn = linked[0];
    if (!isObject(txn)) throw faults.invalidProperty(`${el}.LinkedTxn`, 'expected {TxnId, TxnType}');
    const txnId = optString(txn, 'TxnId', `${el}.LinkedTxn.TxnId`);
    const txnType = optString(txn, 'TxnType', `${el}.LinkedTxn.TxnType`);
    if (!txnId) throw faults.requiredParam(`${el}.LinkedTxn.TxnId`);
    if (amount <= 0) throw faults.invalidProperty(`${el}.Amount`, 'a line amount must be positive');
    if (txnType === 'Invoice') {
      const inv = view.invoice(txnId);
      if (!inv) throw faults.invalidReference(`${el}.LinkedTxn.TxnId`, `Invoice ${txnId} does not exist`);
      if (inv.contactId !== customer.id) throw faults.business(`Invoice ${inv.number} belongs to another customer`);
      allocations.push({ invoiceId: txnId, amount });
    } else if (txnType === 'CreditMemo') {
      const cn = view.creditMemo(txnId);
      if (!cn) throw faults.invalidReference(`${el}.LinkedTxn.TxnId`, `CreditMemo ${txnId} does not exist`);
      if (cn.contactId !== customer.id) throw faults.business(`Credit memo ${cn.number} belongs to another customer`);
      if (cn.status !== 'AUTHORISED') throw faults.business(`Credit memo ${cn.number} has no credit left to apply`);
      creditNoteLinks.push({ creditNoteId: txnId, amount });
    } else if (txnType === 'Check') {
      // A refund check (refund-checks.ts) paid out of the credit on this payment: it uses credit like an invoice does.
      const c = refundCheckOf(view.store, txnId);
      if (!c || c.realmId !== view.realmId) throw faults.invalidReference(`${el}.LinkedTxn.TxnId`, `Check ${txnId} does not exist`);
      if (c.customerId !== customer.id) throw faults.business(`Check ${c.number} is to another customer`);
      if (amount > c.total - refundCheckLinked(view, c.id)) throw faults.business(`The amount linked exceeds what is left on check ${c.number}`);
      refundChecks.push({ checkId: txnId, amount });
    } else {
      throw faults.invalidProperty(`${el}.LinkedTxn.TxnType`, `expected Invoice, CreditMemo or Check, got ${txnType ?? 'nothing'}`);
    }
  });
  const invoiced = allocations.reduce((s, a) => s + a.amount, 0) + refundChecks.reduce((s, c) => s + c.amount, 0);
  const credited = creditNoteLinks.reduce((s, c) => s + c.amount, 0);
  if (credited > invoiced) throw faults.business('The credit applied exceeds the invoice amounts on this payment');
  if (total < invoiced - credited) throw faults.business(`TotalAmt ${fromMinor(total)} is less than the amount applied to invoices (${fromMinor(invoiced - credited)})`);
  if (allocations.length === 0 && refundChecks.length === 0) throw faults.unsupported('an unapplied payment (the sandbox needs at least one Invoice or Check line)');
  if (refundChecks.length > 0) {
    // A credit memo paid out by check: the zero payment links them, in one A/R account, and uses up no more than the credit.
    if (creditNoteLinks.length === 0) throw faults.business('A payment linking a refund check needs the credit it pays out (a CreditMemo line)');
    for (const r of refundChecks) {
      const c = refundCheckOf(view.store, r.checkId)!;
      for (const l of creditNoteLinks) if (c.arAccountId !== view.creditMemoReceivableAccount(l.creditNoteId)) throw faults.business(`Check ${c.number} is against another Accounts Receivable account than the credit memo`);
    }
  }
  const arAccountId = optRef(b, 'ARAccountRef') ?? null;
  if (arAccountId && !view.receivableAccounts().some((a) => a.id === arAccountId)) throw faults.invalidReference('ARAccountRef', `Account ${arAccountId} is not an Accounts Receivable account`);
  const p = view.store.createPayment(view.realmId, {
    arAccountId,
    contactId: customer.id,
    date: optDate(b, 'TxnDate') ?? view.today(),
    allocations,
    creditNoteLinks,
    refundChecks,
    amount: total,
    reference: optString(b, 'PaymentRefNum') ?? '',
  });
  return { body: { Payment: toQboPayment(view, p) }, summary: `Payment ${p.id} created for ${allocations.length} invoice(s)` };
}

function deletePayment(view: QboView, b: Json) {
  const { id, syncToken } = idAndSyncToken(b);
  const p = view.payment(id);
  if (!p) throw faults.objectNotFound(`Payment ${id}`);
  checkSyncToken(p.syncToken, syncToken);
  view.store.deletePayment(view.realmId, id);
  return { body: { Payment: { status: 'Deleted', domain: 'QBO', Id: id } }, summary: `Payment ${id} deleted` };
}

export function paymentRoutes(router: Router, ctx: SandboxContext): void {
  router.get('/payment/:id', (req, res) => {
    const { view } = locals(res);
    const id = String(req.params['id']);
    const p = view.payment(id);
    if (!p) throw faults.objectNotFound(`Payment ${id}`);
    reply(res, { Payment: toQboPayment(view, p) });
  });

  router.post(
    '/payment',
    write(ctx, (req, view) => {
      const b = body(req.body);
      const operation = queryString(req, 'operation');
      if (operation === 'delete') return deletePayment(view, b);
      // node-quickbooks' updatePayment posts ?operation=update (sparse): the sandbox takes refund check links only.
      if (operation === 'update') return linkRefundChecks(view, b);
      if (operation === undefined || operation === 'create') {
        // The one update the sandbox takes: a sparse update linking refund checks (refund-checks.ts).
        if (b['Id'] !== undefined) return linkRefundChecks(view, b);
        return createPayment(view, b);
      }
      throw faults.unsupported(`${operation} on Payment`);
    }),
  );
}
