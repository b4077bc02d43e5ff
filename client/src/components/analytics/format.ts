/** Amounts in their currency, days and percentages for the analytics pages. */
import { currencyExponent } from '../../../../kernel/money';

const money = new Map<string, Intl.NumberFormat>();

export function formatMoney(amount: number, currency: string, compact = false): string {
  const key = `${currency}:${compact}`;
  let f = money.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-US', compact ? { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 } : { style: 'currency', currency, minimumFractionDigits: currencyExponent(currency), maximumFractionDigits: currencyExponent(currency) });
    } catch {
      f = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    money.set(key, f);
  }
  return f.format(amount);
}

export function formatDays(value: number | null): string {
  return value === null ? '—' : `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })} d`;
}

export function formatPct(value: number | null): string {
  return value === null ? '—' : `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
}

export function formatDate(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
}

export function formatMonth(month: string): string {
  return new Intl.DateTimeFormat('en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));
}
