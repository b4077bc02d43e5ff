/** Amounts in their currency, days and percentages for the analytics pages. */
import { todayIn } from '../../../../kernel/dates';
import { currencyExponent } from '../../../../kernel/money';
import { appNow } from '../../clock';

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

/**
 * A date in a list: '12 Jul' in the current year, '12 Jul 2025' in any other. "Current" is the
 * year of today in the organisation's time zone on the app's clock (pass `today` to pin it).
 */
export function formatListDate(iso: string | null, timeZone = 'UTC', today: string = todayIn(timeZone, appNow())): string {
  if (!iso) return '—';
  const day = iso.slice(0, 10);
  const d = new Date(`${day}T00:00:00Z`);
  const sameYear = day.slice(0, 4) === today.slice(0, 4);
  return new Intl.DateTimeFormat('en-GB', sameYear ? { day: 'numeric', month: 'short', timeZone: 'UTC' } : { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
}

/**
 * An exchange rate as people write it, from the exact decimal text the API sends: trailing zeros
 * dropped, at least two decimals kept ('1.2700000000' → '1.27', '0.8000000000' → '0.80',
 * '0.0067120000' → '0.006712'). No float arithmetic: the text is trimmed, not re-computed.
 */
export function formatRate(value: string | null | undefined): string {
  if (value === null || value === undefined || !/^-?\d+(\.\d+)?$/.test(value.trim())) return '—';
  const [whole, frac = ''] = value.trim().split('.');
  const digits = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${digits}`;
}

/** A blank figure's '—' with the reason it is blank, or the figure formatted. */
export function figureOrReason(value: number | null, format: (v: number | null) => string, why: string | undefined): { text: string; why: string | null } {
  return value === null ? { text: '—', why: why ?? 'Not available for this period' } : { text: format(value), why: null };
}

export function formatMonth(month: string): string {
  return new Intl.DateTimeFormat('en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));
}

/** "7 December 2026": an invoice's issue date in words. */
function longDay(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
}

/**
 * How a person names an invoice: its number, or — when the ledger gave it none — "Invoice of
 * 7 December 2026, £480.00" (its issue date and amount), never the ledger's internal id.
 */
/** An invoice's state in words (the list's `open` / `overdue` / `paid` are never shown as they are). */
export const INVOICE_STATUS_WORDS: Record<'open' | 'overdue' | 'paid', string> = { open: 'Open', overdue: 'Overdue', paid: 'Paid' };

export function invoiceName(inv: { number: string | null; issueDate: string | null; total: number; currency: string }): string {
  if (inv.number) return inv.number;
  const amount = formatMoney(inv.total, inv.currency);
  return inv.issueDate ? `Invoice of ${longDay(inv.issueDate)}, ${amount}` : `Invoice of ${amount}`;
}

/** The same as a choice in a list of invoices: "Invoice INV-101", or "Invoice of 7 December 2026, £480.00". */
export function invoiceChoiceLabel(inv: { number: string | null; issueDate: string | null; total: number; currency: string }): string {
  return inv.number ? `Invoice ${inv.number}` : invoiceName(inv);
}
