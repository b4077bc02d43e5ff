/**
 * The write-back jobs: `writebacks.execute` runs one write-back (server/writebacks/execute.ts);
 * `writebacks.sweep` (every minute) re-queues write-backs a dead worker left behind — pending
 * rows whose job was lost, and sending/sent rows whose lease ran out — so a killed worker's
 * write is finished (with the same key) by the next one. Features queue them with
 * `writebackEnqueuer` (server/writebacks/enqueue.ts). The ledger, clock and test hooks come from
 * the process's services (root/compose.ts).
 */
import { z } from 'zod';
import { writebackEnqueuer, writebackQueuePriority } from '../../server/writebacks/enqueue';
import { executeWriteback, stuckWritebackRows } from '../../server/writebacks/execute';
import type { WritebackDeps } from '../../server/writebacks/types';
import { defineJob, type JobContext, RetryLaterError } from '../define';

export function writebackDeps(ctx: Pick<JobContext, 'db' | 'log' | 'queue' | 'services'>): WritebackDeps {
  const s = ctx.services;
  return {
    db: ctx.db,
    log: ctx.log,
    ledger: s.ledgers.gateway,
    now: () => s.clock.now(),
    crash: s.hooks.writebackCrash,
    leaseMs: s.hooks.writebackLeaseMs,
    enqueueExecute: writebackEnqueuer(ctx.queue),
    payLinks: { appUrl: s.appUrl, linkKey: s.config.payLinkKey },
    // A refund to the card asks the payment provider first and emails the debtor (decision 055).
    cards: { provider: s.payments, mail: { mailer: s.mail.mailer, mailFrom: s.mail.from, embedded: s.mail.embedded } },
  };
}

export const SWEEP_EVERY_MS = 60_000;

export const writebackSweepJob = defineJob({
  name: 'writebacks.sweep',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 10_000,
  async handler(_payload, ctx) {
    const now = ctx.services.clock.now();
    const ids = await stuckWritebackRows(ctx.db, now, SWEEP_EVERY_MS);
    const slot = Math.floor(now.getTime() / SWEEP_EVERY_MS);
    for (const { id, kind } of ids) await ctx.queue.request('writebacks.execute', { writebackId: id }, { jobId: `wb-${id}-sweep-${slot}`, priority: writebackQueuePriority(kind) });
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
