/**
 * The reminder jobs on BullMQ with real Redis and two workers: the run job claims, the send jobs
 * go out once each even when runs and sends are enqueued twice and both workers take jobs, and
 * each sent reminder asks for its ledger note once (one `note` write-back).
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { BullQueue } from '../../jobs/bullmq-queue';
import type { JobDefinition } from '../../jobs/define';
import { reminderRunJob, reminderSendBatchJob, reminderSendJob } from '../../jobs/reminders/jobs';
import { writebackExecuteJob } from '../../jobs/writebacks/jobs';
import { clockFrom } from '../../kernel/clock';
import { reminderSends, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { reminderNoteKey } from '../../server/reminders/note-text';
import type { Services } from '../../server/services';
import { testServices } from '../support/process';
import { describeWith, services } from '../support/services';
import { startSmall } from './seed';

async function until(fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWith(['pg', 'redis'], 'Reminders on BullMQ (real Redis)', () => {
  it('two workers, duplicate runs and duplicate send jobs: each reminder goes out once', async () => {
    const s = await startSmall({ invoices: [1, 2, 3, 4].map((n) => ({ number: `Q-${n}`, due: -n, contact: 'c-north' })) });
    const name = `reminders-${randomUUID().slice(0, 8)}`;
    const defs = [reminderRunJob, reminderSendJob, reminderSendBatchJob, writebackExecuteJob] as JobDefinition<unknown>[];
    const log = createLogger('silent');
    // No ledger here: the note write-backs are requested and wait (their execution retries later).
    let svc: Services | null = null;
    const a = new BullQueue({ db: s.db, log, redisUrl: services.redisUrl, definitions: defs, services: () => svc! }, name);
    const b = new BullQueue({ db: s.db, log, redisUrl: services.redisUrl, definitions: defs, services: () => svc! }, name);
    svc = testServices({ db: s.db, queue: a, mailer: s.capture.mailer, mailFrom: s.env.mailFrom, appUrl: s.env.appUrl, secret: s.env.secret, clock: clockFrom(() => s.env.now().getTime()) });
    try {
      a.startWorker(5);
      b.startWorker(5);
      await Promise.all([a.enqueue(reminderRunJob, { organisationId: s.org.id }, { jobId: 'run-1' }), b.enqueue(reminderRunJob, { organisationId: s.org.id }, { jobId: 'run-2' })]);
      await until(async () => (await s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id))).filter((r) => r.status === 'sent').length === 4);
      const sent = (await s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id))).filter((r) => r.status === 'sent');
      // Every send job again, on both queues.
      for (const r of sent) {
        await a.enqueue(reminderSendJob, { sendId: r.id }, { jobId: `again-a-${r.id}` });
        await b.enqueue(reminderSendJob, { sendId: r.id }, { jobId: `again-b-${r.id}` });
      }
      await until(async () => (await a.queue.getJobCounts('active', 'waiting')).waiting === 0 && (await a.queue.getJobCounts('active')).active === 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(s.capture.messages).toHaveLength(4);
      expect(new Set(s.capture.messages.map((m) => m.messageId)).size).toBe(4);
      expect(s.capture.messages.map((m) => m.subject).sort()).toEqual(['Invoice Q-1 is 1 day overdue', 'Invoice Q-2 is 2 days overdue', 'Invoice Q-3 is 3 days overdue', 'Invoice Q-4 is 4 days overdue']);
      // One note write-back per sent reminder, however often its send job ran.
      const notes = await s.db
        .select()
        .from(writebacks)
        .where(and(eq(writebacks.organisationId, s.org.id), eq(writebacks.kind, 'note')));
      expect(notes.map((n) => n.sourceKey).sort()).toEqual(sent.map((r) => reminderNoteKey(r.id, r.subjectId)).sort());
      expect(notes.every((n) => n.purpose === 'reminder' && n.requestedBy === 'system')).toBe(true);
    } finally {
      await a.queue.obliterate({ force: true }).catch(() => undefined);
      await a.close();
      await b.close();
      await s.close();
    }
  }, 60_000);
});
