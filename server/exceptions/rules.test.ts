/** Payment exceptions (rules.ts). */
import { describe, expect, it } from 'vitest';
import { allocationAmount, type CreditFact, findExceptions, type PaymentFact } from './rules';

const words = (m: number, c: string) => `${c} ${(m / 100).toFixed(2)}`;
const dayWords = (d: string) => d;
const pay = (p: Partial<PaymentFact>): PaymentFact => ({ id: 'p', externalId: 'x', contactExternalId: 'c1', date: '2026-11-01', currency: 'GBP', amount: 100_00, reference: '', allocations: [{ invoiceExternalId: 'i1', invoiceNumber: 'INV-1', invoiceStatus: 'paid', amount: 100_00 }], unapplied: 0, ...p });
const run = (payments: PaymentFact[], credits: CreditFact[] = [], today = '2026-12-01') => findExceptions({ payments, credits, disputes: [], today, words, dayWords });

describe('duplicates', () => {
  it('the same amount from the same customer within N days: the later one', () => {
    const found = run([pay({ id: 'a', externalId: 'a', date: '2026-11-01' }), pay({ id: 'b', externalId: 'b', date: '2026-11-08' })]);
    expect(found.map((e) => e.key)).toEqual(['duplicate:b']);
    expect(found[0]!.detail).toBe('GBP 100.00 received on 2026-11-08, the same amount as a payment on 2026-11-01.');
  });
  it('not past N days, nor another customer, currency or amount', () => {
    expect(run([pay({ id: 'a', date: '2026-11-01' }), pay({ id: 'b', date: '2026-11-09' })])).toEqual([]);
    expect(run([pay({ id: 'a' }), pay({ id: 'b', contactExternalId: 'c2' })])).toEqual([]);
    expect(run([pay({ id: 'a' }), pay({ id: 'b', currency: 'EUR' })])).toEqual([]);
    expect(run([pay({ id: 'a' }), pay({ id: 'b', amount: 100_01 })])).toEqual([]);
  });
});

describe('overpaid, unapplied, voided', () => {
  it('a payment on a voided invoice', () => {
    const [e] = run([pay({ id: 'v', allocations: [{ invoiceExternalId: 'i9', invoiceNumber: 'INV-9', invoiceStatus: 'voided', amount: 40_00 }] })]);
    expect(e).toMatchObject({ key: 'voided_invoice:v', amount: 40_00, actions: ['keep_credit'] });
    expect(e!.detail).toContain('invoice INV-9, which is voided');
  });
  it('a QuickBooks payment paying more than its invoices is overpaid at once; applied to nothing, unapplied after N days', () => {
    expect(run([pay({ id: 'o', amount: 150_00, unapplied: 50_00 })], [], '2026-11-02').map((e) => [e.key, e.amount])).toEqual([['overpaid:o', 50_00]]);
    expect(run([pay({ id: 'u', allocations: [], unapplied: 100_00 })], [], '2026-11-15')).toEqual([]);
    expect(run([pay({ id: 'u', allocations: [], unapplied: 100_00 })], [], '2026-11-16').map((e) => e.key)).toEqual(['unapplied:u']);
  });
  it('a Xero overpayment with credit left is overpaid and can be applied; a prepayment once older than N days', () => {
    const credit: CreditFact = { id: 'x', externalId: 'X1', kind: 'overpayment', contactExternalId: 'c1', date: '2026-11-20', currency: 'GBP', total: 30_00, remaining: 30_00, reference: '' };
    expect(run([], [credit])[0]).toMatchObject({ key: 'overpaid:x', actions: ['apply', 'keep_credit'], source: { type: 'overpayment', externalId: 'X1' } });
    expect(run([], [{ ...credit, remaining: 0 }])).toEqual([]);
    expect(run([], [{ ...credit, kind: 'prepayment' }])).toEqual([]);
    expect(run([], [{ ...credit, kind: 'prepayment', date: '2026-11-01' }]).map((e) => e.key)).toEqual(['unapplied:x']);
  });
});

describe('credit to apply or keep', () => {
  it('a credit note with unallocated credit is listed at once, to apply or keep; one fully allocated is not', () => {
    const note: CreditFact = { id: 'n', externalId: 'CN1', kind: 'creditNote', contactExternalId: 'c1', date: '2026-12-01', currency: 'GBP', total: 95_83, remaining: 63_83, reference: 'CN-0042' };
    const [e] = run([], [note], '2026-12-01');
    expect(e).toMatchObject({ key: 'unallocated_credit:n', kind: 'unallocated_credit', amount: 63_83, actions: ['apply', 'keep_credit'], source: { type: 'creditNote', externalId: 'CN1' } });
    expect(e!.detail).toBe('Credit note CN-0042 of GBP 95.83 dated 2026-12-01: GBP 63.83 is the customer’s credit, not applied to any invoice — apply it to an open invoice or keep it as credit.');
    expect(run([], [{ ...note, remaining: 0 }])).toEqual([]);
  });
});

describe('allocationAmount', () => {
  it('never more than the credit left or the invoice owes', () => {
    expect(allocationAmount(30_00, 100_00, null)).toBe(30_00);
    expect(allocationAmount(30_00, 20_00, null)).toBe(20_00);
    expect(allocationAmount(30_00, 100_00, 10_00)).toBe(10_00);
    expect(allocationAmount(30_00, 100_00, 50_00)).toBe(30_00);
  });
});
