import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, diffDays, startOfMonth } from '../../../kernel/dates';
import { computeMetrics } from './compute-metrics';
import { monthlySeries, monthPeriods } from './monthly-series';
import type { MetricInvoice } from './types';

/**
 * A deliberately naive reading of the metric definitions, day by day, in BigInt/rational terms, to
 * check the single-pass engine against. Returns exact fractions as [num, den].
 */
function naive(invoices: MetricInvoice[], from: string, to: string) {
  const balance = (inv: MetricInvoice, t: string) =>
    inv.issueDate > t ? 0 : inv.total - inv.settlements.filter((s) => s.date <= t).reduce((a, s) => a + s.amount, 0);
  const due = (inv: MetricInvoice) => inv.dueDate ?? inv.issueDate;
  const arAt = (t: string) => invoices.reduce((a, i) => a + Math.max(0, balance(i, t)), 0);
  const currentArAt = (t: string) => invoices.reduce((a, i) => a + (due(i) >= t ? Math.max(0, balance(i, t)) : 0), 0);
  const sales = (a: string, b: string) => invoices.filter((i) => i.issueDate >= a && i.issueDate <= b).reduce((s, i) => s + i.total, 0);
  const D = diffDays(from, to) + 1;
  const S = sales(from, to);
  const A = arAt(addDays(from, -1));
  const B = arAt(to);
  const C = currentArAt(to);
  const round = (num: number, den: number) => (den === 0 ? null : Math.round((num / den) * 100 + 1e-9) / 100);
  // settled date: first day from which the balance stays at or below zero
  const settled = (inv: MetricInvoice) => {
    if (inv.total <= 0 || inv.settlements.length === 0) return null;
    const dates = [...new Set(inv.settlements.map((s) => s.date))].sort();
    let at: string | null = null;
    for (const d of dates) {
      if (balance({ ...inv, issueDate: '0000-01-01' }, d) <= 0) at ??= d;
      else at = null;
    }
    return at === null ? null : at < inv.issueDate ? inv.issueDate : at;
  };
  let w = 0;
  let late = 0;
  let pay = 0;
  for (const inv of invoices) {
    const s = settled(inv);
    if (s === null || s < from || s > to) continue;
    w += inv.total;
    late += inv.total * Math.max(0, diffDays(due(inv), s));
    pay += inv.total * diffDays(inv.issueDate, s);
  }
  // countback, segment by segment
  let countback: number | null = null;
  {
    let remaining = B;
    let days = 0;
    let segEnd = to;
    let segStart = startOfMonth(to);
    const first = invoices.map((i) => i.issueDate).sort()[0] ?? '9999-12-31';
    if (B === 0) countback = invoices.some((i) => i.issueDate <= to && i.total > 0) ? 0 : null;
    while (countback === null && B > 0 && segEnd >= startOfMonth(first)) {
      const s = sales(segStart, segEnd);
      const n = diffDays(segStart, segEnd) + 1;
      if (s <= remaining) {
        remaining -= s;
        days += n;
        if (remaining === 0) countback = days;
      } else countback = round(days * s + remaining * n, s);
      segEnd = addDays(segStart, -1);
      segStart = startOfMonth(segEnd);
    }
  }
  const collected = invoices.flatMap((i) => i.settlements).filter((s) => s.date >= from && s.date <= to).reduce((a, s) => a + s.amount, 0);
  return {
    creditSales: S,
    arOpen: A,
    arEnd: B,
    currentArEnd: C,
    collected,
    dso: round(B * D, S),
    bestPossibleDso: round(C * D, S),
    add: round((B - C) * D, S),
    dsoCountback: countback,
    cei: round((A + S - B) * 100, A + S - C),
    dbt: round(late, w),
    avgDaysToPay: round(pay, w),
  };
}

const day = fc.integer({ min: 0, max: 500 }).map((n) => addDays('2023-01-01', n));
const arbInvoice = fc
  .record({
    issue: day,
    dueIn: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
    total: fc.integer({ min: 0, max: 500_000 }),
    parts: fc.array(fc.record({ after: fc.integer({ min: -5, max: 150 }), share: fc.integer({ min: 1, max: 4 }) }), { maxLength: 3 }),
  })
  .map(({ issue, dueIn, total, parts }): MetricInvoice => {
    const shares = parts.reduce((a, p) => a + p.share, 0);
    let left = total;
    const settlements = parts.map((p, i) => {
      const amount = i === parts.length - 1 ? left : Math.floor((total * p.share) / shares);
      left -= amount;
      return { date: addDays(issue, p.after), amount };
    });
    return { id: issue, customerId: 'c', currency: 'USD', issueDate: issue, dueDate: dueIn === null ? null : addDays(issue, dueIn), total, settlements };
  });

describe('engine against a naive day-by-day reading of the definitions', () => {
  it('computeMetrics agrees on random invoices and periods', () => {
    fc.assert(
      fc.property(fc.array(arbInvoice, { maxLength: 40 }), day, fc.integer({ min: 0, max: 120 }), (invoices, from, len) => {
        const to = addDays(from, len);
        const { from: _f, to: _t, days: _d, currency: _c, aging, ...got } = computeMetrics(invoices, { from, to });
        expect(got).toEqual(naive(invoices, from, to));
        expect(aging.current + aging.d1_30 + aging.d31_60 + aging.d61_90 + aging.d91_plus).toBe(got.arEnd);
      }),
      { numRuns: 300 },
    );
  });
});

describe('monthlySeries', () => {
  it('has one period per calendar month, the last clipped to endDate', () => {
    expect(monthPeriods('2024-03-15', 3)).toEqual([
      { from: '2024-01-01', to: '2024-01-31' },
      { from: '2024-02-01', to: '2024-02-29' },
      { from: '2024-03-01', to: '2024-03-15' },
    ]);
    expect(monthPeriods('2024-03-31')).toHaveLength(24);
    expect(monthPeriods('2024-03-31')[0]).toEqual({ from: '2022-04-01', to: '2022-04-30' });
    expect(() => monthPeriods('2024-03-31', 0)).toThrow(/positive/);
  });

  it('equals computeMetrics month by month, from one pass', () => {
    fc.assert(
      fc.property(fc.array(arbInvoice, { maxLength: 40 }), day, (invoices, end) => {
        const series = monthlySeries(invoices, end, 6);
        expect(series).toHaveLength(6);
        for (const r of series) expect(r).toEqual(computeMetrics(invoices, { from: r.from, to: r.to }));
      }),
      { numRuns: 100 },
    );
  });

  it('carries each month-end A/R into the next month as its opening A/R', () => {
    const invoices: MetricInvoice[] = [
      { id: 'a', customerId: 'c', currency: 'USD', issueDate: '2024-01-15', dueDate: '2024-02-14', total: 10000, settlements: [{ date: '2024-03-10', amount: 10000 }] },
    ];
    const [jan, feb, mar] = monthlySeries(invoices, '2024-03-31', 3);
    expect([jan!.arOpen, jan!.arEnd, feb!.arOpen, feb!.arEnd, mar!.arOpen, mar!.arEnd]).toEqual([0, 10000, 10000, 10000, 10000, 0]);
    expect(feb!.aging.d1_30).toBe(10000); // 15 days past due at Feb 29
    expect(mar!.dbt).toBe(25); // Mar 10 − Feb 14
  });
});
