/** The analytics pages' pure formatting: rates from exact decimal text, list dates with the year when it is not this year, blank figures with a reason. */
import { describe, expect, it } from 'vitest';
import { todayIn } from '../../kernel/dates';
import { figureOrReason, formatDays, formatListDate, formatRate } from '../../client/src/components/analytics/format';

describe('formatRate', () => {
  it('drops trailing zeros but keeps two decimals, from the text (never a float)', () => {
    expect(formatRate('1.2700000000')).toBe('1.27');
    expect(formatRate('0.8000000000')).toBe('0.80');
    expect(formatRate('1.0000000000')).toBe('1.00');
    expect(formatRate('0.0067120000')).toBe('0.006712');
    expect(formatRate('1.2345678901')).toBe('1.2345678901');
    expect(formatRate('1500.5')).toBe('1,500.50');
    expect(formatRate('2')).toBe('2.00');
    expect(formatRate(null)).toBe('—');
    expect(formatRate('not a rate')).toBe('—');
  });
});

describe('formatListDate', () => {
  it('leaves the year out in the current year and writes it in any other', () => {
    expect(formatListDate('2026-03-04', 'UTC', '2026-11-20')).toBe('4 Mar');
    expect(formatListDate('2025-12-31', 'UTC', '2026-01-02')).toBe('31 Dec 2025');
    expect(formatListDate('2027-01-15', 'UTC', '2026-12-30')).toBe('15 Jan 2027');
    expect(formatListDate(null, 'UTC', '2026-01-02')).toBe('—');
  });

  it('takes "this year" from today in the organisation’s time zone on the app clock', () => {
    // 2026-12-31T20:00Z is already 1 January 2027 in Auckland, still 31 December in New York.
    const at = new Date('2026-12-31T20:00:00Z');
    const today = (tz: string) => todayIn(tz, at);
    expect(formatListDate('2026-06-01', 'Pacific/Auckland', today('Pacific/Auckland'))).toBe('1 Jun 2026');
    expect(formatListDate('2026-06-01', 'America/New_York', today('America/New_York'))).toBe('1 Jun');
  });
});

describe('figureOrReason', () => {
  it('a blank figure is a dash with the reason; a figure is formatted and has none', () => {
    expect(figureOrReason(null, formatDays, 'No invoices paid in this period')).toEqual({ text: '—', why: 'No invoices paid in this period' });
    expect(figureOrReason(null, formatDays, undefined)).toEqual({ text: '—', why: 'Not available for this period' });
    expect(figureOrReason(12.5, formatDays, undefined)).toEqual({ text: '12.5 d', why: null });
    expect(figureOrReason(0, formatDays, 'ignored')).toEqual({ text: '0 d', why: null });
  });
});
