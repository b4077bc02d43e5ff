/**
 * After a successful authorization: one organisation per tenant (Xero: each organisation the
 * user ticked; QuickBooks: the realm), its details read from the ledger, the token set sealed
 * into its connection, a nightly slot, an activity, and a sync. Reconnecting an organisation
 * goes through here too: the same row is updated and `needs_reauth` / `disconnected` cleared.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, ne } from 'drizzle-orm';
import { LedgerError } from '../../integrations/ledger/errors';
import type { NormOrganisation, Provider, Tenant, TokenSet } from '../../integrations/ledger/types';
import { nextNightlyRun, syncSlotMinute } from '../sync/nightly';
import { connectionRefusal } from '../billing/limits';
import { activities, connections, organisations } from '../db/schema';
import { asSystem, withFirm } from '../db/firm-scope';
import { type ConnectionDeps, PROVIDER_LABEL, type SyncKind } from './deps';
import { organisationTimezone } from './timezones';
import { sealTokens } from './tokens';

export interface ConnectInput {
  firmId: string;
  userId: string | null;
  provider: Provider;
  tokens: TokenSet;
  tenants: Tenant[];
  /** Default: full for a new organisation (or one never synced), else incremental. */
  syncKind?: SyncKind;
}

export interface ConnectedOrganisation {
  organisationId: string;
  name: string;
  created: boolean;
}

/** Why a tenant was not connected: another firm has it, the firm's App Store plan allows no more, the ledger was rate-limiting Arcus, or its details could not be read. */
export type RefusalKind = 'elsewhere' | 'plan_limit' | 'rate_limited' | 'unreadable';

export interface ConnectOutcome {
  connected: ConnectedOrganisation[];
  refused: { tenantId: string; name: string; reason: string; kind: RefusalKind }[];
}

/** Runs as the connecting firm whoever calls it (a request, or the demo's boot-time connect). */
export function connectTenants(deps: ConnectionDeps, input: ConnectInput): Promise<ConnectOutcome> {
  return withFirm(input.firmId, () => connectTenantsInFirm(deps, input));
}

async function connectTenantsInFirm(deps: ConnectionDeps, input: ConnectInput): Promise<ConnectOutcome> {
  const outcome: ConnectOutcome = { connected: [], refused: [] };
  const label = PROVIDER_LABEL[input.provider];
  // Every tenant of this consent shares its token set (see tokens.ts).
  const grantId = randomUUID();
  for (const tenant of input.tenants) {
    // One firm per ledger tenant: webhooks and write-backs must know whose it is. A cross-firm
    // existence check, so as the system; it answers only whether another firm holds the tenant.
    const elsewhere = await asSystem(() =>
      deps.db
        .select({ id: organisations.id })
        .from(organisations)
        .where(and(eq(organisations.provider, input.provider), eq(organisations.externalId, tenant.externalId), ne(organisations.firmId, input.firmId), ne(organisations.status, 'disconnected')))
        .limit(1),
    );
    if (elsewhere[0]) {
      outcome.refused.push({ tenantId: tenant.externalId, name: tenant.name, reason: `${tenant.name} is already connected to another Arcus firm.`, kind: 'elsewhere' });
      continue;
    }
    // The firm's App Store plan (server/billing): one more than it allows, or any new one while
    // the subscription is past due or cancelled, is refused in a sentence; reconnecting never is.
    const overPlan = await connectionRefusal(deps.db, { firmId: input.firmId, provider: input.provider, externalId: tenant.externalId, now: deps.now?.() ?? new Date() });
    if (overPlan) {
      outcome.refused.push({ tenantId: tenant.externalId, name: tenant.name, reason: overPlan, kind: 'plan_limit' });
      continue;
    }
    let details: NormOrganisation;
    try {
      details = await deps.factory.api(input.provider, { accessToken: input.tokens.accessToken, tenantId: tenant.externalId }).organisation();
    } catch (err) {
      deps.log.warn({ provider: input.provider, err: err instanceof Error ? err.message : String(err) }, 'could not read organisation details');
      const limited = err instanceof LedgerError && err.code === 'rate_limited';
      outcome.refused.push({
        tenantId: tenant.externalId,
        name: tenant.name,
        reason: limited ? `${label} was rate-limiting Arcus, so ${tenant.name}'s details could not be read yet.` : `${label} did not let Arcus read ${tenant.name}'s details.`,
        kind: limited ? 'rate_limited' : 'unreadable',
      });
      continue;
    }
    const result = await saveConnection(deps, input, tenant, details, grantId);
    outcome.connected.push(result);
    const kind = input.syncKind ?? (result.created || !result.hadSynced ? 'full' : 'incremental');
    try {
      await deps.requestSync(result.organisationId, kind);
    } catch (err) {
      deps.log.error({ organisationId: result.organisationId, err: err instanceof Error ? err.message : String(err) }, 'could not request the first sync');
    }
  }
  return outcome;
}

async function saveConnection(deps: ConnectionDeps, input: ConnectInput, tenant: Tenant, details: NormOrganisation, grantId: string): Promise<ConnectedOrganisation & { hadSynced: boolean }> {
  const now = deps.now?.() ?? new Date();
  const name = tenant.name || details.name;
  return deps.db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(organisations)
      .where(and(eq(organisations.firmId, input.firmId), eq(organisations.provider, input.provider), eq(organisations.externalId, tenant.externalId)))
      .for('update');
    let organisationId: string;
    if (existing) {
      organisationId = existing.id;
      await tx
        .update(organisations)
        .set({
          name,
          baseCurrency: details.baseCurrency || existing.baseCurrency,
          countryCode: details.countryCode ?? existing.countryCode,
          status: 'active',
          statusReason: null,
          nextSyncAt: nextNightlyRun(existing.timezone, existing.syncSlotMinute, now),
          updatedAt: now,
        })
        .where(eq(organisations.id, existing.id));
    } else {
      organisationId = randomUUID();
      const timezone = organisationTimezone(details.timezone, details.countryCode);
      const slot = syncSlotMinute(organisationId);
      await tx.insert(organisations).values({
        id: organisationId,
        firmId: input.firmId,
        provider: input.provider,
        externalId: tenant.externalId,
        name,
        baseCurrency: details.baseCurrency,
        timezone,
        countryCode: details.countryCode,
        status: 'active',
        syncSlotMinute: slot,
        nextSyncAt: nextNightlyRun(timezone, slot, now),
      });
    }
    const [conn] = await tx.select({ id: connections.id }).from(connections).where(eq(connections.organisationId, organisationId)).for('update');
    const connectionId = conn?.id ?? randomUUID();
    const fields = {
      ...sealTokens(deps.tokenKey, connectionId, input.tokens),
      accessTokenExpiresAt: input.tokens.expiresAt,
      scopes: input.tokens.scopes,
      status: 'active' as const,
      providerConnectionId: tenant.providerConnectionId,
      grantId,
      refreshFailures: 0,
      lastError: null,
      updatedAt: now,
    };
    if (conn) await tx.update(connections).set(fields).where(eq(connections.id, conn.id));
    else await tx.insert(connections).values({ id: connectionId, firmId: input.firmId, organisationId, provider: input.provider, ...fields });
    const verb = existing ? 'Reconnected' : 'Connected';
    await tx.insert(activities).values({
      firmId: input.firmId,
      organisationId,
      actorUserId: input.userId,
      actorType: input.userId ? 'user' : 'system',
      kind: existing ? 'organisation.reconnected' : 'organisation.connected',
      summary: `${verb} ${name} (${PROVIDER_LABEL[input.provider]})`,
      details: { provider: input.provider, tenantId: tenant.externalId },
    });
    return { organisationId, name, created: !existing, hadSynced: Boolean(existing?.lastSyncAt) };
  });
}
