import { describe, expect, it } from 'vitest';
import { applyCalibration, conformalScale, fitIsotonic, fitPlatt, TIE_BREAK } from './calibration';
import { extractFeatures } from './features';
import { ece } from './metrics';
import { calibrationFolds, calibrationSample, compileModel, conformalFactors, labelsOf, RECOMMENDED_SPEC, type ResidualBucket, recentFilter, trainModel } from './model';
import { normal, seededRandom, syntheticInvoices } from './synthetic';

describe('isotonic calibration (PAV)', () => {
  it('reproduces a hand-computed case', () => {
    // Sorted by p: outcomes 1, 0, 0, 1, 1, 0, 1. PAV: [1,0,0] pools to 1/3; [1,1,0] — 1, then
    // [1,0] pools to 1/2 which is below 1, so [1,1,0] pools to 2/3; [1] stays 1.
    const p = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
    const y = [1, 0, 0, 1, 1, 0, 1];
    const map = fitIsotonic(p, y);
    expect(map.kind).toBe('isotonic');
    if (map.kind !== 'isotonic') return;
    expect(map.y).toEqual([1 / 3, 2 / 3, 1]);
    expect(map.x[0]).toBeCloseTo(0.2, 12);
    expect(map.x[1]).toBeCloseTo(0.5, 12);
    expect(map.x[2]).toBeCloseTo(0.7, 12);
    // Between block points: linear; beyond the ends: the end values (99% map + 1% raw).
    const mix = (q: number, raw: number) => (1 - TIE_BREAK) * q + TIE_BREAK * raw;
    expect(applyCalibration(map, 0.35)).toBeCloseTo(mix(0.5, 0.35), 12);
    expect(applyCalibration(map, 0.05)).toBeCloseTo(mix(1 / 3, 0.05), 12);
    expect(applyCalibration(map, 0.9)).toBeCloseTo(mix(0.995, 0.9), 12);
  });

  it('pools ties in the raw score into one block, whatever their order', () => {
    const a = fitIsotonic([0.5, 0.5, 0.2], [1, 0, 0]);
    const b = fitIsotonic([0.5, 0.2, 0.5], [0, 0, 1]);
    expect(a).toEqual(b);
    if (a.kind === 'isotonic') expect(a.y).toEqual([0, 0.5]);
  });

  it('is non-decreasing, and strictly increasing once applied, on random data', () => {
    const rand = seededRandom(7);
    const p = Array.from({ length: 500 }, () => rand());
    const y = p.map((v) => (rand() < v * v ? 1 : 0));
    const map = fitIsotonic(p, y);
    if (map.kind !== 'isotonic') throw new Error('isotonic expected');
    for (let k = 1; k < map.y.length; k++) {
      expect(map.y[k]!).toBeGreaterThanOrEqual(map.y[k - 1]!);
      expect(map.x[k]!).toBeGreaterThan(map.x[k - 1]!);
    }
    let prev = -1;
    for (let v = 0; v <= 1; v += 0.01) {
      const c = applyCalibration(map, v);
      expect(c).toBeGreaterThan(prev);
      expect(c).toBeGreaterThanOrEqual(0.005 * (1 - TIE_BREAK));
      expect(c).toBeLessThanOrEqual(0.995 * (1 - TIE_BREAK) + TIE_BREAK);
      prev = c;
    }
    // In-sample it removes the miscalibration of p (the truth is p²).
    const calibrated = p.map((v) => applyCalibration(map, v));
    expect(ece(calibrated, y)).toBeLessThan(ece(p, y) / 3);
  });
});

describe('Platt scaling', () => {
  it('recovers a known logistic distortion', () => {
    const rand = seededRandom(3);
    const z = Array.from({ length: 4000 }, () => 2 * normal(rand));
    const p = z.map((v) => 1 / (1 + Math.exp(-v))); // raw scores
    const y = z.map((v) => (rand() < 1 / (1 + Math.exp(-(2 * v - 0.5))) ? 1 : 0)); // truth: σ(2·logit(p) − 0.5)
    const map = fitPlatt(p, y);
    if (map.kind !== 'platt') throw new Error('platt expected');
    expect(map.a).toBeGreaterThan(1.7);
    expect(map.a).toBeLessThan(2.3);
    expect(map.b).toBeGreaterThan(-0.8);
    expect(map.b).toBeLessThan(-0.2);
    expect(applyCalibration(null, 0.3)).toBe(0.3);
  });
});

describe('conformal band', () => {
  it('reproduces a hand-computed factor', () => {
    // Per-row factors: 2/4, 6/4, 1/2, 0 → sorted 0, 0.5, 0.5, 1.5; 50% of 5 → the 3rd: 0.5.
    expect(conformalScale([2, 6, -1, 0], [-2, -2, -2, -2], [4, 4, 4, 4], 0.5)).toBeCloseTo(0.5, 12);
    expect(conformalScale([], [], [], 0.8)).toBe(1);
    // Half a day of slack: a residual of 2.5 against an end of 4 needs 2/4.
    expect(conformalScale([2.5], [-4], [4], 0.5, 0.5)).toBeCloseTo(0.5, 12);
  });

  it('covers the nominal share of new residuals from the same distribution', () => {
    const rand = seededRandom(21);
    const draw = (n: number) => Array.from({ length: n }, () => 3 * normal(rand));
    const calib = draw(2000);
    // A band that is too narrow (±1) is widened to cover 80%.
    const c = conformalScale(calib, new Array(2000).fill(-1), new Array(2000).fill(1), 0.8);
    const fresh = draw(20000);
    const covered = fresh.filter((r) => Math.abs(r) <= c).length / fresh.length;
    expect(covered).toBeGreaterThan(0.78);
    expect(covered).toBeLessThan(0.82);
  });

  it('gives a trained model a band near 80% on later synthetic invoices, and a calibrated P(late)', () => {
    const invoices = syntheticInvoices(4000, { seed: 5, start: '2021-01-01', spanDays: 730 });
    const matrix = extractFeatures(invoices);
    const labels = labelsOf(invoices);
    const split = '2022-06-01';
    const train: number[] = [];
    const test: number[] = [];
    invoices.forEach((inv, i) => {
      if (inv.settledDate !== null && inv.settledDate < split) train.push(i);
      if (inv.issueDate >= split && inv.settledDate !== null) test.push(i);
    });
    expect(calibrationFolds(train)).toHaveLength(4);
    const model = trainModel({ matrix, rows: train, ...labels }, RECOMMENDED_SPEC);
    expect(model.calibration?.kind).toBe('platt');
    expect(model.bandScale).toBeGreaterThan(0);
    expect(model.bandScales).toHaveLength(model.residuals.length);
    // Decision 066: the map and the band read only the rows issued 75 days or more before the day
    // after the last training settlement (every one of them in this training set).
    const cut = Math.max(...train.map((i) => labels.settleDay[i]!)) + 1;
    const known = train.filter((i) => labels.issueDay[i]! < cut - 75).length;
    expect(known).toBeLessThan(train.length);
    expect(model.nCalibration).toBe(known);
    const score = compileModel(model);
    let covered = 0;
    const p: number[] = [];
    const y: number[] = [];
    for (const i of test) {
      const s = score(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols));
      const d = labels.daysToSettle[i]!;
      if (d >= s.daysLow && d <= s.daysHigh) covered++;
      p.push(s.pLate);
      y.push(labels.late[i]!);
    }
    expect(covered / test.length).toBeGreaterThan(0.74);
    expect(covered / test.length).toBeLessThan(0.88);
    expect(ece(p, y)).toBeLessThan(0.06);
  });
});

describe('calibrationSample', () => {
  it('keeps every row up to the cap and an even stride above it', () => {
    const small = [3, 1, 4, 1, 5];
    expect(calibrationSample(small, 10)).toBe(small);
    const rows = Array.from({ length: 100 }, (_, i) => i * 2);
    const s = Array.from(calibrationSample(rows, 10));
    expect(s).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
  });
});

describe('conformalFactors (decision 057: one band factor per history bucket)', () => {
  const buckets: ResidualBucket[] = [0, 1, 3, 6, 12].map((minHistory) => ({ minHistory, n: 0, percentiles: [] }));
  // Bucket 0 (no history): 50 rows with wide residuals; bucket 12+: 50 rows with narrow ones;
  // bucket 1–2: 10 rows only (too few for its own factor). Every row's band is ±5 days.
  const hist: number[] = [];
  const r: number[] = [];
  for (let j = 1; j <= 50; j++) {
    hist.push(0);
    r.push(j % 2 ? j / 5 : -j / 5);
  }
  for (let j = 1; j <= 50; j++) {
    hist.push(12 + (j % 5));
    r.push(j % 2 ? j / 25 : -j / 25);
  }
  for (let j = 1; j <= 10; j++) {
    hist.push(1 + (j % 2));
    r.push(30);
  }
  const lo = r.map(() => -5);
  const hi = r.map(() => 5);
  const pooled = conformalScale(r, lo, hi, 0.8, 0.5);
  const f = conformalFactors(buckets, hist, r, lo, hi, pooled);
  const own = (from: number, to: number) => {
    const idx = hist.flatMap((h, j) => (h >= from && h < to ? [j] : []));
    return conformalScale(idx.map((j) => r[j]!), idx.map((j) => lo[j]!), idx.map((j) => hi[j]!), 0.8, 0.5);
  };

  it("reads each bucket's factor on that bucket's rows only", () => {
    expect(f).toHaveLength(buckets.length);
    expect(f[0]).toBe(own(0, 1));
    expect(f[4]).toBe(own(12, Number.POSITIVE_INFINITY));
    expect(f[0]).toBeGreaterThan(f[4]! * 4); // wide residuals without history, narrow with it
  });

  it('gives a bucket with too few rows (or none) the pooled factor', () => {
    expect(f[1]).toBe(pooled); // 10 rows
    expect(f[2]).toBe(pooled); // none
    expect(f[3]).toBe(pooled);
  });

  it('covers at least 80% of each large bucket once its band is scaled', () => {
    for (const [k, from, to] of [
      [0, 0, 1],
      [4, 12, Number.POSITIVE_INFINITY],
    ] as const) {
      const idx = hist.flatMap((h, j) => (h >= from && h < to ? [j] : []));
      const inside = idx.filter((j) => Math.abs(r[j]!) - 0.5 <= 5 * f[k]! + 1e-9).length;
      expect(inside / idx.length).toBeGreaterThanOrEqual(0.8);
    }
  });
});

describe('recentFilter (decision 066: calibrate on rows whose outcome was sure to be known)', () => {
  // 100 training rows issued on days 0…99, each settled 10 days later: the cut is day 110.
  const rows = Array.from({ length: 100 }, (_, i) => i);
  const issueDay = rows.map((i) => i);
  const settleDay = rows.map((i) => i + 10);
  const set = { rows, issueDay, settleDay };

  it('reads every row without a window', () => {
    const use = recentFilter(set, undefined);
    expect(rows.every(use)).toBe(true);
  });

  it('leaves out the rows issued within the lag before the cut, and those before the window', () => {
    const lagOnly = recentFilter(set, { lagDays: 30, days: null });
    expect(rows.filter(lagOnly)).toEqual(rows.filter((i) => i < 80)); // issued before day 110 − 30
    const window = recentFilter(set, { lagDays: 20, days: 70 });
    expect(rows.filter(window)).toEqual(rows.filter((i) => i >= 20 && i < 90)); // [110 − 20 − 70, 110 − 20)
  });

  it('falls back to every row when the window holds too few to read a map on', () => {
    const tiny = recentFilter(set, { lagDays: 80, days: null }); // 30 rows only
    expect(rows.every(tiny)).toBe(true);
  });
});

describe('conformalFactors with a coverage target above 80% (decision 066)', () => {
  const buckets: ResidualBucket[] = [0, 1].map((minHistory) => ({ minHistory, n: 0, percentiles: [] }));
  const rand = seededRandom(9);
  const hist = Array.from({ length: 200 }, (_, j) => (j < 100 ? 0 : 5));
  const r = hist.map((h) => normal(rand) * (h === 0 ? 8 : 3));
  const lo = r.map(() => -4);
  const hi = r.map(() => 4);
  const at80 = conformalFactors(buckets, hist, r, lo, hi, conformalScale(r, lo, hi, 0.8, 0.5));
  const at90 = conformalFactors(buckets, hist, r, lo, hi, conformalScale(r, lo, hi, 0.9, 0.5), 0.9);

  it('widens every bucket and covers the target share of its rows', () => {
    for (const k of [0, 1]) {
      expect(at90[k]!).toBeGreaterThan(at80[k]!);
      const idx = hist.flatMap((h, j) => (k === 0 ? h === 0 : h > 0) ? [j] : []);
      const inside = idx.filter((j) => Math.abs(r[j]!) - 0.5 <= 4 * at90[k]! + 1e-9).length;
      expect(inside / idx.length).toBeGreaterThanOrEqual(0.9);
    }
  });
});
