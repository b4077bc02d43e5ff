/**
 * Ledger tokens: stored encrypted (AES-256-GCM, bound to the connection id), refreshed before
 * expiry under a per-grant lock that also holds across processes (a PostgreSQL advisory
 * lock), with concurrent refreshes in one process merged into one call. A grant is one
 * consent's token set: one Xero consent can cover several tenants, whose connections share one
 * rotating refresh token, so the rotated tokens are stored on every connection of the grant in
 * the transaction that took the lock. Repeated `invalid_grant` marks the grant's connections
 * and their organisations `needs_reauth` with a reason in words.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { LedgerOAuth } from '../../integrations/ledger/provider';
import { LedgerError } from '../../integrations/ledger/errors';
import type { Provider, TokenSet } from '../../integrations/ledger/types';
import type { Db } from '../db/client';
import { connections, organisations } from '../db/schema';
import { decryptToken, encryptToken } from '../security/token-crypto';

/** Refresh when less than this is left on the access token. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** invalid_grant answers in a row before the connection needs a person to reconnect. */
export const MAX_REFRESH_FAILURES = 2;

export class ReauthRequiredError extends Error {
  override name = 'ReauthRequiredError';
}

export interface TokenDeps {
  db: Db;
  key: Buffer;
  oauth: (provider: Provider) => LedgerOAuth | null;
  now?: () => number;
}

const PROVIDER_LABEL: Record<Provider, string> = { xero: 'Xero', quickbooks: 'QuickBooks' };

export function sealTokens(key: Buffer, connectionId: string, tokens: Pick<TokenSet, 'accessToken' | 'refreshToken'>) {
  return {
    accessTokenEnc: encryptToken(key, tokens.accessToken, `${connectionId}:access`),
    refreshTokenEnc: encryptToken(key, tokens.refreshToken, `${connectionId}:refresh`),
  };
}

export function openTokens(key: Buffer, row: { id: string; accessTokenEnc: string; refreshTokenEnc: string }) {
  return {
    accessToken: decryptToken(key, row.accessTokenEnc, `${row.id}:access`),
    refreshToken: decryptToken(key, row.refreshTokenEnc, `${row.id}:refresh`),
  };
}

/** The access token alone: what a ledger call needs (the refresh token is opened only to refresh). */
function openAccessToken(key: Buffer, row: { id: string; accessTokenEnc: string }): string {
  return decryptToken(key, row.accessTokenEnc, `${row.id}:access`);
}

const inFlight = new Map<string, Promise<string>>();

/**
 * An organisation's connection as a caller read it in the same statement as its own work (the
 * write-back lease does): `accessTokenFor` then needs no read of its own. Only what it uses; a
 * token close to expiry is still refreshed under the grant's lock, which re-reads the row.
 */
export interface LoadedConnection {
  id: string;
  status: 'active' | 'needs_reauth' | 'revoked';
  provider: Provider;
  accessTokenEnc: string;
  refreshTokenEnc: string;
  accessTokenExpiresAt: Date;
  grantId: string | null;
  /** The organisation's tenant (its external id). */
  tenantId: string;
}

/**
 * A usable access token for an organisation's connection, refreshing it first if it is close
 * to expiry. Throws ReauthRequiredError when a person must reconnect.
 */
export async function accessTokenFor(deps: TokenDeps, organisationId: string, loaded?: LoadedConnection): Promise<{ accessToken: string; connectionId: string; tenantId: string; provider: Provider }> {
  const now = deps.now ?? Date.now;
  const row = loaded
    ? { c: loaded, tenantId: loaded.tenantId }
    : (
        await deps.db
          .select({ c: connections, tenantId: organisations.externalId })
          .from(connections)
          .innerJoin(organisations, eq(organisations.id, connections.organisationId))
          .where(eq(connections.organisationId, organisationId))
          .limit(1)
      )[0];
  if (!row) throw new ReauthRequiredError('This organisation has no ledger connection.');
  if (row.c.status !== 'active') throw new ReauthRequiredError(`${PROVIDER_LABEL[row.c.provider]} access has to be renewed: reconnect this organisation.`);
  if (row.c.accessTokenExpiresAt.getTime() - now() > REFRESH_MARGIN_MS) {
    return { accessToken: openAccessToken(deps.key, row.c), connectionId: row.c.id, tenantId: row.tenantId, provider: row.c.provider };
  }
  const lockKey = grantKey(row.c);
  let pending = inFlight.get(lockKey);
  if (!pending) {
    pending = refreshUnderLock(deps, row.c.id, lockKey).finally(() => inFlight.delete(lockKey));
    inFlight.set(lockKey, pending);
  }
  await pending;
  // Every connection of the grant now holds fresh tokens sealed for its own row.
  const [fresh] = await deps.db.select().from(connections).where(eq(connections.id, row.c.id));
  if (fresh?.status !== 'active') throw new ReauthRequiredError(`${PROVIDER_LABEL[row.c.provider]} access has to be renewed: reconnect this organisation.`);
  return { accessToken: openAccessToken(deps.key, fresh), connectionId: row.c.id, tenantId: row.tenantId, provider: row.c.provider };
}

function grantKey(c: { id: string; grantId: string | null }): string {
  return c.grantId ? `grant:${c.grantId}` : `connection:${c.id}`;
}

async function refreshUnderLock(deps: TokenDeps, connectionId: string, lockKey: string): Promise<string> {
  const now = deps.now ?? Date.now;
  let failure: LedgerError | null = null;
  const token = await deps.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${lockKey}))`);
    // Re-read under the lock: another process may have refreshed while we waited.
    const [c] = await tx.select().from(connections).where(eq(connections.id, connectionId));
    if (!c) throw new ReauthRequiredError('The ledger connection was removed.');
    if (c.status !== 'active') throw new ReauthRequiredError(`${PROVIDER_LABEL[c.provider]} access has to be renewed: reconnect this organisation.`);
    const current = openTokens(deps.key, c);
    if (c.accessTokenExpiresAt.getTime() - now() > REFRESH_MARGIN_MS) return current.accessToken;
    const oauth = deps.oauth(c.provider);
    if (!oauth) throw new ReauthRequiredError(`${PROVIDER_LABEL[c.provider]} is not configured on this Arcus server.`);
    // The connections sharing this grant (just this one for a grant-less row).
    const siblings = c.grantId ? await tx.select().from(connections).where(and(eq(connections.grantId, c.grantId), eq(connections.status, 'active'))) : [c];
    try {
      const fresh = await oauth.refresh(current.refreshToken);
      for (const s of siblings) {
        await tx
          .update(connections)
          .set({ ...sealTokens(deps.key, s.id, fresh), accessTokenExpiresAt: fresh.expiresAt, scopes: fresh.scopes.length ? fresh.scopes : s.scopes, refreshFailures: 0, lastError: null, updatedAt: new Date() })
          .where(eq(connections.id, s.id));
      }
      return fresh.accessToken;
    } catch (err) {
      if (!(err instanceof LedgerError) || err.code !== 'invalid_grant') throw err;
      failure = err;
      const failures = c.refreshFailures + 1;
      const giveUp = failures >= MAX_REFRESH_FAILURES;
      const reason = `${PROVIDER_LABEL[c.provider]} refused to renew Arcus's access (the connection was revoked or expired). Reconnect to resume syncing.`;
      for (const s of siblings) {
        await tx
          .update(connections)
          .set({ refreshFailures: failures, lastError: reason, status: giveUp ? 'needs_reauth' : 'active', updatedAt: new Date() })
          .where(eq(connections.id, s.id));
        if (giveUp) await tx.update(organisations).set({ status: 'needs_reauth', statusReason: reason, updatedAt: new Date() }).where(eq(organisations.id, s.organisationId));
      }
      return null;
    }
  });
  if (token === null) throw new ReauthRequiredError((failure as LedgerError | null)?.message ?? 'The ledger refused to renew access.');
  return token;
}
