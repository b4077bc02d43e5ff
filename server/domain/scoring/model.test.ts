import { describe, expect, it } from 'vitest';
import { DEFAULT_EFFECTS, extractFeatures, F, featuresOf } from './features';
import { compileModel, DAYS_METHODS, fitScoringModel, LATE_METHODS, labelsOf, type ModelSpec, predictPayDate, RECOMMENDED_SPEC, ruleDays, scoreInvoices, trainModel } from './model';
import { syntheticInvoices } from './synthetic';

describe('scoring model', () => {
  const invoices = syntheticInvoices(2500, { seed: 5, start: '2022-01-01', spanDays: 540 });

  it('trains deterministically and survives a JSON round trip', () => {
    const a = fitScoringModel(invoices, '2023-01-01');
    const b = fitScoringModel(invoices, '2023-01-01');
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const reloaded = JSON.parse(JSON.stringify(a));
    const s1 = scoreInvoices(a, invoices);
    const s2 = scoreInvoices(reloaded, invoices);
    expect(s2).toEqual(s1);
  });

  it('blends the days model with the no-fit rule by spec.ruleBlend (decision 066)', () => {
    const m = extractFeatures(invoices);
    const labels = labelsOf(invoices);
    const rows = invoices.flatMap((inv, i) => (inv.settledDate !== null && inv.settledDate < '2023-01-01' ? [i] : []));
    const spec: ModelSpec = { ...RECOMMENDED_SPEC, calibration: 'none', band: 'in-sample', ruleBlend: 0 };
    const model = trainModel({ matrix: m, rows, ...labels }, spec);
    const alone = compileModel(model);
    const half = compileModel({ ...model, spec: { ...spec, ruleBlend: 0.5 } });
    const rule = compileModel({ ...model, spec: { ...spec, ruleBlend: 1 } });
    let checked = 0;
    let differ = 0;
    for (let i = 0; i < invoices.length; i++) {
      const row = m.data.subarray(i * m.cols, (i + 1) * m.cols);
      const expected = Math.max(0, row[F.termsDays]! + row[F.histMedianPastDueAdjustedShrunk]! + (row[F.disputed] === 1 ? DEFAULT_EFFECTS.disputed : 0) + (row[F.paperless] === 1 ? DEFAULT_EFFECTS.paperless : 0));
      expect(ruleDays(row, true)).toBeCloseTo(expected, 10);
      expect(rule(row).daysToSettle).toBeCloseTo(expected, 10);
      const a = alone(row).daysToSettle;
      if (a > 0) {
        expect(half(row).daysToSettle).toBeCloseTo(Math.max(0, (a + expected) / 2), 10);
        checked++;
        if (Math.abs(a - expected) > 1) differ++;
      }
    }
    expect(checked).toBeGreaterThan(invoices.length / 2);
    expect(differ).toBeGreaterThan(0); // the blend is not the model's own days under another name
  });

  it('trains P(late) only on the rows whose outcome was sure to be known, by spec.lateOnKnown (decision 072)', () => {
    const m = extractFeatures(invoices);
    const labels = labelsOf(invoices);
    const rows = invoices.flatMap((inv, i) => (inv.settledDate !== null && inv.settledDate < '2023-01-01' ? [i] : []));
    const spec: ModelSpec = { ...RECOMMENDED_SPEC, calibration: 'none', band: 'in-sample', rounds: 30, lateOnKnown: true };
    // The rows issued in the last recent.lagDays before the cut (the day after the last settlement).
    const cut = Math.max(...rows.map((i) => labels.settleDay[i]!)) + 1;
    const recent = rows.filter((i) => labels.issueDay[i]! >= cut - spec.recent!.lagDays);
    expect(recent.length).toBeGreaterThan(50);
    const flipped = Uint8Array.from(labels.late);
    for (const i of recent) flipped[i] = 1 - flipped[i]!;
    const train = (late: Uint8Array, s: ModelSpec) => trainModel({ matrix: m, rows, ...labels, late }, s);
    // Their late labels do not reach the P(late) model …
    expect(JSON.stringify(train(flipped, spec).late)).toBe(JSON.stringify(train(labels.late, spec).late));
    // … and do without lateOnKnown; the days model is trained on every row either way.
    const all: ModelSpec = { ...spec, lateOnKnown: false };
    expect(JSON.stringify(train(flipped, all).late)).not.toBe(JSON.stringify(train(labels.late, all).late));
    expect(JSON.stringify(train(labels.late, spec).days)).toBe(JSON.stringify(train(labels.late, all).days));
  });

  it('scores every invoice with a probability, days ≥ 0 and an ordered pay-date band', () => {
    const model = fitScoringModel(invoices, '2023-01-01');
    const scores = scoreInvoices(model, invoices);
    expect(scores).toHaveLength(invoices.length);
    scores.forEach((s, i) => {
      expect(s.id).toBe(invoices[i]!.id);
      expect(s.pLate).toBeGreaterThan(0);
      expect(s.pLate).toBeLessThan(1);
      expect(s.daysToSettle).toBeGreaterThanOrEqual(0);
      expect(s.low <= s.date && s.date <= s.high).toBe(true);
      expect(s.low >= invoices[i]!.issueDate).toBe(true);
    });
  });

  it('trains every candidate method', { timeout: 120_000 }, () => {
    const m = extractFeatures(invoices);
    const labels = labelsOf(invoices);
    const rows = invoices.flatMap((inv, i) => (inv.settledDate !== null && inv.settledDate < '2023-01-01' ? [i] : []));
    for (const late of LATE_METHODS) {
      for (const days of DAYS_METHODS) {
        const spec: ModelSpec = { ...RECOMMENDED_SPEC, late, days, rounds: 20 };
        const score = compileModel(trainModel({ matrix: m, rows, ...labels }, spec));
        const s = score(m.data.subarray(0, m.cols));
        expect(Number.isFinite(s.pLate) && Number.isFinite(s.daysToSettle), `${late}/${days}`).toBe(true);
      }
    }
  });

  it('predictPayDate adds the predicted days and band to the issue date', () => {
    expect(predictPayDate('2024-01-30', { daysToSettle: 31.4, daysLow: 25, daysHigh: 40 })).toEqual({
      date: '2024-03-01',
      low: '2024-02-24',
      high: '2024-03-10',
    });
  });

  it('ranks riskier rows higher', () => {
    const model = fitScoringModel(invoices, '2023-06-01');
    const score = compileModel(model);
    const m = extractFeatures(invoices);
    const base = featuresOf(m, invoices.length - 1);
    const row = (patch: Partial<typeof base>) => Float64Array.from(Object.values({ ...base, ...patch }));
    const calm = score(row({ histCount: 20, histLateCount: 0, histLateShare: 0.05, histMedianPastDue: -12, histMedianPastDueUndisputed: -12, expectedDaysToSettle: base.termsDays - 12 }));
    const risky = score(row({ histCount: 20, histLateCount: 18, histLateShare: 0.8, histMedianPastDue: 25, histMedianPastDueUndisputed: 25, expectedDaysToSettle: base.termsDays + 25 }));
    expect(risky.pLate).toBeGreaterThan(calm.pLate);
    expect(risky.daysToSettle).toBeGreaterThan(calm.daysToSettle);
  });
});
