/** The debtor's pay-page API (/pay-api, no session): summary, checkout, promise, dispute. */
import { formatDateIn } from '../../../kernel/locale';
import { formatMoneyIn, parseAmount } from '../../../kernel/money';
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

/**
 * An exact decimal amount for people in `locale` ("1 234,56 €" fr-FR): parsed to the currency's
 * minor units and formatted by kernel/money (Intl, with exactly the currency's ISO 4217 places:
 * ¥1,200, BHD 12.345, £125.50). Display only: amounts themselves are the server's decimal strings.
 */
export function money(amount: string, currency: string, locale: string): string {
  try {
    return formatMoneyIn(parseAmount(amount, currency, true), currency, locale);
  } catch {
    return `${currency} ${amount}`;
  }
}

/** A calendar date in `locale` ("7 Dec 2026" in English, "7 décembre 2026" in French). */
export function day(date: string | null, locale: string): string {
  return date ? formatDateIn(date, locale) : '—';
}
