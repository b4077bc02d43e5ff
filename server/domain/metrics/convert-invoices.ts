import { mulRate } from '../../../kernel/money';
import { type MetricInvoice, MetricsError } from './types';

/**
 * Convert invoices into one reporting currency so they can be summed.
 *
 * `rates[c]` is the exact decimal number of reporting-currency units per one unit of
 * currency `c` (e.g. `{ EUR: '1.0850' }` to report in USD); invoices already in the
 * reporting currency are passed through unchanged. Minor units are multiplied by the rate
 * with money.mulRate (half-even), so both currencies must have 2-decimal minor units.
 *
 * Settlements are converted cumulatively (each one is the difference between the converted
 * running totals), so an invoice settled in full stays settled in full after conversion
 * and no rounding cent is left outstanding. The returned settlements are in date order.
 * Throws MetricsError when a rate is missing.
 */
export function convertInvoices(invoices: readonly MetricInvoice[], rates: Readonly<Record<string, string>>, reportingCurrency: string): MetricInvoice[] {
  return invoices.map((inv) => {
    if (inv.currency === reportingCurrency) return inv;
    const rate = Object.hasOwn(rates, inv.currency) ? rates[inv.currency] : undefined;
    if (rate === undefined) throw new MetricsError(`no exchange rate from ${inv.currency} to ${reportingCurrency} (invoice ${inv.id})`);
    const ordered = inv.settlements
      .map((s, i) => ({ s, i }))
      .sort((a, b) => (a.s.date < b.s.date ? -1 : a.s.date > b.s.date ? 1 : a.i - b.i));
    let cum = 0;
    let convertedCum = 0;
    const settlements = ordered.map(({ s }) => {
      cum += s.amount;
      const next = mulRate(cum, rate);
      const amount = next - convertedCum;
      convertedCum = next;
      return { date: s.date, amount };
    });
    return { ...inv, currency: reportingCurrency, total: mulRate(inv.total, rate), settlements };
  });
}
