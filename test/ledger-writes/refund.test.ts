/**
 * Issue #19: `createRefund` against the sandbox ledger over HTTP, through the real SDKs. Xero: a
 * credit note for the amount and a refund Payment against it (CreditNote + Account); QuickBooks: a
 * RefundReceipt. One refund per key: a replay changes nothing, and a crash between Xero's credit
 * note and its refund payment resumes with the same credit note (the key replays it). Partial and
 * full refunds.
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
