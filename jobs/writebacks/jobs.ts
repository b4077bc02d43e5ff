/**
 * The write-back jobs: `writebacks.execute` runs one write-back (server/writebacks/execute.ts);
 * `writebacks.sweep` (every minute) re-queues write-backs a dead worker left behind — pending
 * rows whose job was lost, and sending/sent rows whose lease ran out — so a killed worker's
 * write is finished (with the same key) by the next one.
 * Job ids come from the row and the attempt, so a request enqueued twice runs once, and a retry
 * the engine asks for (Retry-After, re-auth) gets its own id. The ledger factory and token key
 * are the ones set at boot for sync (jobs/schedule/deps.ts); tests may replace the clock, the
 * writer and the crash hook with `setWritebackEnv`.
 */
import { z } from 'zod';
import { createLedgerWrites } from '../../integrations/ledger/create-writes';
import type { CreateLedgerWrites } from '../../integrations/ledger/writes';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import type { RequestDeps } from '../../server/writebacks/request';
import type { WritebackCrashPoint, WritebackDeps } from '../../server/writebacks/types';
import { defineJob, type JobContext, type JobQueue, RetryLaterError } from '../define';
import { scheduleDeps } from '../schedule/deps';

export const executeJobId = (writebackId: string, attempt = 0) => `wb-${writebackId}-${attempt}`;

export interface WritebackEnv {
  now: () => Date;
  writes: CreateLedgerWrites;
  crash?: (point: WritebackCrashPoint) => void;
  leaseMs?: number;
}

let env: WritebackEnv = { now: () => new Date(), writes: createLedgerWrites };

/** Tests: a clock, a crash hook or a lease length for the write-back jobs (null restores the defaults). */
export function setWritebackEnv(next: Partial<WritebackEnv> | null): void {
  env = { now: () => new Date(), writes: createLedgerWrites, ...(next ?? {}) };
}

export function writebackEnqueuer(queue: JobQueue): (writebackId: string, attempt?: number) => Promise<void> {
  return async (writebackId: string, attempt = 0) => {
    await queue.enqueue(writebackExecuteJob, { writebackId }, { jobId: executeJobId(writebackId, attempt) });
  };
}

/** What requestWriteback needs, from a job context or a route's queue. */
export function requestDeps(ctx: Pick<JobContext, 'db' | 'queue'>): RequestDeps {
  return { db: ctx.db, enqueueExecute: writebackEnqueuer(ctx.queue) };
}

export function writebackDeps(ctx: Pick<JobContext, 'db' | 'log' | 'queue'>): WritebackDeps {
  let ledger: WritebackDeps['ledger'] = null;
  try {
    const d = scheduleDeps();
    ledger = { factory: d.factory, tokenKey: d.tokenKey, writes: env.writes };
  } catch {
    ledger = null;
  }
  return { db: ctx.db, log: ctx.log, ledger, now: env.now, crash: env.crash, leaseMs: env.leaseMs, enqueueExecute: writebackEnqueuer(ctx.queue) };
}

export const SWEEP_EVERY_MS = 60_000;

export const writebackSweepJob = defineJob({
  name: 'writebacks.sweep',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 10_000,
  async handler(_payload, ctx) {
    const ids = await stuckWritebacks(ctx.db, env.now(), SWEEP_EVERY_MS);
    const slot = Math.floor(env.now().getTime() / SWEEP_EVERY_MS);
    for (const id of ids) await ctx.queue.enqueue(writebackExecuteJob, { writebackId: id }, { jobId: `wb-${id}-sweep-${slot}` });
    if (ids.length) ctx.log.info({ count: ids.length }, 'write-backs re-queued');
  },
});

export const writebackExecuteJob = defineJob({
  name: 'writebacks.execute',
  schema: z.object({ writebackId: z.uuid() }),
  attempts: 8,
  backoffMs: 30_000,
  async handler(payload, ctx) {
    const r = await executeWriteback(writebackDeps(ctx), payload.writebackId);
    if (r.outcome === 'retry') {
      if (r.delayMs) throw new RetryLaterError(r.delayMs, r.error);
      throw new Error(r.error);
    }
  },
});
