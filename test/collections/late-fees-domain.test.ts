import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessLateFees, type ChargedFee, chargeableBands, interestMonths, type LateFeeRules, monthLabel } from '../../server/domain/collections/lateFees';
import { divHalfUp, percentOf, simpleInterest, toBasisPoints } from '../../server/domain/collections/rates';
import { addDays } from '../../kernel/dates';

const base: LateFeeRules = { kind: 'flat', flat: 2500, percent: '0', annualRatePct: '0', graceDays: 7, minimum: 0, cap: null, period: 'once', minimumInvoiceDue: 0 };
const inv = { amountDue: 125_000, dueDate: '2026-10-01' };

describe('rates', () => {
  it('rounds half-up with bigint', () => {
    expect(divHalfUp(5n, 2n)).toBe(3n);
    expect(divHalfUp(-5n, 2n)).toBe(-3n);
    expect(divHalfUp(4n, 3n)).toBe(1n);
    expect(percentOf(12345, '2')).toBe(247); // 246.9
    expect(percentOf(125, '2')).toBe(3); // 2.5 → 3 (half-up, not half-even)
    expect(percentOf(100, '2.5')).toBe(3);
    expect(simpleInterest(100_000, '8', 365)).toBe(8000);
    expect(simpleInterest(125_000, '8', 30)).toBe(822); // 821.9178
    expect(toBasisPoints('2.5')).toBe(250);
    expect(() => toBasisPoints('2.555')).toThrow(/basis point/);
    expect(() => percentOf(100, '-1')).toThrow();
  });

  it('percentOf is exact: equal to the rational value rounded half-up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 10_000 }), (units, bp) => {
        const pct = `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}`;
        const exact = BigInt(units) * BigInt(bp); // ×1/10000
        const floor = exact / 10000n;
        const rem = exact % 10000n;
        expect(BigInt(percentOf(units, pct))).toBe(rem * 2n >= 10000n ? floor + 1n : floor);
      }),
    );
  });
});

describe('late fees: once', () => {
  it('nothing before the due date or inside the grace', () => {
    expect(assessLateFees(inv, base, '2026-10-01', []).skipped).toBe('not_overdue');
    expect(assessLateFees(inv, base, '2026-10-08', []).skipped).toBe('in_grace');
    const r = assessLateFees(inv, base, '2026-10-09', []);
    expect(r.fees).toEqual([{ periodKey: 'once', amount: 2500, purpose: 'late_fee', label: 'Oct 2026', basis: 125_000 }]);
  });

  it('never twice for the same period', () => {
    expect(assessLateFees(inv, base, '2026-12-31', [{ periodKey: 'once', amount: 2500 }]).fees).toEqual([]);
    expect(assessLateFees(inv, base, '2026-12-31', [{ periodKey: 'once', amount: 0 }]).skipped).toBe('nothing_due');
  });

  it('percentage of the amount due, raised to the minimum, under the minimum invoice due', () => {
    const pct: LateFeeRules = { ...base, kind: 'percentage', percent: '1.5', minimum: 2000 };
    expect(assessLateFees({ ...inv, amountDue: 300_000 }, pct, '2026-11-01', []).fees[0]!.amount).toBe(4500);
    expect(assessLateFees({ ...inv, amountDue: 100_000 }, pct, '2026-11-01', []).fees[0]!.amount).toBe(2000);
    expect(assessLateFees({ ...inv, amountDue: 999 }, { ...pct, minimumInvoiceDue: 1000 }, '2026-11-01', []).skipped).toBe('below_minimum_due');
    expect(assessLateFees({ ...inv, amountDue: 0 }, pct, '2026-11-01', []).skipped).toBe('below_minimum_due');
  });

  it('cuts the last fee to the cap and stops at it', () => {
    const capped = { ...base, cap: 3000 };
    expect(assessLateFees(inv, capped, '2026-11-01', [{ periodKey: 'x', amount: 1000 }]).fees[0]).toMatchObject({ amount: 2000, uncapped: 2500 });
    expect(assessLateFees(inv, capped, '2026-11-01', [{ periodKey: 'x', amount: 3000 }]).skipped).toBe('cap_reached');
  });
});

describe('late fees: monthly bands', () => {
  it('bands of 30 days past the due date, a long grace skipping the bands inside it', () => {
    expect(chargeableBands(8, 7).map((b) => b.key)).toEqual(['d0-30']);
    expect(chargeableBands(30, 7).map((b) => b.key)).toEqual(['d0-30']);
    expect(chargeableBands(31, 7).map((b) => b.key)).toEqual(['d0-30', 'd30-60']);
    expect(chargeableBands(46, 45).map((b) => b.key)).toEqual(['d30-60']);
    expect(chargeableBands(60, 60)).toEqual([]);
    expect(chargeableBands(61, 60).map((b) => b.key)).toEqual(['d60-90']);
    expect(chargeableBands(31, 7)[1]!.label).toBe('31–60 days overdue');
  });

  it('charges each band once, catching up missed runs', () => {
    const monthly = { ...base, period: 'monthly' as const };
    const day95 = addDays(inv.dueDate, 95);
    const r = assessLateFees(inv, monthly, day95, [{ periodKey: 'd0-30', amount: 2500 }]);
    expect(r.fees.map((f) => f.periodKey)).toEqual(['d30-60', 'd60-90', 'd90-120']);
    expect(assessLateFees(inv, { ...monthly, cap: 6000 }, day95, [{ periodKey: 'd0-30', amount: 2500 }]).fees.map((f) => f.amount)).toEqual([2500, 1000]);
  });
});

describe('interest at an annual rate', () => {
  const rate: LateFeeRules = { ...base, kind: 'annual_rate', annualRatePct: '8', graceDays: 0 };

  it('months completed before this month, accrued from the day after the due date', () => {
    expect(interestMonths('2026-10-15', '2026-12-02')).toEqual([
      { key: '2026-10', from: '2026-10-16', to: '2026-10-31', days: 16 },
      { key: '2026-11', from: '2026-11-01', to: '2026-11-30', days: 30 },
    ]);
    expect(interestMonths('2026-10-31', '2026-11-30')).toEqual([]);
    expect(interestMonths('2026-10-30', '2026-11-01')).toEqual([{ key: '2026-10', from: '2026-10-31', to: '2026-10-31', days: 1 }]);
  });

  it('charges each completed month once with ACT/365 simple interest', () => {
    const r = assessLateFees({ amountDue: 125_000, dueDate: '2026-10-15' }, rate, '2026-12-02', [{ periodKey: '2026-10', amount: 438 }]);
    expect(r.fees).toEqual([{ periodKey: '2026-11', amount: 822, purpose: 'interest', label: 'Nov 2026', basis: 125_000, days: 30 }]);
    expect(monthLabel('2026-11')).toBe('Nov 2026');
  });

  it('waits for the grace before charging, then charges from the due date', () => {
    const graced = { ...rate, graceDays: 20 };
    expect(assessLateFees({ amountDue: 125_000, dueDate: '2026-10-25' }, graced, '2026-11-10', []).skipped).toBe('in_grace');
    const r = assessLateFees({ amountDue: 125_000, dueDate: '2026-10-25' }, graced, '2026-11-15', []);
    expect(r.fees).toEqual([expect.objectContaining({ periodKey: '2026-10', days: 6, amount: simpleInterest(125_000, '8', 6) })]);
  });
});

describe('late-fee properties', () => {
  const rulesArb = fc.record({
    kind: fc.constantFrom('flat' as const, 'percentage' as const, 'annual_rate' as const),
    flat: fc.integer({ min: 0, max: 10_000 }),
    percent: fc.constantFrom('0', '1', '1.5', '2', '10'),
    annualRatePct: fc.constantFrom('0', '4', '8.25', '24'),
    graceDays: fc.integer({ min: 0, max: 90 }),
    minimum: fc.integer({ min: 0, max: 5000 }),
    cap: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null }),
    period: fc.constantFrom('once' as const, 'monthly' as const),
    minimumInvoiceDue: fc.integer({ min: 0, max: 10_000 }),
  });

  it('never exceeds the cap, never repeats a period, and running daily equals running once', () => {
    fc.assert(
      fc.property(rulesArb, fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 400 }), (rules, amountDue, days) => {
        const invoice = { amountDue, dueDate: '2026-01-20' };
        const end = addDays(invoice.dueDate, days);
        // Daily assessments, each charging what is due.
        const daily: ChargedFee[] = [];
        for (let d = 0; d <= days; d += 1 + (days > 100 ? 6 : 0)) {
          for (const f of assessLateFees(invoice, rules, addDays(invoice.dueDate, d), daily).fees) daily.push({ periodKey: f.periodKey, amount: f.amount });
        }
        for (const f of assessLateFees(invoice, rules, end, daily).fees) daily.push({ periodKey: f.periodKey, amount: f.amount });
        const keys = daily.map((f) => f.periodKey);
        expect(new Set(keys).size).toBe(keys.length);
        const total = daily.reduce((s, f) => s + f.amount, 0);
        if (rules.cap !== null) expect(total).toBeLessThanOrEqual(rules.cap);
        for (const f of daily) expect(f.amount).toBeGreaterThan(0);
        // Afterwards nothing more is due for the same day.
        expect(assessLateFees(invoice, rules, end, daily).fees).toEqual([]);
        // One catch-up run charges the same periods.
        const once = assessLateFees(invoice, rules, end, []).fees.map((f) => f.periodKey);
        if (rules.kind !== 'annual_rate' || rules.cap === null) expect(new Set(once)).toEqual(new Set(keys));
      }),
      { numRuns: 150 },
    );
  });
});
