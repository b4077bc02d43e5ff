/**
 * Noticing that Arcus was disconnected on the provider's side: Xero's /connections no longer
 * lists the tenant, or the ledger answers 401/403 to a token that is current. Called by the
 * periodic `connections.check` job and by the sync engine when a ledger refuses access.
 */
import { and, eq, ne, or } from 'drizzle-orm';
import { LedgerError } from '../../integrations/ledger/errors';
import { connections, organisations } from '../db/schema';
import { type ConnectionDeps, tokenDeps } from './deps';
import { markDisconnectedByProvider } from './disconnect';
import { accessTokenFor, openTokens, ReauthRequiredError } from './tokens';

export type ConnectionHealth = 'connected' | 'disconnected' | 'needs_reauth' | 'unknown';

export async function detectProviderDisconnect(deps: ConnectionDeps, organisationId: string): Promise<ConnectionHealth> {
  const [org] = await deps.db.select().from(organisations).where(eq(organisations.id, organisationId));
  if (!org) return 'unknown';
  if (org.status === 'disconnected') return 'disconnected';
  let accessToken: string;
  try {
    ({ accessToken } = await accessTokenFor(tokenDeps(deps), organisationId));
  } catch (err) {
    if (!(err instanceof ReauthRequiredError)) return 'unknown';
    // Marked needs_reauth (e.g. the sync met a 403) but the stored access token is still
    // current: it can still tell whether the organisation was disconnected on Xero's side.
    const fresh = await currentStoredToken(deps, organisationId);
    if (!fresh || org.provider !== 'xero') return 'needs_reauth';
    accessToken = fresh;
  }
  const oauth = deps.factory.oauth(org.provider);
  if (!oauth) return 'unknown';
  try {
    if (org.provider === 'xero') {
      const tenants = await oauth.tenants(accessToken, {});
      if (tenants.some((t) => t.externalId === org.externalId)) return org.status === 'needs_reauth' ? 'needs_reauth' : 'connected';
      await markDisconnectedByProvider(deps.db, organisationId, deps.now?.() ?? new Date());
      return 'disconnected';
    }
    await deps.factory.api(org.provider, { accessToken, tenantId: org.externalId }).organisation();
    return 'connected';
  } catch (err) {
    // A current token refused outright: the app was removed on the provider's side.
    if (err instanceof LedgerError && (err.code === 'unauthorized' || err.code === 'forbidden')) {
      await markDisconnectedByProvider(deps.db, organisationId, deps.now?.() ?? new Date());
      return 'disconnected';
    }
    return 'unknown';
  }
}

async function currentStoredToken(deps: ConnectionDeps, organisationId: string): Promise<string | null> {
  const [c] = await deps.db.select().from(connections).where(eq(connections.organisationId, organisationId));
  if (!c || c.status === 'revoked' || !c.accessTokenEnc) return null;
  const now = deps.now?.() ?? new Date();
  if (c.accessTokenExpiresAt.getTime() <= now.getTime()) return null;
  try {
    return openTokens(deps.tokenKey, c).accessToken;
  } catch {
    return null;
  }
}

/**
 * Check connected organisations: the active ones, and Xero ones that need reconnecting (to
 * tell "disconnected in Xero" apart). The batch is bounded.
 */
export async function checkConnections(deps: ConnectionDeps, options: { limit?: number } = {}): Promise<Record<ConnectionHealth, number>> {
  const rows = await deps.db
    .select({ id: organisations.id })
    .from(organisations)
    .innerJoin(connections, eq(connections.organisationId, organisations.id))
    .where(
      or(
        and(eq(organisations.status, 'active'), eq(connections.status, 'active')),
        and(eq(organisations.status, 'needs_reauth'), eq(organisations.provider, 'xero'), ne(connections.status, 'revoked')),
      ),
    )
    .limit(options.limit ?? 500);
  const counts: Record<ConnectionHealth, number> = { connected: 0, disconnected: 0, needs_reauth: 0, unknown: 0 };
  for (const r of rows) counts[await detectProviderDisconnect(deps, r.id)]++;
  return counts;
}
