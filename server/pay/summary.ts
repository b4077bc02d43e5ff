/**
 * What the debtor's pay page is sent (`GET /pay-api/:token`): the organisation, the customer, each
 * invoice with what it asks for today (amounts.ts) and the totals per currency, as exact decimal
 * strings. Pure: the route loads the link's view (view.ts) and answers with this. The client
 * imports these types (client/src/pay/api.ts).
 */
import { addDays, type CalendarDate } from '../../kernel/dates';
import type { Language } from '../../kernel/locale';
import { fromMinor } from '../../kernel/money';
import { invoiceDue, m } from './amounts';
import type { PayEnv } from './env';
import type { LinkView } from './view';
import type { AutopaySummary } from '../autopay/core';

/** The latest date a debtor may promise to pay by: this many days from today. */
export const PROMISE_MAX_DAYS = 60;

export interface PayInvoice {
  id: string;
  number: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  total: string;
  amountDue: string;
  ledgerStatus: string;
  /** The ledger's own online invoice (Xero OnlineInvoice, QuickBooks InvoiceLink), when there is one. */
  onlineUrl: string | null;
  processing: boolean;
  overdue: boolean;
  payNow: string;
  discount: { amount: string; rateBp: number; expiresOn: CalendarDate } | null;
}

export interface PaySummary {
  /** `logoUrl`: the organisation's uploaded logo on this server (server/sender/), added by the route. */
  organisation: { name: string; countryCode: string | null; logoUrl?: string | null };
  customer: { name: string };
  /** The customer's language (decision 041); the page offers the others too. */
  language: Language;
  scope: 'invoice' | 'statement';
  today: CalendarDate;
  promiseLatest: CalendarDate;
  canPay: boolean;
  provider: 'sandbox' | 'stripe' | null;
  invoices: PayInvoice[];
  totals: { currency: string; payNow: string }[];
  /** Saved cards and autopay (server/autopay/cards.ts), added by the route. */
  autopay?: AutopaySummary;
}

export function summaryOf(view: LinkView, env: Pick<PayEnv, 'provider'>): PaySummary {
  const totals = new Map<string, number>();
  const list = view.invoices.map((i): PayInvoice => {
    const d = invoiceDue(i, view.today);
    if (d.pay > 0) totals.set(i.currency, (totals.get(i.currency) ?? 0) + d.pay);
    return {
      id: i.id,
      number: i.number,
      issueDate: i.issueDate,
      dueDate: i.dueDate,
      currency: i.currency,
      total: fromMinor(m(i.total)),
      amountDue: fromMinor(d.due),
      ledgerStatus: i.status,
      onlineUrl: i.onlineUrl,
      processing: m(i.processing) > 0,
      overdue: i.status === 'authorised' && i.dueDate !== null && i.dueDate < view.today,
      payNow: fromMinor(d.pay),
      discount: d.discount > 0 ? { amount: fromMinor(d.discount), rateBp: i.offer!.rateBp, expiresOn: i.offer!.expiresOn } : null,
    };
  });
  return {
    organisation: { name: view.org.name, countryCode: view.org.countryCode },
    customer: { name: view.customer.name },
    language: view.language ?? 'en',
    scope: view.link.scope,
    today: view.today,
    promiseLatest: addDays(view.today, PROMISE_MAX_DAYS),
    canPay: env.provider !== null,
    provider: env.provider?.name ?? null,
    invoices: list,
    totals: [...totals.entries()].map(([currency, minor]) => ({ currency, payNow: fromMinor(minor) })),
  };
}
