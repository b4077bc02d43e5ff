/**
 * A job is a name, a zod payload schema and a handler. The same definitions run on BullMQ
 * (with REDIS_URL, in the worker process) and in-process (embedded mode); handlers never know
 * which. Retries belong to the runner: throw RetryLaterError to come back after a delay
 * (e.g. a ledger's Retry-After) and PermanentJobError for what must not be retried. A
 * DomainError (kernel/errors.ts) whose kind a retry cannot change (validation_failed, not_found,
 * conflict, …) is made permanent by jobs/run.ts, so services need not know they run in a job.
 */
import type { z } from 'zod';
import type { Db } from '../server/db/client';
import type { Logger } from '../server/logger';
import type { EnqueueOptions, QueuePort } from '../server/queue';
import type { Services } from '../server/services';

export interface JobContext {
  db: Db;
  log: Logger;
  queue: JobQueue;
  jobId: string;
  /** 1 on the first run. */
  attempt: number;
  /** Everything the process was built with (root/compose.ts): clock, ledgers, mail, payments. */
  services: Services;
}

export interface JobDefinition<P = unknown> {
  name: string;
  schema: z.ZodType<P>;
  /** Attempts before the job is given up (ordinary failures), with exponential backoff. */
  attempts: number;
  backoffMs: number;
  /**
   * At most WORKER_FIRM_CONCURRENCY of this job run at once for one firm, across every worker
   * process (BullMQ; docs/decisions/051). A job that finds its firm's slots full goes to the back
   * of the queue for a moment, so other firms' work goes ahead of it.
   */
  perFirm?: boolean;
  handler(payload: P, ctx: JobContext): Promise<void>;
}

export function defineJob<S extends z.ZodType>(def: {
  name: string;
  schema: S;
  attempts?: number;
  backoffMs?: number;
  perFirm?: boolean;
  handler(payload: z.infer<S>, ctx: JobContext): Promise<void>;
}): JobDefinition<z.infer<S>> {
  return { attempts: 5, backoffMs: 2000, ...def, schema: def.schema as unknown as z.ZodType<z.infer<S>> };
}

export { type EnqueueOptions, PermanentJobError, RetryLaterError, YieldJobError } from '../server/queue';

/** A runner: the queue port features use (request by name), plus what the runners and the root need. */
export interface JobQueue extends QueuePort {
  enqueue<P>(def: JobDefinition<P>, payload: P, options?: EnqueueOptions): Promise<string>;
  /** A repeating job with a stable id (re-registering replaces it). */
  schedule<P>(def: JobDefinition<P>, payload: P, options: { id: string; everyMs: number }): Promise<void>;
  unschedule(id: string): Promise<void>;
  close(): Promise<void>;
}

export function backoffDelay(def: JobDefinition<unknown>, attempt: number): number {
  return def.backoffMs * 2 ** Math.max(0, attempt - 1);
}
