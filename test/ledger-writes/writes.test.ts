/**
 * The ledger writers against the sandbox ledger over HTTP, through the real SDKs, for both
 * ledgers: each write creates exactly one document with the right amounts, allocations and
 * links (checked in the sandbox's own state and by a fresh read); a retry with the same key
 * creates nothing new, including a retry after a crash between a credit note and its
 * allocation; refusals become clear LedgerErrors; QuickBooks' stale SyncToken is re-read and
 * retried once, and a second 5010 surfaces as 'stale_object'.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { arcusReference } from '../../integrations/ledger/writes';
import { paymentAccount } from '../../integrations/sandbox/xero/map/accounts';
import { onlineInvoiceUrl as xeroOnlineInvoiceUrl } from '../../integrations/sandbox/xero/online-invoice';
import { fromMinor, toMinor } from '../../kernel/money';
import { bumpAfterRead, companyToday, openInvoice, rejection, startWritesFixture, type WritesFixture } from './helpers';

let fx: WritesFixture;

beforeAll(async () => {
  fx = await startWritesFixture();
});
afterAll(async () => fx?.close());

const side = (provider: Provider) => (provider === 'xero' ? fx.xero : fx.qbo);
const count = (kind: 'invoices' | 'payments' | 'creditNotes', companyId: string) => fx.store.list(kind, companyId).length;
const today = (companyId: string) => companyToday(fx.store, companyId);

describe.each(['xero', 'quickbooks'] as const)('%s writer against the sandbox', (provider) => {
  it('setPayLink writes the link once; a retry with the same key changes nothing', async () => {
    const { companyId, writes } = side(provider);
    const inv = openInvoice(fx.store, companyId);
    if (provider === 'quickbooks') fx.store.updateInvoice(companyId, inv.id, { customerMemo: 'Thank you for your business.\nPay online: https://old.example/pay/1' });
    const key = randomUUID();
    const url = `https://arcus.test/pay/${inv.id}`;
    const w = writes();
    expect(await w.setPayLink({ key, invoiceExternalId: inv.id, url })).toEqual({ field: provider === 'xero' ? 'Url' : 'CustomerMemo' });
    const token = fx.store.invoice(companyId, inv.id).syncToken;
    await w.setPayLink({ key, invoiceExternalId: inv.id, url });
    const after = fx.store.invoice(companyId, inv.id);
    if (provider === 'xero') expect(after.url).toBe(url);
    else expect(after.customerMemo).toBe(`Thank you for your business.\nPay online: ${url}`);
    expect(after.syncToken).toBe(token);
    expect((await w.read('invoice', inv.id))?.url).toBe(url);
    const online = await w.onlineInvoiceUrl(inv.id);
    if (provider === 'xero') expect(online).toBe(xeroOnlineInvoiceUrl(fx.server.url, inv.id));
    else if (fx.store.company(companyId).onlinePayments) expect(online).toContain(inv.id);
    else expect(online).toBeNull();
  });

  it('createPayment records one payment on the invoice; the same key replays it', async () => {
    const { companyId, writes } = side(provider);
    const inv = openInvoice(fx.store, companyId);
    const before = count('payments', companyId);
    const key = randomUUID();
    const params = { key, invoiceExternalId: inv.id, amount: '12.34', date: today(companyId), reference: arcusReference(key, 'payment') };
    const doc = await writes().createPayment(params);
    expect(doc).toMatchObject({ type: 'payment', status: 'authorised', total: '12.34', remaining: '0.00', allocations: [{ invoiceExternalId: inv.id, amount: '12.34' }] });
    const again = await writes().createPayment(params);
    expect(again.externalId).toBe(doc.externalId);
    expect(count('payments', companyId)).toBe(before + 1);
    expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(inv.total - 1234);
    expect(fx.store.payment(companyId, doc.externalId).reference).toBe(provider === 'xero' ? params.reference : params.reference.slice(0, 21));
    expect(await writes().read('payment', doc.externalId)).toMatchObject({ total: '12.34', allocations: [{ invoiceExternalId: inv.id, amount: '12.34' }] });
  });

  it('createCreditNote: a crash between the credit note and its allocation ends with one credit note and one allocation', async () => {
    const { companyId, writes } = side(provider);
    const inv = openInvoice(fx.store, companyId);
    const notes = count('creditNotes', companyId);
    const payments = count('payments', companyId);
    const key = randomUUID();
    const params = {
      key,
      contactExternalId: inv.contactId,
      date: today(companyId),
      reference: arcusReference(key, 'goodwill'),
      currency: inv.currency,
      lines: [{ description: 'Goodwill credit', amount: '25.00' }],
      allocateTo: { invoiceExternalId: inv.id, amount: '25.00' },
    };
    // The credit note is created, then the next request (the allocation) meets a 500: a crash.
    const off = fx.store.onChange((c) => {
      if (c.companyId === companyId && c.entity === 'creditNote' && c.operation === 'Create') fx.server.sandbox.ctx.faults.add({ provider, companyId, kind: '5xx', remaining: 1, delayMs: 0, status: 500 });
    });
    const crashed = await rejection(writes().createCreditNote(params));
    off();
    expect(crashed.code).toBe('server');
    expect(count('creditNotes', companyId)).toBe(notes + 1);
    expect(fx.store.invoice(companyId, inv.id).amountCredited + fx.store.invoice(companyId, inv.id).amountPaid).toBe(0);

    const doc = await writes().createCreditNote(params);
    const replay = await writes().createCreditNote(params);
    expect(replay.externalId).toBe(doc.externalId);
    expect(count('creditNotes', companyId)).toBe(notes + 1);
    expect(doc).toMatchObject({ type: 'creditNote', total: '25.00', remaining: '0.00', allocations: [{ invoiceExternalId: inv.id, amount: '25.00' }] });
    expect(doc.reference).toBe(params.reference);
    expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(inv.total - 2500);
    if (provider === 'xero') {
      expect(fx.store.creditNote(companyId, doc.externalId).allocations).toHaveLength(1);
      expect(fx.store.creditNote(companyId, doc.externalId).lineAmountTypes).toBe('NoTax');
    } else {
      // One zero-amount payment links the memo and the invoice.
      expect(count('payments', companyId)).toBe(payments + 1);
      const link = fx.store.list('payments', companyId).at(-1)!;
      expect(link).toMatchObject({ amount: 0, allocations: [{ invoiceId: inv.id, amount: 2500 }], creditNoteLinks: [{ creditNoteId: doc.externalId, amount: 2500 }] });
    }
  });

  it('an allocation above the amount due is a validation LedgerError, and leaves no usable credit behind', async () => {
    const { companyId, writes } = side(provider);
    const inv = openInvoice(fx.store, companyId);
    const due = inv.amountDue;
    const key = randomUUID();
    const over = fromMinor(due + 100);
    const err = await rejection(
      writes().createCreditNote({
        key,
        contactExternalId: inv.contactId,
        date: today(companyId),
        reference: arcusReference(key, 'too much'),
        currency: inv.currency,
        lines: [{ description: 'Too much', amount: over }],
        allocateTo: { invoiceExternalId: inv.id, amount: over },
      }),
    );
    expect(err.code).toBe('validation');
    expect(err.message).toMatch(provider === 'xero' ? /exceeds the amount due/ : /overpaid|exceeds|more than/i);
    const left = fx.store.list('creditNotes', companyId).filter((c) => c.reference === arcusReference(key, 'too much'));
    expect(left.every((c) => c.status === 'VOIDED' || c.status === 'DELETED')).toBe(true);
    expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(due);
  });

  it('createInvoice, addInvoiceLines and voidDocument each change the ledger once; retries replay', async () => {
    const { companyId, writes } = side(provider);
    const template = openInvoice(fx.store, companyId);
    const invoices = count('invoices', companyId);
    const key = randomUUID();
    const params = {
      key,
      contactExternalId: template.contactId,
      date: today(companyId),
      dueDate: today(companyId),
      reference: arcusReference(key, 'late fee'),
      currency: template.currency,
      lines: [{ description: 'Late fee', amount: '15.00' }],
    };
    const created = await writes().createInvoice(params);
    expect((await writes().createInvoice(params)).externalId).toBe(created.externalId);
    expect(count('invoices', companyId)).toBe(invoices + 1);
    expect(created).toMatchObject({ type: 'invoice', status: 'authorised', total: '15.00', remaining: '15.00', reference: params.reference });
    const stored = fx.store.invoice(companyId, created.externalId);
    expect(stored.status).toBe('AUTHORISED');
    if (provider === 'xero') expect(stored.lineAmountTypes).toBe('NoTax');

    const lineKey = randomUUID();
    const lines = { key: lineKey, invoiceExternalId: created.externalId, lines: [{ description: 'Interest for June', amount: '1.05' }] };
    const grown = await writes().addInvoiceLines(lines);
    expect(grown.total).toBe('16.05');
    // A retry after a crash: the lines are there already, nothing is added twice.
    expect((await writes().addInvoiceLines(lines)).total).toBe('16.05');
    expect(fx.store.invoice(companyId, created.externalId).lines.map((l) => [l.description, l.lineAmount])).toEqual([
      ['Late fee', 1500],
      ['Interest for June', 105],
    ]);

    const voidKey = randomUUID();
    const voided = await writes().voidDocument({ key: voidKey, type: 'invoice', externalId: created.externalId });
    expect(voided.status).toBe('voided');
    expect((await writes().voidDocument({ key: voidKey, type: 'invoice', externalId: created.externalId })).status).toBe('voided');
    expect(fx.store.invoice(companyId, created.externalId).status).toBe('VOIDED');
  });

  it('createCreditNote with tax codes (decision 061): net and tax per line under the code, the untaxed line untaxed, written once; an invoice refuses a code', async () => {
    const { companyId, writes } = side(provider);
    const inv = openInvoice(fx.store, companyId);
    const before = count('creditNotes', companyId);
    const key = randomUUID();
    const code = provider === 'xero' ? 'OUTPUT2' : 'TAX';
    const params = {
      key,
      contactExternalId: inv.contactId,
      date: today(companyId),
      reference: arcusReference(key, 'cancellation'),
      currency: inv.currency,
      lines: [
        { description: 'Support, cancelled', amount: '100.01', taxCode: code, tax: '20.00' },
        { description: 'Setup, cancelled', amount: '7.26' },
      ],
      allocateTo: null,
    };
    const doc = await writes().createCreditNote(params);
    expect(doc.total).toBe('127.27');
    expect((await writes().createCreditNote(params)).externalId).toBe(doc.externalId);
    expect(count('creditNotes', companyId)).toBe(before + 1);
    const cn = fx.store.creditNote(companyId, doc.externalId);
    expect(cn.totalTax).toBe(2_000);
    expect(cn.lines.map((l) => [l.lineAmount, l.taxAmount, l.taxType ?? null])).toEqual([
      [10_001, 2_000, code],
      [726, 0, provider === 'xero' ? 'NONE' : null],
    ]);
    if (provider === 'xero') expect(cn.lineAmountTypes).toBe('Exclusive');
    // Without codes the credit note is as before: whole amounts, no tax.
    const plainKey = randomUUID();
    const plain = await writes().createCreditNote({ ...params, key: plainKey, reference: arcusReference(plainKey, 'discount'), lines: [{ description: 'Goodwill', amount: '5.00' }] });
    const p = fx.store.creditNote(companyId, plain.externalId);
    expect([p.total, p.totalTax, p.lines[0]!.taxType ?? null]).toEqual([500, 0, null]);
    // Invoices Arcus writes carry no tax: a code there is refused before any call.
    const err = await rejection(writes().createInvoice({ key: randomUUID(), contactExternalId: inv.contactId, date: today(companyId), dueDate: today(companyId), reference: 'Arcus test', currency: inv.currency, lines: [{ description: 'Fee', amount: '5.00', taxCode: code, tax: '1.00' }] }));
    expect(err).toMatchObject({ code: 'validation' });
  });

  it('voidDocument removes a payment and a credit note (allocations first), reopening the invoice', async () => {
    const { companyId, writes } = side(provider);
    const inv = openInvoice(fx.store, companyId);
    const key = randomUUID();
    const payment = await writes().createPayment({ key, invoiceExternalId: inv.id, amount: '10.00', date: today(companyId), reference: 'Arcus test' });
    const cnKey = randomUUID();
    const credit = await writes().createCreditNote({
      key: cnKey,
      contactExternalId: inv.contactId,
      date: today(companyId),
      reference: arcusReference(cnKey, 'discount'),
      currency: inv.currency,
      lines: [{ description: 'Early payment discount', amount: '5.00' }],
      allocateTo: { invoiceExternalId: inv.id, amount: '5.00' },
    });
    expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(inv.total - 1500);

    const delKey = randomUUID();
    const deleted = await writes().voidDocument({ key: delKey, type: 'payment', externalId: payment.externalId });
    expect(deleted.status).toBe('deleted');
    await writes().voidDocument({ key: delKey, type: 'payment', externalId: payment.externalId });
    expect(fx.store.payment(companyId, payment.externalId).status).toBe('DELETED');

    const voidKey = randomUUID();
    const gone = await writes().voidDocument({ key: voidKey, type: 'creditNote', externalId: credit.externalId });
    expect(gone.status).toBe(provider === 'xero' ? 'voided' : 'deleted');
    await writes().voidDocument({ key: voidKey, type: 'creditNote', externalId: credit.externalId });
    const cn = fx.store.creditNote(companyId, credit.externalId);
    expect(cn.status).toBe(provider === 'xero' ? 'VOIDED' : 'DELETED');
    expect(cn.allocations).toHaveLength(0);
    expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(inv.total);
    if (provider === 'quickbooks') {
      // The zero-amount payment that linked the memo was deleted first.
      expect(fx.store.list('payments', companyId).filter((p) => p.creditNoteLinks.some((l) => l.creditNoteId === credit.externalId) && p.status !== 'DELETED')).toHaveLength(0);
      expect(await writes().read('creditNote', credit.externalId)).toBeNull();
    } else {
      expect(await writes().read('creditNote', credit.externalId)).toMatchObject({ status: 'voided', allocations: [], remaining: '0.00' });
    }
  });
});

describe('Xero specifics', () => {
  it('a payment goes into the first BANK account from GET Accounts', async () => {
    const w = fx.xero.writes();
    const inv = openInvoice(fx.store, fx.xero.companyId);
    const doc = await w.createPayment({ key: randomUUID(), invoiceExternalId: inv.id, amount: '1.00', date: today(fx.xero.companyId), reference: 'bank' });
    await w.createPayment({ key: randomUUID(), invoiceExternalId: inv.id, amount: '1.00', date: today(fx.xero.companyId), reference: 'bank 2' });
    // GET Accounts once (cached), then two PUT Payments.
    expect(w.calls).toBe(3);
    expect(paymentAccount(fx.store.payment(fx.xero.companyId, doc.externalId)).Code).toBe('090');
  });
});

describe('QuickBooks specifics', () => {
  it('a stale SyncToken is re-read and retried once; a second 5010 is LedgerError stale_object', async () => {
    const { companyId, writes } = fx.qbo;
    const inv = openInvoice(fx.store, companyId);
    const total = inv.total;
    const once = bumpAfterRead(fx, inv.id, 1);
    const grown = await writes().addInvoiceLines({ key: randomUUID(), invoiceExternalId: inv.id, lines: [{ description: 'Late fee', amount: '7.50' }] });
    once.stop();
    expect(once.bumps()).toBe(1);
    expect(toMinor(grown.total)).toBe(total + 750);
    expect(fx.store.invoice(companyId, inv.id).lines.filter((l) => l.description === 'Late fee')).toHaveLength(1);
    expect(fx.store.writes.filter((x) => x.companyId === companyId && x.status === 400 && /5010/.test(x.summary))).toHaveLength(1);

    const inv2 = openInvoice(fx.store, companyId);
    const twice = bumpAfterRead(fx, inv2.id, 2);
    const w = writes();
    const err = await rejection(w.setPayLink({ key: randomUUID(), invoiceExternalId: inv2.id, url: 'https://arcus.test/pay/x' }));
    twice.stop();
    expect(err.code).toBe('stale_object');
    expect(w.calls).toBe(4);
    expect(fx.store.invoice(companyId, inv2.id).customerMemo).not.toContain('arcus.test');
  });

  it('the pay link replaces an earlier one and keeps the memo within 1000 characters', async () => {
    const { companyId, writes } = fx.qbo;
    const inv = openInvoice(fx.store, companyId);
    fx.store.updateInvoice(companyId, inv.id, { customerMemo: 'x'.repeat(990) });
    await writes().setPayLink({ key: randomUUID(), invoiceExternalId: inv.id, url: 'https://arcus.test/pay/a' });
    await writes().setPayLink({ key: randomUUID(), invoiceExternalId: inv.id, url: 'https://arcus.test/pay/b' });
    const memo = fx.store.invoice(companyId, inv.id).customerMemo;
    expect(memo.length).toBeLessThanOrEqual(1000);
    expect(memo.split('\n').filter((l) => l.startsWith('Pay online: '))).toEqual(['Pay online: https://arcus.test/pay/b']);
  });
});
