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
