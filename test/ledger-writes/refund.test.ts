/**
 * Issue #19: `createRefund` against the sandbox ledger over HTTP, through the real SDKs
 * (docs/decisions/047). Out of an existing credit — Xero: one PUT Payments naming the Overpayment /
 * Prepayment (its RemainingCredit falls, its Payments list the refund, PAID when all is refunded);
 * QuickBooks: a Check to the customer against Accounts Receivable linked to the unapplied Payment
 * (its UnappliedAmt and the customer's Balance fall). Of money that paid an invoice — Xero: a credit
 * note for the amount and a refund Payment against it; QuickBooks: a RefundReceipt. One refund per
 * key: a replay changes nothing, and a crash between two calls resumes without a second document.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateRefundParams } from '../../integrations/ledger/writes';
import { refundChecksTo } from '../../integrations/sandbox/qbo/refund-checks';
import { QboView } from '../../integrations/sandbox/qbo/view';
import { authorizeWithSandbox } from '../../server/sync/sandbox-connect';
import { companyToday, openInvoice, rejection, startWritesFixture, type WritesFixture } from './helpers';

let fx: WritesFixture;

beforeAll(async () => {
  fx = await startWritesFixture();
});
afterAll(async () => fx?.close());

function params(provider: 'xero' | 'qbo', amount: string): CreateRefundParams {
  const companyId = fx[provider].companyId;
  const contactId = openInvoice(fx.store, companyId).contactId;
  const key = randomUUID();
  return {
    key,
    contactExternalId: contactId,
    amount,
    currency: fx.store.company(companyId).baseCurrency,
    date: companyToday(fx.store, companyId),
    reference: `Arcus ${key.slice(0, 8)} refund`,
    description: 'Refund of an overpayment',
    accountCode: provider === 'qbo' ? '35' : null,
  };
}

const xeroCreditNotes = (reference: string) => fx.store.list('creditNotes', fx.xero.companyId).filter((cn) => cn.reference === reference);
const xeroRefunds = (creditNoteId: string) => fx.store.list('payments', fx.xero.companyId).filter((p) => p.creditNoteLinks.some((l) => l.creditNoteId === creditNoteId));

describe('Xero refund against the sandbox', () => {
  it('a partial refund: one credit note, one refund payment of the amount; the same key replays it', async () => {
    const p = params('xero', '45.50');
    const doc = await fx.xero.writes().createRefund(p);
    expect(doc).toMatchObject({ type: 'payment', total: '45.50', status: 'authorised' });
    const [cn, ...more] = xeroCreditNotes(p.reference);
    expect(more).toHaveLength(0);
    expect(cn!.total).toBe(4_550);
    expect(cn!.remainingCredit).toBe(0);
    expect(cn!.status).toBe('PAID');
    expect(xeroRefunds(cn!.id).map((x) => x.id)).toEqual([doc.externalId]);

    const again = await fx.xero.writes().createRefund(p);
    expect(again.externalId).toBe(doc.externalId);
    expect(xeroCreditNotes(p.reference)).toHaveLength(1);
    expect(xeroRefunds(cn!.id)).toHaveLength(1);
    expect(await fx.xero.writes().readRefund(doc.externalId)).toMatchObject({ externalId: doc.externalId, total: '45.50', status: 'authorised' });
  });

  it('a crash after the credit note and before the refund payment resumes without a second credit note', async () => {
    const p = params('xero', '200.00');
    // The first attempt's credit note, exactly as createRefund sends it, under the same key; then the worker died.
    const first = await fx.xero.writes().createCreditNote({ key: p.key, contactExternalId: p.contactExternalId, date: p.date, reference: p.reference, currency: p.currency, lines: [{ description: p.description, amount: p.amount }], allocateTo: null });
    expect(xeroRefunds(first.externalId)).toHaveLength(0);

    const doc = await fx.xero.writes().createRefund(p);
    expect(doc.total).toBe('200.00');
    expect(xeroCreditNotes(p.reference).map((cn) => cn.id)).toEqual([first.externalId]);
    expect(xeroRefunds(first.externalId).map((x) => x.id)).toEqual([doc.externalId]);
    expect(fx.store.creditNote(fx.xero.companyId, first.externalId).remainingCredit).toBe(0);
  });

  it('a refund the ledger does not have reads back as nothing', async () => {
    expect(await fx.xero.writes().readRefund(randomUUID())).toBeNull();
  });
});

describe('Xero refund of an overpayment or prepayment (the credit itself, no new credit note)', () => {
  it('a partial then a full refund of an overpayment: RemainingCredit falls, Payments lists both, PAID at zero; a replay is one refund', async () => {
    const base = params('xero', '30.00');
    const over = fx.store.createPrepayment(fx.xero.companyId, { kind: 'overpayment', contactId: base.contactExternalId, date: base.date, amount: 10_000, reference: 'Paid twice' });
    const cnBefore = fx.store.list('creditNotes', fx.xero.companyId).length;
    const p = { ...base, source: { type: 'overpayment' as const, externalId: over.id } };
    const doc = await fx.xero.writes().createRefund(p);
    expect(doc).toMatchObject({ type: 'payment', total: '30.00', status: 'authorised' });
    expect((await fx.xero.writes().createRefund(p)).externalId).toBe(doc.externalId);
    expect(fx.store.prepayment(fx.xero.companyId, over.id)).toMatchObject({ remainingCredit: 7_000, status: 'AUTHORISED' });
    expect(fx.store.list('creditNotes', fx.xero.companyId)).toHaveLength(cnBefore);

    // What Xero answers for the overpayment and the refund payment (the connector's reads).
    const read = await fx.xero.writes().readCredit('overpayment', over.id);
    expect(read).toMatchObject({ remaining: '70.00', status: 'authorised' });
    expect(fx.store.prepaymentRefunds(over.id).map((x) => [x.id, x.amount])).toEqual([[doc.externalId, 3_000]]);
    expect(await fx.xero.writes().readRefund(doc.externalId, p.source)).toMatchObject({ externalId: doc.externalId, total: '30.00' });

    const rest = await fx.xero.writes().createRefund({ ...p, key: randomUUID(), amount: '70.00' });
    expect(rest.total).toBe('70.00');
    expect(fx.store.prepayment(fx.xero.companyId, over.id)).toMatchObject({ remainingCredit: 0, status: 'PAID' });
    const more = await rejection(fx.xero.writes().createRefund({ ...p, key: randomUUID(), amount: '0.01' }));
    expect(more.code).toBe('validation');
  });

  it('a prepayment refund reads back as ARPREPAYMENTPAYMENT of the amount', async () => {
    const base = params('xero', '12.34');
    const pre = fx.store.createPrepayment(fx.xero.companyId, { kind: 'prepayment', contactId: base.contactExternalId, date: base.date, amount: 5_000 });
    const doc = await fx.xero.writes().createRefund({ ...base, source: { type: 'prepayment', externalId: pre.id } });
    expect(await fx.xero.writes().readRefund(doc.externalId, { type: 'prepayment', externalId: pre.id })).toMatchObject({ total: '12.34', status: 'authorised' });
    expect(fx.store.prepayment(fx.xero.companyId, pre.id).remainingCredit).toBe(3_766);
  });
});

describe('QuickBooks refund of money on account (a check against Accounts Receivable linked to the payment)', () => {
  it('a check for the amount, the payment linked to it: UnappliedAmt falls; a replay is one check and one link', async () => {
    const base = params('qbo', '40.00');
    const onAccount = fx.store.createPayment(fx.qbo.companyId, { contactId: base.contactExternalId, date: base.date, allocations: [], amount: 10_000, reference: 'On account' });
    const p = { ...base, source: { type: 'payment' as const, externalId: onAccount.id } };
    const doc = await fx.qbo.writes().createRefund(p);
    expect(doc).toMatchObject({ type: 'payment', total: '40.00', status: 'authorised' });
    expect((await fx.qbo.writes().createRefund(p)).externalId).toBe(doc.externalId);
    expect(fx.store.payment(fx.qbo.companyId, onAccount.id).refundChecks).toEqual([{ checkId: doc.externalId, amount: 4_000 }]);
    // Read back over HTTP as the sync reads it: UnappliedAmt 60 of 100, a line linking the check.
    const [check] = fx.store.list('payments', fx.qbo.companyId).filter((x) => x.id === onAccount.id);
    expect(check!.refundChecks).toHaveLength(1);
    expect(await fx.qbo.writes().readRefund(doc.externalId, p.source)).toMatchObject({ externalId: doc.externalId, total: '40.00', reference: p.reference });
    const tooMuch = await rejection(fx.qbo.writes().createRefund({ ...p, key: randomUUID(), amount: '60.01' }));
    expect(tooMuch.code).toBe('validation');
  });
});

describe('QuickBooks refund against the sandbox', () => {
  it('one RefundReceipt for the amount; the same requestid replays it; read back', async () => {
    const p = params('qbo', '120.00');
    const doc = await fx.qbo.writes().createRefund(p);
    expect(doc).toMatchObject({ type: 'payment', total: '120.00', status: 'authorised' });
    const again = await fx.qbo.writes().createRefund(p);
    expect(again.externalId).toBe(doc.externalId);
    expect(await fx.qbo.writes().readRefund(doc.externalId)).toMatchObject({ externalId: doc.externalId, total: '120.00', reference: p.reference });
    const other = await fx.qbo.writes().createRefund({ ...p, key: randomUUID() });
    expect(other.externalId).not.toBe(doc.externalId);
    expect(await fx.qbo.writes().readRefund('999999')).toBeNull();
  });

  it('a refund from Undeposited Funds is refused in words', async () => {
    const err = await rejection(fx.qbo.writes().createRefund({ ...params('qbo', '5.00'), accountCode: '4' }));
    expect(err.code).toBe('validation');
    expect(err.message).toMatch(/Undeposited Funds/);
  });
});

describe('QuickBooks refund of a credit memo’s credit (a check against A/R and a zero payment linking the memo, decision 063)', () => {
  const memoFor = (contactId: string, amount: number) =>
    fx.store.createCreditNote(fx.qbo.companyId, { contactId, date: companyToday(fx.store, fx.qbo.companyId), lines: [{ description: 'Service cancelled', unitAmount: amount, taxAmount: 0 }], status: 'AUTHORISED', lineAmountTypes: 'NoTax' });
  const zeroPaymentsOn = (memoId: string) => fx.store.list('payments', fx.qbo.companyId).filter((p) => p.status !== 'DELETED' && p.creditNoteLinks.some((l) => l.creditNoteId === memoId));
  /** A raw POST to the sandbox QuickBooks API (shapes the connector never sends). */
  async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const { tokens } = await authorizeWithSandbox(fx.factory.oauth('quickbooks')!, fx.qbo.companyId);
    const res = await fetch(`${fx.server.url}/qbo/v3/company/${fx.qbo.companyId}/${path}?minorversion=75`, { method: 'POST', headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
    const out = { status: res.status, body: (await res.json()) as Record<string, unknown> };
    return out;
  }

  it('one check and one zero payment linking memo and check; the memo’s credit falls; a replay is one of each; read back', async () => {
    const base = params('qbo', '30.00');
    const memo = memoFor(base.contactExternalId, 8_000);
    const p = { ...base, source: { type: 'creditNote' as const, externalId: memo.id } };
    const doc = await fx.qbo.writes().createRefund(p);
    expect(doc).toMatchObject({ type: 'payment', total: '30.00', status: 'authorised' });
    expect((await fx.qbo.writes().createRefund(p)).externalId).toBe(doc.externalId);
    const zero = zeroPaymentsOn(memo.id);
    expect(zero.map((z) => ({ amount: z.amount, credit: z.creditNoteLinks, checks: z.refundChecks, invoices: z.allocations.length }))).toEqual([{ amount: 0, credit: [{ creditNoteId: memo.id, amount: 3_000 }], checks: [{ checkId: doc.externalId, amount: 3_000 }], invoices: 0 }]);
    expect(fx.store.creditNote(fx.qbo.companyId, memo.id).remainingCredit).toBe(5_000);
    expect(await fx.qbo.writes().readRefund(doc.externalId, p.source)).toMatchObject({ externalId: doc.externalId, total: '30.00', reference: p.reference });
    // More than the memo has left: refused in words before any check is written.
    const checksBefore = refundChecksTo(fx.store, fx.qbo.companyId, base.contactExternalId).length;
    const short = await rejection(fx.qbo.writes().createRefund({ ...p, key: randomUUID(), reference: 'Arcus short refund', amount: '50.01' }));
    expect(short.code).toBe('validation');
    expect(short.message).toMatch(/less credit left than the refund/);
    expect(refundChecksTo(fx.store, fx.qbo.companyId, base.contactExternalId)).toHaveLength(checksBefore);
    // All the rest refunded, then the same call again (a retry after the memo is used up): replayed, not refused.
    const rest = { ...p, key: randomUUID(), reference: 'Arcus rest refund', amount: '50.00' };
    const restDoc = await fx.qbo.writes().createRefund(rest);
    expect(fx.store.creditNote(fx.qbo.companyId, memo.id).remainingCredit).toBe(0);
    expect((await fx.qbo.writes().createRefund(rest)).externalId).toBe(restDoc.externalId);
    expect(zeroPaymentsOn(memo.id)).toHaveLength(2);
    // A check whose credit was never used (no payment on the memo links it) does not read back as the refund.
    const other = memoFor(base.contactExternalId, 1_000);
    expect(await fx.qbo.writes().readRefund(doc.externalId, { type: 'creditNote', externalId: other.id })).toBeNull();
  });

  it('wrong shapes are refused the way QuickBooks refuses them, and nothing changes', async () => {
    const base = params('qbo', '10.00');
    const memo = memoFor(base.contactExternalId, 2_000);
    // A check already paid out of a memo (written through the connector), and a fresh unlinked check of 10.00 (raw).
    const used = await fx.qbo.writes().createRefund({ ...base, amount: '5.00', source: { type: 'creditNote', externalId: memoFor(base.contactExternalId, 500).id } });
    const receivable = new QboView(fx.server.sandbox.ctx, fx.qbo.companyId).receivableAccounts()[0]!.id;
    const fresh = await post('purchase', { PaymentType: 'Check', AccountRef: { value: '35' }, EntityRef: { value: base.contactExternalId, type: 'Customer' }, Line: [{ Amount: 10, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: { AccountRef: { value: receivable } } }] });
    expect(fresh.status).toBe(200);
    const check = String((fresh.body['Purchase'] as { Id: string }).Id);
    const before = { remaining: fx.store.creditNote(fx.qbo.companyId, memo.id).remainingCredit, payments: fx.store.list('payments', fx.qbo.companyId).length };
    const line = (id: string, type: string, amount: number) => ({ Amount: amount, LinkedTxn: [{ TxnId: id, TxnType: type }] });
    const zero = (lines: unknown[]) => ({ CustomerRef: { value: base.contactExternalId }, TotalAmt: 0, Line: lines });
    const refused = async (b: unknown) => {
      const r = await post('payment', b);
      expect(r.status).toBe(400);
      return JSON.stringify(r.body);
    };
    // A check line with no credit memo to pay it out of: a zero payment does not cover it; with money, still no credit named.
    expect(await refused(zero([line(check, 'Check', 5)]))).toMatch(/TotalAmt 0\.00 is less than/);
    expect(await refused({ ...zero([line(check, 'Check', 5)]), TotalAmt: 5 })).toMatch(/needs the credit it pays out/);
    // More than is left on a check (that one is linked already).
    expect(await refused(zero([line(memo.id, 'CreditMemo', 5), line(used.externalId, 'Check', 5)]))).toMatch(/exceeds what is left on check/);
    // More credit than a memo has left (3.00 of it).
    const small = memoFor(base.contactExternalId, 300);
    expect(await refused(zero([line(small.id, 'CreditMemo', 5), line(check, 'Check', 5)]))).toMatch(/has only/);
    expect(fx.store.creditNote(fx.qbo.companyId, small.id).remainingCredit).toBe(300);
    // The credit and the check of different amounts: the payment's TotalAmt 0 does not cover it.
    expect(await refused(zero([line(memo.id, 'CreditMemo', 2), line(check, 'Check', 3)]))).toMatch(/TotalAmt 0\.00 is less than/);
    // Another customer's payment naming this customer's memo and check.
    const stranger = fx.store.list('contacts', fx.qbo.companyId).find((c) => c.id !== base.contactExternalId && c.status === 'ACTIVE')!;
    expect(await refused({ ...zero([line(memo.id, 'CreditMemo', 1), line(check, 'Check', 1)]), CustomerRef: { value: stranger.id } })).toMatch(/another customer/);
    expect({ remaining: fx.store.creditNote(fx.qbo.companyId, memo.id).remainingCredit, payments: fx.store.list('payments', fx.qbo.companyId).length }).toEqual(before);
  });
});
