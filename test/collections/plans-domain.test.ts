import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocatePayments, instalmentDates, planStatus, schedule, splitLast } from '../../server/domain/collections/plans';

describe('plan schedules', () => {
  it('weekly, fortnightly and monthly dates; monthly keeps the day, clamped to the month end', () => {
    expect(instalmentDates('2026-12-01', 'weekly', 3)).toEqual(['2026-12-01', '2026-12-08', '2026-12-15']);
    expect(instalmentDates('2026-12-28', 'fortnightly', 3)).toEqual(['2026-12-28', '2027-01-11', '2027-01-25']);
    expect(instalmentDates('2027-01-31', 'monthly', 4)).toEqual(['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30']);
    expect(instalmentDates('2028-01-30', 'monthly', 2)).toEqual(['2028-01-30', '2028-02-29']);
  });

  it('equal amounts, the remainder cents on the last', () => {
    expect(splitLast(100_000, 3)).toEqual([33_333, 33_333, 33_334]);
    expect(schedule({ total: 100_000, start: '2026-12-01', frequency: 'monthly', count: 4 })).toEqual([
      { seq: 1, dueDate: '2026-12-01', amount: 25_000 },
      { seq: 2, dueDate: '2027-01-01', amount: 25_000 },
      { seq: 3, dueDate: '2027-02-01', amount: 25_000 },
      { seq: 4, dueDate: '2027-03-01', amount: 25_000 },
    ]);
  });

  it('by instalment amount: that amount each time and the rest last', () => {
    expect(schedule({ total: 100_050, start: '2026-12-01', frequency: 'weekly', instalmentAmount: 30_000 }).map((i) => i.amount)).toEqual([30_000, 30_000, 30_000, 10_050]);
    expect(schedule({ total: 90_000, start: '2026-12-01', frequency: 'weekly', instalmentAmount: 30_000 }).map((i) => i.amount)).toEqual([30_000, 30_000, 30_000]);
  });

  it('refuses a zero balance or more instalments than cents', () => {
    expect(() => schedule({ total: 0, start: '2026-12-01', frequency: 'weekly', count: 2 })).toThrow(/more than zero/);
    expect(() => schedule({ total: 2, start: '2026-12-01', frequency: 'weekly', count: 3 })).toThrow(/cents/);
    expect(() => schedule({ total: 200, start: '2026-12-01', frequency: 'weekly', instalmentAmount: 0 })).toThrow();
  });

  it('sums exactly to the balance (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 1, max: 60 }), fc.constantFrom('weekly' as const, 'fortnightly' as const, 'monthly' as const), (total, count, frequency) => {
        fc.pre(total >= count);
        const s = schedule({ total, start: '2026-01-31', frequency, count });
        expect(s).toHaveLength(count);
        expect(s.reduce((a, i) => a + i.amount, 0)).toBe(total);
        for (const i of s.slice(0, -1)) expect(i.amount).toBe(s[0]!.amount);
        expect(s.at(-1)!.amount - s[0]!.amount).toBeLessThan(count);
        for (let k = 1; k < s.length; k++) expect(s[k]!.dueDate > s[k - 1]!.dueDate).toBe(true);
      }),
    );
  });
});

describe('allocating payments to instalments', () => {
  const plan = schedule({ total: 100_000, start: '2026-12-01', frequency: 'monthly', count: 4 });

  it('oldest first, paid on the day the instalment is covered', () => {
    const s = allocatePayments(plan, [{ date: '2026-12-20', amount: 10_000 }, { date: '2026-11-30', amount: 20_000 }], '2026-12-21', 3);
    expect(s.map((i) => [i.status, i.paid, i.paidOn])).toEqual([
      ['paid', 25_000, '2026-12-20'],
      ['due', 5_000, null],
      ['due', 0, null],
      ['due', 0, null],
    ]);
  });

  it('missed after the grace, and the plan breaks after enough misses', () => {
    const s = allocatePayments(plan, [{ date: '2026-12-01', amount: 25_000 }], '2027-02-05', 3);
    expect(s.map((i) => i.status)).toEqual(['paid', 'missed', 'missed', 'due']);
    expect(allocatePayments(plan, [], '2027-01-04', 3)[1]!.status).toBe('due');
    expect(allocatePayments(plan, [], '2027-01-05', 3)[1]!.status).toBe('missed');
    expect(planStatus(s, 2)).toBe('broken');
    expect(planStatus(s, 3)).toBe('active');
    expect(planStatus(allocatePayments(plan, [{ date: '2027-01-01', amount: 100_000 }], '2027-01-01', 0), 1)).toBe('completed');
  });

  it('never allocates more than was received, and covers instalments in order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ day: fc.integer({ min: 0, max: 150 }), amount: fc.integer({ min: 1, max: 60_000 }) }), { maxLength: 8 }), (ps) => {
        const payments = ps.map((p) => ({ date: new Date(Date.UTC(2026, 11, 1 + p.day)).toISOString().slice(0, 10), amount: p.amount }));
        const s = allocatePayments(plan, payments, '2027-06-01', 0);
        const received = payments.reduce((a, p) => a + p.amount, 0);
        const allocated = s.reduce((a, i) => a + i.paid, 0);
        expect(allocated).toBe(Math.min(received, 100_000));
        const firstUnpaid = s.findIndex((i) => i.status !== 'paid');
        if (firstUnpaid >= 0) for (const i of s.slice(firstUnpaid + 1)) expect(i.paid).toBe(0);
      }),
    );
  });
});
