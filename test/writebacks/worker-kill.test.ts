/**
 * A real `arcus worker` process on BullMQ (real Redis, real PostgreSQL) killed with SIGKILL at
 * the worst moment — the ledger has created the credit note, the worker has not yet heard back —
 * then a fresh worker started: for both ledgers the write-back ends confirmed with exactly one
 * credit note and one allocation in the ledger, and one note on the invoice.
 *
 * The kill is deterministic: the sandbox ledger runs in this process, and a store listener that
 * fires while the credit note is being created (before the HTTP answer is written) kills the
 * worker synchronously.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import type { Provider } from '../../integrations/ledger/types';
import { createSandbox, type Sandbox } from '../../integrations/sandbox/server';
import { BullQueue } from '../../jobs/bullmq-queue';
import { allJobs } from '../../jobs/registry';
import { writebackExecuteJob } from '../../jobs/writebacks/jobs';
import { toMinor } from '../../kernel/money';
import type { Database } from '../../server/db/client';
import { invoices, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { connectSandboxCompany } from '../../server/sync/sandbox-connect';
import { executeJobId } from '../../server/writebacks/enqueue';
import { requestWriteback } from '../../server/writebacks/request';
import { workerProcesses } from '../support/child-env';
import { createFirm, testDatabase, workerUrl } from '../support/db';
import { describeWith, services } from '../support/services';
import { until } from '../support/until';

/** A Redis database of its own, so this worker takes no other test's jobs. */
const redisUrl = () => `${services.redisUrl.replace(/\/\d*$/, '')}/11`;


describeWith(['pg', 'redis'], 'Write-backs: a worker process killed between the ledger write and its record', () => {
  let database: Database;
  let sandbox: Sandbox;
  let server: import('node:http').Server;
  let url: string;
  let firmId: string;
  const tokenKey = randomBytes(32);
  const sessionSecret = randomBytes(24).toString('hex');
  let producer: BullQueue;
  const workers = workerProcesses();

  function startWorker(): ChildProcess {
    return workers.start({
      NODE_ENV: 'test',
      DATABASE_URL: workerUrl(),
      REDIS_URL: redisUrl(),
      TOKEN_ENCRYPTION_KEY: tokenKey.toString('hex'),
      SESSION_SECRET: sessionSecret,
      APP_URL: url,
      LEDGER_SANDBOX: 'on',
      ARCUS_DEMO: 'off',
      LOG_LEVEL: 'silent',
    });
  }

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database)).firm.id;
    sandbox = createSandbox({ baseUrl: 'http://127.0.0.1/sandbox', seed: 23, autoConsent: true, demo: { companies: [{ provider: 'xero', customers: 4, invoices: 30 }, { provider: 'quickbooks', customers: 4, invoices: 30 }] }, log: () => undefined });
    const app = express();
    app.use('/sandbox', sandbox.app);
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sandbox.ctx.options.baseUrl = `${url}/sandbox`;
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    await redis.flushdb();
    await redis.quit();
    producer = new BullQueue({ db: database.db, log: createLogger('silent'), redisUrl: redisUrl(), definitions: allJobs });
  }, 60_000);

  afterAll(async () => {
    workers.killAll();
    await producer?.close();
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    await redis.flushdb();
    await redis.quit();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    sandbox?.close();
  });

  for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
    it(`${provider}: killed after the ledger created the credit note; the next worker confirms it, one credit note`, async () => {
      const store = sandbox.ctx.store;
      const companyId = sandbox.companyIds[i]!;
      const now = () => store.clock.peek();
      const factory = createLedgerFactory({ sandboxBaseUrl: `${url}/sandbox`, xero: null, intuit: null, now });
      const c = await connectSandboxCompany({ db: database.db, factory, tokenKey }, { firmId, provider: provider as Provider, companyId });
      const { runId } = await createOrReuseRun(database.db, { organisationId: c.organisationId, kind: 'full' });
      await runSync({ db: database.db, factory, tokenKey, limiter: new MemoryRateLimiter({ now }), log: createLogger('silent'), now }, { runId });
      const open = await database.db
        .select()
        .from(invoices)
        .where(and(eq(invoices.organisationId, c.organisationId), eq(invoices.status, 'authorised')));
      const inv = open.find((r) => toMinor(r.amountDue) >= 2000)!;
      const dueBefore = store.invoice(companyId, inv.externalId).amountDue;
      const creditsBefore = store.list('creditNotes', companyId).length;

      const first = startWorker();
      const exited = new Promise<NodeJS.Signals | null>((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
      const stop = store.onChange((change) => {
        if (change.companyId === companyId && change.entity === 'creditNote' && change.operation === 'Create') first.kill('SIGKILL');
      });
      const r = await requestWriteback(
        { db: database.db, enqueueExecute: async (id) => void (await producer.enqueue(writebackExecuteJob, { writebackId: id }, { jobId: executeJobId(id) })) },
        {
          firmId,
          organisationId: c.organisationId,
          kind: 'credit_note',
          purpose: 'goodwill',
          invoiceId: inv.id,
          invoiceExternalId: inv.externalId,
          contactExternalId: inv.contactExternalId,
          amount: '20.00',
          currency: inv.currency,
          request: { contactExternalId: inv.contactExternalId, date: inv.issueDate, reference: `Goodwill on ${inv.number}`, currency: inv.currency, lines: [{ description: 'Goodwill', amount: '20.00' }], allocateTo: { invoiceExternalId: inv.externalId, amount: '20.00' } },
          noteText: `Arcus: goodwill credit of 20.00 on ${inv.number}`,
          requestedBy: 'user',
          summary: 'goodwill credit (kill test)',
        },
      );
      expect(await exited).toBe('SIGKILL');
      stop();
      // The ledger has the credit note; Arcus does not know it yet.
      expect(store.list('creditNotes', companyId).length - creditsBefore).toBe(1);
      const [mid] = await database.db.select().from(writebacks).where(eq(writebacks.id, r.id));
      expect(mid).toMatchObject({ status: 'sending', externalId: null });

      // Time passes beyond the dead worker's lease; the sweep (here: its enqueue) hands it to a new worker.
      await database.db.update(writebacks).set({ leaseUntil: new Date(Date.now() - 1000) }).where(eq(writebacks.id, r.id));
      startWorker();
      await producer.enqueue(writebackExecuteJob, { writebackId: r.id }, { jobId: executeJobId(r.id, 1) });
      const done = await until(async () => {
        const [row] = await database.db.select().from(writebacks).where(eq(writebacks.id, r.id));
        return row?.status === 'confirmed' && row.noteStatus === 'written' ? row : null;
      });
      expect(store.list('creditNotes', companyId).length - creditsBefore).toBe(1);
      const cn = store.creditNote(companyId, done.externalId!);
      expect(cn.total).toBe(2000);
      expect(store.invoice(companyId, inv.externalId).amountDue).toBe(dueBefore - 2000);
      const links = provider === 'xero' ? cn.allocations.length : store.list('payments', companyId).filter((p) => p.creditNoteLinks.some((l) => l.creditNoteId === cn.id)).length;
      expect(links).toBe(1);
      const target = store.invoice(companyId, inv.externalId);
      const noted = provider === 'xero' ? target.history.map((h) => h.details) : target.privateNote.split('\n');
      expect(noted.filter((n) => n.startsWith('Arcus: goodwill credit of 20.00'))).toHaveLength(1);
      workers.killAll('SIGTERM');
      await until(async () => workers.running === 0, 20_000);
    }, 120_000);
  }
});
