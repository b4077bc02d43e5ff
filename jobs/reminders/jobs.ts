/**
 * The reminder jobs:
 *   reminders.tick  every 15 min: one `reminders.run` per active organisation with reminders on;
 *   reminders.run   plan and claim for one organisation (acts only inside its sending window;
 *                   deferred when the ledger cannot be asked about the invoices, server/reminders/presend.ts);
 *   reminders.send-batch  send an organisation's claimed reminders in batches (server/reminders/send-batch.ts);
 *   reminders.send  send one claimed reminder (RetryLaterError outside the window / over the limit):
 *                   re-queued work a dead worker left, approved sends, temporary SMTP failures.
 * A sent reminder's ledger notes are `note` write-backs, run by `writebacks.execute`.
 * Job ids come from our rows (BullMQ keeps finished ids for a day, and refuses a single ':').
 */
import { z } from 'zod';
import type { ReminderDeps } from '../../server/reminders/deps';
import { sendJobId } from '../../server/reminders/job-ids';
import { organisationsWithReminders } from '../../server/reminders/organisations';
import { maskEmails } from '../../server/reminders/recipients';
import { runOrganisation } from '../../server/reminders/run';
import { sendReminder } from '../../server/reminders/send';
import { sendDue } from '../../server/reminders/send-batch';
import { writebackEnqueuer } from '../../server/writebacks/enqueue';
import { QUEUE_PRIORITY } from '../../server/writebacks/types';
import { defineJob, type JobContext, type JobQueue, RetryLaterError } from '../define';
import { depsFor } from './deps';

export const REMINDER_TICK_MS = 15 * 60_000;

function enqueuers(queue: JobQueue): Pick<ReminderDeps, 'enqueueSend' | 'enqueueBatch' | 'enqueueWriteback'> {
  return {
    enqueueBatch: async (organisationId, mark) => {
      await queue.enqueue(reminderSendBatchJob, { organisationId }, { jobId: `rbatch-${organisationId}-${mark}`, priority: QUEUE_PRIORITY.normal });
    },
    // After a debtor's payment, ahead of pay links and notes (server/writebacks/types.ts, QUEUE_PRIORITY).
    enqueueSend: async (sendId, attempt, requeueMark) => {
      await queue.enqueue(reminderSendJob, { sendId }, { jobId: sendJobId(sendId, attempt, requeueMark), priority: QUEUE_PRIORITY.normal });
    },
    // A sent reminder's write-backs are its ledger notes: the last in line.
    enqueueWriteback: (writebackId) => writebackEnqueuer(queue)(writebackId, 0, 'note'),
  };
}

export function reminderDeps(ctx: Pick<JobContext, 'db' | 'log' | 'queue' | 'services'>): ReminderDeps {
  return depsFor(ctx, enqueuers(ctx.queue));
}

export const reminderSendJob = defineJob({
  name: 'reminders.send',
  schema: z.object({ sendId: z.uuid() }),
  attempts: 8,
  backoffMs: 30_000,
  async handler(payload, ctx) {
    const deps = reminderDeps(ctx);
    const r = await sendReminder(deps, payload.sendId);
    if (r.outcome === 'deferred') {
      const delay = r.until ? Math.max(1_000, r.until.getTime() - deps.now().getTime()) : 3_600_000;
      throw new RetryLaterError(delay, r.why === 'window' ? 'outside the sending window' : 'the daily limit is reached');
    }
    // The runner logs this message: an SMTP reply may echo the debtor's address.
    if (r.outcome === 'retry') throw new Error(maskEmails(r.error));
  },
});

/**
 * Send an organisation's claimed reminders in batches (server/reminders/send-batch.ts): claims
 * leased N at a time, re-checked, limited, rendered and recorded per batch. Outside the window
 * or over the daily limit it comes back later; a temporary SMTP failure is queued as a single
 * `reminders.send` with its own backoff.
 */
export const reminderSendBatchJob = defineJob({
  name: 'reminders.send-batch',
  schema: z.object({ organisationId: z.uuid() }),
  attempts: 8,
  backoffMs: 30_000,
  async handler(payload, ctx) {
    const deps = reminderDeps(ctx);
    const r = await sendDue(deps, payload.organisationId);
    if (r.deferred) {
      const delay = r.deferred.until ? Math.max(1_000, r.deferred.until.getTime() - deps.now().getTime()) : 3_600_000;
      throw new RetryLaterError(delay, r.deferred.why === 'window' ? 'outside the sending window' : 'the daily limit is reached');
    }
    if (r.leased) ctx.log.info({ organisationId: payload.organisationId, leased: r.leased, sent: r.sent, skipped: r.skipped, failed: r.failed, retry: r.retry }, 'reminder batch');
  },
});

export const reminderRunJob = defineJob({
  name: 'reminders.run',
  schema: z.object({ organisationId: z.uuid(), confirmationId: z.uuid().optional() }),
  attempts: 3,
  backoffMs: 60_000,
  async handler(payload, ctx) {
    const r = await runOrganisation(reminderDeps(ctx), payload.organisationId, { confirmationId: payload.confirmationId });
    ctx.log.debug({ organisationId: payload.organisationId, reason: r.reason, today: r.today, claimed: r.claimed.length, skipped: r.skipped, overLimit: r.overLimit }, 'reminder run finished');
    // The ledger could not be asked whether the invoices were paid since the last sync: nothing went out; come back.
    if (r.reason === 'ledger_unreachable' && r.deferred) throw new RetryLaterError(r.deferred.retryAfterMs, r.deferred.why);
    if (r.ledger.changed) ctx.log.info({ organisationId: payload.organisationId, checked: r.ledger.checked, changed: r.ledger.changed, ledgerCalls: r.ledger.calls, syncRequested: r.ledger.syncRequested }, 'reminder run: invoices changed in the ledger since the last sync were not chased');
    if (r.reason === 'awaiting_confirmation' || r.reason === 'confirmation_invalid') ctx.log.info({ organisationId: payload.organisationId, reason: r.reason }, 'reminder run waits for a confirmed preview');
    if (r.claimed.length || r.awaitingApproval.length || r.requeued) ctx.log.info({ organisationId: payload.organisationId, claimed: r.claimed.length, awaitingApproval: r.awaitingApproval.length, skipped: r.skipped, requeued: r.requeued, ledgerCalls: r.ledger.calls }, 'reminder run');
  },
});

export const reminderTickJob = defineJob({
  name: 'reminders.tick',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 10_000,
  async handler(_payload, ctx) {
    const slot = Math.floor(ctx.services.clock.ms() / REMINDER_TICK_MS);
    for (const id of await organisationsWithReminders(ctx.db)) await ctx.queue.enqueue(reminderRunJob, { organisationId: id }, { jobId: `rrun-${id}-${slot}` });
  },
});
