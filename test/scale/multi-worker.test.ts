/**
 * Many workers, many firms (issue #22, docs/decisions/051), with real processes: three
 * `arcus worker` processes (the production CLI entry, NODE_ENV=production) on one Redis (their
 * own QUEUE_PREFIX) and one PostgreSQL database of this file's own, a sandbox Xero over HTTP with
 * 21 organisations in 4 firms — firm A has 8 small organisations and one large one (several
 * slices of SYNC_SLICE_PAGES pages; a small one is one slice), all due first, so a first-come
 * queue would serve firm A before anyone else. The test triggers the nightly run (twice, to show
 * a repeat is a no-op), sends a burst of background calls for one organisation from this process
 * through the shared Redis limiter while the workers sync it, SIGKILLs a worker holding a sync
 * mid-run, and checks:
 *
 * - every organisation synced exactly once for the night (one run, finished once, one
 *   sync.completed; its job completed — at least once, as jobs are);
 * - the dead worker's sync jobs were taken over by the others (BullMQ stalled) and finished;
 * - the per-tenant limits held across processes: the sandbox (GET /admin/limits/usage) answered
 *   no 429 and saw at most 5 calls of a tenant at once and 60 in a minute, while the burst was
 *   cut short by the limiter;
 * - fair by firm: every firm had a sync finished among the first 8 (a first-come queue would
 *   have finished firm A's 8 small ones first; slicing every organisation, as the first version
 *   of this test did with SYNC_SLICE_PAGES=1, made firm A's 9 syncs share its 2 slots in turns
 *   and finished the other firms first), no firm had more syncs calling the ledger at once than
 *   WORKER_FIRM_CONCURRENCY, and the large organisation — enqueued first — yielded its worker
 *   between slices, each time behind its own firm's waiting syncs (jobs/firm-slots.ts), and
 *   finished after every other organisation (but those the killed worker held, which waited to
 *   be found stalled).
 *
 * Small on purpose (about a minute on a busy 2-core machine): the 500-organisation night is the
 * bench's job (`npm run bench -- --only workers`, cli/bench/workers.ts). Orderings and counts only;
 * no timings are asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LedgerError } from '../../integrations/ledger/errors';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import { RedisRateLimiter } from '../../integrations/ledger/rate-limit';
import type { TenantUsage } from '../../integrations/sandbox/context';
import type { DemoCompanySpec } from '../../integrations/sandbox/demo';
import { BullQueue } from '../../jobs/bullmq-queue';
import { RedisSlots } from '../../jobs/firm-slots';
import { allJobs } from '../../jobs/registry';
import { scheduleTick } from '../../jobs/schedule/tick';
import { type Database, openPostgres } from '../../server/db/client';
import { activities, jobEvents, organisations, syncRuns } from '../../server/db/schema';
import { createLedgerGateway } from '../../server/ledger/gateway';
import { createLogger } from '../../server/logger';
import { syncJobId } from '../../server/sync/request';
import { connectSandboxCompany } from '../../server/sync/sandbox-connect';
import { sameClockEnv } from '../support/child-env';
import { createFirm } from '../support/db';
import { workerDatabaseUrl } from '../support/global-setup';
import { describeWith, services } from '../support/services';
import { until } from '../support/until';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';

const SEED = 51;
const T0 = performance.now();
/** MW_DEBUG=1: each phase's time, the order syncs finished in, the large organisation's slices. */
const debug = process.env.MW_DEBUG ? (line: string) => console.log(line) : () => undefined;
const PREFIX = `arcus-mw-${randomBytes(4).toString('hex')}`;
const FIRM_CAP = 2;
const SETTINGS = { prefix: PREFIX, lockDurationMs: 8_000, stalledIntervalMs: 1_000, maxStalledCount: 10 };
const SYNC_PATH = /\/(Contacts|Invoices|CreditNotes|Overpayments|Prepayments|Payments)(?:\?|$)/;

/**
 * Pages a sync job commits before it yields: a small organisation's six entities fit in one slice;
 * the large one needs several. MW_SLICE_PAGES=1 brings back the first version's setting, and the
 * fairness check fails as it did (firm A has no sync among the first 8 finished).
 */
const SLICE_PAGES = Number(process.env.MW_SLICE_PAGES ?? 6);
/** Xero pages of 1,000: 6 pages of invoices and about as many of payments, so three slices. */
const LARGE: DemoCompanySpec = { provider: 'xero', name: 'Large Wholesale Ltd', baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB', customers: 300, invoices: 6_000 };
const small = (i: number): DemoCompanySpec => ({ provider: 'xero', name: `Small Client ${i}`, baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB', customers: 3, invoices: 8 });
/** Firm A: the large organisation and 8 small ones; firms B–D: 4 small ones each. */
const FIRM_SIZES = [9, 4, 4, 4];
const ORG_COUNT = FIRM_SIZES.reduce((a, b) => a + b, 0);
/** Firm A's small organisations: the first this many finished must include every firm. */
const FIRST = FIRM_SIZES[0]! - 1;

describeWith(['pg', 'redis'], 'Many workers, many firms: a nightly run on three worker processes', () => {
  let admin: string;
  let dbName: string;
  let database: Database;
  let fx: SyncFixture;
  let producer: BullQueue;
  let events: QueueEvents;
  const workers: ChildProcess[] = [];
  const workerErr = new Map<number, string>();
  /** Workers that said they started (a busy machine takes a while to boot three). */
  const ready = new Set<number>();
  /** organisation → firm index (0 = A), tenant → organisation */
  const firmOf = new Map<string, number>();
  const orgOfTenant = new Map<string, string>();
  const orgs: string[] = [];
  let large = '';
  let firmIds: string[] = [];
  /** Sync calls in flight per firm, as the sandbox sees them (a killed worker's close with its socket). */
  const inFlight = new Map<number, number>();
  const peakInFlight = new Map<number, number>();
  let burstOrg = '';

  const database_ = async (q: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };

  function startWorker(): ChildProcess {
    const child = spawn(
      process.execPath,
      [path.resolve(import.meta.dirname, '../../bin/arcus.mjs'), 'worker'],
      {
      cwd: path.resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...sameClockEnv(),
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'production',
        DATABASE_URL: workerDatabaseUrl(services.databaseUrl!, services.runId, 'mw'),
        REDIS_URL: services.redisUrl!,
        QUEUE_PREFIX: PREFIX,
        WORKER_LOCK_DURATION_MS: String(SETTINGS.lockDurationMs),
        WORKER_STALLED_INTERVAL_MS: String(SETTINGS.stalledIntervalMs),
        WORKER_CONCURRENCY: '3',
        WORKER_FIRM_CONCURRENCY: String(FIRM_CAP),
        WORKER_FIRM_RETRY_MS: '100',
        SYNC_SLICE_PAGES: String(SLICE_PAGES),
        TOKEN_ENCRYPTION_KEY: fx.tokenKey.toString('hex'),
        SESSION_SECRET: 'multi-worker-test-secret-0123456789abcdef',
        APP_URL: 'https://arcus.test',
        LEDGER_SANDBOX_URL: fx.url,
        SANDBOX_IN_PRODUCTION: 'allow',
        LOG_LEVEL: process.env.KILL_DEBUG ? 'debug' : 'info',
      },
    });
    // The workers' log lines (JSON on stdout) and anything on stderr, for a failure's message.
    const keep = (d: unknown) => {
      const text = String(d);
      if (text.includes('"msg":"worker started"')) ready.add(child.pid!);
      workerErr.set(child.pid!, ((workerErr.get(child.pid!) ?? '') + text).slice(-4000));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    workers.push(child);
    return child;
  }

  const said = () => [...workerErr.values()].join('\n').slice(-1500);
  /** What a failure message shows: the runs by status, the queue's jobs by state, what the workers said. */
  const state = async () => {
    const byStatus = await database.db.select({ status: syncRuns.status, n: sql<number>`count(*)::int` }).from(syncRuns).where(inArray(syncRuns.organisationId, orgs)).groupBy(syncRuns.status);
    const counts = await producer.queue.getJobCounts();
    return `runs ${JSON.stringify(byStatus)}, jobs ${JSON.stringify(counts)}, workers said: ${said()}`;
  };

  beforeAll(async () => {
    admin = services.databaseUrl!;
    dbName = new URL(workerDatabaseUrl(admin, services.runId, 'mw')).pathname.slice(1);
    await database_(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await database_(`CREATE DATABASE ${dbName}`);
    database = openPostgres(workerDatabaseUrl(admin, services.runId, 'mw'), { max: 5, unscoped: 'system' });
    await database.migrate();

    const companies = [LARGE, ...Array.from({ length: ORG_COUNT - 1 }, (_, i) => small(i + 1))];
    fx = await startSyncFixture({ seed: SEED, companies, database });
    // The workers boot (tsx, a while on a busy machine) while the organisations are connected:
    // each is connected with its next night in the future, so the workers' own ticks find nothing.
    fx.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'GET' || !SYNC_PATH.test(req.url ?? '')) return;
      const org = orgOfTenant.get(String(req.headers['xero-tenant-id'] ?? '').toLowerCase());
      if (!org) return;
      const f = firmOf.get(org)!;
      inFlight.set(f, (inFlight.get(f) ?? 0) + 1);
      peakInFlight.set(f, Math.max(peakInFlight.get(f) ?? 0, inFlight.get(f)!));
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        inFlight.set(f, inFlight.get(f)! - 1);
      };
      res.once('close', end);
      res.once('finish', end);
    });
    for (let i = 0; i < 3; i++) startWorker();
    firmIds = [fx.firmId];
    for (let f = 1; f < FIRM_SIZES.length; f++) firmIds.push((await createFirm(database)).firm.id);
    let c = 0;
    for (let f = 0; f < FIRM_SIZES.length; f++) {
      for (let i = 0; i < FIRM_SIZES[f]!; i++) {
        const companyId = fx.companyIds[c++]!;
        const conn = await connectSandboxCompany({ db: database.db, factory: fx.factory, tokenKey: fx.tokenKey }, { firmId: firmIds[f]!, provider: 'xero', companyId });
        orgs.push(conn.organisationId);
        firmOf.set(conn.organisationId, f);
        orgOfTenant.set(conn.tenantId.toLowerCase(), conn.organisationId);
      }
    }
    large = orgs[0]!;
    burstOrg = orgs[FIRM_SIZES[0]!]!; // firm B's first organisation
    // Not due until the test says so (the workers' own ticks find nothing).
    await database.db.update(organisations).set({ nextSyncAt: new Date(Date.now() + 86_400_000) }).where(inArray(organisations.id, orgs));

    // The tenants' shared limits live in Redis under fixed tenant ids (the sandbox's seed): start clean.
    const redis = new Redis(services.redisUrl!, { maxRetriesPerRequest: null });
    for (const tenant of orgOfTenant.keys()) {
      const stale = await redis.keys(`arcus:rl:xero:${tenant}*`);
      if (stale.length) await redis.del(...stale);
    }
    await redis.quit();
    producer = new BullQueue({ db: database.db, log: createLogger('silent'), redisUrl: services.redisUrl!, definitions: allJobs, settings: SETTINGS });
    events = new QueueEvents(producer.name, { connection: { url: services.redisUrl! } as never, prefix: PREFIX });
    await events.waitUntilReady();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(
      workers.map((w) => {
        if (w.exitCode !== null || w.signalCode !== null) return null;
        const exited = new Promise((r) => w.once('exit', r));
        w.kill('SIGKILL');
        return exited;
      }),
    );
    await events?.close();
    await producer?.queue.obliterate({ force: true }).catch(() => undefined);
    await producer?.close();
    const redis = new Redis(services.redisUrl!, { maxRetriesPerRequest: null });
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await fx?.close();
    await database?.close();
    if (dbName) await database_(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  }, 60_000);

  it('syncs every organisation once, fairly by firm, within the tenants’ limits, through a worker’s death', { timeout: 300_000 }, async () => {
    // The firms' slots as Redis holds them, sampled through the run: never above the cap, and
    // firm A's backlog keeps its cap full.
    const slotRedis = new Redis(services.redisUrl!, { maxRetriesPerRequest: null });
    const slotView = new RedisSlots(slotRedis, { prefix: `${PREFIX}:${producer.name}`, limit: FIRM_CAP, leaseMs: 1_000 });
    const peakHolders = new Map<number, number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const [f, id] of firmIds.entries()) peakHolders.set(f, Math.max(peakHolders.get(f) ?? 0, await slotView.holders(`sync.organisation:${id}`)));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const stalled = new Set<string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));

    debug(`[mw] ${Math.round(performance.now() - T0)} ms: setup done`);
    await until(async () => ready.size === 3, 180_000, 'three workers to start').catch(async (e) => {
      throw new Error(`${e.message}: ${await state()}`);
    });

    debug(`[mw] ${Math.round(performance.now() - T0)} ms: workers ready`);
    // Tonight: firm A's organisations are the most overdue (the large one first), the others an hour less.
    const now = Date.now();
    for (const [i, id] of orgs.entries()) {
      const overdue = firmOf.get(id) === 0 ? 2 * 3_600_000 + (FIRM_SIZES[0]! - i) * 1000 : 3_600_000;
      await database.db.update(organisations).set({ nextSyncAt: new Date(now - overdue) }).where(eq(organisations.id, id));
    }
    fx.server.sandbox.ctx.limiter.resetUsage();
    await producer.enqueue(scheduleTick, {}, { jobId: `nightly-${PREFIX}` });
    // A second trigger of the same night claims nothing the first has claimed.
    await producer.enqueue(scheduleTick, {}, { jobId: `nightly-again-${PREFIX}` });

    // Background calls for one organisation from this process while the workers sync it: one
    // budget in Redis, so the burst is cut short instead of the ledger answering 429.
    const limiter = new RedisRateLimiter(new Redis(services.redisUrl!, { maxRetriesPerRequest: 3 }), { ownsConnection: true });
    const factory = createLedgerFactory({ sandboxBaseUrl: fx.url, xero: null, intuit: null, limiter });
    const gateway = createLedgerGateway({ factory, tokenKey: fx.tokenKey, limiter, db: database.db, log: createLogger('silent') });
    const ledger = await gateway.open(burstOrg, { purpose: 'read', priority: 'note', maxInlineWaitMs: 2_000 });
    const burst = await Promise.allSettled(Array.from({ length: 80 }, () => ledger.reads.organisation()));
    await limiter.close();
    const burstOk = burst.filter((r) => r.status === 'fulfilled').length;
    const burstRefused = burst.filter((r) => r.status === 'rejected' && r.reason instanceof LedgerError && r.reason.code === 'rate_limited').length;

    const succeeded = async () =>
      (await database.db.select({ id: syncRuns.organisationId }).from(syncRuns).where(and(inArray(syncRuns.organisationId, orgs), eq(syncRuns.status, 'succeeded')))).length;

    // Mid-run, SIGKILL a worker holding a sync job.
    await until(async () => (await succeeded()) >= 6, 180_000, '6 syncs').catch(async (e) => {
      throw new Error(`${e.message}: ${await state()}`);
    });
    const killAt = Date.now();
    // The worker holding the most syncs whose runs are mid-way (a job can be active a moment after
    // its run finished; those would prove nothing).
    const runStatus = async (runIds: string[]) => new Map((await database.db.select({ id: syncRuns.id, status: syncRuns.status }).from(syncRuns).where(inArray(syncRuns.id, runIds))).map((r) => [r.id, r.status]));
    const victim = await until(
      async () => {
        const active = (await producer.queue.getJobs(['active'])).filter((j) => j.name === 'sync.organisation');
        const status = await runStatus(active.map((j) => (j.data as { runId: string }).runId));
        let best: { w: ChildProcess; held: string[]; running: number } | null = null;
        for (const w of workers) {
          if (w.exitCode !== null) continue;
          const mine = active.filter((j) => j.processedBy?.endsWith(`:${w.pid}`));
          const running = mine.filter((j) => status.get((j.data as { runId: string }).runId) === 'running').length;
          if (running > 0 && (!best || running > best.running)) best = { w, held: mine.map((j) => j.id!), running };
        }
        return best;
      },
      60_000,
      'a worker holding a sync that is mid-run',
    );
    debug(`[mw] ${Math.round(performance.now() - T0)} ms: kill`);
    const exited = new Promise((r) => victim.w.once('exit', r));
    victim.w.kill('SIGKILL');
    await exited;
    // What the dead worker left mid-run: runs it held that are not finished (nothing can finish them now but another worker).
    const heldRuns = await runStatus(victim.held.map((id) => id.replace(/^sync-/, '')));
    const midRun = victim.held.filter((id) => !['succeeded', 'failed'].includes(heldRuns.get(id.replace(/^sync-/, '')) ?? ''));
    expect(midRun.length, 'syncs the killed worker left mid-run').toBeGreaterThan(0);

    await until(async () => (await succeeded()) === orgs.length, 180_000, 'every organisation synced').catch(async (e) => {
      throw new Error(`${e.message}: ${await state()}`);
    });

    sampling = false;
    await sampler;
    await slotRedis.quit();
    debug(`[mw] ${Math.round(performance.now() - T0)} ms: all synced`);
    {
      const dbg = await database.db.select().from(syncRuns).where(inArray(syncRuns.organisationId, orgs));
      const t0 = Math.min(...dbg.map((r) => r.startedAt!.getTime()));
      debug(`[mw] finishes (s from first start): ${[...dbg].sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime()).map((r) => `${firmOf.get(r.organisationId)}${r.organisationId === large ? 'L' : ''}${victim.held.includes(syncJobId(r.id)) ? 'K' : ''}@${((r.finishedAt!.getTime() - t0) / 1000).toFixed(1)}`).join(' ')} kill@${((killAt - t0) / 1000).toFixed(1)}`);
    }

    // Exactly once: one run per organisation for the night, finished once, its job completed once.
    const runs = await database.db.select().from(syncRuns).where(inArray(syncRuns.organisationId, orgs));
    expect(runs).toHaveLength(orgs.length);
    expect(new Set(runs.map((r) => r.organisationId)).size).toBe(orgs.length);
    expect(runs.every((r) => r.status === 'succeeded' && r.kind === 'incremental')).toBe(true);
    const finishes = await database.db
      .select({ org: activities.organisationId, n: sql<number>`count(*)::int` })
      .from(activities)
      .where(and(inArray(activities.organisationId, orgs), eq(activities.kind, 'sync.completed')))
      .groupBy(activities.organisationId);
    expect(finishes).toHaveLength(orgs.length);
    expect(finishes.every((f) => f.n === 1)).toBe(true);
    const jobIds = runs.map((r) => syncJobId(r.id));
    // A job records its completion just after its run's last write (and the follow-up requests): wait for the last one.
    const completedJobs = () =>
      database.db
      .select({ jobId: jobEvents.jobId, n: sql<number>`count(*)::int` })
      .from(jobEvents)
      .where(and(eq(jobEvents.job, 'sync.organisation'), eq(jobEvents.status, 'completed'), inArray(jobEvents.jobId, jobIds)))
      .groupBy(jobEvents.jobId);
    const completed = await until(async () => {
      const rows = await completedJobs();
      return rows.length === orgs.length ? rows : null;
    }, 60_000, 'every sync job to record its completion').catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify((await completedJobs()).length)}`);
    });
    // Jobs are at least once (a worker that is only slow can be found stalled and its job run again
    // beside it); the organisation's sync is exactly once — one run, finished once (above).
    expect(completed).toHaveLength(orgs.length);
    debug(`[mw] jobs that completed twice: ${completed.filter((c) => c.n > 1).length}`);

    // The dead worker's syncs were taken over (stalled) by the others and finished.
    // The syncs the dead worker left mid-run were found stalled, taken over by the others and finished.
    for (const id of midRun) {
      expect(stalled.has(id), `${id} taken over`).toBe(true);
      expect(runs.find((r) => syncJobId(r.id) === id)?.status).toBe('succeeded');
    }

    // The tenants' limits held across processes: no 429, never more than 5 at once or 60 a minute,
    // as the sandbox reports them over its admin API.
    const usageRes = await fetch(`${fx.url}/admin/limits/usage`, { headers: { authorization: `Bearer ${fx.server.sandbox.ctx.options.adminToken}` } });
    expect(usageRes.status).toBe(200);
    const usage = ((await usageRes.json()) as { tenants: TenantUsage[] }).tenants.filter((u) => orgOfTenant.has(u.tenantId.toLowerCase()));
    expect(usage).toHaveLength(orgs.length);
    for (const u of usage) {
      expect(u.refused, `429s for ${u.tenantId}`).toEqual({});
      expect(u.peakInFlight).toBeLessThanOrEqual(5);
      expect(u.peakMinute).toBeLessThanOrEqual(60);
    }
    // The burst's tenant: the workers' sync and this process shared one budget — the burst was cut short.
    const burstUsage = usage.find((u) => orgOfTenant.get(u.tenantId.toLowerCase()) === burstOrg)!;
    expect(burstOk).toBeGreaterThan(0);
    expect(burstRefused).toBeGreaterThan(0);
    expect(burstOk + burstRefused).toBe(80);
    expect(burstUsage.calls).toBeGreaterThan(burstOk);

    // Fair by firm.
    const order = [...runs].sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime() || a.id.localeCompare(b.id)).map((r) => r.organisationId);
    const early = new Set(order.slice(0, FIRST).map((id) => firmOf.get(id)));
    expect([...early].sort(), `firms among the first ${FIRST} finished`).toEqual(FIRM_SIZES.map((_, f) => f));
    for (const [f, peak] of peakInFlight) expect(peak, `firm ${f}'s syncs calling the ledger at once`).toBeLessThanOrEqual(FIRM_CAP);
    for (const [f, peak] of peakHolders) expect(peak, `firm ${f}'s slots held at once`).toBeLessThanOrEqual(FIRM_CAP);
    expect(peakHolders.get(0), 'firm A’s slots held at once').toBe(FIRM_CAP);
    // The large organisation yielded its worker between slices, each time behind the syncs already
    // waiting (its own firm's too), and finished after every other organisation — but those whose
    // jobs the killed worker held: they waited to be found stalled.
    const largeRun = runs.find((r) => r.organisationId === large)!;
    const yields = await database.db.select().from(jobEvents).where(and(eq(jobEvents.jobId, syncJobId(largeRun.id)), eq(jobEvents.status, 'yielded')));
    debug(`[mw] large: ${yields.length} yields, ${largeRun.apiCalls} calls, finished ${order.indexOf(large) + 1}/${orgs.length}; victim held ${victim.held.length}; first ${FIRST}: ${order.slice(0, FIRST).map((id) => firmOf.get(id)).join(',')}`);
    expect(yields.length, `the large organisation's yields (${largeRun.apiCalls} calls)`).toBeGreaterThanOrEqual(2);
    const delayed = new Set(runs.filter((r) => victim.held.includes(syncJobId(r.id))).map((r) => r.organisationId));
    const largeAt = order.indexOf(large);
    for (const id of orgs.filter((o) => o !== large && !delayed.has(o))) expect(order.indexOf(id), `firm ${firmOf.get(id)}'s organisation finished before the large one`).toBeLessThan(largeAt);
  });
});
