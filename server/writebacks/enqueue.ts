/**
 * How write-backs are queued: one `writebacks.execute` job per row and attempt. Job ids come
 * from the row and the attempt, so a request enqueued twice runs once, and a retry the engine
 * asks for (Retry-After, re-auth) gets its own id. Each is queued with its kind's priority
 * (types.ts, WRITEBACK_PRIORITY): a debtor's payment is picked up before a backlog of notes.
 */
import type { Db } from '../db/client';
import type { QueuePort } from '../queue';
import type { RequestDeps } from './request';
import { QUEUE_PRIORITY, WRITEBACK_PRIORITY, type WritebackKind } from './types';

export const executeJobId = (writebackId: string, attempt = 0) => `wb-${writebackId}-${attempt}`;

/** The queue priority of a write-back of `kind` (payments first, notes last); none when the kind is not known. */
export function writebackQueuePriority(kind?: WritebackKind | null): number | undefined {
  return kind ? QUEUE_PRIORITY[WRITEBACK_PRIORITY[kind]] : undefined;
}

export function writebackEnqueuer(queue: QueuePort): (writebackId: string, attempt?: number, kind?: WritebackKind) => Promise<void> {
  return async (writebackId: string, attempt = 0, kind?: WritebackKind) => {
    await queue.request('writebacks.execute', { writebackId }, { jobId: executeJobId(writebackId, attempt), priority: writebackQueuePriority(kind) });
  };
}

/** What requestWriteback needs, from a job context or a route's queue. */
export function requestDeps(ctx: { db: Db; queue: QueuePort; now?: () => Date }): RequestDeps {
  return { db: ctx.db, enqueueExecute: writebackEnqueuer(ctx.queue), now: ctx.now };
}
