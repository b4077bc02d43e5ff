/**
 * A sync survives its worker dying, however often (issue #14). A real `arcus worker` process
 * (NODE_ENV=production, PostgreSQL, BullMQ on Redis, a sandbox Xero over HTTP) syncing one
 * organisation is SIGKILLed three times mid-sync — each time the moment it asks the ledger for
 * the next kind of document — and a fresh worker started. With BullMQ's default
 * `maxStalledCount` of 1 the second kill failed the job and left the run `running` for good;
 * now each new worker takes the stalled job and resumes the same run from its cursor: documents
 * already stored are never read again, and the run completes with the database equal to the
 * ledger. Stall detection is made short through configuration (WORKER_LOCK_DURATION_MS,
 * WORKER_STALLED_INTERVAL_MS); the queue lives under its own QUEUE_PREFIX in the shared Redis.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SyncEntityType } from '../../integrations/ledger/types';
import { BullQueue } from '../../jobs/bullmq-queue';
import { allJobs } from '../../jobs/registry';
import { syncRuns } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { syncJobId } from '../../server/sync/request';
import { createOrReuseRun, type RunCursor, SYNC_ORDER } from '../../server/sync/runs';
import { spawnWorker } from '../support/child-env';
import { workerUrl } from '../support/db';
import { describeWith, services } from '../support/services';
import { until } from '../support/until';
import { type SyncFixture, startSyncFixture } from './connect-helper';
import { compareWithLedger } from './ledger-compare';

const PREFIX = `arcus-synckill-${randomBytes(4).toString('hex')}`;
const SETTINGS = { prefix: PREFIX, lockDurationMs: 1_500, stalledIntervalMs: 500, maxStalledCount: 10 };

/** The Xero endpoint each entity is read from. */
const ENDPOINT: Record<string, SyncEntityType> = { Contacts: 'contacts', Invoices: 'invoices', CreditNotes: 'creditNotes', Overpayments: 'overpayments', Prepayments: 'prepayments', Payments: 'payments' };

function entityOf(req: IncomingMessage): SyncEntityType | null {
  if (req.method !== 'GET') return null;
  const m = /\/(Contacts|Invoices|CreditNotes|Overpayments|Prepayments|Payments)(?:\?|$)/.exec(req.url ?? '');
  return m ? ENDPOINT[m[1]!]! : null;
}

const rank = (e: SyncEntityType) => SYNC_ORDER.indexOf(e);

describeWith(['pg', 'redis'], 'Sync: a worker process killed three times mid-sync', () => {
  let fx: SyncFixture;
  let producer: BullQueue;
  let organisationId = '';
  let companyId = '';
  let worker: ChildProcess | null = null;
  let workerErr = '';

  /** KILL_DEBUG=1 shows the workers' own logs (stall detection, resumption) while the test runs. */
  function startWorker(): ChildProcess {
    const child = spawnWorker(
      {
        NODE_ENV: 'production',
        DATABASE_URL: workerUrl(),
        REDIS_URL: services.redisUrl,
        QUEUE_PREFIX: PREFIX,
        WORKER_LOCK_DURATION_MS: String(SETTINGS.lockDurationMs),
        WORKER_STALLED_INTERVAL_MS: String(SETTINGS.stalledIntervalMs),
        TOKEN_ENCRYPTION_KEY: fx.tokenKey.toString('hex'),
        SESSION_SECRET: 'sync-kill-test-secret-0123456789abcdef0123',
        APP_URL: 'https://arcus.test',
        LEDGER_SANDBOX_URL: fx.url,
        SANDBOX_IN_PRODUCTION: 'allow',
        LOG_LEVEL: process.env.KILL_DEBUG ? 'debug' : 'error',
      },
      Boolean(process.env.KILL_DEBUG),
    );
    child.stderr?.on('data', (d) => {
      workerErr = (workerErr + String(d)).slice(-4000);
    });
    return child;
  }

  const cursorOf = async (runId: string) => {
    const [row] = await fx.db.select({ status: syncRuns.status, cursor: syncRuns.cursor }).from(syncRuns).where(eq(syncRuns.id, runId));
    return { status: row!.status, cursor: row!.cursor as Partial<RunCursor> };
  };

  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 23, companies: [{ provider: 'xero', name: 'Kill Joinery Ltd', timezone: 'Europe/London', countryCode: 'GB', baseCurrency: 'GBP', customers: 6, invoices: 40 }] });
    companyId = fx.companyIds[0]!;
    const connected = await fx.connect('xero', companyId);
    organisationId = connected.organisationId;
    // The tenant's shared call limits (integrations/ledger/rate-limit.ts) live in Redis: a killed
    // worker's in-flight call holds a concurrency slot until its lease lapses (LEASE_MS), and an
    // earlier run of this file used the same tenant. Start from clean limits.
    const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
    const stale = await redis.keys(`arcus:rl:xero:${connected.tenantId}*`);
    if (stale.length) await redis.del(...stale);
    await redis.quit();
    producer = new BullQueue({ db: fx.db, log: createLogger('silent'), redisUrl: services.redisUrl, definitions: allJobs, settings: SETTINGS });
  }, 120_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await producer?.queue.obliterate({ force: true }).catch(() => undefined);
    await producer?.close();
    const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await fx?.close();
  }, 60_000);

  it('resumes the same run from its cursor after each kill and ends equal to the ledger', { timeout: 120_000 }, async () => {
    const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'full' });
    // Kill k happens when the worker first asks for an entity at or past KILL_AT[k].
    const KILL_AT: SyncEntityType[] = ['invoices', 'creditNotes', 'payments'];
    const requests: SyncEntityType[] = [];
    /** The first entity each worker asked for: the first worker's, then one per restart. */
    const firstAsked: SyncEntityType[] = [];
    let kills = 0;
    let askedByThisWorker = false;
    const killed: { at: SyncEntityType; exit: Promise<unknown> }[] = [];

    fx.server.prependListener('request', (req: IncomingMessage) => {
      const e = entityOf(req);
      if (!e || !worker) return;
      requests.push(e);
      if (!askedByThisWorker) {
        askedByThisWorker = true;
        firstAsked.push(e);
      }
      const next = KILL_AT[kills];
      if (next && rank(e) >= rank(next)) {
        // Synchronously, before the sandbox answers: the worker dies waiting for this page.
        const dying = worker;
        const exit = new Promise((r) => dying.once('exit', r));
        dying.kill('SIGKILL');
        killed.push({ at: e, exit });
        kills++;
      }
    });

    worker = startWorker();
    await producer.request('sync.organisation', { organisationId, kind: 'full', runId }, { jobId: syncJobId(runId) });

    for (let k = 0; k < KILL_AT.length; k++) {
      await until(async () => killed.length > k, 60_000, `kill ${k + 1}${workerErr ? ` (worker said: ${workerErr.slice(-500)})` : ''}`);
      await killed[k]!.exit;
      // What the dead worker committed: every entity before the one it was asking for is done.
      const at = killed[k]!.at;
      const { status, cursor } = await cursorOf(runId);
      expect(status).toBe('running');
      expect((cursor.done ?? []).every((e) => rank(e) < rank(at))).toBe(true);
      expect(cursor.done!.length).toBeGreaterThanOrEqual(k + 1);
      const doneAtKill = [...cursor.done!];
      askedByThisWorker = false;
      worker = startWorker();
      // The new worker takes the stalled job and resumes: its first read is where the dead one stopped.
      await until(async () => firstAsked.length > k + 1, 60_000, `worker ${k + 2} reading${workerErr ? ` (worker said: ${workerErr.slice(-500)})` : ''}`);
      expect(firstAsked[k + 1]).toBe(at);
      const after = await cursorOf(runId);
      for (const e of doneAtKill) expect(after.cursor.done).toContain(e);
    }

    const finished = await until(
      async () => {
        const r = await cursorOf(runId);
        return r.status === 'succeeded' || r.status === 'failed' ? r : null;
      },
      60_000,
      `the run to finish${workerErr ? ` (worker said: ${workerErr.slice(-500)})` : ''}`,
    );
    expect(finished.status).toBe('succeeded');
    // Contacts were read once: no restart from scratch.
    expect(requests.filter((e) => e === 'contacts')).toHaveLength(1);
    expect(kills).toBe(3);
    // One run for the organisation: nothing started over beside it.
    expect(await fx.db.select({ id: syncRuns.id }).from(syncRuns).where(eq(syncRuns.organisationId, organisationId))).toEqual([{ id: runId }]);
    expect(await compareWithLedger(fx.db, fx.server.sandbox.ctx.store, { organisationId, companyId })).toEqual([]);
  });
});
