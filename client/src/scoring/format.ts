/** Money, percentages and dates for the scoring views. */
import { currencyExponent } from '../../../kernel/money';
import { formatListDate } from '../components/analytics/format';

const money = new Map<string, Intl.NumberFormat>();

/** `digits` defaults to the currency's ISO 4217 places (0 for JPY, 3 for BHD, else 2). */
export function formatMoney(amount: number, currency: string, digits = currencyExponent(currency)): string {
  const key = `${currency}:${digits}`;
  let f = money.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-GB', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    } catch {
      f = new Intl.NumberFormat('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    }
    money.set(key, f);
  }
  return f.format(amount);
}

export function formatCompact(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 }).format(amount);
  } catch {
    return String(Math.round(amount));
  }
}

/** A probability as a whole percentage; never a misleading 0% or 100%. */
export const percent = (p: number) => (p >= 0.995 ? '>99%' : p < 0.005 ? '<1%' : `${Math.round(p * 100)}%`);

const dayYear = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** '2026-07-12' → '12 Jul' in the current year (in `timeZone`, on the app's clock), '12 Jul 2026' in another. */
export function shortDate(iso: string | null, timeZone = 'UTC'): string {
  return formatListDate(iso, timeZone);
}

export function longDate(iso: string | null): string {
  return iso ? dayYear.format(new Date(`${iso}T00:00:00Z`)) : '—';
}
