/**
 * How everything asks for a sync of one organisation (connect callback, webhooks, the nightly
 * scheduler, Settings, the CLI): a queued sync_runs row — or a merge into the organisation's
 * queued or deferred run — and a `sync.organisation` job whose id comes from the run, so
 * duplicate requests collapse into one run and one job.
 */
import type { SyncKind } from '../connections/deps';
import type { Db } from '../db/client';
import type { QueuePort } from '../queue';
import { createOrReuseRun } from './runs';

/** BullMQ rejects custom job ids with a single ':' — and a finished job keeps its id for a day. */
export function syncJobId(runId: string): string {
  return `sync-${runId}`;
}

/** Returns the sync run's id (an existing queued or deferred run's when the request merges into it). */
export async function requestSync(queue: QueuePort, db: Db, params: { organisationId: string; kind: SyncKind }): Promise<string> {
  const { runId } = await createOrReuseRun(db, params);
  await queue.request('sync.organisation', { organisationId: params.organisationId, kind: params.kind, runId }, { jobId: syncJobId(runId) });
  return runId;
}
