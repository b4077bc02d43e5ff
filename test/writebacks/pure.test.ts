/**
 * The write-back engine's pure parts: prorating a cancellation credit exactly, the approval
 * threshold rule, a staff credit's amount, and confirming a document from what the ledger reads back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerDocument } from '../../integrations/ledger/writes';
import { addDays } from '../../kernel/dates';
import { ProrationError, prorateCredit } from '../../server/domain/proration';
import { confirmationProblem } from '../../server/writebacks/confirm';
import { creditAmount, needsApproval } from '../../server/writebacks/rules';

const doc = (over: Partial<LedgerDocument>): LedgerDocument => ({ type: 'creditNote', externalId: 'cn-1', number: 'CN-1', reference: '', status: 'authorised', total: '0', remaining: '0', allocations: [], ...over });

describe('prorateCredit', () => {
  it('credits the undelivered days, rounded half up, and never more than the total', () => {
    expect(prorateCredit(50_000, { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-11-21' })).toBe(16_667);
    expect(prorateCredit(50_000, { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-11-01' })).toBe(50_000);
    expect(prorateCredit(50_000, { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-11-30' })).toBe(1_667);
    expect(() => prorateCredit(100, { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-10-31' })).toThrow(ProrationError);
    expect(() => prorateCredit(100, { serviceStart: '2026-11-30', serviceEnd: '2026-11-01', cancelFrom: '2026-11-15' })).toThrow(ProrationError);
  });

  it('credit + delivered share = total within a cent, for any period', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000_00 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 399 }), (total, days, cut) => {
        const start = '2026-01-01';
        const cancelFrom = addDays(start, cut % days);
        const credit = prorateCredit(total, { serviceStart: start, serviceEnd: addDays(start, days - 1), cancelFrom });
        const undelivered = days - (cut % days);
        // |credit − total × undelivered / days| ≤ ½ cent, checked in integers
        expect(Math.abs(credit * days - total * undelivered) * 2).toBeLessThanOrEqual(days);
        expect(credit).toBeLessThanOrEqual(total);
      }),
    );
  });
});

describe('needsApproval', () => {
  const usd = (amount: string) => ({ amount, currency: 'USD' });
  it('holds money moved above the threshold, never a debtor payment, a link or a note', () => {
    expect(needsApproval({ kind: 'credit_note', amount: '100.01', currency: 'USD', requestedBy: 'user' }, usd('100.00'), null)).toEqual({ needed: true, why: 'above_threshold' });
    expect(needsApproval({ kind: 'credit_note', amount: '100.00', currency: 'USD', requestedBy: 'user' }, usd('100'), null)).toEqual({ needed: false });
    expect(needsApproval({ kind: 'late_fee', amount: '250.00', currency: 'USD', requestedBy: 'system' }, usd('100'), null)).toEqual({ needed: true, why: 'above_threshold' });
    expect(needsApproval({ kind: 'payment', amount: '9999.00', currency: 'USD', requestedBy: 'debtor' }, usd('100'), null)).toEqual({ needed: false });
    expect(needsApproval({ kind: 'pay_link', amount: null, currency: null, requestedBy: 'system' }, usd('0'), null)).toEqual({ needed: false });
    expect(needsApproval({ kind: 'credit_note', amount: '1000000.00', currency: 'USD', requestedBy: 'user' }, null, null)).toEqual({ needed: false });
  });
  it('compares other currencies in the reporting currency, and holds them when no rate is set', () => {
    // GBP 80 at 1.27 = USD 101.60 > 100; GBP 78 = USD 99.06
    expect(needsApproval({ kind: 'credit_note', amount: '80.00', currency: 'GBP', requestedBy: 'user' }, usd('100'), '1.2700')).toEqual({ needed: true, why: 'above_threshold' });
    expect(needsApproval({ kind: 'credit_note', amount: '78.00', currency: 'GBP', requestedBy: 'user' }, usd('100'), '1.2700')).toEqual({ needed: false });
    expect(needsApproval({ kind: 'credit_note', amount: '1.00', currency: 'NZD', requestedBy: 'user' }, usd('100'), null)).toEqual({ needed: true, why: 'no_rate' });
  });
});

describe('confirmationProblem', () => {
  const credit = { contactExternalId: 'c', date: '2026-11-22', reference: 'r', currency: 'GBP', lines: [{ description: 'a', amount: '10.00' }, { description: 'b', amount: '2.50' }], allocateTo: { invoiceExternalId: 'inv-1', amount: '12.50' } };
  it('confirms a credit note with its total and allocation, and says what differs', () => {
    expect(confirmationProblem('credit_note', credit, doc({ total: '12.5000', allocations: [{ invoiceExternalId: 'inv-1', amount: '12.50' }] }))).toBeNull();
    expect(confirmationProblem('credit_note', credit, doc({ total: '12.50', allocations: [] }))).toBe('the credit is not allocated to the invoice for 12.50');
    expect(confirmationProblem('credit_note', credit, doc({ total: '12.49', allocations: [{ invoiceExternalId: 'inv-1', amount: '12.50' }] }))).toBe('the credit note reads back as 12.49, not 12.50');
    expect(confirmationProblem('credit_note', credit, null)).toBe('the ledger does not show the document');
  });
  it('confirms payments, voids and pay links', () => {
    const pay = { invoiceExternalId: 'inv-1', amount: '5.00', date: '2026-11-22', reference: 'x' };
    expect(confirmationProblem('payment', pay, doc({ type: 'payment', total: '5.00', allocations: [{ invoiceExternalId: 'inv-1', amount: '5.00' }] }))).toBeNull();
    expect(confirmationProblem('payment', pay, doc({ type: 'payment', total: '5.00', allocations: [{ invoiceExternalId: 'inv-2', amount: '5.00' }] }))).toBe('the payment is not applied to the invoice');
    expect(confirmationProblem('void', { type: 'creditNote', externalId: 'cn-1' }, doc({ status: 'voided' }))).toBeNull();
    expect(confirmationProblem('void', { type: 'creditNote', externalId: 'cn-1' }, null)).toBeNull();
    expect(confirmationProblem('void', { type: 'invoice', externalId: 'i' }, doc({ type: 'invoice', status: 'authorised' }))).toBe('the document is still authorised');
    expect(confirmationProblem('pay_link', { url: 'https://a.test/pay/t' }, doc({ type: 'invoice', url: 'https://a.test/pay/t' }))).toBeNull();
    expect(confirmationProblem('pay_link', { url: 'https://a.test/pay/t' }, doc({ type: 'invoice', url: null }))).toBe('the invoice does not show the pay link');
  });
});

describe('creditAmount', () => {
  const invoice = { total: '500.00', amountDue: '320.10' };
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return undefined;
  };
  it('credits the whole amount due, an amount, or the prorated undelivered share of the total, in cents', () => {
    expect(creditAmount({ full: true }, invoice)).toBe(32_010);
    expect(creditAmount({ amount: '0.01' }, invoice)).toBe(1);
    expect(creditAmount({ amount: '320.10' }, invoice)).toBe(32_010);
    // 10 of 30 days undelivered: 500.00 × 10 / 30 = 166.666… → 166.67
    expect(creditAmount({ proration: { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-11-21' } }, invoice)).toBe(16_667);
  });
  it('refuses a credit above what is still owed, one of nothing, a bad period and sub-cent invoices', () => {
    expect(codeOf(() => creditAmount({ amount: '320.11' }, invoice))).toBe('credit_exceeds_due');
    expect(codeOf(() => creditAmount({ proration: { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-11-01' } }, invoice))).toBe('credit_exceeds_due');
    expect(codeOf(() => creditAmount({ full: true }, { total: '10.00', amountDue: '0.00' }))).toBe('nothing_to_credit');
    expect(codeOf(() => creditAmount({ proration: { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-12-01' } }, invoice))).toBe('invalid_input');
    expect(codeOf(() => creditAmount({}, invoice))).toBe('invalid_input');
    expect(codeOf(() => creditAmount({ full: true }, { total: '10.005', amountDue: '10.005' }))).toBe('unsupported_precision');
  });
});
