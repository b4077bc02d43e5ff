/** The debtor's pay-page API (/pay-api, no session): summary, checkout, promise, dispute. */
import { currencyExponent } from '../../../kernel/money';
// The pay page's wire shapes are the server's own (type-only imports: nothing of the server is bundled).
import type { PayInvoice, PaySummary } from '../../../server/pay/summary';

export type { PayInvoice, PaySummary };

export class PayApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A validation failure's problems by field key (for placing them; the key is never shown). */
    readonly fields: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export async function payApi<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/pay-api/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    credentials: 'omit',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const error = (data as { error?: { message?: string; fields?: { field: string; message: string }[] } } | null)?.error;
    throw new PayApiError(res.status, error?.message ?? 'Something went wrong. Please try again in a minute.', Array.isArray(error?.fields) ? error.fields : []);
  }
  return data as T;
}

function locale(countryCode: string | null): string {
  return countryCode && /^[A-Z]{2}$/i.test(countryCode) ? `en-${countryCode.toUpperCase()}` : 'en-GB';
}

export function money(amount: string, currency: string, countryCode: string | null): string {
  try {
    // Display only: the amounts themselves are exact decimal strings from the server, shown
    // with exactly the currency's ISO 4217 places (¥1,200, BHD 12.345, £125.50).
    const places = currencyExponent(currency);
    return new Intl.NumberFormat(locale(countryCode), { style: 'currency', currency, minimumFractionDigits: places, maximumFractionDigits: places }).format(amount as unknown as number);
  } catch {
    return `${currency} ${amount}`;
  }
}

export function day(date: string | null, countryCode: string | null): string {
  if (!date) return '—';
  return new Intl.DateTimeFormat(locale(countryCode), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}
