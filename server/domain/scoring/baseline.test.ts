import { describe, expect, it } from 'vitest';
import { addDays } from '../../../kernel/dates';
import { runBacktest } from './backtest';
import { baselineDays, baselineLate, fitBaseline } from './baseline';
import type { ScoringInvoice } from './invoice';

describe('protocol baseline', () => {
  it('shrinks the customer late share toward the global share with k = 5', () => {
    // training: 4 invoices, 1 late → p_global = 0.25
    const model = fitBaseline([1, 0, 0, 0], [40, 20, 25, 30]);
    expect(model.globalLateShare).toBe(0.25);
    expect(model.globalMedianDaysToSettle).toBe(27.5);
    // customer with 3 of 4 late: (3 + 5·0.25) / (4 + 5) = 4.25 / 9
    expect(baselineLate(model, 3, 4)).toBeCloseTo(4.25 / 9, 12);
    // no history → the global share
    expect(baselineLate(model, 0, 0)).toBe(0.25);
    // days: the customer's median, the global median without history
    expect(baselineDays(model, 33, 2)).toBe(33);
    expect(baselineDays(model, 99, 0)).toBe(27.5);
  });

  it('is what the backtest reports as the baseline, using only history known at issue', () => {
    const mk = (id: string, customerId: string, issue: string, days: number | null): ScoringInvoice => ({
      id,
      customerId,
      issueDate: issue,
      dueDate: addDays(issue, 30),
      amount: 1000,
      settledDate: days === null ? null : addDays(issue, days),
      disputed: false,
    });
    const invoices = [
      // training (settled before 2024-03-01): 1 late of 4 → p_global = 0.25, median 27.5
      mk('t1', 'A', '2024-01-01', 40), // late, settled 02-10
      mk('t2', 'A', '2024-01-05', 20), // settled 01-25
      mk('t3', 'B', '2024-01-02', 25),
      mk('t4', 'B', '2024-01-20', 30), // settled 02-19, on the due date: not late
      // issued before, settled after the split: in neither set, but history for later tests
      mk('x1', 'A', '2024-02-20', 45), // late, settled 04-05
      // test (issued on/after the split)
      mk('q1', 'A', '2024-03-10', 10), // A history at 03-10: t1 (late), t2 → (1 + 1.25)/(2 + 5)
      mk('q2', 'A', '2024-04-10', 60), // A history: t1, t2, x1, q1 (2 late of 4) → (2 + 1.25)/(4 + 5)
      mk('q3', 'C', '2024-03-15', 35), // no history → 0.25, days 27.5
      mk('q4', 'C', '2024-06-01', null), // unsettled: not scored, counted
    ];
    const r = runBacktest(invoices, '2024-03-01', { late: 'baseline', days: 'baseline', useDisputed: false, boostFromPrior: false, rounds: 10 });
    expect(r.n_train).toBe(4);
    expect(r.n_test).toBe(3);
    expect(r.n_unsettled).toBe(1);
    const p = [2.25 / 7, 3.25 / 9, 0.25];
    const y = [0, 1, 1];
    const brier = p.reduce((s, pi, i) => s + (pi - y[i]!) ** 2, 0) / 3;
    expect(r.baseline.brier_late).toBeCloseTo(brier, 12);
    expect(r.brier_late).toBeCloseTo(brier, 12); // the 'baseline' spec is the baseline
    // days: q1 → median(40, 20) = 30; q2 → median(40, 20, 45, 10) = 30; q3 → 27.5
    expect(r.baseline.mae_days_to_settle).toBeCloseTo((Math.abs(30 - 10) + Math.abs(30 - 60) + Math.abs(27.5 - 35)) / 3, 12);
    // AUC: late q2 (0.361) and q3 (0.25) against on-time q1 (0.321) → (1 + 0) / 2
    expect(r.baseline.auc_late).toBeCloseTo(0.5, 12);
  });
});
