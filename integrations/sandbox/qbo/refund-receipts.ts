/**
 * RefundReceipt: create and read (QuickBooks Online `POST /v3/company/{id}/refundreceipt`,
 * `GET …/refundreceipt/{id}`) — money paid back to a customer out of an account. Shaped like the
 * real entity: CustomerRef, TxnDate, CurrencyRef, DepositToAccountRef (required: the account the
 * refund is paid from; Undeposited Funds is refused, as QBO does), sales lines, TotalAmt,
 * PrivateNote. The sandbox keeps receipts beside the ledger: they touch no invoice or credit memo
 * (a refund of money on account), and are not part of query or CDC. Update, delete and void are
 * "Unsupported Operation".
 */
import type { Request, Router } from 'express';
import { fromMinor, type Minor } from '../../../kernel/money';
import type { SandboxContext } from '../context';
import { perStore, qboAmount, txnHeader } from './side-docs';
import { faults } from './faults';
import { locals, queryString, reply, write } from './http';
import { body, optDate, optRef, optString, reqRef, salesLines } from './input';
import { activeCustomer } from './invoices';
import type { Json } from './mappers';
import type { QboView } from './view';

interface SbRefundReceipt {
  id: string;
  realmId: string;
  number: string;
  customerId: string;
  date: string;
  currency: string;
  accountId: string;
  privateNote: string;
  lines: { description: string; amount: Minor; itemId: string | null }[];
  total: Minor;
  createdAt: number;
}

const receipts = perStore<SbRefundReceipt>();

const UNDEPOSITED_FUNDS = '4';
const amount = qboAmount;

function out(view: QboView, r: SbRefundReceipt): Json {
  return {
    ...txnHeader(r),
    Line: r.lines.map((l, i) => ({
      Id: String(i + 1),
      LineNum: i + 1,
      Description: l.description,
      Amount: amount(l.amount),
      DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: { ItemRef: { value: l.itemId ?? '1', name: 'Services' }, UnitPrice: amount(l.amount), Qty: 1, TaxCodeRef: { value: 'NON' } },
    })),
    TxnTaxDetail: { TotalTax: 0 },
    CustomerRef: { value: r.customerId, name: view.contactName(r.customerId) },
    TotalAmt: amount(r.total),
    ApplyTaxAfterDiscount: false,
    PrintStatus: 'NotSet',
    Balance: 0,
    DepositToAccountRef: { value: r.accountId },
  };
}

function createRefundReceipt(view: QboView, _req: Request, b: Json) {
  const customer = activeCustomer(view, reqRef(b, 'CustomerRef'));
  const accountId = optRef(b, 'DepositToAccountRef');
  if (!accountId) throw faults.requiredParam('DepositToAccountRef');
  if (accountId === UNDEPOSITED_FUNDS) throw faults.business('A refund cannot be paid from Undeposited Funds; choose a bank account');
  if (b['Line'] === undefined) throw faults.requiredParam('Line');
  const built = view.store.buildLines(salesLines(view, b['Line'], undefined));
  const lines = built.lines.map((l) => ({ description: l.description, amount: l.lineAmount, itemId: l.itemCode }));
  const total = built.subTotal + built.totalTax;
  if (total <= 0) throw faults.business('A refund receipt must be for more than zero');
  const currency = optRef(b, 'CurrencyRef') ?? customer.currency;
  if (currency !== customer.currency) throw faults.business(`The transaction currency (${currency}) must match the customer's currency (${customer.currency})`);
  const all = receipts(view.store);
  const id = view.store.newId(view.realmId);
  const receipt: SbRefundReceipt = {
    id,
    realmId: view.realmId,
    number: optString(b, 'DocNumber')?.trim() || `R${String(all.size + 1).padStart(4, '0')}`,
    customerId: customer.id,
    date: optDate(b, 'TxnDate') ?? view.today(),
    currency,
    accountId,
    privateNote: optString(b, 'PrivateNote') ?? '',
    lines,
    total,
    createdAt: view.store.clock.now(),
  };
  all.set(id, receipt);
  return { body: { RefundReceipt: out(view, receipt) }, summary: `RefundReceipt ${id} for ${fromMinor(total)} created` };
}

export function refundReceiptRoutes(router: Router, ctx: SandboxContext): void {
  router.get('/refundreceipt/:id', (req, res) => {
    const { view } = locals(res);
    const id = String(req.params['id']);
    const r = receipts(view.store).get(id);
    if (!r || r.realmId !== view.realmId) throw faults.objectNotFound(`RefundReceipt ${id}`);
    reply(res, { RefundReceipt: out(view, r) });
  });

  router.post(
    '/refundreceipt',
    write(ctx, (req, view) => {
      const b = body(req.body);
      const operation = queryString(req, 'operation');
      if ((operation === undefined || operation === 'create') && b['Id'] === undefined) return createRefundReceipt(view, req, b);
      throw faults.unsupported(`${operation ?? 'update'} on RefundReceipt (the sandbox creates and reads refund receipts)`);
    }),
  );
}
