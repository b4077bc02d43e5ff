/**
 * Static facts per provider (URLs, scopes) in one typed object. The sandbox ledger and the
 * real providers are one code path: only these URLs differ.
 */
import type { Provider } from './types';

export interface ProviderEndpoints {
  provider: Provider;
  label: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  userinfoUrl: string;
  jwksUrl: string;
  issuer: string;
  /** Xero only: GET/DELETE connections. */
  connectionsUrl: string | null;
  /** Xero: …/api.xro/2.0. QuickBooks: …/v3/company (realm appended by the client). */
  apiBaseUrl: string;
  /** Scopes asked for when connecting a ledger. */
  connectScopes: string[];
  /** Scopes asked for by "Sign in with …". */
  signInScopes: string[];
  supportsPkce: boolean;
  /**
   * The ledger's own web app, where a person opens a contact or an invoice (server/analytics/
   * ledger-links.ts builds the paths). The sandbox serves its own pages (integrations/sandbox/ledger-pages.ts).
   */
  webAppUrl: string;
  /** These endpoints are the sandbox ledger's, not the real provider's. */
  sandbox: boolean;
}

/**
 * The Xero scopes Arcus asks for when connecting, and why each (docs/app-store.md, "Scopes"):
 *   offline_access            a refresh token: nightly syncs and write-backs run without the user
 *   accounting.invoices       Invoices and CreditNotes — read (sync, read-backs, OnlineInvoice),
 *                             create/update/void (write-backs), credit-note allocations, and the
 *                             invoice History (notes)
 *   accounting.payments       Payments — read (sync), create and delete (write-backs); and the
 *                             Overpayments and Prepayments the sync reads
 *   accounting.contacts.read  Contacts — read only (Arcus never writes a contact)
 *   accounting.settings.read  Organisation (name, currency, time zone) and Accounts (bank accounts
 *                             a payment is recorded into) — read only
 * Apps created after 2 March 2026 must ask for these granular scopes; `broad` is the same access
 * in the scopes they replace, for an app registered before then that has not migrated.
 * `test/connectors/scopes.test.ts` checks the authorize URL asks for exactly this list.
 */
export const XERO_SCOPE_SETS = {
  granular: ['offline_access', 'accounting.invoices', 'accounting.payments', 'accounting.contacts.read', 'accounting.settings.read'],
  broad: ['offline_access', 'accounting.transactions', 'accounting.contacts.read', 'accounting.settings.read'],
} as const satisfies Record<string, readonly string[]>;
export const XERO_CONNECT_SCOPES: string[] = [...XERO_SCOPE_SETS.granular];
/** QuickBooks Online's one accounting scope; the OpenID scopes only where an identity is used (sign-in, sign-up, the launch URL). */
export const INTUIT_CONNECT_SCOPES = ['com.intuit.quickbooks.accounting'];
/** OpenID Connect: who the person is ("Sign in with …"); asked together with the connect scopes by a sign-up. */
export const SIGN_IN_SCOPES = ['openid', 'profile', 'email'];

export function xeroEndpoints(sandboxBaseUrl: string | null): ProviderEndpoints {
  if (sandboxBaseUrl) {
    const b = sandboxBaseUrl.replace(/\/$/, '');
    return {
      provider: 'xero',
      label: 'Xero',
      authorizeUrl: `${b}/xero/identity/connect/authorize`,
      tokenUrl: `${b}/xero/connect/token`,
      revokeUrl: `${b}/xero/connect/revocation`,
      userinfoUrl: `${b}/xero/connect/userinfo`,
      jwksUrl: `${b}/xero/identity/.well-known/openid-configuration/jwks`,
      issuer: `${b}/xero/identity`,
      connectionsUrl: `${b}/xero/connections`,
      apiBaseUrl: `${b}/xero/api.xro/2.0`,
      connectScopes: XERO_CONNECT_SCOPES,
      signInScopes: SIGN_IN_SCOPES,
      supportsPkce: true,
      webAppUrl: `${b}/xero/app`,
      sandbox: true,
    };
  }
  return {
    provider: 'xero',
    label: 'Xero',
    authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
    tokenUrl: 'https://identity.xero.com/connect/token',
    revokeUrl: 'https://identity.xero.com/connect/revocation',
    userinfoUrl: 'https://identity.xero.com/connect/userinfo',
    jwksUrl: 'https://identity.xero.com/.well-known/openid-configuration/jwks',
    issuer: 'https://identity.xero.com',
    connectionsUrl: 'https://api.xero.com/connections',
    apiBaseUrl: 'https://api.xero.com/api.xro/2.0',
    connectScopes: XERO_CONNECT_SCOPES,
    signInScopes: SIGN_IN_SCOPES,
    supportsPkce: true,
    webAppUrl: 'https://go.xero.com',
    sandbox: false,
  };
}

export function intuitEndpoints(sandboxBaseUrl: string | null): ProviderEndpoints {
  if (sandboxBaseUrl) {
    const b = sandboxBaseUrl.replace(/\/$/, '');
    return {
      provider: 'quickbooks',
      label: 'QuickBooks',
      authorizeUrl: `${b}/qbo/connect/oauth2`,
      tokenUrl: `${b}/qbo/oauth2/v1/tokens/bearer`,
      revokeUrl: `${b}/qbo/oauth2/v1/tokens/revoke`,
      userinfoUrl: `${b}/qbo/v1/openid_connect/userinfo`,
      jwksUrl: `${b}/qbo/op/v1/jwks`,
      issuer: `${b}/qbo`,
      connectionsUrl: null,
      apiBaseUrl: `${b}/qbo/v3/company`,
      connectScopes: INTUIT_CONNECT_SCOPES,
      signInScopes: SIGN_IN_SCOPES,
      supportsPkce: true,
      webAppUrl: `${b}/qbo/app`,
      sandbox: true,
    };
  }
  return {
    provider: 'quickbooks',
    label: 'QuickBooks',
    authorizeUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    revokeUrl: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
    userinfoUrl: 'https://accounts.platform.intuit.com/v1/openid_connect/userinfo',
    jwksUrl: 'https://oauth.platform.intuit.com/op/v1/jwks',
    issuer: 'https://oauth.platform.intuit.com/op/v1',
    connectionsUrl: null,
    apiBaseUrl: 'https://quickbooks.api.intuit.com/v3/company',
    connectScopes: INTUIT_CONNECT_SCOPES,
    signInScopes: SIGN_IN_SCOPES,
    supportsPkce: true,
    webAppUrl: 'https://app.qbo.intuit.com/app',
    sandbox: false,
  };
}

export function endpointsFor(provider: Provider, sandboxBaseUrl: string | null): ProviderEndpoints {
  switch (provider) {
    case 'xero':
      return xeroEndpoints(sandboxBaseUrl);
    case 'quickbooks':
      return intuitEndpoints(sandboxBaseUrl);
    default: {
      const never: never = provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}
