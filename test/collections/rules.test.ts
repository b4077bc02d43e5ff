/** The collection services' pure rules: amounts, words for notes and references, source keys, late-fee rules, plan summaries. */
import { describe, expect, it } from 'vitest';
import { schedule } from '../../server/domain/collections/plans';
import { DEFAULT_POLICY } from '../../server/collections/policy';
import { dayText, decimal, discountSourceKey, feeSourceKey, forgiveSourceKey, invoiceName, minor, money, planSummary, rulesOf } from '../../server/collections/rules';

describe('collections rules', () => {
  it('reads ledger amounts as cents, rounding sub-cent digits half up, and writes them back with 2 places', () => {
    expect(minor('1250.5')).toBe(125_050);
    expect(minor('10.005')).toBe(1_001);
    expect(minor('10.0049')).toBe(1_000);
    expect(decimal(125_050)).toBe('1250.50');
    expect(decimal(-5)).toBe('-0.05');
  });

  it('writes money with a symbol or the currency code, grouped, and dates as day month year', () => {
    expect(money(125_000, 'GBP')).toBe('£1,250.00');
    expect(money(123_456_789, 'USD')).toBe('$1,234,567.89');
    expect(money(-2_550, 'NZD')).toBe('-NZ$25.50');
    expect(money(125_000, 'CHF')).toBe('CHF 1,250.00');
    expect(dayText('2026-12-01')).toBe('1 Dec 2026');
    expect(dayText('2027-01-31')).toBe('31 Jan 2027');
    expect(invoiceName({ number: 'INV-7', externalId: 'x-1' })).toBe('INV-7');
    expect(invoiceName({ number: '', externalId: 'x-1' })).toBe('x-1');
  });

  it('keys one write-back per fee period, per forgiven fee and per discount offer', () => {
    expect(feeSourceKey('inv-1', '2026-11')).toBe('late_fee:inv-1:2026-11');
    expect(feeSourceKey('inv-1', '2026-12')).not.toBe(feeSourceKey('inv-1', '2026-11'));
    expect(forgiveSourceKey('wb-1')).toBe('fee_reversal:wb-1');
    expect(discountSourceKey('offer-1')).toBe('discount:offer-1');
  });

  it('turns a policy into late-fee rules in minor units', () => {
    const p = { ...DEFAULT_POLICY.lateFees, amount: '25.50', minimum: '1', cap: '100.00', minimumInvoiceDue: '0.5' };
    expect(rulesOf(p)).toEqual({ kind: p.kind, flat: 2_550, percent: p.percent, annualRatePct: p.annualRatePct, graceDays: p.graceDays, minimum: 100, cap: 10_000, period: p.period, minimumInvoiceDue: 50 });
    expect(rulesOf({ ...p, cap: null }).cap).toBeNull();
  });

  it('summarises a schedule, naming a different last instalment', () => {
    const even = schedule({ total: 30_000, start: '2026-12-01', frequency: 'monthly', count: 3 });
    expect(planSummary(even, 'monthly', 'GBP')).toBe('Payment plan agreed: 3 monthly instalments of £100.00 from 1 Dec 2026');
    const uneven = schedule({ total: 25_000, start: '2026-12-01', frequency: 'weekly', instalmentAmount: 10_000 });
    expect(planSummary(uneven, 'weekly', 'EUR')).toBe('Payment plan agreed: 3 weekly instalments of €100.00 (the last €50.00) from 1 Dec 2026');
    const one = schedule({ total: 5_000, start: '2026-12-01', frequency: 'weekly', count: 1 });
    expect(planSummary(one, 'weekly', 'USD')).toBe('Payment plan agreed: 1 instalment of $50.00 from 1 Dec 2026');
  });
});
