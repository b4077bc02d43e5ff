import { describe, expect, it } from 'vitest';
import { countbackDays } from './countback';

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
