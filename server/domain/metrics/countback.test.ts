import { describe, expect, it } from 'vitest';
import { countbackAdd, countbackDays, countbackSegments } from './countback';

describe('countbackDays', () => {
  it('stops inside the first segment when its sales exceed A/R', () => {
    // 50 / 200 × 31 = 7.75
    expect(countbackDays(50, [{ sales: 200, days: 31 }])).toBe(7.75);
  });

  it('counts whole segments while sales fit, an exact fit ends there', () => {
    expect(countbackDays(300, [{ sales: 100, days: 31 }, { sales: 200, days: 30 }, { sales: 999, days: 31 }])).toBe(61);
  });

  it('a segment without sales fits and adds its days', () => {
    // 0 fits (31 days); then 100 / 400 × 30 = 7.5
    expect(countbackDays(100, [{ sales: 0, days: 31 }, { sales: 400, days: 30 }])).toBe(38.5);
  });

  it('no A/R: 0 days when there were sales, null when there never were', () => {
    expect(countbackDays(0, [{ sales: 0, days: 10 }, { sales: 5, days: 30 }])).toBe(0);
    expect(countbackDays(0, [{ sales: 0, days: 10 }])).toBeNull();
    expect(countbackDays(0, [])).toBeNull();
  });

  it('A/R that the sales history cannot explain is null', () => {
    expect(countbackDays(500, [{ sales: 100, days: 31 }, { sales: 100, days: 30 }])).toBeNull();
  });
});

describe('countbackAdd and countbackSegments', () => {
  it('walks the part of the last month, then whole months back to the first sale', () => {
    const sales = [
      { issueDate: '2023-11-15', total: 600_000 },
      { issueDate: '2024-01-05', total: 100_000 },
      { issueDate: '2024-02-10', total: 1_000 },
      { issueDate: '2024-03-02', total: 5 }, // after `to`: not a sale yet
    ];
    expect(countbackSegments(sales, '2024-02-29')).toEqual([
      { sales: 1_000, days: 29 },
      { sales: 100_000, days: 31 },
      { sales: 0, days: 31 },
      { sales: 600_000, days: 30 },
    ]);
    expect(countbackSegments([], '2024-02-15')).toEqual([{ sales: 0, days: 15 }]);
  });

  it('is countback DSO of the balance minus countback DSO of its current part, rounded once', () => {
    const segments = [
      { sales: 1_000, days: 29 },
      { sales: 100_000, days: 31 },
      { sales: 0, days: 31 },
      { sales: 600_000, days: 30 },
    ];
    // AR 601,000: 29 + 31 + 31 days, then 500,000 / 600,000 × 30 = 25 → 116. Current 1,000: 29. ADD 87.
    expect(countbackDays(601_000, segments)).toBe(116);
    expect(countbackAdd(601_000, 1_000, segments)).toBe(87);
    // 100 / 300 × 31 − 50 / 300 × 31 = 5.1666… → 5.17, rounded once (rounding each walk first would give 10.33 − 5.17 = 5.16).
    expect(countbackAdd(100, 50, [{ sales: 300, days: 31 }])).toBe(5.17);
    expect(countbackAdd(0, 0, segments)).toBe(0);
    expect(countbackAdd(0, 0, [{ sales: 0, days: 29 }])).toBeNull();
    expect(countbackAdd(500, 0, [{ sales: 100, days: 29 }])).toBeNull();
  });
});
