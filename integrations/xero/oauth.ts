/**
 * Xero OAuth 2 / OpenID Connect with plain fetch against `endpoints` (xero-node's own OAuth
 * helpers discover and call Xero's hard-coded hosts). Tenants are Xero "connections".
 */
import type { ProviderEndpoints } from '../ledger/endpoints';
import { ensureOk, ledgerFetch, nameFromClaims, revokeToken, tokenRequest, tokenSetFrom, verifyRs256IdToken } from '../ledger/oauth-http';
import type { LedgerOAuth, OAuthClientConfig } from '../ledger/provider';
import type { IdentityClaims, Tenant, TokenSet } from '../ledger/types';

export interface OAuthClock {
  now?: () => number;
}

/** The authorization URL (response_type=code, PKCE S256, nonce). */
export function authorizeUrl(endpoints: ProviderEndpoints, clientId: string, p: { state: string; redirectUri: string; codeChallenge: string; nonce: string; signIn?: boolean; signUp?: boolean }): string {
  const url = new URL(endpoints.authorizeUrl);
  const scopes = p.signUp ? [...new Set([...endpoints.signInScopes, ...endpoints.connectScopes])] : p.signIn ? endpoints.signInScopes : endpoints.connectScopes;
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('scope', scopes.join(' '));
  url.searchParams.set('state', p.state);
  url.searchParams.set('nonce', p.nonce);
  if (endpoints.supportsPkce) {
    url.searchParams.set('code_challenge', p.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

interface XeroConnectionJson {
  id?: string;
  tenantId?: string;
  tenantType?: string;
  tenantName?: string;
}

export function createXeroOAuth(config: OAuthClientConfig & OAuthClock): LedgerOAuth {
  const { endpoints } = config;
  const now = config.now ?? Date.now;
  const client = { clientId: config.clientId, clientSecret: config.clientSecret };
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}`, Accept: 'application/json' });

  return {
    provider: 'xero',

    consentUrl: (p) => authorizeUrl(endpoints, config.clientId, p),

    async exchangeCode(p): Promise<TokenSet> {
      const body = await tokenRequest(endpoints.tokenUrl, client, { grant_type: 'authorization_code', code: p.code, redirect_uri: p.redirectUri, code_verifier: p.codeVerifier }, 'Exchanging the Xero authorization code');
      return tokenSetFrom(body, now());
    },

    async refresh(refreshToken): Promise<TokenSet> {
      const body = await tokenRequest(endpoints.tokenUrl, client, { grant_type: 'refresh_token', refresh_token: refreshToken }, 'Renewing Xero access');
      return tokenSetFrom(body, now());
    },

    async revoke(token): Promise<void> {
      await revokeToken(endpoints.revokeUrl, client, token, 'form', 'Revoking Xero access');
    },

    async tenants(accessToken): Promise<Tenant[]> {
      if (!endpoints.connectionsUrl) return [];
      const res = await ledgerFetch(endpoints.connectionsUrl, { headers: bearer(accessToken) }, 'Listing Xero connections');
      await ensureOk(res, 'Listing Xero connections');
      const list = (await res.json()) as XeroConnectionJson[];
      return list
        .filter((c) => (c.tenantType ?? 'ORGANISATION') === 'ORGANISATION' && c.tenantId)
        .map((c) => ({ externalId: c.tenantId!, name: c.tenantName ?? '', providerConnectionId: c.id ?? null }));
    },

    async removeTenant(accessToken, tenant): Promise<void> {
      if (!endpoints.connectionsUrl || !tenant.providerConnectionId) return;
      const res = await ledgerFetch(`${endpoints.connectionsUrl}/${encodeURIComponent(tenant.providerConnectionId)}`, { method: 'DELETE', headers: bearer(accessToken) }, 'Disconnecting the Xero organisation');
      if (res.status === 404) return;
      await ensureOk(res, 'Disconnecting the Xero organisation');
    },

    async verifyIdToken(idToken, nonce): Promise<IdentityClaims> {
      const claims = await verifyRs256IdToken(idToken, { jwksUrl: endpoints.jwksUrl, issuer: endpoints.issuer, audience: config.clientId, nonce, now: now() });
      return {
        provider: 'xero',
        subject: String(claims['sub'] ?? ''),
        email: typeof claims['email'] === 'string' ? claims['email'] : '',
        name: nameFromClaims(claims),
      };
    },
  };
}
