/** Statements and the billing ledger (core.ts), hand-computed. */
import { describe, expect, it } from 'vitest';
import { activityStatement, agingBucket, billingLedger, openItemsStatement, type StatementInput } from './core';

const input: StatementInput = {
  currency: 'GBP',
  invoices: [
    { externalId: 'i1', number: 'INV-1', reference: '', issueDate: '2026-09-01', dueDate: '2026-09-30', total: 100_00, isFee: false, deposit: 0, settlements: [{ date: '2026-10-05', amount: 100_00 }] },
    { externalId: 'i2', number: 'INV-2', reference: 'PO 7', issueDate: '2026-10-10', dueDate: '2026-11-09', total: 250_00, isFee: false, deposit: 0, settlements: [{ date: '2026-11-20', amount: 50_00 }] },
    { externalId: 'i3', number: 'INV-3', reference: '', issueDate: '2026-11-15', dueDate: '2026-11-15', total: 12_50, isFee: true, deposit: 2_50, settlements: [{ date: '2026-11-15', amount: 2_50 }] },
  ],
  credits: [
    { kind: 'payment', externalId: 'p1', number: '', reference: 'BACS 1', date: '2026-10-05', amount: 100_00, allocations: [{ date: '2026-10-05', amount: 100_00 }], refunds: [] },
    { kind: 'credit', externalId: 'c1', number: 'CN-1', reference: '', date: '2026-11-20', amount: 80_00, allocations: [{ date: '2026-11-20', amount: 50_00 }], refunds: [{ date: '2026-11-25', amount: 10_00 }] },
  ],
};

describe('billing ledger', () => {
  it('runs the balance over every movement, oldest first', () => {
    const lines = billingLedger(input);
    expect(lines.map((l) => [l.date, l.kind, l.document, l.debit, l.credit, l.balance])).toEqual([
      ['2026-09-01', 'invoice', 'INV-1', 100_00, 0, 100_00],
      ['2026-10-05', 'payment', 'BACS 1', 0, 100_00, 0],
      ['2026-10-10', 'invoice', 'INV-2', 250_00, 0, 250_00],
      ['2026-11-15', 'fee', 'INV-3', 12_50, 0, 262_50],
      ['2026-11-15', 'deposit', 'INV-3', 0, 2_50, 260_00],
      ['2026-11-20', 'credit', 'CN-1', 0, 80_00, 180_00],
      ['2026-11-25', 'refund', 'CN-1', 10_00, 0, 190_00],
    ]);
  });
});

describe('activity statement', () => {
  it('brings the balance forward and carries it', () => {
    const s = activityStatement(input, '2026-11-01', '2026-11-30');
    expect(s.opening).toBe(250_00);
    expect(s.lines.map((l) => l.document)).toEqual(['INV-3', 'INV-3', 'CN-1', 'CN-1']);
    expect([s.debits, s.credits, s.closing]).toEqual([22_50, 82_50, 190_00]);
  });
  it('a period with nothing in it carries the opening balance', () => {
    const s = activityStatement(input, '2026-12-01', '2026-12-31');
    expect([s.opening, s.lines.length, s.closing]).toEqual([190_00, 0, 190_00]);
  });
});

describe('open items', () => {
  it('lists what was open on the day, credit left as negative, and the aging', () => {
    const s = openItemsStatement(input, '2026-12-01');
    expect(s.items.map((i) => [i.document, i.open, i.bucket])).toEqual([
      ['INV-2', 200_00, '1_30'],
      ['INV-3', 10_00, '1_30'],
      ['CN-1', -20_00, null],
    ]);
    expect(s.aging).toEqual({ current: 0, '1_30': 210_00, '31_60': 0, '61_90': 0, over_90: 0 });
    expect([s.unapplied, s.closing]).toEqual([-20_00, 190_00]);
    // The same closing balance as the ledger's running balance.
    expect(s.closing).toBe(billingLedger(input).at(-1)!.balance);
  });
  it('as of an earlier day, settlements after it do not count', () => {
    const s = openItemsStatement(input, '2026-10-31');
    expect(s.items.map((i) => [i.document, i.open, i.bucket])).toEqual([['INV-2', 250_00, 'current']]);
    expect(s.closing).toBe(activityStatement(input, '2026-01-01', '2026-10-31').closing);
  });
  it('buckets by days past the due date', () => {
    expect(agingBucket('2026-11-30', '2026-11-01', '2026-11-30')).toBe('current');
    expect(agingBucket('2026-11-30', '2026-11-01', '2026-12-30')).toBe('1_30');
    expect(agingBucket('2026-11-30', '2026-11-01', '2026-12-31')).toBe('31_60');
    expect(agingBucket(null, '2026-01-01', '2026-12-31')).toBe('over_90');
  });
});
