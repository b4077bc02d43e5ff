/**
 * The nightly run on several worker processes (issue #22, decision 051): 500 organisations
 * (× --scale) in 20 firms of skewed sizes — the first firm holds a third of them — each a small
 * Xero organisation in an in-process sandbox over HTTP, synced by real `arcus worker` processes on
 * Redis and a scratch PostgreSQL database. The run is triggered by one `schedule.tick` and timed
 * until every organisation's run has succeeded; first on three workers, then on one (the baseline,
 * in the same run). It prints organisations a minute and the per-firm completion spread: when each
 * firm's last organisation finished, from the trigger (fair scheduling keeps the small firms'
 * early, not behind the large firm's backlog).
 *
 * Both runs read every organisation from the start (checkpoints cleared); the baseline runs second,
 * over rows already stored, which favours it slightly. Worker boot is not timed. The sandbox's
 * Xero app-wide minute limit is lifted for the bench (the per-tenant limits stay).
 * Lives in cli/ because it drives the job runner (jobs/) from outside, as an operator would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { RATE_LIMITS } from '../../integrations/sandbox/context';
import { startSandbox } from '../../integrations/sandbox/server';
import { BullQueue } from '../../jobs/bullmq-queue';
import { allJobs } from '../../jobs/registry';
import { scheduleTick } from '../../jobs/schedule/tick';
import { scratchDatabase } from '../../server/bench/scratch-db';
import type { Bench, BenchFigure } from '../../server/bench/types';
import { openPostgres } from '../../server/db/client';
import { firms, organisations, syncRuns } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { connectSandboxCompany } from '../../server/sync/sandbox-connect';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIRMS = 20;

function firmSizes(total: number): number[] {
  const first = Math.max(1, Math.round(total / 3));
  const rest = total - first;
  return [first, ...Array.from({ length: FIRMS - 1 }, (_, i) => Math.floor(rest / (FIRMS - 1)) + (i < rest % (FIRMS - 1) ? 1 : 0))].filter((n) => n > 0);
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const workersBench: Bench = {
  name: 'workers',
  summary: 'Nightly run of 500 organisations (× --scale) in 20 firms on three worker processes, against one',
  async run({ scale }) {
    const total = Math.max(20, Math.round(500 * scale));
    const redisUrl = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
    const scratch = await scratchDatabase('arcus_bench_workers');
    const database = openPostgres(scratch.url, { max: 4, unscoped: 'system' });
    const prefix = `arcus-bench-workers-${randomBytes(3).toString('hex')}`;
    const appLimit = RATE_LIMITS.xero.appPerMinute;
    RATE_LIMITS.xero.appPerMinute = 1_000_000;
    const server = await startSandbox({ port: 0, autoConsent: true, seed: 5151, demo: { companies: Array.from({ length: total }, (_, i) => ({ provider: 'xero' as const, name: `Bench Client ${i + 1}`, customers: 3, invoices: 10 })) }, log: () => undefined });
    const tokenKey = randomBytes(32);
    const children = new Set<ChildProcess>();
    const producer = new BullQueue({ db: database.db, log: createLogger('silent'), redisUrl, definitions: allJobs, settings: { prefix, lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxStalledCount: 10 } });
    try {
      await database.migrate();
      const limiter = new MemoryRateLimiter();
      const factory = createLedgerFactory({ sandboxBaseUrl: server.url, xero: null, intuit: null, limiter });
      const sizes = firmSizes(total);
      const firmOf = new Map<string, number>();
      const orgs: string[] = [];
      let c = 0;
      for (const [f, size] of sizes.entries()) {
        const [firm] = await database.db.insert(firms).values({ name: `Bench firm ${f + 1}` }).returning();
        for (let i = 0; i < size; i++) {
          const conn = await connectSandboxCompany({ db: database.db, factory, tokenKey }, { firmId: firm!.id, provider: 'xero', companyId: server.sandbox.companyIds[c++]! });
          orgs.push(conn.organisationId);
          firmOf.set(conn.organisationId, f);
        }
      }

      const startWorkers = async (n: number) => {
        const ready = new Set<number>();
        for (let i = 0; i < n; i++) {
          const child = spawn(process.execPath, [path.join(ROOT, 'bin/arcus.mjs'), 'worker'], {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'inherit'],
            env: {
              PATH: process.env['PATH'] ?? '',
              HOME: process.env['HOME'] ?? '',
              NODE_ENV: 'production',
              DATABASE_URL: scratch.url,
              REDIS_URL: redisUrl,
              QUEUE_PREFIX: prefix,
              WORKER_CONCURRENCY: '10',
              TOKEN_ENCRYPTION_KEY: tokenKey.toString('hex'),
              SESSION_SECRET: 'bench-workers-secret-0123456789abcdef0123',
              APP_URL: 'https://arcus.bench',
              LEDGER_SANDBOX_URL: server.url,
              SANDBOX_IN_PRODUCTION: 'allow',
              LOG_LEVEL: 'info',
            },
          });
          child.stdout?.on('data', (d) => {
            if (String(d).includes('"msg":"worker started"')) ready.add(child.pid!);
          });
          children.add(child);
        }
        while (ready.size < n) await wait(200);
      };
      const stopWorkers = async () => {
        await Promise.all(
          [...children].map((w) => {
            if (w.exitCode !== null || w.signalCode !== null) return null;
            const exited = new Promise((r) => w.once('exit', r));
            w.kill('SIGTERM');
            return exited;
          }),
        );
        children.clear();
      };

      /** One nightly run on `n` workers: ms to the last success and each firm's last finish (ms from the trigger). */
      const nightly = async (n: number, tag: string) => {
        await database.db.update(organisations).set({ nextSyncAt: new Date(Date.now() + 86_400_000), syncState: {} }).where(inArray(organisations.id, orgs));
        await database.db.delete(syncRuns).where(inArray(syncRuns.organisationId, orgs));
        await startWorkers(n);
        await database.db.update(organisations).set({ nextSyncAt: new Date(Date.now() - 60_000) }).where(inArray(organisations.id, orgs));
        const t0 = new Date();
        await producer.enqueue(scheduleTick, {}, { jobId: `bench-nightly-${tag}` });
        for (;;) {
          const done = await database.db.select({ id: syncRuns.organisationId }).from(syncRuns).where(and(inArray(syncRuns.organisationId, orgs), eq(syncRuns.status, 'succeeded')));
          if (done.length === orgs.length) break;
          await wait(250);
        }
        const runs = await database.db.select({ org: syncRuns.organisationId, finishedAt: syncRuns.finishedAt }).from(syncRuns).where(inArray(syncRuns.organisationId, orgs));
        const ms = Math.max(...runs.map((r) => r.finishedAt!.getTime())) - t0.getTime();
        const lastOfFirm = new Map<number, number>();
        for (const r of runs) {
          const f = firmOf.get(r.org)!;
          lastOfFirm.set(f, Math.max(lastOfFirm.get(f) ?? 0, r.finishedAt!.getTime() - t0.getTime()));
        }
        await stopWorkers();
        await producer.queue.drain(true).catch(() => undefined);
        return { ms, lastOfFirm };
      };

      const many = await nightly(3, 'three');
      const one = await nightly(1, 'one');
      const perMin = (ms: number) => (orgs.length * 60_000) / ms;
      const small = (m: Map<number, number>) => [...m.entries()].filter(([f]) => f !== 0).map(([, v]) => v).sort((a, b) => a - b);
      const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? 0;
      const figures: BenchFigure[] = [
        { bench: 'workers', figure: `nightly run, ${orgs.length} organisations in ${sizes.length} firms, 3 workers`, value: perMin(many.ms), unit: 'organisations/min', baseline: { label: '1 worker', value: perMin(one.ms) }, ratio: perMin(many.ms) / perMin(one.ms), target: '> 1 (workers add throughput)' },
        { bench: 'workers', figure: `largest firm (${sizes[0]} organisations): last finished, 3 workers`, value: (many.lastOfFirm.get(0) ?? 0) / 1000, unit: 's from the trigger' },
        { bench: 'workers', figure: 'other firms: median last finished, 3 workers', value: median(small(many.lastOfFirm)) / 1000, unit: 's from the trigger', baseline: { label: 'largest firm’s last', value: (many.lastOfFirm.get(0) ?? 0) / 1000 }, ratio: median(small(many.lastOfFirm)) / Math.max(1, many.lastOfFirm.get(0) ?? 1), target: '< 1 (small firms are not behind the large one)' },
        { bench: 'workers', figure: 'other firms: slowest last finished, 3 workers', value: (small(many.lastOfFirm).at(-1) ?? 0) / 1000, unit: 's from the trigger' },
      ];
      return figures;
    } finally {
      for (const w of children) w.kill('SIGKILL');
      await producer.queue.obliterate({ force: true }).catch(() => undefined);
      await producer.close();
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      RATE_LIMITS.xero.appPerMinute = appLimit;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await database.close();
      await scratch.drop();
    }
  },
};
