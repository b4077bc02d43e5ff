import type { QueuePort } from '../queue';

/**
 * Ask for a scoring run of one organisation. `key` makes the request idempotent (e.g. the sync
 * run's id: one scoring per sync); without it every call enqueues a run — a completed BullMQ job
 * id cannot be reused for a day, so a fixed id would drop later requests.
 */
export function requestScoring(queue: QueuePort, organisationId: string, options: { key?: string; delayMs?: number } = {}): Promise<string> {
  const key = options.key ?? `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return queue.request('scoring.organisation', { organisationId }, { jobId: `scoring-${organisationId}-${key}`, ...(options.delayMs ? { delayMs: options.delayMs } : {}) });
}
