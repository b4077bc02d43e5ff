/**
 * sync_runs: one row per requested sync — queued → running → succeeded | failed, or deferred
 * (rate limits) and back to running. The row's `cursor` is where a deferred or crashed run
 * resumes; the organisation's checkpoint (organisations.sync_state) moves only when a run
 * completes (see engine.ts). One run per organisation runs at a time: claiming takes a
 * transaction-scoped advisory lock on the organisation and refuses while another run has a
 * fresh heartbeat.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { type Provider, SYNC_ENTITY_TYPES, type SyncEntityType } from '../../integrations/ledger/types';
import { CDC_WINDOW_MS } from '../../integrations/quickbooks/api';
import type { Db } from '../db/client';
import { activities, organisations, syncRuns } from '../db/schema';

export type SyncKind = 'full' | 'incremental' | 'webhook';

/**
 * Entity order of a run: contacts before the documents that reference them. Overpayments and
 * prepayments are read only from a provider that has them (`LedgerApi.credits`: Xero).
 */
export const SYNC_ORDER: SyncEntityType[] = ['contacts', 'invoices', 'creditNotes', 'overpayments', 'prepayments', 'payments'];

/** A running run whose heartbeat is older than this is presumed dead. */
export const STALE_RUN_MS = 10 * 60_000;

export interface Position {
  since: string | null;
  inclusive: boolean;
}

/** sync_runs.cursor */
export interface RunCursor {
  /** The organisation's checkpoints when the run was first claimed (ISO; null = from the start). */
  start: Partial<Record<SyncEntityType, string | null>>;
  /** Entities finished in this run. */
  done: SyncEntityType[];
  /** Where the entity in progress resumes. */
  positions: Partial<Record<SyncEntityType, Position>>;
  /** Newest ledger change seen per entity (ISO): the next checkpoint. */
  highWater: Partial<Record<SyncEntityType, string>>;
  /** A full read: documents the run does not see are marked deleted at the end. */
  reconcile: boolean;
  heartbeatAt: string;
}

export type SyncCounts = Record<SyncEntityType, number> & { deleted: number };

export function emptyCounts(): SyncCounts {
  return { contacts: 0, invoices: 0, creditNotes: 0, overpayments: 0, prepayments: 0, payments: 0, deleted: 0 };
}

/** organisations.sync_state */
export interface SyncState {
  checkpoints?: Partial<Record<SyncEntityType, string | null>>;
  lastFullSyncAt?: string;
  lastRunId?: string;
}

export interface RunError {
  at: string;
  attempt: number;
  code: string;
  message: string;
  /** When the run was due to try again after this error (a deferral or a retry with backoff). */
  retryAt?: string;
  /** The provider's id for the failed request (QuickBooks intuit_tid, Xero correlation id), for its support team. */
  reference?: { name: 'intuit_tid' | 'xero_correlation_id'; value: string };
}

export interface ClaimedRun {
  runId: string;
  kind: SyncKind;
  firmId: string;
  organisationId: string;
  provider: Provider;
  tenantId: string;
  organisationName: string;
  organisationStatus: 'active' | 'needs_reauth' | 'disconnected';
  baseCurrency: string;
  startedAt: Date;
  cursor: RunCursor;
  counts: SyncCounts;
  apiCalls: number;
  syncState: SyncState;
}

export type ClaimResult = { kind: 'claimed'; run: ClaimedRun } | { kind: 'finished'; status: string } | { kind: 'missing' } | { kind: 'busy'; otherRunId: string };

/**
 * Ask for a sync: reuses the organisation's queued or deferred run (a full request upgrades it)
 * or creates a queued one. Returns the run id and whether it merged into an existing run.
 */
export async function createOrReuseRun(db: Db, params: { organisationId: string; kind: SyncKind }): Promise<{ runId: string; merged: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sync:${params.organisationId}`}))`);
    const [org] = await tx.select({ firmId: organisations.firmId }).from(organisations).where(eq(organisations.id, params.organisationId));
    if (!org) throw new Error(`organisation ${params.organisationId} not found`);
    const [pending] = await tx
      .select({ id: syncRuns.id, kind: syncRuns.kind })
      .from(syncRuns)
      .where(and(eq(syncRuns.organisationId, params.organisationId), inArray(syncRuns.status, ['queued', 'deferred'])))
      .orderBy(asc(syncRuns.createdAt))
      .limit(1);
    if (pending) {
      // A full sync asked for while an incremental one waits: do the full one (it covers both),
      // unless it has already started reading from its checkpoints.
      if (params.kind === 'full' && pending.kind !== 'full') {
        await tx.update(syncRuns).set({ kind: 'full' }).where(and(eq(syncRuns.id, pending.id), eq(syncRuns.status, 'queued'), sql`${syncRuns.startedAt} is null`));
      }
      return { runId: pending.id, merged: true };
    }
    const runId = randomUUID();
    await tx.insert(syncRuns).values({ id: runId, firmId: org.firmId, organisationId: params.organisationId, kind: params.kind, status: 'queued' });
    return { runId, merged: false };
  });
}

function checkpointsOf(state: SyncState): Record<SyncEntityType, string | null> {
  const out = {} as Record<SyncEntityType, string | null>;
  for (const e of SYNC_ENTITY_TYPES) out[e] = state.checkpoints?.[e] ?? null;
  return out;
}

function isFresh(cursor: unknown, now: number): boolean {
  const at = (cursor as Partial<RunCursor> | null)?.heartbeatAt;
  return typeof at === 'string' && now - Date.parse(at) < STALE_RUN_MS;
}

/** Take a run for this attempt (see the file comment). */
export async function claimRun(db: Db, params: { runId: string; attempt: number; ledgerNow?: number }): Promise<ClaimResult> {
  const now = Date.now();
  const ledgerNow = params.ledgerNow ?? now;
  const [head] = await db.select({ organisationId: syncRuns.organisationId }).from(syncRuns).where(eq(syncRuns.id, params.runId));
  if (!head) return { kind: 'missing' };
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sync:${head.organisationId}`}))`);
    const [run] = await tx.select().from(syncRuns).where(eq(syncRuns.id, params.runId)).for('update');
    if (!run) return { kind: 'missing' } as const;
    if (run.status === 'succeeded' || run.status === 'failed') return { kind: 'finished', status: run.status } as const;
    const running = await tx
      .select({ id: syncRuns.id, cursor: syncRuns.cursor, errors: syncRuns.errors })
      .from(syncRuns)
      .where(and(eq(syncRuns.organisationId, run.organisationId), eq(syncRuns.status, 'running'), sql`${syncRuns.id} <> ${run.id}`));
    for (const other of running) {
      if (isFresh(other.cursor, now)) return { kind: 'busy', otherRunId: other.id } as const;
      const errors = [...((other.errors as RunError[]) ?? []), { at: new Date(now).toISOString(), attempt: 0, code: 'abandoned', message: 'The run stopped making progress (its worker probably died); a newer run took over.' }];
      await tx.update(syncRuns).set({ status: 'failed', finishedAt: new Date(now), errors }).where(eq(syncRuns.id, other.id));
    }
    const [org] = await tx.select().from(organisations).where(eq(organisations.id, run.organisationId));
    if (!org) return { kind: 'missing' } as const;
    const state = (org.syncState ?? {}) as SyncState;
    const previous = run.cursor as Partial<RunCursor>;
    let full = run.kind === 'full';
    if (!full && org.provider === 'quickbooks') {
      // Beyond CDC's window QuickBooks cannot report deletions: re-read from the start and reconcile.
      const checkpoints = Object.values(checkpointsOf(state)).filter((v): v is string => v !== null);
      if (checkpoints.some((v) => ledgerNow - Date.parse(v) > CDC_WINDOW_MS)) full = true;
    }
    const cursor: RunCursor = {
      start: previous.start ?? (full ? checkpointsOf({}) : checkpointsOf(state)),
      done: previous.done ?? [],
      positions: previous.positions ?? {},
      highWater: previous.highWater ?? {},
      reconcile: previous.reconcile ?? full,
      heartbeatAt: new Date(now).toISOString(),
    };
    const [updated] = await tx
      .update(syncRuns)
      .set({ status: 'running', startedAt: run.startedAt ?? sql`now()`, deferredUntil: null, cursor })
      .where(eq(syncRuns.id, run.id))
      .returning({ startedAt: syncRuns.startedAt });
    return {
      kind: 'claimed',
      run: {
        runId: run.id,
        kind: run.kind,
        firmId: run.firmId,
        organisationId: run.organisationId,
        provider: org.provider,
        tenantId: org.externalId,
        organisationName: org.name,
        organisationStatus: org.status,
        baseCurrency: org.baseCurrency,
        startedAt: updated!.startedAt!,
        cursor,
        counts: { ...emptyCounts(), ...((run.counts as Partial<SyncCounts>) ?? {}) },
        apiCalls: run.apiCalls,
        syncState: state,
      },
    } as const;
  });
}

async function appendError(db: Db, runId: string, error: RunError, set: Partial<typeof syncRuns.$inferInsert> = {}): Promise<void> {
  await db
    .update(syncRuns)
    .set({ ...set, errors: sql`${syncRuns.errors} || ${JSON.stringify([error])}::jsonb` })
    .where(eq(syncRuns.id, runId));
}

/** The run waits for the rate limit; its cursor stays where it was. */
export async function deferRun(db: Db, runId: string, params: { until: Date; error: RunError; apiCalls: number }): Promise<void> {
  await appendError(db, runId, { ...params.error, retryAt: params.until.toISOString() }, { status: 'deferred', deferredUntil: params.until, apiCalls: params.apiCalls });
}

/**
 * A failure the queue will retry with backoff: recorded, and the run waits (deferred) with its
 * cursor, so a new request merges into it instead of starting a second run.
 */
export async function recordRunError(db: Db, runId: string, params: { error: RunError; apiCalls: number; retryAt: Date }): Promise<void> {
  await appendError(db, runId, { ...params.error, retryAt: params.retryAt.toISOString() }, { apiCalls: params.apiCalls, status: 'deferred', deferredUntil: params.retryAt });
}

/** The run gives up: failed, with the reason in words, and a sync.failed activity. */
export async function failRun(db: Db, run: Pick<ClaimedRun, 'runId' | 'firmId' | 'organisationId' | 'provider' | 'organisationName' | 'counts'>, params: { error: RunError; apiCalls: number }): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(syncRuns)
      .set({ status: 'failed', finishedAt: sql`now()`, apiCalls: params.apiCalls, errors: sql`${syncRuns.errors} || ${JSON.stringify([params.error])}::jsonb` })
      .where(eq(syncRuns.id, run.runId));
    await tx.insert(activities).values({
      firmId: run.firmId,
      organisationId: run.organisationId,
      actorType: 'system',
      kind: 'sync.failed',
      summary: `Sync of ${run.organisationName} failed: ${params.error.message}`,
      details: { runId: run.runId, provider: run.provider, counts: run.counts, apiCalls: params.apiCalls, error: params.error },
    });
  });
}

/**
 * The run used its slice of pages and yields its worker (docs/decisions/051): it waits, with its
 * cursor, for its job to come round again — a request meanwhile merges into it, and the sweep
 * does not take it for abandoned.
 */
export async function yieldRun(db: Db, runId: string, params: { apiCalls: number }): Promise<void> {
  const at = new Date(Math.floor(Date.now() / 1000) * 1000);
  await db
    .update(syncRuns)
    .set({ status: 'deferred', deferredUntil: at, apiCalls: params.apiCalls, cursor: sql`${syncRuns.cursor} || ${JSON.stringify({ yieldedAt: at.toISOString() })}::jsonb` })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'running')));
}

/** A run that cannot start because another one is running. */
export async function markWaiting(db: Db, runId: string, until: Date): Promise<void> {
  await db.update(syncRuns).set({ status: 'deferred', deferredUntil: until }).where(and(eq(syncRuns.id, runId), inArray(syncRuns.status, ['queued', 'deferred', 'running'])));
}

/** The oldest queued or deferred run of an organisation, if any. */
export async function pendingRun(db: Db, organisationId: string): Promise<string | null> {
  const [r] = await db
    .select({ id: syncRuns.id })
    .from(syncRuns)
    .where(and(eq(syncRuns.organisationId, organisationId), inArray(syncRuns.status, ['queued', 'deferred'])))
    .orderBy(asc(syncRuns.createdAt))
    .limit(1);
  return r?.id ?? null;
}
