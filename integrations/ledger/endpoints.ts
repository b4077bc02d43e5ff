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

export const XERO_CONNECT_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'accounting.transactions', 'accounting.contacts', 'accounting.settings.read'];
export const INTUIT_CONNECT_SCOPES = ['com.intuit.quickbooks.accounting', 'openid', 'profile', 'email'];

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
      signInScopes: ['openid', 'profile', 'email'],
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
    signInScopes: ['openid', 'profile', 'email'],
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
      signInScopes: ['openid', 'profile', 'email'],
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
    signInScopes: ['openid', 'profile', 'email'],
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
