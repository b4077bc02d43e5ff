import { describe, expect, it } from 'vitest';
import { addDays } from '../../../kernel/dates';
import { CHRONIC_DEFINITION, chronicLate, chronicTrend } from './chronic';

/** Invoices due every 14 days up to 2026-06-01, paid `late[k]` days after (null: open). */
const customer = (late: readonly (number | null)[]) =>
  late.map((d, k) => {
    const dueDate = addDays('2026-06-01', -(late.length - 1 - k) * 14);
    return { dueDate, settledDate: d === null ? null : addDays(dueDate, d) };
  });

describe('chronic late payers', () => {
  it('is late on ≥ 60% of the last 10 paid invoices by a median ≥ 10 days', () => {
    expect(chronicLate(customer([0, 0, 0, 0, 12, 15, 11, 20, 14, 0, 0, 18, 13]), '2026-06-30')).toEqual({ chronic: true, invoices: 10, lateShare: 0.7, medianDaysLate: 12.5 });
    // Late often, but by a median of 5 days: not chronic.
    expect(chronicLate(customer([5, 6, 4, 5, 7, 5, 0, 0, 5, 3]), '2026-06-30').chronic).toBe(false);
    // Very late but only on half: not chronic.
    expect(chronicLate(customer([30, 0, 30, 0, 30, 0, 30, 0, 30, 0]), '2026-06-30').chronic).toBe(false);
    // Fewer than 5 paid: not judged.
    expect(chronicLate(customer([30, 30, 30, 30, null]), '2026-06-30')).toEqual({ chronic: false, invoices: 0, lateShare: 0, medianDaysLate: 0 });
    expect(CHRONIC_DEFINITION).toBe('Late on at least 60% of their last 10 paid invoices (at least 5 needed), by a median of 10 days or more.');
  });

  it('is stable: one on-time invoice does not move a clear chronic payer out', () => {
    const late = [15, 20, 12, 18, 25, 14, 16, 30, 22, 19];
    expect(chronicLate(customer([...late, 0]), '2026-06-30').chronic).toBe(true);
    expect(chronicLate(customer([...late, 0, 0, 0]), '2026-06-30').chronic).toBe(true);
  });

  it('counts chronic payers month by month as known at each month end', () => {
    const trend = chronicTrend([customer([0, 0, 0, 0, 0, 0, 0, 20, 20, 20, 20, 20, 20, 20]), customer([1, 0, 2, 0, 1, 0, 1, 0, 2, 0, 1, 0, 0, 1])], '2026-06-30', 4);
    expect(trend.map((m) => m.asOf)).toEqual(['2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30']);
    expect(trend.map((m) => [m.chronic, m.judged])).toEqual([
      // Late from the invoice due 9 March: 1 of the last 8 by March, 3 of 10 by April, 5 of 10 by May, 7 of 10 by June.
      [0, 2],
      [0, 2],
      [0, 2],
      [1, 2],
    ]);
    expect(trend[3]!.share).toBe(0.5);
  });
});
