/**
 * A reminder whose worker died between the lease and storing the attempt is sent within minutes
 * (issue #14), on BullMQ with real Redis.
 *
 * What a SIGKILLed worker leaves: the send row `sending` with a lease it will never release, and
 * (once BullMQ hands the stalled job to a live worker, which finds the lease still held) the job
 * `rsend-<id>-0` completed — BullMQ keeps that id for a day. The dead worker's lease is taken here
 * exactly as `sendReminder` takes it, then the first job runs to completion on a live worker. With
 * the lease expired on the injected clock, the next reminder run re-queues the send, and it must
 * go out: the re-queue used to reuse `rsend-<id>-0`, which BullMQ ignored, so the row stayed
 * `sending` for a day.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { BullQueue } from '../../jobs/bullmq-queue';
import type { JobDefinition } from '../../jobs/define';
import { reminderDeps, reminderRunJob, reminderSendBatchJob, reminderSendJob } from '../../jobs/reminders/jobs';
import { clockFrom } from '../../kernel/clock';
import { reminderSends } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { leaseSend } from '../../server/reminders/claims';
import { runOrganisation } from '../../server/reminders/run';
import { LEASE_MS } from '../../server/reminders/types';
import type { Services } from '../../server/services';
import { testServices } from '../support/process';
import { describeWith, services } from '../support/services';
import { until } from '../support/until';
import { startSmall } from './seed';

describeWith(['pg', 'redis'], 'Reminders: a worker killed between lease and attempt', () => {
  it('the send is re-queued under a job id that can run, and goes out a lease later', async () => {
    const s = await startSmall({ invoices: [{ number: 'K-1', due: -2 }] });
    const name = `rkill-${randomUUID().slice(0, 8)}`;
    const defs = [reminderRunJob, reminderSendJob, reminderSendBatchJob] as JobDefinition<unknown>[];
    let svc: Services | null = null;
    const q = new BullQueue({ db: s.db, log: createLogger('silent'), redisUrl: services.redisUrl, definitions: defs, services: () => svc! }, name);
    svc = testServices({ db: s.db, queue: q, mailer: s.capture.mailer, mailFrom: s.env.mailFrom, appUrl: s.env.appUrl, secret: s.env.secret, clock: clockFrom(() => s.env.now().getTime()) });
    const rows = () => s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id));
    try {
      // The run claims the reminder and queues the organisation's batch job (no worker yet).
      const run = await runOrganisation(reminderDeps({ db: s.db, log: createLogger('silent'), queue: q, services: svc }), s.org.id);
      expect(run.claimed).toHaveLength(1);
      const sendId = run.claimed[0]!;
      const first = `rbatch-${s.org.id}-${s.env.now().getTime()}`;
      // Waiting with its priority (reminder sends are queued after a debtor's payment): BullMQ says 'prioritized'.
      expect(await q.queue.getJobState(first)).toBe('prioritized');
      // The worker that takes it is killed right after its lease: the lease stays held.
      expect(await leaseSend(s.db, sendId, s.env.now(), LEASE_MS)).not.toBeNull();
      q.startWorker(2);
      // A live worker gets the job, finds the lease held (nothing to send), and completes it: the id is now taken.
      await until(async () => (await q.queue.getJobState(first)) === 'completed', 20_000, `${first} to complete`);
      expect((await rows()).find((r) => r.id === sendId)).toMatchObject({ status: 'sending', attempts: 0 });
      expect(s.capture.messages).toHaveLength(0);

      // A lease and a minute later (the injected clock), the next reminder run finds it.
      s.advance(LEASE_MS + 60_000);
      await q.enqueue(reminderRunJob, { organisationId: s.org.id }, { jobId: 'run-2' });
      const sent = await until(async () => (await rows()).find((r) => r.id === sendId && r.status === 'sent'), 20_000, 'the reminder to be sent after the re-queue');
      expect(sent.attempts).toBe(1);
      expect(s.capture.messages).toHaveLength(1);
      expect(s.capture.messages[0]!.subject).toContain('K-1');
    } finally {
      await q.queue.obliterate({ force: true }).catch(() => undefined);
      await q.close();
      await s.close();
    }
  }, 90_000);
});
