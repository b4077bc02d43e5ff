/**
 * Deep links into the client's ledger, where a user opens or fixes a contact or an invoice.
 *
 * Where they lead depends on the ledger this process talks to (integrations/ledger/endpoints.ts,
 * from LEDGER_SANDBOX / LEDGER_SANDBOX_URL): the real providers' web apps (go.xero.com,
 * app.qbo.intuit.com), or the sandbox ledger's own pages for the organisation's sandbox company
 * (integrations/sandbox/ledger-pages.ts). A bare provider means the real provider's app.
 */
import type { ProviderEndpoints } from '../../integrations/ledger/endpoints';

export type LedgerProvider = 'xero' | 'quickbooks';

/** One organisation's ledger as far as links are concerned. */
export interface LedgerSite {
  provider: LedgerProvider;
  /** Xero tenant id / QuickBooks realm id. */
  tenantId: string;
  webAppUrl: string;
  sandbox: boolean;
}

/** What links are built for: an organisation's ledger, or (the real app of) a provider. */
export type LedgerLinkTarget = LedgerProvider | LedgerSite;

/** The process's ledger endpoints per provider (`services.ledgers.factory.endpoints`). */
export type LedgerEndpointsOf = (provider: LedgerProvider) => Pick<ProviderEndpoints, 'webAppUrl' | 'sandbox'>;

export function ledgerSite(endpointsOf: LedgerEndpointsOf | undefined, org: { provider: LedgerProvider; externalId: string }): LedgerLinkTarget {
  if (!endpointsOf) return org.provider;
  const e = endpointsOf(org.provider);
  return { provider: org.provider, tenantId: org.externalId, webAppUrl: e.webAppUrl.replace(/\/+$/, ''), sandbox: e.sandbox };
}

const REAL_APP: Record<LedgerProvider, string> = { xero: 'https://go.xero.com', quickbooks: 'https://app.qbo.intuit.com/app' };

function resolve(target: LedgerLinkTarget): LedgerSite | { provider: LedgerProvider; webAppUrl: string; sandbox: false } {
  return typeof target === 'string' ? { provider: target, webAppUrl: REAL_APP[target], sandbox: false } : target;
}

export function contactLink(target: LedgerLinkTarget, externalId: string): string {
  const site = resolve(target);
  const id = encodeURIComponent(externalId);
  if (site.sandbox) return `${site.webAppUrl}/${encodeURIComponent(site.tenantId)}/${site.provider === 'xero' ? 'contacts' : 'customers'}/${id}`;
  switch (site.provider) {
    case 'xero':
      return `${site.webAppUrl}/Contacts/View/${id}`;
    case 'quickbooks':
      return `${site.webAppUrl}/customerdetail?nameId=${id}`;
    default: {
      const never: never = site.provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}

export function invoiceLink(target: LedgerLinkTarget, externalId: string): string {
  const site = resolve(target);
  const id = encodeURIComponent(externalId);
  if (site.sandbox) return `${site.webAppUrl}/${encodeURIComponent(site.tenantId)}/invoices/${id}`;
  switch (site.provider) {
    case 'xero':
      return `${site.webAppUrl}/AccountsReceivable/View.aspx?InvoiceID=${id}`;
    case 'quickbooks':
      return `${site.webAppUrl}/invoice?txnId=${id}`;
    default: {
      const never: never = site.provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}
