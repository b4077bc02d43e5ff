import { describe, expect, it } from 'vitest';
import { type HelpInput, needsHelp } from './needs-help';

const healthy = (over: Partial<HelpInput> = {}): HelpInput => ({
  dso: 40,
  cei: 90,
  arEnd: 10000,
  aging: { current: 8000, d1_30: 1000, d31_60: 1000, d61_90: 0, d91_plus: 0 },
  ...over,
});

describe('needsHelp', () => {
  it('does not flag a healthy client', () => {
    expect(needsHelp(healthy(), healthy())).toEqual({ flag: false, reasons: [] });
  });

  it('flags DSO up more than 15% in 90 days, in plain words', () => {
    expect(needsHelp(healthy({ dso: 50 }), healthy({ dso: 41 }))).toEqual({ flag: true, reasons: ['DSO up 22% in 90 days (41 → 50 days)'] });
    // exactly 15% is not more than 15%
    expect(needsHelp(healthy({ dso: 46 }), healthy({ dso: 40 })).flag).toBe(false);
    // 15.2% is: shown with a decimal so it does not read "15%"
    expect(needsHelp(healthy({ dso: 46.08 }), healthy({ dso: 40 })).reasons).toEqual(['DSO up 15.2% in 90 days (40 → 46 days)']);
  });

  it('flags CEI below 80 and more than 25% of A/R past 60 days', () => {
    const r = needsHelp(healthy({ cei: 72.4, arEnd: 10000, aging: { current: 5000, d1_30: 1000, d31_60: 1000, d61_90: 1000, d91_plus: 2000 } }), null);
    expect(r).toEqual({ flag: true, reasons: ['CEI 72% is below 80%', '30% of receivables are more than 60 days past due (limit 25%)'] });
    // exactly 25% does not fire
    expect(needsHelp(healthy({ aging: { current: 7500, d1_30: 0, d31_60: 0, d61_90: 2500, d91_plus: 0 } }), null).flag).toBe(false);
  });

  it('takes per-firm thresholds', () => {
    const r = needsHelp(healthy({ dso: 44, cei: 85 }), healthy({ dso: 40 }), { dsoIncreasePct: 5, ceiBelow: 90 });
    expect(r.reasons).toEqual(['DSO up 10% in 90 days (40 → 44 days)', 'CEI 85% is below 90%']);
  });

  it('skips rules whose inputs are undefined', () => {
    const r = needsHelp(healthy({ dso: null, cei: null, arEnd: 0, aging: { current: 0, d1_30: 0, d31_60: 0, d61_90: 0, d91_plus: 0 } }), healthy({ dso: 10 }));
    expect(r).toEqual({ flag: false, reasons: [] });
    expect(needsHelp(healthy({ dso: 30 }), healthy({ dso: 0 })).flag).toBe(false);
    expect(needsHelp(healthy({ dso: 30 }), null).flag).toBe(false);
  });
});
