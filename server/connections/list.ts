/**
 * The Settings › Connections view of a firm's organisations: provider, tenant name, status in
 * words, last and next sync, the latest sync run (progress, counts, API calls, errors in plain
 * words) and how many documents are kept. Every query is scoped by the firm.
 */
import { and, count, desc, eq, inArray } from 'drizzle-orm';
import { CREDIT_ENTITY_TYPES, type Provider, type SyncEntityType } from '../../integrations/ledger/types';
import type { Db } from '../db/client';
import { connections, contacts, invoices, organisations, syncRuns } from '../db/schema';
import { SYNC_ORDER } from '../sync/runs';
import { dayInWords, PROVIDER_LABEL, type SyncKind } from './deps';

type SyncRunRow = typeof syncRuns.$inferSelect;

export interface SyncRunView {
  id: string;
  kind: SyncKind;
  status: SyncRunRow['status'];
  /** An estimate in percent: entity types finished out of four (the total of records is not known ahead). */
  progress: number;
  /** Records written so far. */
  records: number;
  /** The entity type being read (server/sync/runs.ts SYNC_ORDER; Xero also overpayments and prepayments). */
  stage: SyncEntityType | null;
  counts: Record<string, number>;
  apiCalls: number;
  errors: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  deferredUntil: string | null;
}

export interface OrganisationView {
  id: string;
  provider: Provider;
  providerLabel: string;
  name: string;
  tenantId: string;
  baseCurrency: string;
  timezone: string;
  countryCode: string | null;
  status: 'active' | 'needs_reauth' | 'disconnected';
  /** "Connected", "Needs reconnecting — …", "Disconnected — …". */
  statusText: string;
  statusReason: string | null;
  connectionStatus: 'active' | 'needs_reauth' | 'revoked' | null;
  lastSyncAt: string | null;
  nextSyncAt: string | null;
  syncing: boolean;
  latestRun: SyncRunView | null;
  documents: { contacts: number; invoices: number };
}

const ACTIVE_RUN = new Set(['queued', 'running', 'deferred']);
/** The stages a run of this provider goes through, in the sync engine's order (QuickBooks has no overpayments or prepayments to read). */
function stagesOf(provider: Provider): readonly SyncEntityType[] {
  return provider === 'xero' ? SYNC_ORDER : SYNC_ORDER.filter((e) => !(CREDIT_ENTITY_TYPES as SyncEntityType[]).includes(e));
}

export function runProgress(provider: Provider, status: string, cursor: unknown): { progress: number; stage: SyncEntityType | null } {
  if (status === 'succeeded') return { progress: 100, stage: null };
  const STAGES = stagesOf(provider);
  const done = Array.isArray((cursor as { done?: unknown })?.done) ? ((cursor as { done: unknown[] }).done.filter((d) => typeof d === 'string') as string[]) : [];
  const stage = STAGES.find((e) => !done.includes(e)) ?? null;
  const finished = STAGES.filter((e) => done.includes(e)).length;
  return { progress: Math.round((100 * finished) / STAGES.length), stage: status === 'queued' ? null : stage };
}

/** A sync error as the sync engine stored it ({code, message} or a string), in plain words. */
export function plainError(provider: Provider, e: unknown): string {
  const label = PROVIDER_LABEL[provider];
  const code = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : null;
  const message = typeof e === 'string' ? e : e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : null;
  switch (code) {
    case 'rate_limited':
      return `${label} asked Arcus to slow down; the sync continues automatically when it allows.`;
    case 'unauthorized':
    case 'invalid_grant':
    case 'reauth_required':
      return `${label} no longer accepts Arcus's access. Reconnect this organisation.`;
    case 'forbidden':
      return `${label} refused access to this organisation. It may have been disconnected in ${label}.`;
    case 'server':
    case 'timeout':
    case 'network':
      return `${label} could not be reached or had a problem on its side; Arcus will try again.`;
    default:
      return message ?? `The sync failed (${code ?? 'unknown error'}).`;
  }
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

export function statusText(provider: Provider, status: OrganisationView['status'], reason: string | null, since?: { at: Date; timezone: string }): string {
  const label = PROVIDER_LABEL[provider];
  if (status === 'active') return 'Connected';
  if (status === 'needs_reauth') return `Needs reconnecting${since ? ` since ${dayInWords(since.at, since.timezone)}` : ''} — ${reason ?? `${label} no longer accepts Arcus's access.`}`;
  return `Disconnected — ${reason ?? `Arcus is no longer connected to this ${label} organisation.`}`;
}

export async function listOrganisations(db: Db, firmId: string, onlyId?: string): Promise<OrganisationView[]> {
  const where = onlyId ? and(eq(organisations.firmId, firmId), eq(organisations.id, onlyId)) : eq(organisations.firmId, firmId);
  const rows = await db
    .select({ org: organisations, connectionStatus: connections.status, connectionUpdatedAt: connections.updatedAt })
    .from(organisations)
    .leftJoin(connections, eq(connections.organisationId, organisations.id))
    .where(where)
    .orderBy(organisations.name);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.org.id);
  const runs = await db
    .selectDistinctOn([syncRuns.organisationId])
    .from(syncRuns)
    .where(and(eq(syncRuns.firmId, firmId), inArray(syncRuns.organisationId, ids)))
    .orderBy(syncRuns.organisationId, desc(syncRuns.createdAt));
  const runBy = new Map(runs.map((r) => [r.organisationId, r]));
  const invoiceCounts = await db
    .select({ id: invoices.organisationId, n: count() })
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), inArray(invoices.organisationId, ids)))
    .groupBy(invoices.organisationId);
  const contactCounts = await db
    .select({ id: contacts.organisationId, n: count() })
    .from(contacts)
    .where(and(eq(contacts.firmId, firmId), inArray(contacts.organisationId, ids)))
    .groupBy(contacts.organisationId);
  const inv = new Map(invoiceCounts.map((r) => [r.id, Number(r.n)]));
  const con = new Map(contactCounts.map((r) => [r.id, Number(r.n)]));

  return rows.map(({ org, connectionStatus, connectionUpdatedAt }) => {
    const run = runBy.get(org.id);
    const latestRun: SyncRunView | null = run
      ? {
          id: run.id,
          kind: run.kind,
          status: run.status,
          ...runProgress(org.provider as Provider, run.status, run.cursor),
          records: run.progress,
          counts: (run.counts ?? {}) as Record<string, number>,
          apiCalls: run.apiCalls,
          errors: (Array.isArray(run.errors) ? run.errors : []).map((e) => plainError(org.provider, e)),
          createdAt: run.createdAt.toISOString(),
          startedAt: iso(run.startedAt),
          finishedAt: iso(run.finishedAt),
          durationMs: run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
          deferredUntil: iso(run.deferredUntil),
        }
      : null;
    return {
      id: org.id,
      provider: org.provider,
      providerLabel: PROVIDER_LABEL[org.provider],
      name: org.name,
      tenantId: org.externalId,
      baseCurrency: org.baseCurrency,
      timezone: org.timezone,
      countryCode: org.countryCode,
      status: org.status,
      statusText: statusText(org.provider, org.status, org.statusReason, org.status === 'needs_reauth' && connectionUpdatedAt ? { at: connectionUpdatedAt, timezone: org.timezone } : undefined),
      statusReason: org.statusReason,
      connectionStatus: connectionStatus ?? null,
      lastSyncAt: iso(org.lastSyncAt),
      nextSyncAt: org.status === 'active' ? iso(org.nextSyncAt) : null,
      syncing: Boolean(latestRun && ACTIVE_RUN.has(latestRun.status) && org.status !== 'disconnected'),
      latestRun,
      documents: { contacts: con.get(org.id) ?? 0, invoices: inv.get(org.id) ?? 0 },
    };
  });
}
