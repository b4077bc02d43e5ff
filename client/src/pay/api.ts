/** The debtor's pay-page API (/pay-api, no session): summary, checkout, promise, dispute. */
import { currencyExponent } from '../../../kernel/money';

export interface PayInvoice {
  id: string;
  number: string;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  total: string;
  amountDue: string;
  ledgerStatus: string;
  /** The ledger's own online invoice (Xero OnlineInvoice, QuickBooks InvoiceLink), when there is one. */
  onlineUrl: string | null;
  processing: boolean;
  overdue: boolean;
  payNow: string;
  discount: { amount: string; rateBp: number; expiresOn: string } | null;
}

export interface PaySummary {
  organisation: { name: string; countryCode: string | null };
  customer: { name: string };
  scope: 'invoice' | 'statement';
  today: string;
  promiseLatest: string;
  canPay: boolean;
  provider: 'sandbox' | 'stripe' | null;
  invoices: PayInvoice[];
  totals: { currency: string; payNow: string }[];
}

export class PayApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
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
    const message = (data as { error?: { message?: string } } | null)?.error?.message ?? `Request failed (${res.status})`;
    throw new PayApiError(res.status, message);
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
