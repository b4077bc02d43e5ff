import { describe, expect, it } from 'vitest';
import { BacktestError, runBacktest } from './backtest';
import { RECOMMENDED_SPEC } from './model';
import { syntheticInvoices } from './synthetic';

describe('runBacktest', () => {
  const invoices = syntheticInvoices(3000, { seed: 11, start: '2021-01-01', spanDays: 730 });

  it('splits by the protocol: train settled before, test issued on or after, unsettled counted', () => {
    const split = '2022-06-01';
    const r = runBacktest(invoices, split);
    const train = invoices.filter((i) => i.settledDate !== null && i.settledDate < split).length;
    const test = invoices.filter((i) => i.issueDate >= split && i.settledDate !== null).length;
    const open = invoices.filter((i) => i.issueDate >= split && i.settledDate === null).length;
    expect(r.n_train).toBe(train);
    expect(r.n_test).toBe(test);
    expect(r.n_unsettled).toBe(open);
    expect(open).toBeGreaterThan(0);
    for (const v of [r.auc_late, r.brier_late, r.baseline.auc_late, r.baseline.brier_late]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(r.mae_days_to_settle).toBeGreaterThan(0);
    expect(r.interval_coverage).toBeGreaterThan(0.5);
  });

  it('beats the baseline where customers have structure the baseline ignores', () => {
    const r = runBacktest(invoices, '2022-06-01', RECOMMENDED_SPEC);
    expect(r.auc_late).toBeGreaterThan(r.baseline.auc_late);
    expect(r.brier_late).toBeLessThan(r.baseline.brier_late);
    expect(r.mae_days_to_settle).toBeLessThan(r.baseline.mae_days_to_settle);
  });

  it('is deterministic', () => {
    const a = runBacktest(invoices, '2022-03-01');
    const b = runBacktest(invoices, '2022-03-01');
    expect(JSON.stringify(b.model)).toBe(JSON.stringify(a.model));
    expect([b.auc_late, b.brier_late, b.mae_days_to_settle]).toEqual([a.auc_late, a.brier_late, a.mae_days_to_settle]);
  });

  it('refuses a split with nothing to train or test on', () => {
    expect(() => runBacktest(invoices, '2000-01-01')).toThrow(BacktestError);
    expect(() => runBacktest(invoices, '2030-01-01')).toThrow(BacktestError);
  });
});
