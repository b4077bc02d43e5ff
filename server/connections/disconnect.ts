/**
 * Ending a connection, from either side.
 *
 * From Arcus (`disconnectOrganisation`): revoke the token set at the provider, remove the
 * tenant's Xero connection (DELETE /connections/{id}), wipe the stored tokens, mark the
 * organisation `disconnected` and take it off the nightly schedule. Synced history stays:
 * deleting it is a separate, explicit action (`deleteSyncedData`).
 *
 * From the provider (`markDisconnectedByProvider`): the user removed Arcus in Xero or
 * QuickBooks; the organisation shows "Disconnected in Xero on 3 Dec 2026".
 */
import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Provider, Tenant } from '../../integrations/ledger/types';
import type { Db } from '../db/client';
import { activities, connections, contacts, creditNotes, invoices, organisations, payments, prepayments, syncRuns } from '../db/schema';
import { type ConnectionDeps, dayInWords, PROVIDER_LABEL, tokenDeps } from './deps';
import { accessTokenFor, openTokens } from './tokens';

export interface DisconnectResult {
  /** Whether the provider confirmed the revocation (false: it failed or the tokens were already dead). */
  revokedAtProvider: boolean;
  warnings: string[];
}

const WIPED = { accessTokenEnc: '', refreshTokenEnc: '' };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Mark the connection revoked and the organisation disconnected (tokens wiped, no nightly run, queued runs cancelled). */
async function markDisconnected(db: Db, org: { id: string; firmId: string }, reason: string, activity: { kind: string; summary: string; userId: string | null; details?: object }): Promise<void> {
  const now = new Date();
  await db.transaction(async (tx) => {
    await tx.update(connections).set({ ...WIPED, accessTokenExpiresAt: now, status: 'revoked', refreshFailures: 0, lastError: null, updatedAt: now }).where(eq(connections.organisationId, org.id));
    await tx.update(organisations).set({ status: 'disconnected', statusReason: reason, nextSyncAt: null, updatedAt: now }).where(eq(organisations.id, org.id));
    await tx
      .update(syncRuns)
      .set({ status: 'failed', finishedAt: now, errors: [{ code: 'disconnected', message: 'Cancelled: the organisation was disconnected.' }] })
      .where(and(eq(syncRuns.organisationId, org.id), inArray(syncRuns.status, ['queued', 'deferred'])));
    await tx.insert(activities).values({ firmId: org.firmId, organisationId: org.id, actorUserId: activity.userId, actorType: activity.userId ? 'user' : 'system', kind: activity.kind, summary: activity.summary, details: activity.details ?? {} });
  });
}

export async function disconnectOrganisation(deps: ConnectionDeps, params: { firmId: string; organisationId: string; userId: string; userName: string }): Promise<DisconnectResult> {
  const result: DisconnectResult = { revokedAtProvider: false, warnings: [] };
  const [row] = await deps.db
    .select({ org: organisations, conn: connections })
    .from(organisations)
    .leftJoin(connections, eq(connections.organisationId, organisations.id))
    .where(and(eq(organisations.id, params.organisationId), eq(organisations.firmId, params.firmId)));
  if (!row) throw new Error('organisation not found');
  const { org, conn } = row;
  const label = PROVIDER_LABEL[org.provider];
  if (conn && conn.status !== 'revoked' && conn.refreshTokenEnc) {
    const oauth = deps.factory.oauth(org.provider);
    if (!oauth) {
      result.warnings.push(`${label} is not configured on this server, so access could not be revoked there.`);
    } else {
      let accessToken: string | null = null;
      try {
        accessToken = (await accessTokenFor(tokenDeps(deps), org.id)).accessToken;
      } catch (err) {
        result.warnings.push(`Could not renew access before disconnecting: ${errorText(err)}`);
      }
      // Re-read: accessTokenFor may have rotated the tokens.
      const [fresh] = await deps.db.select().from(connections).where(eq(connections.id, conn.id));
      const tokens = fresh?.refreshTokenEnc ? openTokens(deps.tokenKey, fresh) : null;
      let removedTenant = false;
      if (org.provider === 'xero' && accessToken) {
        try {
          let tenant: Tenant = { externalId: org.externalId, name: org.name, providerConnectionId: fresh?.providerConnectionId ?? null };
          if (!tenant.providerConnectionId) {
            const listed = (await oauth.tenants(accessToken, {})).find((t) => t.externalId === org.externalId);
            if (listed) tenant = listed;
          }
          if (tenant.providerConnectionId) {
            await oauth.removeTenant(accessToken, tenant);
            removedTenant = true;
          }
        } catch (err) {
          result.warnings.push(`Xero did not remove the connection: ${errorText(err)}`);
        }
      }
      if (tokens) {
        // One Xero consent can cover several organisations with one token set: revoking it would
        // cut the others off too, so it is only revoked when no other connection still uses it.
        const shared = await sharesTokenSet(deps, { firmId: org.firmId, provider: org.provider, connectionId: conn.id, refreshToken: tokens.refreshToken });
        if (!shared) {
          try {
            await oauth.revoke(tokens.refreshToken);
            result.revokedAtProvider = true;
          } catch (err) {
            result.warnings.push(`${label} did not confirm the revocation: ${errorText(err)}`);
          }
        } else {
          result.revokedAtProvider = removedTenant;
        }
      }
    }
  }
  const when = dayInWords(deps.now?.() ?? new Date(), org.timezone);
  await markDisconnected(deps.db, org, `Disconnected from Arcus by ${params.userName} on ${when}. Synced history is kept.`, {
    kind: 'organisation.disconnected',
    summary: `Disconnected ${org.name} (${label})`,
    userId: params.userId,
    details: { revokedAtProvider: result.revokedAtProvider, warnings: result.warnings },
  });
  return result;
}

async function sharesTokenSet(deps: ConnectionDeps, p: { firmId: string; provider: Provider; connectionId: string; refreshToken: string }): Promise<boolean> {
  const others = await deps.db
    .select()
    .from(connections)
    .where(and(eq(connections.firmId, p.firmId), eq(connections.provider, p.provider), ne(connections.id, p.connectionId), ne(connections.status, 'revoked')));
  for (const c of others) {
    try {
      if (c.refreshTokenEnc && openTokens(deps.tokenKey, c).refreshToken === p.refreshToken) return true;
    } catch {
      // A row that cannot be decrypted shares nothing usable.
    }
  }
  return false;
}

/** The provider says Arcus is no longer connected to this organisation. */
export async function markDisconnectedByProvider(db: Db, organisationId: string, at: Date = new Date()): Promise<boolean> {
  const [org] = await db.select().from(organisations).where(eq(organisations.id, organisationId));
  if (!org || org.status === 'disconnected') return false;
  const label = PROVIDER_LABEL[org.provider];
  await markDisconnected(db, org, `Disconnected in ${label} on ${dayInWords(at, org.timezone)}. Reconnect to resume syncing; synced history is kept.`, {
    kind: 'organisation.disconnected_by_provider',
    summary: `${org.name} was disconnected in ${label}`,
    userId: null,
  });
  return true;
}

/**
 * What the organisation's card says once its synced data is deleted: exactly what went and what
 * stays (the organisation's entry, its activity timeline and audit log, the write-back records).
 */
export function deletedDataReason(p: { userName: string | null; at: Date; timezone: string; provider: Provider }): string {
  return `Synced data deleted from Arcus${p.userName ? ` by ${p.userName}` : ''} on ${dayInWords(p.at, p.timezone)}: its contacts, invoices, payments and credit notes are no longer in Arcus (nothing was changed in ${PROVIDER_LABEL[p.provider]}). The activity timeline and audit log are kept. Reconnect to sync it again from scratch.`;
}

/** The explicit "delete synced data" action: contacts, invoices (with lines), payments, credit notes, overpayments and prepayments (with allocations). */
export async function deleteSyncedData(db: Db, params: { firmId: string; organisationId: string; userId: string; name: string; userName?: string; now?: Date }): Promise<void> {
  const now = params.now ?? new Date();
  const scope = (t: typeof invoices | typeof payments | typeof creditNotes | typeof prepayments | typeof contacts) => and(eq(t.firmId, params.firmId), eq(t.organisationId, params.organisationId));
  await db.transaction(async (tx) => {
    await tx.delete(payments).where(scope(payments));
    await tx.delete(creditNotes).where(scope(creditNotes));
    await tx.delete(prepayments).where(scope(prepayments));
    await tx.delete(invoices).where(scope(invoices));
    await tx.delete(contacts).where(scope(contacts));
    const [org] = await tx
      .select({ timezone: organisations.timezone, provider: organisations.provider })
      .from(organisations)
      .where(and(eq(organisations.id, params.organisationId), eq(organisations.firmId, params.firmId)));
    // The disconnect's "synced history is kept" is no longer true: say what the deletion did.
    const statusReason = org ? deletedDataReason({ userName: params.userName ?? null, at: now, timezone: org.timezone, provider: org.provider }) : null;
    await tx
      .update(organisations)
      .set({ syncState: {}, lastSyncAt: null, ...(statusReason ? { statusReason } : {}), updatedAt: now })
      .where(and(eq(organisations.id, params.organisationId), eq(organisations.firmId, params.firmId)));
    await tx.insert(activities).values({ firmId: params.firmId, organisationId: params.organisationId, actorUserId: params.userId, actorType: 'user', kind: 'organisation.data_deleted', summary: `Deleted the synced data of ${params.name}` });
  });
}
