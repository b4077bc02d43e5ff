import { describe, expect, it } from 'vitest';
import { computeMetrics } from './compute-metrics';
import { convertInvoices } from './convert-invoices';
import { invoice, m } from './test-invoice';

describe('convertInvoices', () => {
  const eur = invoice('2024-01-10', '2024-02-09', '100.00', [
    ['2024-01-20', '33.33'],
    ['2024-01-25', '33.33'],
    ['2024-02-01', '33.34'],
  ], 'EUR');
  const usd = invoice('2024-01-05', '2024-02-04', '50.00', [], 'USD');

  it('converts exactly with the decimal rate and keeps a settled invoice settled', () => {
    const [converted] = convertInvoices([eur], { EUR: '1.1' }, 'USD');
    expect(converted!.currency).toBe('USD');
    expect(converted!.total).toBe(m('110.00'));
    // cumulative: 33.33 × 1.1 = 36.663 → 36.66; 66.66 × 1.1 = 73.326 → 73.33; 100 × 1.1 = 110.00
    // so the parts are 36.66, 36.67, 36.67 (converting each alone would give 36.66 + 36.66 + 36.67 = 109.99)
    expect(converted!.settlements.map((s) => s.amount)).toEqual([m('36.66'), m('36.67'), m('36.67')]);
    const r = computeMetrics([converted!], { from: '2024-01-01', to: '2024-02-29' });
    expect(r.arEnd).toBe(0);
    expect(r.dbt).toBe(0);
  });

  it('leaves reporting-currency invoices as they are and sums a converted mix exactly', () => {
    const converted = convertInvoices([eur, usd], { EUR: '1.0850' }, 'USD');
    expect(converted[1]).toBe(usd);
    expect(converted[0]!.total).toBe(m('108.50'));
    const r = computeMetrics(converted, { from: '2024-01-01', to: '2024-01-31' });
    expect(r.currency).toBe('USD');
    expect(r.creditSales).toBe(m('158.50'));
    // EUR balance at Jan 31 = 100 − 66.66 = 33.34 EUR; converted cumulatively: 108.50 − 72.33 (66.66 × 1.085 = 72.3261) = 36.17
    expect(r.arEnd).toBe(m('36.17') + m('50.00'));
  });

  it('refuses an invoice whose currency has no rate', () => {
    expect(() => convertInvoices([eur], { GBP: '1.27' }, 'USD')).toThrow(/no exchange rate from EUR to USD/);
    expect(() => convertInvoices([eur], {}, 'USD')).toThrow(/no exchange rate/);
  });
});
