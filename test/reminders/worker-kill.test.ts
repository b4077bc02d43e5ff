/**
 * A real `arcus worker` process (BullMQ on Redis, PostgreSQL, SMTP) SIGKILLed between the reminder's
 * lease and its attempt (issue #14): the send is held `sending` under a lease the dead worker will
 * never release. A worker started later (its clock past the lease) sends it — once — within a lease
 * and a few minutes of the kill.
 *
 * The kill is deterministic: after the lease, a send counts against the organisation's daily limit
 * (one upsert of its `reminder_daily_counts` row) before it renders and stores the attempt. The test
 * holds that row locked, waits until the worker's session is blocked on it, and kills the worker
 * there; the lock is let go only after the process is gone.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { BullQueue } from '../../jobs/bullmq-queue';
import { allJobs } from '../../jobs/registry';
import { reminderDeps } from '../../jobs/reminders/jobs';
import { clockFrom } from '../../kernel/clock';
import { queryRows } from '../../server/db/client';
import { reminderSends } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { localClock } from '../../server/reminders/local-time';
import { runOrganisation } from '../../server/reminders/run';
import { LEASE_MS } from '../../server/reminders/types';
import type { Services } from '../../server/services';
import { workerProcesses } from '../support/child-env';
import { workerUrl } from '../support/db';
import { testServices } from '../support/process';
import { describeWith, services } from '../support/services';
import { until } from '../support/until';
import { startSmall } from './seed';

/** A Redis database of its own, so these workers take no other test's jobs. */
const redisUrl = () => `${services.redisUrl.replace(/\/\d*$/, '')}/12`; // its own database (worker-process uses 13, write-backs 11): each flushes it

const workers = workerProcesses();
afterAll(() => workers.killAll());

function startWorker(at: Date, smtpUrl: string): ChildProcess {
  return workers.start({
    NODE_ENV: 'test',
    DATABASE_URL: workerUrl(),
    REDIS_URL: redisUrl(),
    SMTP_URL: smtpUrl,
    ARCUS_NOW: at.toISOString(),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    SESSION_SECRET: randomBytes(24).toString('hex'),
    APP_URL: 'https://arcus.test',
    LEDGER_SANDBOX: 'off',
    ARCUS_DEMO: 'off',
    LOG_LEVEL: 'silent',
    // A dead worker's job comes back within seconds, not BullMQ's 30 s.
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  });
}

describeWith(['pg', 'redis'], 'Reminders: a worker process killed between lease and attempt', () => {
  it('the send stays held by the dead lease, and a later worker sends it once, within a lease and minutes', async () => {
    const s = await startSmall({ invoices: [{ number: 'SK-1', due: -3 }] });
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    await redis.flushdb();
    await redis.quit();
    const producer = new BullQueue({ db: s.db, log: createLogger('silent'), redisUrl: redisUrl(), definitions: allJobs });
    const svc: Services = testServices({ db: s.db, queue: producer, mailer: s.capture.mailer, mailFrom: s.env.mailFrom, appUrl: s.env.appUrl, secret: s.env.secret, clock: clockFrom(() => s.env.now().getTime()) });
    const locker = new pg.Client({ connectionString: workerUrl() });
    await locker.connect();
    const rows = () => s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id));
    try {
      // The run claims the reminder and queues its send job (no worker yet).
      const run = await runOrganisation(reminderDeps({ db: s.db, log: createLogger('silent'), queue: producer, services: svc }), s.org.id);
      expect(run.claimed).toHaveLength(1);
      const sendId = run.claimed[0]!;
      // Hold the organisation's daily counter, which a send takes right after its lease.
      const today = localClock(s.org.timezone, s.now()).date;
      await locker.query('BEGIN');
      await locker.query('INSERT INTO reminder_daily_counts (organisation_id, day, count) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [s.org.id, today]);
      await locker.query('SELECT count FROM reminder_daily_counts WHERE organisation_id = $1 AND day = $2 FOR UPDATE', [s.org.id, today]);

      const killedAt = s.now();
      const first = startWorker(killedAt, s.capture.url);
      const exited = new Promise<void>((resolve) => first.once('exit', () => resolve()));
      // The worker has leased the send and waits on the counter: kill it there.
      await until(
        async () => {
          const [row] = (await rows()).filter((r) => r.id === sendId);
          if (row?.status !== 'sending' || row.attempts !== 0) return false;
          const waiting = await queryRows<{ n: number }>(s.db, sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%reminder_daily_counts%' AND pid <> pg_backend_pid()`);
          return waiting[0]!.n > 0;
        },
        60_000,
        'the worker to lease the send and wait on the daily counter',
      );
      first.kill('SIGKILL');
      await exited;
      await locker.query('ROLLBACK');

      // What the dead worker left: the send `sending` under its lease, nothing attempted, nothing sent.
      const [held] = (await rows()).filter((r) => r.id === sendId);
      expect(held).toMatchObject({ status: 'sending', attempts: 0 });
      expect(held!.leaseUntil!.getTime()).toBeGreaterThanOrEqual(killedAt.getTime() + LEASE_MS - 60_000);
      const mine = () => s.capture.messages.filter((m) => m.headers.get('x-arcus-send') === sendId);
      expect(mine()).toHaveLength(0);

      // A worker that starts a lease and a minute later takes the job back and sends it.
      const later = new Date(killedAt.getTime() + LEASE_MS + 60_000);
      startWorker(later, s.capture.url);
      const sent = await until(async () => (await rows()).find((r) => r.id === sendId && r.status === 'sent'), 60_000, 'the reminder to be sent by the next worker');
      expect(sent.attempts).toBe(1);
      expect(sent.sentAt!.getTime() - killedAt.getTime()).toBeLessThanOrEqual(LEASE_MS + 5 * 60_000);
      expect(mine()).toHaveLength(1);
      expect(mine()[0]!.subject).toContain('SK-1');
      // And only once, however long the worker keeps running.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(mine()).toHaveLength(1);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      workers.killAll();
      await producer.queue.obliterate({ force: true }).catch(() => undefined);
      await producer.close();
      await s.close();
    }
  }, 150_000);
});
