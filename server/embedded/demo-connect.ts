/**
 * The demo is "already connected": at boot, the demo firm is connected to each of the
 * sandbox's demo companies through the real authorization-code flow (PKCE, state, code
 * exchange, tenants, organisation details), answering the sandbox's consent page server-side,
 * one consent per company so no two organisations share a token set.
 *
 * Idempotent across restarts. The PGlite folder keeps organisations, data and sealed tokens,
 * but the sandbox keeps its grants in memory, so after a restart the stored tokens are dead:
 * each demo organisation's token is probed and, when refused, the company is connected again
 * silently (same organisation row, history kept, a full sync requested since the sandbox
 * regenerated its ledger). Organisations the user disconnected stay disconnected.
 */
import { and, eq } from 'drizzle-orm';
import { LedgerError } from '../../integrations/ledger/errors';
import type { Provider } from '../../integrations/ledger/types';
import type { Sandbox } from '../../integrations/sandbox/server';
import { type SyncKind, tokenDeps } from '../connections/deps';
import { accessTokenFor, ReauthRequiredError } from '../connections/tokens';
import { connections, organisations } from '../db/schema';
import { beginAuthorization, finishConnect, type OAuthDeps } from '../oauth/flow';
import { rememberPending, takePending } from '../oauth/state';
import { answerSandboxConsent } from './sandbox-consent';
import { withFirm } from '../db/firm-scope';

export interface DemoConnectResult {
  connected: string[];
  reconnected: string[];
  kept: string[];
  skipped: string[];
}

type Health = 'ok' | 'dead' | 'disconnected' | 'missing';

async function health(deps: OAuthDeps, firmId: string, provider: Provider, tenantId: string): Promise<{ health: Health; organisationId?: string }> {
  const [row] = await deps.db
    .select({ id: organisations.id, status: organisations.status, connStatus: connections.status })
    .from(organisations)
    .leftJoin(connections, eq(connections.organisationId, organisations.id))
    .where(and(eq(organisations.firmId, firmId), eq(organisations.provider, provider), eq(organisations.externalId, tenantId)));
  if (!row) return { health: 'missing' };
  if (row.status === 'disconnected') return { health: 'disconnected', organisationId: row.id };
  if (row.connStatus !== 'active') return { health: 'dead', organisationId: row.id };
  try {
    const { accessToken } = await accessTokenFor(tokenDeps(deps), row.id);
    await deps.factory.api(provider, { accessToken, tenantId }).organisation();
    return { health: 'ok', organisationId: row.id };
  } catch (err) {
    if (err instanceof ReauthRequiredError || (err instanceof LedgerError && ['unauthorized', 'forbidden', 'invalid_grant'].includes(err.code))) return { health: 'dead', organisationId: row.id };
    throw err;
  }
}

/** Connect one sandbox company to a firm through the authorization-code flow. */
export async function connectSandboxCompany(deps: OAuthDeps, params: { firmId: string; userId?: string; provider: Provider; companyId: string; organisationId?: string; syncKind?: SyncKind }) {
  const { url, pending } = beginAuthorization(deps, { purpose: 'connect', provider: params.provider, firmId: params.firmId, userId: params.userId, organisationId: params.organisationId });
  const store = rememberPending(undefined, pending);
  const callback = await answerSandboxConsent(url, { companyIds: [params.companyId] });
  const error = callback.searchParams.get('error');
  if (error) throw new Error(`the sandbox refused the demo connection: ${error}`);
  const check = takePending(deps.sessionSecret, callback.searchParams.get('state'), store, params.provider);
  if (!check.ok) throw new Error(`the demo connection's state did not verify (${check.reason})`);
  return finishConnect(deps, check.pending, { code: callback.searchParams.get('code') ?? '', realmId: callback.searchParams.get('realmId') ?? undefined }, { syncKind: params.syncKind });
}

/** What the demo's console says once the demo firm's organisations are connected. */
export function demoConnectSentence(r: DemoConnectResult): string {
  const list = (names: string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);
  const parts = [
    r.connected.length ? `connected ${list(r.connected)} (first sync under way)` : '',
    r.reconnected.length ? `reconnected ${list(r.reconnected)} (the sandbox ledger starts afresh each run; syncing again)` : '',
    r.kept.length ? `${list(r.kept)} already connected` : '',
    r.skipped.length ? `${list(r.skipped)} left disconnected, as you chose` : '',
  ].filter(Boolean);
  return parts.length ? `Demo clients: ${parts.join('; ')}.` : 'Demo clients: none to connect.';
}

/** Runs as the demo firm (it starts at boot, outside any request). */
export function ensureDemoConnections(deps: OAuthDeps, sandbox: Sandbox, demo: { firmId: string }): Promise<DemoConnectResult> {
  return withFirm(demo.firmId, () => ensureDemoConnectionsInFirm(deps, sandbox, demo));
}

async function ensureDemoConnectionsInFirm(deps: OAuthDeps, sandbox: Sandbox, demo: { firmId: string }): Promise<DemoConnectResult> {
  const result: DemoConnectResult = { connected: [], reconnected: [], kept: [], skipped: [] };
  for (const companyId of sandbox.companyIds) {
    const company = sandbox.ctx.store.company(companyId);
    const provider: Provider = company.provider;
    const h = await health(deps, demo.firmId, provider, companyId);
    if (h.health === 'ok') {
      result.kept.push(company.name);
      continue;
    }
    if (h.health === 'disconnected') {
      result.skipped.push(company.name);
      continue;
    }
    const before = h.organisationId;
    // After a restart the sandbox regenerated its ledger: a reconnected organisation starts over with a full sync.
    await connectSandboxCompany(deps, { firmId: demo.firmId, provider, companyId, organisationId: before, syncKind: 'full' });
    if (before) {
      result.reconnected.push(company.name);
    } else {
      result.connected.push(company.name);
    }
  }
  return result;
}
