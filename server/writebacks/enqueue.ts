/**
 * How write-backs are queued: one `writebacks.execute` job per row and attempt. Job ids come
 * from the row and the attempt, so a request enqueued twice runs once, and a retry the engine
 * asks for (Retry-After, re-auth) gets its own id.
 */
import type { Db } from '../db/client';
import type { QueuePort } from '../queue';
import type { RequestDeps } from './request';

export const executeJobId = (writebackId: string, attempt = 0) => `wb-${writebackId}-${attempt}`;

export function writebackEnqueuer(queue: QueuePort): (writebackId: string, attempt?: number) => Promise<void> {
  return async (writebackId: string, attempt = 0) => {
    await queue.request('writebacks.execute', { writebackId }, { jobId: executeJobId(writebackId, attempt) });
  };
}

/** What requestWriteback needs, from a job context or a route's queue. */
export function requestDeps(ctx: { db: Db; queue: QueuePort; now?: () => Date }): RequestDeps {
  return { db: ctx.db, enqueueExecute: writebackEnqueuer(ctx.queue), now: ctx.now };
}
