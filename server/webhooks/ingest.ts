/**
 * What a verified webhook does: remember each event once (INSERT … ON CONFLICT DO NOTHING on
 * (provider, event id)), find the organisations of the tenants that changed, and ask for one
 * webhook sync per organisation. No ledger call happens here, so the receiver answers fast.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Provider } from '../../integrations/ledger/types';
import type { Db } from '../db/client';
import { asSystem, withFirm } from '../db/firm-scope';
import { organisations, webhookEvents } from '../db/schema';
import type { Logger } from '../logger';
import type { LedgerEvent } from './payloads';

/** Rows per statement: 1,000 events × 5 columns stay far below PostgreSQL's 65,535 parameters. */
const CHUNK = 1_000;

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export type RequestWebhookSync = (organisationId: string) => Promise<unknown>;

export interface IngestResult {
  received: number;
  /** Events not seen before. */
  fresh: number;
  /** Organisations a sync was requested for. */
  organisationIds: string[];
  /** Tenants no active organisation is connected to. */
  unknownTenants: string[];
}

export async function ingestEvents(deps: { db: Db; log: Logger; requestSync: RequestWebhookSync }, provider: Provider, events: LedgerEvent[]): Promise<IngestResult> {
  const result: IngestResult = { received: events.length, fresh: 0, organisationIds: [], unknownTenants: [] };
  if (events.length === 0) return result;
  // The same event twice in one delivery counts once.
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
  const tenantIds = [...new Set(unique.map((e) => e.tenantId))];
  // A verified delivery names tenants, not firms: tenant → organisation and the event dedupe are
  // system lookups (docs/decisions/007); each sync is then requested as the organisation's firm.
  const orgs: { id: string; firmId: string; externalId: string }[] = [];
  for (const ids of chunks(tenantIds, CHUNK)) {
    orgs.push(
      ...(await asSystem(() =>
        deps.db
          .select({ id: organisations.id, firmId: organisations.firmId, externalId: organisations.externalId })
          .from(organisations)
          .where(and(eq(organisations.provider, provider), inArray(organisations.externalId, ids), eq(organisations.status, 'active'))),
      )),
    );
  }
  const byTenant = new Map<string, typeof orgs>();
  for (const o of orgs) byTenant.set(o.externalId, [...(byTenant.get(o.externalId) ?? []), o]);
  for (const [tenant, list] of byTenant) {
    // A tenant belongs to one firm (connect refuses a second); if history says otherwise, every active one syncs.
    if (list.length > 1) deps.log.warn({ provider, tenant, organisations: list.length }, 'one ledger tenant is connected to several organisations');
  }
  result.unknownTenants = tenantIds.filter((t) => !byTenant.has(t));

  // In chunks: one INSERT of 20,000 events would pass PostgreSQL's 65,535 bind parameters.
  const inserted: { eventId: string }[] = [];
  for (const part of chunks(unique, CHUNK)) {
    inserted.push(
      ...(await asSystem(() =>
        deps.db
          .insert(webhookEvents)
          .values(
            part.map((e) => {
              const org = byTenant.get(e.tenantId)?.[0];
              return { provider, eventId: e.eventId, firmId: org?.firmId ?? null, organisationId: org?.id ?? null, payload: e.payload as object };
            }),
          )
          .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.eventId] })
          .returning({ eventId: webhookEvents.eventId }),
      )),
    );
  }
  result.fresh = inserted.length;
  const freshIds = new Set(inserted.map((r) => r.eventId));
  const toSync = new Map<string, string>();
  for (const e of unique) if (freshIds.has(e.eventId)) for (const o of byTenant.get(e.tenantId) ?? []) toSync.set(o.id, o.firmId);
  for (const [id, firmId] of toSync) await withFirm(firmId, () => deps.requestSync(id));
  result.organisationIds = [...toSync.keys()];
  return result;
}
