/**
 * CreditMemo: read, create and delete. Lines as on invoices; RemainingCredit (= Balance) falls
 * as payments apply the credit. PrivateNote is kept as the sandbox record's reference. QBO's
 * API has no void for credit memos (only Invoice, Payment, SalesReceipt and BillPayment), so
 * `?operation=void` is "Unsupported Operation"; delete is refused while a payment still applies
 * the credit (delete that payment first). Updates are not supported by the sandbox.
 */
import type { Request, Router } from 'express';
import type { SandboxContext } from '../context';
import { faults } from './faults';
import { locals, queryString, reply, write } from './http';
import { body, checkSyncToken, idAndSyncToken, optDate, optRef, optString, reqRef, salesLines } from './input';
import { activeCustomer, checkDocNumber, nextDocNumber, totalTaxOf } from './invoices';
import { type Json, toQboCreditMemo } from './mappers';
import type { QboView } from './view';

function createCreditMemo(view: QboView, req: Request, b: Json) {
  const customer = activeCustomer(view, reqRef(b, 'CustomerRef'));
  if (b['Line'] === undefined) throw faults.requiredParam('Line');
  const lines = salesLines(view, b['Line'], totalTaxOf(b));
  const currency = optRef(b, 'CurrencyRef') ?? customer.currency;
  if (currency !== customer.currency) throw faults.business(`The transaction currency (${currency}) must match the customer's currency (${customer.currency})`);
  const number = optString(b, 'DocNumber')?.trim() || undefined;
  if (number) checkDocNumber(view, req, number, 'CreditMemo');
  const cn = view.store.createCreditNote(view.realmId, {
    contactId: customer.id,
    date: optDate(b, 'TxnDate') ?? view.today(),
    lines,
    number: number ?? nextDocNumber(view),
    reference: optString(b, 'PrivateNote') ?? '',
    currency,
    status: 'AUTHORISED',
  });
  return { body: { CreditMemo: toQboCreditMemo(view, cn) }, summary: `CreditMemo ${cn.id} (${cn.number}) created` };
}

function deleteCreditMemo(view: QboView, b: Json) {
  const { id, syncToken } = idAndSyncToken(b);
  const cn = view.creditMemo(id);
  if (!cn) throw faults.objectNotFound(`CreditMemo ${id}`);
  checkSyncToken(cn.syncToken, syncToken);
  if (view.creditMemoLinks(cn.id).length > 0) throw faults.business(`Credit memo ${cn.number} is applied by a payment; delete or change that payment first`);
  view.store.deleteCreditNote(view.realmId, cn.id);
  return { body: { CreditMemo: { status: 'Deleted', domain: 'QBO', Id: cn.id } }, summary: `CreditMemo ${cn.id} (${cn.number}) deleted` };
}

export function creditMemoRoutes(router: Router, ctx: SandboxContext): void {
  router.get('/creditmemo/:id', (req, res) => {
    const { view } = locals(res);
    const id = String(req.params['id']);
    const cn = view.creditMemo(id);
    if (!cn) throw faults.objectNotFound(`CreditMemo ${id}`);
    reply(res, { CreditMemo: toQboCreditMemo(view, cn) });
  });

  router.post(
    '/creditmemo',
    write(ctx, (req, view) => {
      const b = body(req.body);
      const operation = queryString(req, 'operation');
      if ((operation === undefined || operation === 'create') && b['Id'] === undefined) return createCreditMemo(view, req, b);
      if (operation === 'delete') return deleteCreditMemo(view, b);
      if (operation === 'void') throw faults.unsupported('void on CreditMemo (QuickBooks Online voids invoices, payments and sales receipts; delete a credit memo instead)');
      throw faults.unsupported(`${operation ?? 'update'} on CreditMemo (the sandbox creates and reads credit memos)`);
    }),
  );
}
