import { describe, expect, it } from 'vitest';
import { auc, brier, mae, median, quantile, roundOrNull } from './metrics';

describe('auc', () => {
  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });

  it('matches a hand count of concordant pairs', () => {
    // positives 0.8, 0.4; negatives 0.6, 0.3, 0.1 → pairs (pos > neg): 0.8 beats 3, 0.4 beats 2 → 5/6
    expect(auc([0.8, 0.6, 0.4, 0.3, 0.1], [1, 0, 1, 0, 0])).toBeCloseTo(5 / 6, 12);
  });

  it('counts ties as one half (average ranks)', () => {
    // positives 0.5, 0.7; negatives 0.5, 0.2 → (0.5 vs 0.5: ½) + (0.5 vs 0.2: 1) + (0.7 vs both: 2) = 3.5 / 4
    expect(auc([0.5, 0.5, 0.7, 0.2], [true, false, true, false])).toBeCloseTo(3.5 / 4, 12);
    // all scores equal → 0.5
    expect(auc([0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0])).toBe(0.5);
  });

  it('is NaN with one class only', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(auc([], [])).toBeNaN();
  });

  it('does not depend on row order', () => {
    const s = [0.3, 0.9, 0.3, 0.1, 0.7, 0.3];
    const y = [1, 1, 0, 0, 0, 1];
    const perm = [5, 2, 0, 4, 1, 3];
    expect(auc(perm.map((i) => s[i]!), perm.map((i) => y[i]!))).toBeCloseTo(auc(s, y), 12);
  });
});

describe('brier and mae', () => {
  it('brier is the mean squared error of probabilities', () => {
    // (0.9−1)² + (0.2−0)² + (0.6−0)² = 0.01 + 0.04 + 0.36 = 0.41 → /3
    expect(brier([0.9, 0.2, 0.6], [1, 0, 0])).toBeCloseTo(0.41 / 3, 12);
    expect(brier([1, 0], [true, false])).toBe(0);
    expect(brier([], [])).toBeNaN();
  });

  it('mae is the mean absolute error', () => {
    expect(mae([30, 40, 25], [33, 40, 20])).toBeCloseTo(8 / 3, 12);
  });
});

describe('median, quantile, rounding', () => {
  it('median averages the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('quantile interpolates between order statistics', () => {
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1, 12);
    expect(quantile([5, 1, 3], 0)).toBe(1);
    expect(quantile([5, 1, 3], 1)).toBe(5);
  });

  it('rounds for JSON and turns NaN into null', () => {
    expect(roundOrNull(0.123456, 4)).toBe(0.1235);
    expect(roundOrNull(4.105, 2)).toBeCloseTo(4.11, 10);
    expect(roundOrNull(Number.NaN, 4)).toBeNull();
  });
});
