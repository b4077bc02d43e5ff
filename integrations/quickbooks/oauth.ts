/**
 * Intuit OAuth 2 / OpenID Connect with plain fetch against `endpoints`. A QuickBooks grant is
 * for one company: the realmId arrives on the callback, and the company's name is read from
 * CompanyInfo.
 */
import { ensureOk, ledgerFetch, nameFromClaims, revokeToken, tokenRequest, tokenSetFrom, verifyRs256IdToken } from '../ledger/oauth-http';
import type { LedgerOAuth, OAuthClientConfig } from '../ledger/provider';
import type { IdentityClaims, Tenant, TokenSet } from '../ledger/types';
import { authorizeUrl, type OAuthClock } from '../xero/oauth';
import { QBO_MINOR_VERSION } from './sdk';

export function createIntuitOAuth(config: OAuthClientConfig & OAuthClock): LedgerOAuth {
  const { endpoints } = config;
  const now = config.now ?? Date.now;
  const client = { clientId: config.clientId, clientSecret: config.clientSecret };

  return {
    provider: 'quickbooks',

    consentUrl: (p) => authorizeUrl(endpoints, config.clientId, p),

    async exchangeCode(p): Promise<TokenSet> {
      const body = await tokenRequest(endpoints.tokenUrl, client, { grant_type: 'authorization_code', code: p.code, redirect_uri: p.redirectUri, code_verifier: p.codeVerifier }, 'Exchanging the Intuit authorization code');
      // Intuit does not echo the granted scopes.
      return tokenSetFrom(body, now(), endpoints.connectScopes);
    },

    async refresh(refreshToken): Promise<TokenSet> {
      const body = await tokenRequest(endpoints.tokenUrl, client, { grant_type: 'refresh_token', refresh_token: refreshToken }, 'Renewing QuickBooks access');
      return tokenSetFrom(body, now(), []);
    },

    async revoke(token): Promise<void> {
      await revokeToken(endpoints.revokeUrl, client, token, 'json', 'Revoking QuickBooks access');
    },

    async tenants(accessToken, callback): Promise<Tenant[]> {
      const realmId = callback.realmId;
      if (!realmId) return [];
      const url = `${endpoints.apiBaseUrl}/${encodeURIComponent(realmId)}/companyinfo/${encodeURIComponent(realmId)}?minorversion=${QBO_MINOR_VERSION}`;
      const res = await ledgerFetch(url, { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' } }, 'Reading the QuickBooks company');
      await ensureOk(res, 'Reading the QuickBooks company');
      const body = (await res.json()) as { CompanyInfo?: { CompanyName?: string; LegalName?: string } };
      return [{ externalId: realmId, name: body.CompanyInfo?.CompanyName ?? body.CompanyInfo?.LegalName ?? '', providerConnectionId: null }];
    },

    async removeTenant(): Promise<void> {
      // A QuickBooks grant is for one company: revoking it is the disconnect.
    },

    async verifyIdToken(idToken, nonce): Promise<IdentityClaims> {
      const claims = await verifyRs256IdToken(idToken, { jwksUrl: endpoints.jwksUrl, issuer: endpoints.issuer, audience: config.clientId, nonce, now: now() });
      return {
        provider: 'quickbooks',
        subject: String(claims['sub'] ?? ''),
        email: typeof claims['email'] === 'string' ? claims['email'] : '',
        name: nameFromClaims(claims),
      };
    },
  };
}
