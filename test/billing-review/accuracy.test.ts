/** Billing accuracy (server/billing-review/accuracy.ts), worked by hand. */
import { describe, expect, it } from 'vitest';
import { accuracyOf, accuracyTrend, type IssuedInvoice, reasonOf } from '../../server/billing-review/accuracy';

const inv = (issueDate: string, over: Partial<IssuedInvoice> = {}): IssuedInvoice => ({ issueDate, total: 10_000, voidedOn: null, credits: [], ...over });

describe('reasons', () => {
  it('voided within the window, credited in full or in part, or it stood', () => {
    expect(reasonOf(inv('2026-01-10', { voidedOn: '2026-02-09' }), 30)).toBe('voided');
    expect(reasonOf(inv('2026-01-10', { voidedOn: '2026-02-10' }), 30)).toBeNull();
    expect(reasonOf(inv('2026-01-10', { credits: [{ date: '2026-01-20', amount: 4_000 }, { date: '2026-01-25', amount: 6_000 }] }), 30)).toBe('credited_in_full');
    expect(reasonOf(inv('2026-01-10', { credits: [{ date: '2026-01-20', amount: 4_000 }, { date: '2026-03-01', amount: 6_000 }] }), 30)).toBe('credited_in_part');
    expect(reasonOf(inv('2026-01-10', { credits: [{ date: '2026-02-10', amount: 10_000 }] }), 30)).toBeNull();
  });
  it('amended within the window counts as amended; a credit or void takes precedence; later amendments do not count', () => {
    expect(reasonOf(inv('2026-01-10', { amendedOn: '2026-02-09' }), 30)).toBe('amended');
    expect(reasonOf(inv('2026-01-10', { amendedOn: '2026-02-10' }), 30)).toBeNull();
    expect(reasonOf(inv('2026-01-10', { amendedOn: '2026-01-12', credits: [{ date: '2026-01-20', amount: 10_000 }] }), 30)).toBe('credited_in_full');
    expect(reasonOf(inv('2026-01-10', { amendedOn: '2026-01-12', voidedOn: '2026-01-20' }), 30)).toBe('voided');
    const f = accuracyOf([inv('2026-01-10', { amendedOn: '2026-01-11' }), inv('2026-01-11')], '2026-01-01', '2026-01-31', '2026-03-01');
    expect(f).toMatchObject({ counted: 2, accurate: 1, reasons: [{ reason: 'amended', reasonText: 'Amended', count: 1 }] });
  });
});

describe('the rate', () => {
  // January 2026: 10 invoices; 1 voided in time, 1 credited in full, 1 in part, 1 voided late, 6 stood.
  // One more issued 31 January is not 30 days old on 25 February: pending, not counted.
  const jan = [
    inv('2026-01-02', { voidedOn: '2026-01-05' }),
    inv('2026-01-03', { credits: [{ date: '2026-01-04', amount: 10_000 }] }),
    inv('2026-01-04', { credits: [{ date: '2026-01-30', amount: 1 }] }),
    inv('2026-01-05', { voidedOn: '2026-02-20' }),
    ...Array.from({ length: 6 }, (_, i) => inv(`2026-01-${String(10 + i).padStart(2, '0')}`)),
    inv('2026-01-31', { voidedOn: '2026-02-01' }),
  ];
  it('7 of 10 stood: 70.0%, reasons by category, one pending', () => {
    const f = accuracyOf(jan, '2026-01-01', '2026-01-31', '2026-02-25');
    expect(f).toMatchObject({ counted: 10, accurate: 7, pending: 1, rateText: '70.0% (7 of 10 invoices stood for 30 days)' });
    expect(f.rate).toBeCloseTo(0.7, 10);
    expect(f.reasons).toEqual([
      { reason: 'voided', reasonText: 'Voided', count: 1 },
      { reason: 'credited_in_full', reasonText: 'Credited in full', count: 1 },
      { reason: 'credited_in_part', reasonText: 'Credited in part', count: 1 },
    ]);
  });
  it('nothing old enough: no rate, in words', () => {
    expect(accuracyOf(jan, '2026-01-01', '2026-01-31', '2026-01-20')).toMatchObject({ counted: 0, rate: null, rateText: 'No invoices old enough to count yet' });
  });
  it('monthly trend, oldest first, ending with the current month', () => {
    const t = accuracyTrend([...jan, inv('2025-12-15', { voidedOn: '2025-12-16' }), inv('2025-12-16')], '2026-03-10', 4);
    expect(t.map((m) => [m.monthText, m.counted, m.accurate])).toEqual([
      ['December 2025', 2, 1],
      ['January 2026', 11, 7],
      ['February 2026', 0, 0],
      ['March 2026', 0, 0],
    ]);
  });
});
