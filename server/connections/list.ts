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
import { isTimeZone, todayIn } from '../../kernel/dates';
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
  /** A waiting run: why, and when it tries again, in the organisation's time zone ("Rate-limited by Xero, retrying at 23:41"). */
  waiting: string | null;
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

/** "23:41" in the zone, or "3 Dec 2026, 23:41" when `at` is not on the same day there as `since`. */
export function clockTime(at: Date, timeZone: string, since?: Date): string {
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }).format(at);
  return since && todayIn(zone, since) === todayIn(zone, at) ? time : `${dayInWords(at, zone)}, ${time}`;
}

function dateOf(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Codes whose stored message is one of Arcus's own sentences (the sync engine's, runs.ts's, disconnect.ts's). */
const OWN_WORDS = new Set(['reauth_required', 'disconnected', 'abandoned']);

/**
 * A sync error as the sync engine stored it ({code, message, at, retryAt} or a string), in plain
 * words, with its times in the organisation's zone. A provider's or a library's own message text
 * is never shown: only the codes Arcus knows, and its own sentences.
 */
export function plainError(provider: Provider, e: unknown, timeZone = 'UTC'): string {
  const label = PROVIDER_LABEL[provider];
  const field = (k: string): unknown => (e && typeof e === 'object' && k in e ? (e as Record<string, unknown>)[k] : undefined);
  const code = typeof e === 'string' ? null : String(field('code') ?? '');
  const message = typeof e === 'string' ? e : typeof field('message') === 'string' ? (field('message') as string) : null;
  const at = dateOf(field('at'));
  const retryAt = dateOf(field('retryAt'));
  const retrying = retryAt ? `retrying at ${clockTime(retryAt, timeZone, at ?? undefined)}` : 'Arcus will try again';
  switch (code) {
    case 'rate_limited':
      return `Rate-limited by ${label}, ${retrying}.`;
    case 'server':
      return `${label} had a problem on its side; ${retrying}.`;
    case 'timeout':
      return `${label} did not answer in time; ${retrying}.`;
    case 'network':
      return `Arcus could not reach ${label}; ${retrying}.`;
    case 'unauthorized':
    case 'invalid_grant':
      return `${label} no longer accepts Arcus's access. Reconnect this organisation.`;
    case 'forbidden':
      return `${label} refused access to this organisation. It may have been disconnected in ${label}.`;
    case 'not_found':
      return `${label} answered that something Arcus asked for does not exist; ${retrying}.`;
    case 'validation':
    case 'stale_object':
      return `${label} refused one of Arcus's requests; ${retrying}.`;
    default:
      if (code !== null && OWN_WORDS.has(code) && message) return message;
      if (code === null && message) return message;
      return `The sync stopped on an unexpected problem; ${retrying}.`;
  }
}

/** Why a deferred run waits and when it tries again: the error that deferred it, or another sync of the organisation. */
export function waitingText(provider: Provider, run: { status: string; deferredUntil: Date | null; errors: unknown; createdAt: Date; cursor?: unknown }, timeZone: string): string | null {
  if (run.status !== 'deferred' || !run.deferredUntil) return null;
  // A long sync gives its worker to other organisations every few pages (server/sync/runs.ts, yieldRun).
  const yieldedAt = (run.cursor as { yieldedAt?: unknown } | null | undefined)?.yieldedAt;
  if (typeof yieldedAt === 'string' && Date.parse(yieldedAt) === run.deferredUntil.getTime()) return 'Taking turns with other organisations’ syncs; continues in a moment';
  const errors = Array.isArray(run.errors) ? run.errors : [];
  const last = errors.at(-1) as { retryAt?: unknown } | undefined;
  const cause = dateOf(last?.retryAt)?.getTime() === run.deferredUntil.getTime() ? last : null;
  if (cause) return plainError(provider, cause, timeZone).replace(/\.$/, '');
  return `Waiting for another sync of this organisation to finish; trying again at ${clockTime(run.deferredUntil, timeZone, run.createdAt)}`;
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
          errors: (Array.isArray(run.errors) ? run.errors : []).map((e) => plainError(org.provider, e, org.timezone)),
          createdAt: run.createdAt.toISOString(),
          startedAt: iso(run.startedAt),
          finishedAt: iso(run.finishedAt),
          durationMs: run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
          deferredUntil: iso(run.deferredUntil),
          waiting: waitingText(org.provider, run, org.timezone),
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
