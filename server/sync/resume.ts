/**
 * Sync runs a dead worker left `running`. BullMQ runs a stalled job again (up to
 * WORKER_MAX_STALLED_COUNT times, config.queue); past that it fails the job and the run would
 * stay `running` with nothing to resume it. The sync sweep finds running runs whose heartbeat is
 * older than STALE_RUN_MS and requests them again under a job id that carries that heartbeat:
 * the run resumes from its cursor, however many times its workers died, and two sweeps that see
 * the same dead heartbeat make one job (docs/decisions/011).
 */
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { syncRuns } from '../db/schema';
import type { QueuePort } from '../queue';
import { syncJobId } from './request';
import type { SyncKind } from './runs';
import { STALE_RUN_MS } from './runs';

export interface AbandonedRun {
  runId: string;
  organisationId: string;
  kind: SyncKind;
  /** The last sign of life: the cursor's heartbeat, else when the run started (ms). */
  lastSeenMs: number;
}

/** Running runs with no sign of life for `staleMs` (default STALE_RUN_MS). */
export async function abandonedRuns(db: Db, now: Date, staleMs = STALE_RUN_MS): Promise<AbandonedRun[]> {
  const rows = await db
    .select({ id: syncRuns.id, organisationId: syncRuns.organisationId, kind: syncRuns.kind, heartbeat: sql<string | null>`${syncRuns.cursor}->>'heartbeatAt'`, startedAt: syncRuns.startedAt, createdAt: syncRuns.createdAt })
    .from(syncRuns)
    .where(and(eq(syncRuns.status, 'running')));
  const out: AbandonedRun[] = [];
  for (const r of rows) {
    const beat = r.heartbeat ? Date.parse(r.heartbeat) : Number.NaN;
    const lastSeenMs = Number.isFinite(beat) ? beat : (r.startedAt ?? r.createdAt).getTime();
    if (now.getTime() - lastSeenMs >= staleMs) out.push({ runId: r.id, organisationId: r.organisationId, kind: r.kind as SyncKind, lastSeenMs });
  }
  return out;
}

/** The job id of a resumed run: a new dead heartbeat is a new job; the same one, the same job. */
export function resumeJobId(runId: string, lastSeenMs: number): string {
  return `sync-${runId}-r${lastSeenMs}`;
}

export async function resumeAbandonedRuns(db: Db, queue: QueuePort, now: Date, staleMs = STALE_RUN_MS): Promise<AbandonedRun[]> {
  const runs = await abandonedRuns(db, now, staleMs);
  for (const r of runs) await queue.request('sync.organisation', { organisationId: r.organisationId, kind: r.kind, runId: r.runId }, { jobId: resumeJobId(r.runId, r.lastSeenMs) });
  return runs;
}

/** A queued run older than this may have lost its job (its requester died between commit and enqueue). */
export const ORPHAN_AFTER_MS = 2 * 60_000;
/** Queued runs requested again per sweep. */
export const ORPHAN_BATCH = 500;

/**
 * The nightly tick creates each run in its claim transaction and requests its job after the commit
 * (schedule.ts): a worker killed in between leaves queued runs without a job. Requesting a queued
 * run's job again under its own id is a no-op while the job exists (waiting, delayed, running or
 * kept after it finished), so the sweep asks again for the oldest queued runs, and only a run
 * whose job was never made gets one.
 */
export async function requestQueuedRuns(db: Db, queue: QueuePort, now: Date, olderThanMs = ORPHAN_AFTER_MS): Promise<number> {
  const rows = await db
    .select({ id: syncRuns.id, organisationId: syncRuns.organisationId, kind: syncRuns.kind })
    .from(syncRuns)
    .where(and(eq(syncRuns.status, 'queued'), lte(syncRuns.createdAt, new Date(now.getTime() - olderThanMs))))
    .orderBy(asc(syncRuns.createdAt))
    .limit(ORPHAN_BATCH);
  for (const r of rows) await queue.request('sync.organisation', { organisationId: r.organisationId, kind: r.kind as SyncKind, runId: r.id }, { jobId: syncJobId(r.id) });
  return rows.length;
}
