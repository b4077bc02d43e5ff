import { describe, expect, it } from 'vitest';
import { addDays } from '../../../kernel/dates';
import { runNoFitBacktest } from './backtest';
import { applyCalibration } from './calibration';
import { customerSnapshots, extractFeatures, F, FEATURE_COUNT, toFeatureRow } from './features';
import type { ScoringInvoice } from './invoice';
import { ece } from './metrics';
import { NOFIT_CALIBRATION, NOFIT_FEATURE_OPTIONS, NOFIT_PRIOR, noFitResidualPercentiles, noFitScore } from './nofit';
import { syntheticInvoices } from './synthetic';

function history(customerId: string, pastDue: number, count: number): ScoringInvoice[] {
  return Array.from({ length: count }, (_, k) => {
    const day = 1 + k * 10;
    const issue = new Date(Date.UTC(2024, 0, day)).toISOString().slice(0, 10);
    const due = new Date(Date.UTC(2024, 0, day + 30)).toISOString().slice(0, 10);
    const settled = new Date(Date.UTC(2024, 0, day + 30 + pastDue)).toISOString().slice(0, 10);
    return { id: `${customerId}-${k}`, customerId, issueDate: issue, dueDate: due, settledDate: settled, amount: 100_000, disputed: false, paperless: false };
  });
}

describe('the no-fit method', () => {
  const invoices = [...history('late', 20, 12), ...history('prompt', -3, 12)];
  const snaps = customerSnapshots(invoices, '2025-01-01', NOFIT_FEATURE_OPTIONS);
  const row = (customer: string, disputed = 0) => {
    const r = toFeatureRow(snaps.get(customer)!);
    r[F.termsDays] = 30;
    r[F.disputed] = disputed;
    return r;
  };

  it("follows the customer's own habit: a late payer is riskier and takes longer", () => {
    const late = noFitScore(row('late'));
    const prompt = noFitScore(row('prompt'));
    expect(late.pLate).toBeGreaterThan(0.7);
    expect(prompt.pLate).toBeLessThan(0.2);
    // Habits of +20 and −3 days past due on 30-day terms, each shrunk with one pseudo-invoice
    // toward the organisation's median (decision 057), so within 2 days.
    expect(Math.abs(late.daysToSettle - 50)).toBeLessThan(2);
    expect(Math.abs(prompt.daysToSettle - 27)).toBeLessThan(2);
    for (const s of [late, prompt]) expect(s.daysLow <= Math.round(s.daysToSettle) && Math.round(s.daysToSettle) <= s.daysHigh).toBe(true);
  });

  it('raises P(late) and days for a disputed invoice', () => {
    const plain = noFitScore(row('prompt'));
    const disputed = noFitScore(row('prompt', 1));
    expect(disputed.pLate).toBeGreaterThan(plain.pLate);
    expect(disputed.daysToSettle).toBeGreaterThan(plain.daysToSettle);
    expect(noFitScore(row('prompt', 1), false)).toEqual(plain);
  });

  it('uses the fixed prior, not anything learned, for an organisation without history', () => {
    const fresh = extractFeatures([{ id: 'x', customerId: 'c', issueDate: '2025-01-01', dueDate: '2025-01-31', settledDate: null, amount: 5000, disputed: false, paperless: false }], NOFIT_FEATURE_OPTIONS);
    expect(fresh.cols).toBe(FEATURE_COUNT);
    expect(fresh.data[F.firmLateShare]).toBe(NOFIT_PRIOR.lateShare);
    expect(fresh.data[F.histMedianPastDueUndisputed]).toBe(NOFIT_PRIOR.pastDue);
    const s = noFitScore(fresh.data);
    expect(s.daysToSettle).toBeCloseTo(30 + NOFIT_PRIOR.pastDue, 10);
  });

  it("shrinks the organisation's running rates toward the fixed prior (priorStrength)", () => {
    const raw = customerSnapshots(invoices, '2025-01-01').get('late')!;
    const shrunk = snaps.get('late')!;
    expect(raw.firmLateShare).toBeCloseTo(0.5, 10);
    expect(shrunk.firmLateShare).toBeCloseTo((12 + 20 * NOFIT_PRIOR.lateShare) / (24 + 20), 10);
  });

  it('gives ordered residual percentiles, narrower with more history', () => {
    const p0 = noFitResidualPercentiles(0);
    const p20 = noFitResidualPercentiles(20);
    expect(p0).toHaveLength(101);
    expect([...p0].sort((a, b) => a - b)).toEqual(p0);
    expect(p0[50]).toBeCloseTo(0, 10);
    expect(p0[90]! - p0[10]!).toBeGreaterThan(p20[90]! - p20[10]!);
  });

  it('reads P(late) through the fixed calibration: increasing, and the raw score without it', () => {
    // Decision 072: two Platt constants replaced decision 066's knot map (it was checked for
    // monotone knots here); a > 0 keeps the map increasing, so the ranking is the raw score's.
    const c = NOFIT_CALIBRATION;
    expect(c.kind).toBe('platt');
    if (c.kind !== 'platt') return;
    expect(c.a).toBeGreaterThan(0);
    // (strictly inside the [0.5%, 99.5%] clamp: raw 0.05–0.9 maps to about 0.02–0.97)
    for (let p = 0.05; p < 0.9; p += 0.01) expect(applyCalibration(c, p + 0.01)).toBeGreaterThan(applyCalibration(c, p));
    // A customer with a long on-time history and one with a long late history, the same invoice.
    const rows = (late: boolean) =>
      extractFeatures(
        [
          ...Array.from({ length: 12 }, (_, k) => ({
            id: `h${k}`,
            customerId: 'c',
            issueDate: addDays('2024-01-01', 20 * k),
            dueDate: addDays('2024-01-31', 20 * k),
            settledDate: addDays('2024-01-31', 20 * k + (late ? 12 : -3)),
            amount: 1000,
            disputed: false,
            paperless: false,
          })),
          { id: 'x', customerId: 'c', issueDate: '2025-01-01', dueDate: '2025-01-31', settledDate: null, amount: 1000, disputed: false, paperless: false },
        ],
        NOFIT_FEATURE_OPTIONS,
      );
    for (const late of [false, true]) {
      const m = rows(late);
      const row = m.data.subarray(12 * m.cols, 13 * m.cols);
      const raw = noFitScore(row, true, null).pLate;
      expect(noFitScore(row).pLate).toBeCloseTo(applyCalibration(c, raw), 12);
    }
    const onTime = rows(false);
    const lateRows = rows(true);
    expect(noFitScore(lateRows.data.subarray(12 * lateRows.cols)).pLate).toBeGreaterThan(noFitScore(onTime.data.subarray(12 * onTime.cols)).pLate + 0.3);
  });

  it('is backtested by the protocol without training, and beats the baseline on structured data', () => {
    const synthetic = syntheticInvoices(3000, { seed: 11, start: '2021-01-01', spanDays: 730 });
    const r = runNoFitBacktest(synthetic, '2022-06-01');
    expect(r.n_test).toBe(synthetic.filter((i) => i.issueDate >= '2022-06-01' && i.settledDate !== null).length);
    expect(r.auc_late).toBeGreaterThan(r.baseline.auc_late);
    expect(r.mae_days_to_settle).toBeLessThan(r.baseline.mae_days_to_settle);
    expect(r.interval_coverage).toBeGreaterThan(0.5);
    expect(runNoFitBacktest(synthetic, '2022-06-01')).toEqual(r);
  });
});

describe('ece', () => {
  it('is the bin-weighted gap between predicted and observed', () => {
    expect(ece([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 1])).toBeCloseTo(0.05, 10);
    expect(ece([0.5, 0.5], [0, 1])).toBeCloseTo(0, 10);
    expect(ece([1, 1], [1, 0])).toBeCloseTo(0.5, 10);
    expect(ece([], [])).toBeNaN();
  });
});
