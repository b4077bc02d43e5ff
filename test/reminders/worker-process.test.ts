/**
 * The worker is built by the same composition root as the web process. A real `arcus worker`
 * process with the production environment (NODE_ENV=production, DATABASE_URL, REDIS_URL,
 * SMTP_URL, secrets from the environment, a sandbox ledger over HTTP) takes a `reminders.run`
 * from Redis, sends the reminders over SMTP and writes each one's ledger note into the sandbox
 * through the write-back outbox — the path that used to be silently skipped on the worker.
 */
import type { ChildProcess } from 'node:child_process';
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpCapture } from '../../integrations/email/smtp-server';
import { BullQueue } from '../../jobs/bullmq-queue';
import { allJobs } from '../../jobs/registry';
import { organisations, reminderSends, reminderSettings, settingOverrides, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { spawnWorker } from '../support/child-env';
import { workerUrl } from '../support/db';
import { describeWith, services } from '../support/services';
import { until } from '../support/until';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';

/** A Redis database of its own, so this worker takes no other test's jobs. */
const redisUrl = () => `${services.redisUrl.replace(/\/\d*$/, '')}/13`; // its own database: worker-kill.test.ts flushes 12

describeWith(['pg', 'redis'], 'Reminders on a real `arcus worker` process (production environment)', () => {
  let fx: SyncFixture;
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  const received: { to: string[]; subject: string }[] = [];
  let producer: BullQueue;
  let worker: ChildProcess | null = null;
  let workerErr = '';
  let organisationId = '';
  let companyId = '';

  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 17, companies: [{ provider: 'xero', name: 'Worker Joinery Ltd', timezone: 'Europe/London', countryCode: 'GB', baseCurrency: 'GBP', customers: 4, invoices: 24 }] });
    companyId = fx.companyIds[0]!;
    const c = await fx.connect('xero', companyId);
    organisationId = c.organisationId;
    const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'full' });
    expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
    await fx.db.update(organisations).set({ timezone: 'Europe/London' }).where(eq(organisations.id, organisationId));
    await fx.db.insert(reminderSettings).values({ organisationId, firmId: fx.firmId, enabled: true, dailyLimit: 500, confirmedAt: new Date('2026-01-01T00:00:00Z') });
    // Every minute of every day is inside the sending window (the organisation's own, which is what
    // the run and the send read), so the test does not depend on the hour or the day it runs.
    await fx.db.insert(settingOverrides).values({ firmId: fx.firmId, organisationId, settingGroup: 'sendingWindow', value: { startMinute: 0, endMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7] } });
    smtp = await startSmtpCapture({ onMessage: async (m) => void received.push({ to: m.envelopeTo, subject: m.parsed.subject ?? '' }) });
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    await redis.flushdb();
    await redis.quit();
    producer = new BullQueue({ db: fx.db, log: createLogger('silent'), redisUrl: redisUrl(), definitions: allJobs });
  }, 120_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await producer?.close();
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    await redis.flushdb();
    await redis.quit();
    await smtp?.close();
    await fx?.close();
  }, 60_000);

  it('sends the due reminders and writes each one’s note into the ledger, once', { timeout: 120_000 }, async () => {
    worker = spawnWorker(
      {
        NODE_ENV: 'production',
        DATABASE_URL: workerUrl(),
        REDIS_URL: redisUrl(),
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Arcus <reminders@arcus.test>',
        TOKEN_ENCRYPTION_KEY: fx.tokenKey.toString('hex'),
        SESSION_SECRET: 'worker-process-test-secret-0123456789abcdef',
        APP_URL: 'https://arcus.test',
        LEDGER_SANDBOX_URL: fx.url,
        SANDBOX_IN_PRODUCTION: 'allow',
        LOG_LEVEL: process.env.DEBUG_WORKER ? 'debug' : 'error',
      },
      !!process.env.DEBUG_WORKER,
    );
    worker.stderr?.on('data', (d) => {
      workerErr += String(d);
    });

    await producer.request('reminders.run', { organisationId }, { jobId: `rrun-${organisationId}-worker-test` });
    const sent = await until(
      async () => {
        const rows = await fx.db
          .select()
          .from(reminderSends)
          .where(and(eq(reminderSends.organisationId, organisationId), eq(reminderSends.status, 'sent')));
        return rows.length > 0 ? rows : null;
      },
      60_000,
      async () => {
        const rows = await fx.db.select().from(reminderSends).where(eq(reminderSends.organisationId, organisationId));
        const seen = rows.map((r) => `${r.status}${r.skipReason ? ` (${r.skipReason})` : ''}`).join(', ') || 'no reminder rows';
        return `a reminder sent by the worker; rows: ${seen}${workerErr ? `; worker said: ${workerErr.slice(-500)}` : ''}`;
      },
    );
    const expectedNotes = sent.flatMap((s) => s.invoiceExternalIds).length;
    const notes = await until(
      async () => {
        const rows = await fx.db
          .select()
          .from(writebacks)
          .where(and(eq(writebacks.organisationId, organisationId), eq(writebacks.kind, 'note')));
        return rows.length >= expectedNotes && rows.every((r) => r.status === 'confirmed') ? rows : null;
      },
      60_000,
      'every reminder note confirmed in the ledger',
    );
    expect(notes).toHaveLength(expectedNotes);
    expect(received.length).toBeGreaterThanOrEqual(sent.length);
    // Each note is on its invoice in the sandbox Xero, exactly once.
    for (const n of notes) {
      const res = await fetch(`${fx.url}/admin/companies/${companyId}/invoices/${n.invoiceExternalId}`, { headers: { authorization: `Bearer ${fx.server.sandbox.ctx.options.adminToken}` } });
      const { invoice } = (await res.json()) as { invoice: { history: { details: string }[] } };
      expect(invoice.history.filter((h) => h.details === n.noteText)).toHaveLength(1);
    }
  });
});
