/**
 * A job is a name, a zod payload schema and a handler. The same definitions run on BullMQ
 * (with REDIS_URL, in the worker process) and in-process (embedded mode); handlers never know
 * which. Retries belong to the runner: throw RetryLaterError to come back after a delay
 * (e.g. a ledger's Retry-After) and PermanentJobError for what must not be retried.
 */
import type { z } from 'zod';
import type { Db } from '../server/db/client';
import type { Logger } from '../server/logger';

export interface JobContext {
  db: Db;
  log: Logger;
  queue: JobQueue;
  jobId: string;
  /** 1 on the first run. */
  attempt: number;
}

export interface JobDefinition<P = unknown> {
  name: string;
  schema: z.ZodType<P>;
  /** Attempts before the job is given up (ordinary failures), with exponential backoff. */
  attempts: number;
  backoffMs: number;
  handler(payload: P, ctx: JobContext): Promise<void>;
}

export function defineJob<S extends z.ZodType>(def: {
  name: string;
  schema: S;
  attempts?: number;
  backoffMs?: number;
  handler(payload: z.infer<S>, ctx: JobContext): Promise<void>;
}): JobDefinition<z.infer<S>> {
  return { attempts: 5, backoffMs: 2000, ...def, schema: def.schema as unknown as z.ZodType<z.infer<S>> };
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

export interface EnqueueOptions {
  /** A stable id: enqueuing the same id again while it is pending is a no-op. */
  jobId?: string;
  delayMs?: number;
}

export interface JobQueue {
  readonly kind: 'bullmq' | 'inline';
  enqueue<P>(def: JobDefinition<P>, payload: P, options?: EnqueueOptions): Promise<string>;
  /** A repeating job with a stable id (re-registering replaces it). */
  schedule<P>(def: JobDefinition<P>, payload: P, options: { id: string; everyMs: number }): Promise<void>;
  unschedule(id: string): Promise<void>;
  close(): Promise<void>;
}

export function backoffDelay(def: JobDefinition<unknown>, attempt: number): number {
  return def.backoffMs * 2 ** Math.max(0, attempt - 1);
}
