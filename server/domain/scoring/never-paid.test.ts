import { describe, expect, it } from 'vitest';
import { curveAt, DISPUTE_LOSS, NEVER_PAID_MAX, neverPaidOfCustomer, neverPaidProbability } from './never-paid';

describe('P(never paid): a fixed rule', () => {
  const base = { usualDaysLate: 0, disputed: false };

  it('grows with the days past due beyond the customer’s usual', () => {
    expect(neverPaidProbability({ ...base, daysPastDue: 0 })).toBe(0.005);
    expect(neverPaidProbability({ ...base, daysPastDue: 60 })).toBeCloseTo(0.225, 10);
    expect(neverPaidProbability({ ...base, daysPastDue: 600 })).toBeCloseTo(curveAt(600), 10);
    expect(curveAt(600)).toBeGreaterThan(0.9);
    // 40 days overdue is normal for a customer who always pays 40 days late.
    expect(neverPaidProbability({ ...base, daysPastDue: 40, usualDaysLate: 40 })).toBe(0.005);
    let prev = 0;
    for (let d = 0; d <= 1000; d += 10) {
      const p = neverPaidProbability({ ...base, daysPastDue: d });
      expect(p).toBeGreaterThanOrEqual(prev);
      prev = p;
    }
  });

  it('is higher for a dispute, and capped', () => {
    expect(neverPaidProbability({ ...base, daysPastDue: 0, disputed: true })).toBeCloseTo(1 - 0.995 * (1 - DISPUTE_LOSS), 10);
    // 1 − 0.05 × 0.8 = 0.96, capped.
    expect(neverPaidProbability({ ...base, daysPastDue: 5000, disputed: true })).toBe(NEVER_PAID_MAX);
  });

  it('reads the customer’s own history: their usual lateness', () => {
    const inv = (id: string, due: string, settled: string | null) => ({ id, dueDate: due, settledDate: settled, disputedOn: null });
    const history = [inv('a', '2025-01-01', '2025-01-31'), inv('b', '2025-02-01', '2025-03-03'), inv('c', '2025-03-01', '2025-03-31'), inv('open', '2025-04-01', null)];
    // Usual 30 days late; the open invoice is 90 days past due on 30 June 2025 → 60 days beyond the usual.
    const p = neverPaidOfCustomer(history, '2025-06-30');
    expect([...p.keys()]).toEqual(['open']);
    expect(p.get('open')).toBeCloseTo(curveAt(60), 10);
  });
});
