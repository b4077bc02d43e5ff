import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, type CalendarDate, fromDayNumber, toDayNumber } from '../../../kernel/dates';
import { computePeriods } from './engine';
import { type CumulativeState, EMPTY_STATE, metricsFromStates, statesNeeded } from './from-states';
import { monthPeriods } from './monthly-series';
import { invoice } from './test-invoice';
import type { MetricInvoice, Period } from './types';

/**
 * The cumulative state of a list of invoices at the end of a day, straight from the definitions
 * (what the rollups keep per change day): balances by days past due, sales, settlements, and over
 * the invoices settled for good by the day Σ total, Σ total × days late, Σ total × days to pay.
 */
function stateAt(invoices: readonly MetricInvoice[], day: CalendarDate): CumulativeState {
  const aging = [0, 0, 0, 0, 0];
  let salesCum = 0;
  let collectedCum = 0;
  let settledWeightCum = 0;
  let lateDaysCum = 0n;
  let payDaysCum = 0n;
  let issuedCum = 0;
  const t = toDayNumber(day);
  for (const inv of invoices) {
    const paidBy = (d: string) => inv.settlements.filter((s) => s.date <= d).reduce((a, s) => a + s.amount, 0);
    collectedCum += paidBy(day);
    const due = toDayNumber(inv.dueDate ?? inv.issueDate);
    if (inv.issueDate <= day) {
      salesCum += inv.total;
      issuedCum += 1;
      const balance = inv.total - paidBy(day);
      if (inv.total > 0 && balance > 0) {
        const late = t - due;
        aging[late <= 0 ? 0 : late <= 30 ? 1 : late <= 60 ? 2 : late <= 90 ? 3 : 4]! += balance;
      }
    }
    // Settled for good: the first of the last run of settlement days on which the balance is ≤ 0.
    let settled: string | null = null;
    if (inv.total > 0) {
      for (const d of [...new Set(inv.settlements.map((s) => s.date))].sort()) {
        if (inv.total - paidBy(d) <= 0) settled ??= d;
        else settled = null;
      }
    }
    if (settled !== null) {
      const s = Math.max(toDayNumber(settled), toDayNumber(inv.issueDate));
      if (s <= t) {
        settledWeightCum += inv.total;
        lateDaysCum += BigInt(inv.total) * BigInt(Math.max(0, s - due));
        payDaysCum += BigInt(inv.total) * BigInt(s - toDayNumber(inv.issueDate));
      }
    }
  }
  return { aging: aging as unknown as CumulativeState['aging'], salesCum, collectedCum, settledWeightCum, lateDaysCum, payDaysCum, issuedCum };
}

function fromStates(invoices: readonly MetricInvoice[], periods: readonly Period[]) {
  const first = invoices.length ? invoices.map((i) => i.issueDate).sort()[0]! : null;
  const needed = new Set(statesNeeded(periods, first));
  const read: string[] = [];
  const results = metricsFromStates(
    periods,
    (day) => {
      if (!needed.has(day)) throw new Error(`read a state statesNeeded did not list: ${day}`);
      read.push(day);
      return stateAt(invoices, day);
    },
    first,
    invoices.length ? 'USD' : null,
  );
  return { results, read };
}

describe('metricsFromStates: the engine from cumulative states', () => {
  const ledger = [
    invoice('2024-01-05', '2024-02-04', '1000.00', [['2024-02-20', '400.00'], ['2024-03-10', '600.00']]),
    invoice('2024-01-20', null, '250.50', [['2024-01-10', '250.50']]), // paid before it was issued
    invoice('2024-02-11', '2024-03-12', '3000.00', [['2024-03-01', '3000.00'], ['2024-03-05', '-3000.00'], ['2024-05-01', '3000.00']]), // reversed, paid again
    invoice('2024-03-15', '2024-04-14', '800.00', [['2024-04-01', '900.00'], ['2024-06-01', '50.00']]), // overpaid, then more
    invoice('2024-04-02', '2024-05-02', '0.00', [['2024-04-03', '10.00']]),
    invoice('2024-05-20', '2024-06-19', '1200.00', [['2024-06-10', '300.00']]),
    invoice('2024-06-30', '2024-06-01', '99.99'), // due before issue
  ];

  it('equals computePeriods for a period, its comparison period and 24 months, including countback', () => {
    const periods = [{ from: '2024-04-01', to: '2024-06-29' }, { from: '2024-01-02', to: '2024-04-01' }, ...monthPeriods('2024-06-29', 24)];
    const { results } = fromStates(ledger, periods);
    const engine = periods.map((p) => computePeriods(ledger, [p])[0]!);
    expect(results).toEqual(engine);
    expect(results[0]!.dbt).not.toBeNull();
    expect(results[0]!.dsoCountback).not.toBeNull();
  });

  it('gives the engine’s figures before the first invoice, after the last, and with no invoices at all', () => {
    const periods = [{ from: '2023-01-01', to: '2023-03-31' }, { from: '2026-01-01', to: '2026-01-01' }];
    expect(fromStates(ledger, periods).results).toEqual(periods.map((p) => computePeriods(ledger, [p])[0]!));
    expect(fromStates([], periods).results).toEqual(periods.map((p) => computePeriods([], [p])[0]!));
  });

  it('reads only the states statesNeeded lists, and the empty state means nothing happened', () => {
    const { read } = fromStates(ledger, [{ from: '2024-05-10', to: '2024-05-20' }]);
    expect(read).toContain('2024-05-09');
    expect(read).toContain('2024-04-30');
    // Countback stops as soon as the sales explain the A/R; the states go back to the first issue's month.
    expect(read.every((d) => d >= '2024-01-31')).toBe(true);
    expect(statesNeeded([{ from: '2024-05-10', to: '2024-05-20' }], '2024-01-05')).toEqual(['2023-12-31', '2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30', '2024-05-09', '2024-05-20']);
    expect(stateAt(ledger, '2023-01-01')).toEqual(EMPTY_STATE);
  });

  it('equals computePeriods on random ledgers and periods', () => {
    const day = fc.integer({ min: 0, max: 500 }).map((d) => fromDayNumber(toDayNumber('2023-11-01') + d));
    const inv = fc
      .record({
        issue: day,
        due: fc.option(fc.integer({ min: -10, max: 90 }), { nil: null }),
        total: fc.integer({ min: 0, max: 2_000_000 }),
        settlements: fc.array(fc.record({ after: fc.integer({ min: -20, max: 200 }), share: fc.integer({ min: -50, max: 120 }) }), { maxLength: 4 }),
      })
      .map(({ issue, due, total, settlements }): MetricInvoice => ({
        id: `i-${issue}-${total}`,
        customerId: 'c',
        currency: 'USD',
        issueDate: issue,
        dueDate: due === null ? null : addDays(issue, due),
        total,
        settlements: settlements.map((s) => ({ date: addDays(issue, s.after), amount: Math.round((total * s.share) / 100) })),
      }));
    const period = fc.tuple(day, fc.integer({ min: 0, max: 120 })).map(([from, len]): Period => ({ from, to: addDays(from, len) }));
    fc.assert(
      fc.property(fc.array(inv, { maxLength: 25 }), fc.array(period, { minLength: 1, maxLength: 4 }), (invoices, periods) => {
        expect(fromStates(invoices, periods).results).toEqual(periods.map((p) => computePeriods(invoices, [p])[0]!));
      }),
      { numRuns: 150 },
    );
  });
});
