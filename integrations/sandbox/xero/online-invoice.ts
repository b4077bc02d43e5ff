/**
 * Online invoice links (GET /Invoices/{id}/OnlineInvoice). Real Xero links look like
 * https://in.xero.com/<40 characters>; the sandbox's live under its own base URL, with a token
 * derived from the invoice id so the same invoice always has the same link.
 */
import { createHash } from 'node:crypto';
import type { SbInvoice } from '../model';
import type { SandboxStore } from '../store';

export const ONLINE_INVOICE_PATH = '/xero/in';

export function onlineInvoiceToken(invoiceId: string): string {
  return createHash('sha256').update(`online-invoice:${invoiceId}`).digest('base64url').slice(0, 40);
}

export function onlineInvoiceUrl(baseUrl: string, invoiceId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${ONLINE_INVOICE_PATH}/${onlineInvoiceToken(invoiceId)}`;
}

/** The invoice behind a token (for whoever serves the online invoice page). */
export function findInvoiceByOnlineToken(store: SandboxStore, token: string): SbInvoice | null {
  for (const inv of store.invoices.values()) {
    if (store.companies.get(inv.companyId)?.provider === 'xero' && onlineInvoiceToken(inv.id) === token) return inv;
  }
  return null;
}
