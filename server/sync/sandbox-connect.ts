/**
 * Connecting an organisation to the sandbox ledger without a browser: the OAuth code flow done
 * programmatically (the sandbox must run with autoConsent, which redirects straight back with a
 * code), then the organisation and its connection stored with sealed tokens. Used by the sync
 * tests (test/sync/connect-helper.ts), the `arcus sync` command in sandbox mode and the bench.
 * Never used against a real ledger.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { LedgerFactory, LedgerOAuth } from '../../integrations/ledger/provider';
import type { Provider, TokenSet } from '../../integrations/ledger/types';
import { sealTokens } from '../connections/tokens';
import type { Db } from '../db/client';
import { connections, organisations } from '../db/schema';

export const SANDBOX_REDIRECT_URI = 'http://127.0.0.1/arcus/oauth/callback';

/** Authorize against an autoConsent sandbox and exchange the code. */
export async function authorizeWithSandbox(oauth: LedgerOAuth, companyId: string, redirectUri = SANDBOX_REDIRECT_URI): Promise<{ tokens: TokenSet; realmId: string | null }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(12).toString('base64url');
  const nonce = randomBytes(12).toString('base64url');
  const url = new URL(oauth.consentUrl({ state, redirectUri, codeChallenge: challenge, nonce }));
  url.searchParams.set('sandbox_company', companyId);
  // One retry: a keep-alive socket the sandbox has just closed makes the first attempt fail.
  const res = await fetch(url, { redirect: 'manual' }).catch(() => fetch(url, { redirect: 'manual' }));
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`the sandbox did not redirect back with a code (HTTP ${res.status}); is it running with autoConsent?`);
  const back = new URL(location);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`the sandbox refused the authorization: ${back.searchParams.get('error') ?? 'no code'} ${back.searchParams.get('error_description') ?? ''}`.trim());
  if (back.searchParams.get('state') !== state) throw new Error('the sandbox returned another state');
  const tokens = await oauth.exchangeCode({ code, redirectUri, codeVerifier: verifier });
  return { tokens, realmId: back.searchParams.get('realmId') };
}

export interface SandboxConnection {
  organisationId: string;
  connectionId: string;
  tenantId: string;
  tokens: TokenSet;
}

/**
 * Connect (or reconnect) a sandbox company as an organisation of `firmId`: the rows the app's
 * OAuth callback would write, with fresh sealed tokens. Reconnecting keeps the organisation's
 * id and its synced data.
 */
export async function connectSandboxCompany(
  deps: { db: Db; factory: LedgerFactory; tokenKey: Buffer },
  params: { firmId: string; provider: Provider; companyId: string; timezone?: string },
): Promise<SandboxConnection> {
  const oauth = deps.factory.oauth(params.provider);
  if (!oauth) throw new Error(`no ${params.provider} OAuth client is configured`);
  const { tokens, realmId } = await authorizeWithSandbox(oauth, params.companyId);
  const tenants = await oauth.tenants(tokens.accessToken, { realmId: realmId ?? undefined });
  const tenant = tenants.find((t) => t.externalId.toLowerCase() === params.companyId.toLowerCase());
  if (!tenant) throw new Error(`the grant does not cover company ${params.companyId}`);
  const details = await deps.factory.api(params.provider, { accessToken: tokens.accessToken, tenantId: tenant.externalId }).organisation();
  return deps.db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: organisations.id })
      .from(organisations)
      .where(and(eq(organisations.firmId, params.firmId), eq(organisations.provider, params.provider), eq(organisations.externalId, tenant.externalId)));
    const organisationId = existing?.id ?? randomUUID();
    if (existing) {
      await tx.update(organisations).set({ status: 'active', statusReason: null, updatedAt: new Date() }).where(eq(organisations.id, organisationId));
    } else {
      await tx.insert(organisations).values({
        id: organisationId,
        firmId: params.firmId,
        provider: params.provider,
        externalId: tenant.externalId,
        name: tenant.name || details.name,
        baseCurrency: details.baseCurrency,
        timezone: params.timezone ?? (details.timezone || 'UTC'),
        countryCode: details.countryCode,
      });
    }
    const [conn] = await tx.select({ id: connections.id }).from(connections).where(eq(connections.organisationId, organisationId));
    const connectionId = conn?.id ?? randomUUID();
    const fields = {
      ...sealTokens(deps.tokenKey, connectionId, tokens),
      accessTokenExpiresAt: tokens.expiresAt,
      scopes: tokens.scopes,
      status: 'active' as const,
      providerConnectionId: tenant.providerConnectionId,
      refreshFailures: 0,
      lastError: null,
      updatedAt: new Date(),
    };
    if (conn) await tx.update(connections).set(fields).where(eq(connections.id, connectionId));
    else await tx.insert(connections).values({ id: connectionId, firmId: params.firmId, organisationId, provider: params.provider, ...fields });
    return { organisationId, connectionId, tenantId: tenant.externalId, tokens };
  });
}
