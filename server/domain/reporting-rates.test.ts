import { describe, expect, it } from 'vitest';
import { mulRate } from '../../kernel/money';
import { chooseRate, invertRate, isStale, type LedgerDocument, missingRateNote, rateFromDocument, rateSourceWords, staleRateWarning } from './reporting-rates';

const doc = (over: Partial<LedgerDocument> = {}): LedgerDocument => ({
  provider: 'xero',
  organisationName: 'Thames Studio',
  number: 'INV-0042',
  issueDate: '2026-11-28',
  currencyRate: '0.8000000000',
  direction: 'direct',
  ...over,
});

describe('invertRate', () => {
  it('inverts exactly at 10 decimal places, half-even', () => {
    expect(invertRate('0.8')).toBe('1.2500000000'); // 10 / 8
    expect(invertRate('0.8000000000')).toBe('1.2500000000');
    expect(invertRate('4')).toBe('0.2500000000');
    expect(invertRate('1.27')).toBe('0.7874015748'); // 100 / 127 = 0.78740157480314… → …748
    expect(invertRate('3')).toBe('0.3333333333'); // 0.333… rounds down
    expect(invertRate('1.5')).toBe('0.6666666667'); // 0.666… rounds up
    expect(invertRate('18.5')).toBe('0.0540540541'); // 10 / 185 = 0.05405405405405… → …0541
  });

  it('rounds a tie to even', () => {
    // 10^8 / 1,600,000 = 62.5 units of 10^-8 → 62; 10^7 / 800,000 = 12.5 → 12; 10^6 / 400,000 = 2.5 → 2.
    expect(invertRate('1600000', 8)).toBe('0.00000062');
    expect(invertRate('800000', 7)).toBe('0.0000012');
    expect(invertRate('400000', 6)).toBe('0.000002');
    expect(invertRate('400000', 7)).toBe('0.0000025'); // exact, no rounding
    // 10^6 / 2,000,000 = 0.5 → 0: an inverse that rounds to nothing is no rate.
    expect(invertRate('2000000', 6)).toBeNull();
  });

  it('has no inverse for zero and refuses what is not a positive decimal', () => {
    expect(invertRate('0')).toBeNull();
    expect(invertRate('0.0000000000')).toBeNull();
    expect(() => invertRate('-1.2')).toThrow();
    expect(() => invertRate('1e3')).toThrow();
  });

  it('converts back within half a unit in the 10th place', () => {
    // GBP 1,000,000.00 at 1 / 1.27: 100000000 × 0.7874015748 = 78740157.48 → 78740157 cents.
    expect(mulRate(100_000_000, invertRate('1.27')!)).toBe(78_740_157);
  });
});

describe('rateFromDocument and chooseRate', () => {
  it('takes a direct rate as it is and inverts the other direction', () => {
    expect(rateFromDocument(doc())).toBe('0.8000000000');
    expect(rateFromDocument(doc({ direction: 'inverse' }))).toBe('1.2500000000');
    expect(rateFromDocument(doc({ currencyRate: '0' }))).toBeNull();
  });

  it('prefers the firm’s entered rate, then the ledger’s, else none', () => {
    expect(chooseRate({ rate: '1.2700000000', asOf: '2021-03-03' }, doc())).toEqual({ value: '1.2700000000', asOf: '2021-03-03', source: 'entered' });
    expect(chooseRate(null, doc({ direction: 'inverse' }))).toEqual({ value: '1.2500000000', asOf: '2026-11-28', source: 'ledger', document: doc({ direction: 'inverse' }) });
    expect(chooseRate(null, null)).toBeNull();
    expect(chooseRate(null, doc({ currencyRate: '0' }))).toBeNull();
  });
});

describe('staleness', () => {
  it('is stale only when more than 45 days old', () => {
    expect(isStale('2026-01-26', '2026-03-12')).toBe(false); // 45 days
    expect(isStale('2026-01-25', '2026-03-12')).toBe(true); // 46 days
    expect(isStale('2026-03-12', '2026-03-12')).toBe(false);
    expect(isStale('2024-02-29', '2024-04-14')).toBe(false); // 45 days across a leap day
    expect(isStale('2024-02-28', '2024-04-14')).toBe(true);
  });
});

describe('words', () => {
  it('says where a rate came from', () => {
    expect(rateSourceWords({ value: '1.27', asOf: '2021-03-03', source: 'entered' })).toBe('entered by your firm, dated 3 March 2021');
    expect(rateSourceWords(chooseRate(null, doc())!)).toBe('from Xero invoice INV-0042 of Thames Studio, 28 November 2026');
    expect(rateSourceWords(chooseRate(null, doc({ provider: 'quickbooks', number: '' }))!)).toBe('from a QuickBooks invoice of Thames Studio, 28 November 2026');
  });

  it('warns about a stale rate in plain words', () => {
    expect(staleRateWarning('EUR', { value: '1.0850000000', asOf: '2021-03-03', source: 'entered' })).toBe('The EUR rate is from 3 March 2021; figures in EUR may be off. Update it under Exchange rates on the Portfolio page.');
    expect(staleRateWarning('GBP', chooseRate(null, doc({ issueDate: '2025-06-30' }))!)).toBe(
      'The GBP rate is from 30 June 2025 (Xero invoice INV-0042 of Thames Studio); figures in GBP may be off. Update it under Exchange rates on the Portfolio page.',
    );
  });

  it('names the organisations left out of the totals and why', () => {
    expect(missingRateNote([], 'USD')).toBeNull();
    expect(missingRateNote([{ name: 'Cape Traders', currency: 'ZAR' }], 'USD')).toBe(
      'Cape Traders (ZAR) is not in these totals: there is no ZAR to USD rate, entered by your firm or found in a ledger. Add one under Exchange rates to include it.',
    );
    expect(
      missingRateNote(
        [
          { name: 'Cape Traders', currency: 'ZAR' },
          { name: 'Durban Ltd', currency: 'ZAR' },
          { name: 'Kiwi Co', currency: 'NZD' },
        ],
        'USD',
      ),
    ).toBe('Cape Traders (ZAR), Durban Ltd (ZAR) and Kiwi Co (NZD) are not in these totals: there is no ZAR or NZD to USD rate, entered by your firm or found in a ledger. Add them under Exchange rates to include them.');
  });
});
