/**
 * Refunding money a customer has on account (docs/decisions/047): QuickBooks' own way — a Check to
 * the customer whose one line is Accounts Receivable (`POST /purchase`, PaymentType Check,
 * EntityRef the customer), then the unapplied Payment linked to it (`POST /payment`, a sparse
 * update keeping the payment's lines and adding `{Amount, LinkedTxn:[{TxnId, TxnType: "Check"}]}`).
 * The payment's UnappliedAmt falls by the amount, and with it the customer's Balance. `GET
 * /purchase/:id` reads the check. Checks are kept beside the ledger (not in query or CDC; the
 * payment they are linked to is, as an Update). Bank account required; Undeposited Funds refused.
 */
import type { Router } from 'express';
import { fromMinor, type Minor } from '../../../kernel/money';
import type { SandboxContext } from '../context';
import { perStore, qboAmount, txnHeader } from './side-docs';
import { faults } from './faults';
import { locals, queryString, reply, write } from './http';
import { body, checkSyncToken, idAndSyncToken, isObject, optDate, optRef, optString, reqMoney, reqRef } from './input';
import { activeCustomer } from './invoices';
import { type Json, toQboPayment } from './mappers';
import { type QboView, SAMPLE_UNDEPOSITED_FUNDS } from './view';

const UNDEPOSITED_FUNDS = SAMPLE_UNDEPOSITED_FUNDS.id;

interface SbCheck {
  id: string;
  realmId: string;
  number: string;
  customerId: string;
  date: string;
  currency: string;
  bankAccountId: string;
  /** The Accounts Receivable account of its one line (one of the company's, decision 056). */
  arAccountId: string;
  privateNote: string;
  total: Minor;
  createdAt: number;
}

const checks = perStore<SbCheck>();

const amount = qboAmount;

function out(view: QboView, c: SbCheck): Json {
  return {
    ...txnHeader(c),
    PaymentType: 'Check',
    AccountRef: { value: c.bankAccountId },
    EntityRef: { value: c.customerId, name: view.contactName(c.customerId), type: 'Customer' },
    TotalAmt: amount(c.total),
    Line: [{ Id: '1', Amount: amount(c.total), DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: { AccountRef: { value: c.arAccountId, name: view.receivableAccounts().find((a) => a.id === c.arAccountId)?.name ?? 'Accounts Receivable' }, BillableStatus: 'NotBillable', TaxCodeRef: { value: 'NON' } } }],
  };
}

function createCheck(view: QboView, b: Json) {
  if (optString(b, 'PaymentType') !== 'Check') throw faults.unsupported('a Purchase other than a Check (the sandbox takes refund checks only)');
  const bank = reqRef(b, 'AccountRef');
  const receivable = new Set(view.receivableAccounts().map((a) => a.id));
  if (bank === UNDEPOSITED_FUNDS || receivable.has(bank)) throw faults.business('A check must be paid from a bank account');
  const entity = b['EntityRef'];
  if (!isObject(entity)) throw faults.requiredParam('EntityRef');
  if (optString(entity, 'type') !== 'Customer') throw faults.unsupported('a check to anyone but a customer (the sandbox takes refund checks only)');
  const customer = activeCustomer(view, reqRef(b, 'EntityRef'));
  const lines = b['Line'];
  if (!Array.isArray(lines) || lines.length !== 1 || !isObject(lines[0])) throw faults.unsupported('a refund check with other than one line');
  const line = lines[0];
  const detail = line['AccountBasedExpenseLineDetail'];
  const lineAccount = isObject(detail) ? optRef(detail, 'AccountRef') : undefined;
  if (!lineAccount || !receivable.has(lineAccount)) throw faults.unsupported('a check whose line is not one of the company’s Accounts Receivable accounts (the sandbox takes refund checks only)');
  const total = reqMoney(line, 'Amount', 'Line[0].Amount');
  if (total <= 0) throw faults.invalidProperty('Line[0].Amount', 'a check amount must be positive');
  const currency = optRef(b, 'CurrencyRef') ?? customer.currency;
  if (currency !== customer.currency) throw faults.business(`The transaction currency (${currency}) must match the customer's currency (${customer.currency})`);
  const all = checks(view.store);
  const c: SbCheck = {
    id: view.store.newId(view.realmId),
    realmId: view.realmId,
    number: optString(b, 'DocNumber')?.trim() || String(1000 + all.size + 1),
    customerId: customer.id,
    date: optDate(b, 'TxnDate') ?? view.today(),
    currency,
    bankAccountId: bank,
    arAccountId: lineAccount,
    privateNote: optString(b, 'PrivateNote') ?? '',
    total,
    createdAt: view.store.clock.now(),
  };
  all.set(c.id, c);
  return { body: { Purchase: out(view, c) }, summary: `Check ${c.id} for ${fromMinor(total)} to a customer (Accounts Receivable)` };
}

/** How much of a check is linked to payments already. */
export function refundCheckLinked(view: QboView, checkId: string): Minor {
  let n = 0;
  for (const p of view.store.list('payments', view.realmId)) if (p.status !== 'DELETED') for (const c of p.refundChecks ?? []) if (c.checkId === checkId) n += c.amount;
  return n;
}

/**
 * A sparse Payment update that keeps every line and adds lines linking refund checks; the checks'
 * amounts come out of the payment's unapplied money. Anything else is refused as an update the
 * sandbox does not take.
 */
export function linkRefundChecks(view: QboView, b: Json) {
  const { id, syncToken } = idAndSyncToken(b);
  const p = view.payment(id);
  if (!p) throw faults.objectNotFound(`Payment ${id}`);
  checkSyncToken(p.syncToken, syncToken);
  if (b['sparse'] !== true) throw faults.unsupported('a full update of a Payment (send sparse: true with its lines and the refund check lines)');
  const raw = b['Line'];
  if (!Array.isArray(raw)) throw faults.requiredParam('Line');
  const kept = new Map<string, Minor>();
  for (const a of p.allocations) kept.set(`Invoice:${a.invoiceId}`, (kept.get(`Invoice:${a.invoiceId}`) ?? 0) + a.amount);
  for (const l of p.creditNoteLinks) kept.set(`CreditMemo:${l.creditNoteId}`, (kept.get(`CreditMemo:${l.creditNoteId}`) ?? 0) + l.amount);
  for (const c of p.refundChecks ?? []) kept.set(`Check:${c.checkId}`, (kept.get(`Check:${c.checkId}`) ?? 0) + c.amount);
  const sent = new Map<string, Minor>();
  raw.forEach((l, i) => {
    if (!isObject(l)) throw faults.invalidProperty(`Line[${i}]`, 'expected a line object');
    const linked = l['LinkedTxn'];
    const txn = Array.isArray(linked) && linked.length === 1 && isObject(linked[0]) ? linked[0] : null;
    if (!txn) throw faults.invalidProperty(`Line[${i}].LinkedTxn`, 'expected one {TxnId, TxnType}');
    const k = `${optString(txn, 'TxnType') ?? ''}:${optString(txn, 'TxnId') ?? ''}`;
    sent.set(k, (sent.get(k) ?? 0) + reqMoney(l, 'Amount', `Line[${i}].Amount`));
  });
  for (const [k, v] of kept) if (sent.get(k) !== v) throw faults.unsupported('changing or removing a Payment line (the sandbox only adds refund check lines)');
  const added: { checkId: string; amount: Minor }[] = [];
  for (const [k, v] of sent) {
    if (kept.has(k)) continue;
    const [type, checkId] = k.split(':') as [string, string];
    if (type !== 'Check') throw faults.unsupported(`adding a ${type || 'line'} to a Payment (the sandbox only adds refund check lines)`);
    const c = checks(view.store).get(checkId);
    if (!c || c.realmId !== view.realmId) throw faults.invalidReference('Line.LinkedTxn.TxnId', `Check ${checkId} does not exist`);
    if (c.customerId !== p.contactId) throw faults.business(`Check ${c.number} is to another customer`);
    // A check credits the A/R account of its line; the payment's credit sits in its own one.
    if (c.arAccountId !== view.paymentReceivableAccount(p)) throw faults.business(`Check ${c.number} is against another Accounts Receivable account than the payment`);
    if (v <= 0 || v > c.total - refundCheckLinked(view, c.id)) throw faults.business(`The amount linked exceeds what is left on check ${c.number}`);
    added.push({ checkId, amount: v });
  }
  const unapplied = (() => {
    let applied = 0;
    for (const a of p.allocations) applied += a.amount;
    for (const l of p.creditNoteLinks) applied -= l.amount;
    for (const c of p.refundChecks ?? []) applied += c.amount;
    return p.amount - applied;
  })();
  const adding = added.reduce((s, a) => s + a.amount, 0);
  if (adding > unapplied) throw faults.business(`The refund checks (${fromMinor(adding)}) exceed the payment's unapplied amount (${fromMinor(unapplied)})`);
  view.store.linkRefundChecks(view.realmId, p.id, added);
  return { body: { Payment: toQboPayment(view, p) }, summary: `Payment ${p.id}: ${fromMinor(adding)} refunded by check` };
}

export function refundCheckRoutes(router: Router, ctx: SandboxContext): void {
  router.get('/purchase/:id', (req, res) => {
    const { view } = locals(res);
    const id = String(req.params['id']);
    const c = checks(view.store).get(id);
    if (!c || c.realmId !== view.realmId) throw faults.objectNotFound(`Purchase ${id}`);
    reply(res, { Purchase: out(view, c) });
  });
  router.post(
    '/purchase',
    write(ctx, (req, view) => {
      const b = body(req.body);
      const operation = queryString(req, 'operation');
      if ((operation === undefined || operation === 'create') && b['Id'] === undefined) return createCheck(view, b);
      throw faults.unsupported(`${operation ?? 'update'} on Purchase (the sandbox creates and reads refund checks)`);
    }),
  );
}

/** A refund check as the sandbox keeps it (tests and the admin view): its A/R account and amount. */
export function refundCheckOf(store: QboView['store'], id: string): Readonly<SbCheck> | null {
  return checks(store).get(id) ?? null;
}

/** The refund checks written to one customer of a company (tests: a check is written once). */
export function refundChecksTo(store: QboView['store'], realmId: string, customerId: string): Readonly<SbCheck>[] {
  return [...checks(store).values()].filter((c) => c.realmId === realmId && c.customerId === customerId);
}
