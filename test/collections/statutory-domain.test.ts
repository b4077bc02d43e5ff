/**
 * Statutory interest and compensation, against amounts worked out by hand (the working is in each
 * comment). Rates from the built-in table (server/collections/statutory.ts).
 */
import { describe, expect, it } from 'vitest';
import { assessLateFees } from '../../server/domain/collections/lateFees';
import { addRates, divHalfEven, simpleInterestHalfEven } from '../../server/domain/collections/rates';
import { BUILT_IN_RATES, cleanRate, compensation, mergeRates, referenceDate, statutoryClaim, statutoryRate } from '../../server/collections/statutory';

describe('statutory interest (pure)', () => {
  it('UK, debt due in the first half-year: base rate on 31 December before + 8%', () => {
    // £5,000 due 15 March 2025, assessed 13 June 2025: 16 (Mar 16–31) + 30 + 31 + 13 = 90 days late.
    // Reference date 31 Dec 2024: base rate 4.75% (from 7 Nov 2024) + 8 = 12.75%.
    // 5,000 × 0.1275 × 90 / 365 = 637.5 × 90 / 365 = 157.1918… → £157.19; compensation £70 (£1,000–£9,999.99).
    expect(referenceDate('uk', '2025-03-15')).toBe('2024-12-31');
    expect(statutoryRate(BUILT_IN_RATES, 'uk', '2025-03-15')).toEqual({ referenceDate: '2024-12-31', referenceRate: '4.75', ratePct: '12.75' });
    const c = statutoryClaim(BUILT_IN_RATES, 'uk', 500_000, '2025-03-15', '2025-06-13');
    expect(c).toMatchObject({ daysLate: 90, interest: 15_719, compensation: 7000, missingRateOn: null });
    expect(c.pieces).toHaveLength(1);
  });

  it('UK, debt due in the second half-year: base rate on 30 June, fixed for the debt even after the Bank cuts', () => {
    // £12,000 due 20 August 2025 (after the cut to 4% on 7 Aug), assessed 19 October 2025:
    // 11 (Aug 21–31) + 30 + 19 = 60 days. Reference date 30 June 2025: 4.25% + 8 = 12.25%.
    // 12,000 × 0.1225 × 60 / 365 = 1,470 × 60 / 365 = 241.6438… → £241.64; compensation £100 (≥ £10,000).
    expect(referenceDate('uk', '2025-08-20')).toBe('2025-06-30');
    const c = statutoryClaim(BUILT_IN_RATES, 'uk', 1_200_000, '2025-08-20', '2025-10-19');
    expect(c).toMatchObject({ daysLate: 60, interest: 24_164, compensation: 10_000 });
    expect(c.pieces[0]).toMatchObject({ ratePct: '12.25', referenceRate: '4.25' });
  });

  it('UK compensation bands: under £1,000 £40, to £9,999.99 £70, from £10,000 £100', () => {
    expect(compensation('uk', 99_999)).toBe(4000);
    expect(compensation('uk', 100_000)).toBe(7000);
    expect(compensation('uk', 999_999)).toBe(7000);
    expect(compensation('uk', 1_000_000)).toBe(10_000);
    expect(statutoryClaim(BUILT_IN_RATES, 'uk', 50_000, '2025-03-15', '2025-03-15')).toMatchObject({ daysLate: 0, interest: 0, compensation: 0 });
  });

  it('EU: ECB rate on the first day of each half-year + 8 points, €40', () => {
    // €10,000 due 20 May 2025, assessed 18 August 2025 (90 days):
    //  21 May–30 Jun: 11 + 30 = 41 days at 3.15% (ECB on 1 Jan 2025) + 8 = 11.15%: 1,115 × 41 / 365 = 125.2466… → €125.25
    //  1 Jul–18 Aug:  31 + 18 = 49 days at 2.15% (ECB on 1 Jul 2025) + 8 = 10.15%: 1,015 × 49 / 365 = 136.2603… → €136.26
    //  interest €261.51; compensation €40.
    const c = statutoryClaim(BUILT_IN_RATES, 'eu', 1_000_000, '2025-05-20', '2025-08-18');
    expect(c.pieces.map((p) => [p.from, p.to, p.days, p.ratePct, p.interest])).toEqual([
      ['2025-05-21', '2025-06-30', 41, '11.15', 12_525],
      ['2025-07-01', '2025-08-18', 49, '10.15', 13_626],
    ]);
    expect(c).toMatchObject({ daysLate: 90, interest: 26_151, compensation: 4000 });
  });

  it('rounds half to even, adds rates exactly, reads rates as typed', () => {
    expect(simpleInterestHalfEven(365, '10', 5)).toBe(0); // 0.5 → 0
    expect(simpleInterestHalfEven(1095, '10', 5)).toBe(2); // 1.5 → 2
    expect(divHalfEven(-5n, 2n)).toBe(-2n);
    expect(addRates('4.75', '8')).toBe('12.75');
    expect(addRates('3.65', '8')).toBe('11.65');
    expect(cleanRate('4.750')).toBe('4.75');
    expect(cleanRate('5.00')).toBe('5');
    expect(cleanRate('100')).toBeNull();
    expect(cleanRate('4,75')).toBeNull();
  });

  it('a firm row corrects a built-in day and adds a new one; no row that far back means no rate', () => {
    const merged = mergeRates(BUILT_IN_RATES, [
      { jurisdiction: 'uk', effectiveFrom: '2024-11-07', rate: '4.5' },
      { jurisdiction: 'uk', effectiveFrom: '2026-02-05', rate: '3.5' },
    ]);
    expect(merged.find((r) => r.effectiveFrom === '2024-11-07')).toMatchObject({ rate: '4.5', origin: 'edited' });
    expect(merged.find((r) => r.effectiveFrom === '2026-02-05')).toMatchObject({ origin: 'added' });
    expect(statutoryRate(merged, 'uk', '2025-03-15')?.ratePct).toBe('12.5');
    expect(statutoryRate(merged, 'uk', '2026-08-01')?.ratePct).toBe('11.5');
    expect(statutoryRate(BUILT_IN_RATES, 'uk', '2020-01-10')).toBeNull();
  });

  it('the assessment posts compensation once and interest per completed month at the statutory rate', () => {
    // Same £5,000 invoice, assessed 13 June 2025: Mar 16 days 637.5×16/365 = 27.945… → 27.95;
    // Apr 30 days 52.397… → 52.40; May 31 days 54.143… → 54.14. June is not complete.
    const rate = statutoryRate(BUILT_IN_RATES, 'uk', '2025-03-15')!.ratePct;
    const rules = { kind: 'uk_statutory' as const, flat: 0, percent: '0', annualRatePct: '0', graceDays: 0, minimum: 0, cap: null, period: 'once' as const, minimumInvoiceDue: 0, statutory: { ratePctFor: () => rate, compensation: 7000 } };
    const a = assessLateFees({ amountDue: 500_000, dueDate: '2025-03-15' }, rules, '2025-06-13', []);
    expect(a.fees.map((f) => [f.periodKey, f.amount])).toEqual([
      ['compensation', 7000],
      ['2025-03', 2795],
      ['2025-04', 5240],
      ['2025-05', 5414],
    ]);
    const again = assessLateFees({ amountDue: 500_000, dueDate: '2025-03-15' }, rules, '2025-06-13', a.fees.map((f) => ({ periodKey: f.periodKey, amount: f.amount })));
    expect(again).toMatchObject({ fees: [], skipped: 'nothing_due' });
    expect(assessLateFees({ amountDue: 500_000, dueDate: '2025-03-15' }, { ...rules, statutory: null, statutorySkip: 'other_currency' as const }, '2025-06-13', [])).toMatchObject({ fees: [], skipped: 'other_currency' });
  });
});
