/**
 * The queue port: how features ask for background work — by job name, with a payload the job
 * validates again when it runs. The runners (jobs/: BullMQ with REDIS_URL, in-process
 * otherwise) implement it; nothing in server/ imports jobs/.
 *
 * A handler says how it failed with these errors: RetryLaterError comes back after a delay
 * (e.g. a ledger's Retry-After) without spending an attempt; PermanentJobError is not retried.
 */
import type { SyncKind } from './connections/deps';

export interface EnqueueOptions {
  /** A stable id: enqueuing the same id again while it is pending is a no-op. */
  jobId?: string;
  delayMs?: number;
  /** 1 is served first; without one a job goes before any with one (BullMQ's rule, kept by the inline queue too). */
  priority?: number;
}

/** Every job a feature may request, by name, with its payload. */
export interface JobPayloads {
  'sync.organisation': { organisationId: string; kind: SyncKind; runId?: string };
  'scoring.organisation': { organisationId: string };
  'reminders.run': { organisationId: string; confirmationId?: string };
  'reminders.send': { sendId: string };
  'collections.assess': { organisationId: string };
  'writebacks.execute': { writebackId: string };
  'billing-review.refresh': { organisationId: string };
}

export type JobName = keyof JobPayloads;

export interface QueuePort {
  readonly kind: 'bullmq' | 'inline';
  request<N extends JobName>(name: N, payload: JobPayloads[N], options?: EnqueueOptions): Promise<string>;
}

/** Come back after `delayMs` (not counted as a failed attempt). */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** Do not retry: the input or the world says no. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/**
 * The job did a bounded slice of its work and saved where it stopped: it gives its worker slot
 * back and comes back at the back of the queue (not a failure, no attempt spent;
 * docs/decisions/051). A large organisation's sync yields every few pages this way, so it never
 * holds a worker while small organisations wait.
 */
export class YieldJobError extends RetryLaterError {
  override name = 'YieldJobError';
  constructor(message = 'yielded its worker slot; continues at the back of the queue') {
    super(1, message);
  }
}
