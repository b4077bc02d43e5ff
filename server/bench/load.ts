/**
 * Load on a production-like web process (issue #22; docs/decisions/050-customers-and-dashboard-in-sql.md).
 *
 * Starts `arcus start` as a child process (NODE_ENV=production, PostgreSQL, the clock pinned to the
 * data's day) on 127.0.0.1 against a scratch database `arcus_bench_load`, seeded by direct inserts
 * (the analytics bench's generator): a firm of 5,000 invoices over 10 organisations, and a firm with
 * one organisation of 100,000 invoices (× --scale both), then scored in this process as the worker
 * would after a sync (timed, its own line). Then, with a fixed concurrency of 50
 * keep-alive connections (node:http, no external tool), requests the organisation dashboard and the
 * worklist in turn, in three phases:
 *   (a) the 5k-invoice firm; (b) the 100k-invoice organisation; (c) the 100k organisation again while
 *   a full sync of another 100k-invoice organisation (sandbox ledger over HTTP → PostgreSQL) runs
 *   outside the web process (in this process, standing in for the worker).
 * Prints p50/p95/p99 per route and phase, `/healthz` p99 probed every 50 ms throughout on a
 * connection of its own, and the web process's peak RSS (VmHWM of /proc/<pid>/status), against the
 * targets: dashboard and worklist p95 < 500 ms (5k firm) and < 1 s (100k organisation), /healthz
 * p99 < 100 ms, web RSS < 1 GB. The first request of each route is timed apart.
 * The load generator shares the machine (and, in phase c, its event loop with the sandbox), so
 * latencies are upper bounds; the web process's CPU time per request (from /proc/<pid>/stat) is
 * printed too, as it does not depend on how busy the machine is: with 50 requests in flight on
 * one Node thread, p95 ≈ 50 × that on a core of its own. Prints, never asserts; drops the database at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { RATE_LIMITS } from '../../integrations/sandbox/context';
import { startSandbox } from '../../integrations/sandbox/server';
import { withFirm } from '../db/firm-scope';
import { sessionKey } from '../db/session-store';
import { createLogger } from '../logger';
import { runScoring } from '../scoring/run';
import { runSync } from '../sync/engine';
import { createOrReuseRun } from '../sync/runs';
import { connectSandboxCompany } from '../sync/sandbox-connect';
import { AS_OF, generate, TRIGGERS } from './analytics';
import { scratchDatabase } from './scratch-db';
import type { Bench, BenchFigure } from './types';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CONCURRENCY = 50;
const SESSION_SECRET = randomBytes(32).toString('hex');
const TOKEN_KEY = randomBytes(32);

function percentile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : Number.NaN;
}

function summary(ms: readonly number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 0.5), p95: percentile(s, 0.95), p99: percentile(s, 0.99) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** GET `path`; resolves with the status once the whole body is read. */
function get(agent: http.Agent, port: number, p: string, cookie?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, agent, headers: cookie ? { cookie } : {} }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** CPU seconds the process has used (user + system), from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function kb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

async function startWeb(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/arcus.mjs'), 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET,
      TOKEN_ENCRYPTION_KEY: TOKEN_KEY.toString('hex'),
      ARCUS_DEMO: 'off',
      LEDGER_SANDBOX: 'off',
      LOG_LEVEL: 'warn',
      ARCUS_NOW: `${AS_OF}T12:00:00Z`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const agent = new http.Agent();
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`arcus start exited (${child.exitCode}): ${stderr}`);
    if ((await get(agent, port, '/healthz').catch(() => 0)) === 200) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`arcus start did not answer /healthz in 60 s: ${stderr}`);
}

/** A signed-in admin of `firmId`: the session written as express-session would (the table keeps the id's hash). */
async function signIn(pool: import('pg').Pool, firmId: string): Promise<string> {
  const suffix = randomBytes(6).toString('hex');
  const user = await pool.query<{ id: string }>(`INSERT INTO users (email, name, auth_provider, auth_subject) VALUES ($1, 'Load bench', 'test', $2) RETURNING id`, [`load-${suffix}@bench.example`, suffix]);
  await pool.query(`INSERT INTO memberships (firm_id, user_id, role) VALUES ($1, $2, 'admin')`, [firmId, user.rows[0]!.id]);
  const sid = randomBytes(24).toString('base64url');
  const expires = new Date(Date.now() + 6 * 3_600_000);
  const data = { cookie: { originalMaxAge: 6 * 3_600_000, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax', secure: false }, userId: user.rows[0]!.id, firmId, csrfToken: randomBytes(24).toString('base64url') };
  await pool.query(`INSERT INTO sessions (sid, expires_at, data) VALUES ($1, $2, $3)`, [sessionKey(sid), expires, data]);
  const signature = createHmac('sha256', SESSION_SECRET).update(sid).digest('base64').replace(/=+$/, '');
  return `arcus.sid=${encodeURIComponent(`s:${sid}.${signature}`)}`;
}

interface Target {
  label: string;
  /** Requests by route name, taken in turn. */
  paths: { route: string; path: string }[];
}

/**
 * `requests` requests (and then on until `until` resolves, if given) from 50 workers on 50
 * keep-alive connections, each taking the next path in turn; `/healthz` every 50 ms meanwhile.
 */
async function phase(port: number, cookie: string, target: Target, requests: number, until?: Promise<unknown>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const byRoute = new Map<string, number[]>();
  const health: number[] = [];
  let errors = 0;
  let next = 0;
  let untilDone = until === undefined;
  until?.then(
    () => (untilDone = true),
    () => (untilDone = true),
  );
  let running = true;
  const probe = (async () => {
    while (running) {
      const t0 = performance.now();
      const status = await get(probeAgent, port, '/healthz').catch(() => 0);
      health.push(performance.now() - t0);
      if (status !== 200) errors += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests || !untilDone) {
        const { route, path: p } = target.paths[next++ % target.paths.length]!;
        const s = performance.now();
        const status = await get(agent, port, p, cookie).catch(() => 0);
        const ms = performance.now() - s;
        if (status !== 200) errors += 1;
        else byRoute.set(route, [...(byRoute.get(route) ?? []), ms]);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  await probe;
  agent.destroy();
  probeAgent.destroy();
  return { byRoute, health, errors, seconds, requests: next };
}

export const loadBench: Bench = {
  name: 'load',
  summary: 'A production-like `arcus start` under 50 concurrent connections: dashboard and worklist p50/p95/p99, /healthz p99 and peak RSS for a 5k-invoice firm and a 100k-invoice organisation, also during a 100k full sync',
  async run({ scale }) {
    const smallInvoices = Math.max(500, Math.round(5000 * scale));
    const largeInvoices = Math.max(2000, Math.round(100_000 * scale));
    const requests = Math.max(200, Math.round(1000 * scale));
    const figures: BenchFigure[] = [];
    const scratch = await scratchDatabase('arcus_bench_load');
    const database = scratch.open(4);
    let web: ChildProcess | null = null;
    const savedLimits = { ...RATE_LIMITS.xero };
    try {
      await database.migrate();
      const pool = database.pool!;
      const firm = async (name: string) => (await pool.query<{ id: string }>(`INSERT INTO firms (name, reporting_currency) VALUES ($1, 'USD') RETURNING id`, [name])).rows[0]!.id;
      const smallFirm = await firm('Load bench: 5k firm');
      const largeFirm = await firm('Load bench: 100k organisation');
      const syncFirm = await firm('Load bench: syncing');
      const t0 = Date.now();
      for (const [t, trg] of TRIGGERS) await pool.query(`ALTER TABLE ${t} DISABLE TRIGGER ${trg}`);
      const small = await generate(pool, smallFirm, 10, { invoicesPerOrg: Math.round(smallInvoices / 10), customersPerOrg: Math.max(20, Math.round(smallInvoices / 100)) });
      const large = await generate(pool, largeFirm, 1, { invoicesPerOrg: largeInvoices, customersPerOrg: Math.max(100, Math.round(largeInvoices / 10)) });
      for (const [t, trg] of TRIGGERS) await pool.query(`ALTER TABLE ${t} ENABLE TRIGGER ${trg}`);
      await pool.query('VACUUM ANALYZE');
      console.log(`  seeded ${small.invoices.toLocaleString('en')} invoices in 10 organisations and ${large.invoices.toLocaleString('en')} in one (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      // A deployment scores each organisation in the worker after its sync; seeded by direct
      // inserts, these are scored here (same clock as the web process), so the measured requests
      // read stored scores as they would in production.
      const scoredAt = new Date(`${AS_OF}T12:00:00Z`);
      const ts = performance.now();
      for (const [firmId, orgIds] of [[smallFirm, small.orgIds], [largeFirm, large.orgIds]] as const)
        for (const organisationId of orgIds) await withFirm(firmId, () => runScoring(database.db, { organisationId, firmId, now: scoredAt }));
      const scoringS = (performance.now() - ts) / 1000;
      console.log(`  scored the seeded organisations in the bench process, as the worker would after a sync (${scoringS.toFixed(0)} s)`);
      figures.push({ bench: 'load', figure: `scoring the seeded organisations (${small.orgIds.length + large.orgIds.length}) before measuring, as the worker would`, value: scoringS, unit: 's' });

      const port = await freePort();
      web = await startWeb(scratch.url, port);
      const pid = web.pid!;
      const smallCookie = await signIn(pool, smallFirm);
      const largeCookie = await signIn(pool, largeFirm);
      const period = `from=${AS_OF.slice(0, 8)}01&to=${AS_OF}`;
      const targets: Record<'small' | 'large', Target> = {
        small: {
          label: `5k firm (${small.invoices.toLocaleString('en')} invoices, 10 organisations)`,
          paths: small.orgIds.flatMap((id) => [
            { route: 'dashboard', path: `/api/organisations/${id}/dashboard?${period}` },
            { route: 'worklist', path: '/api/worklist?limit=50' },
          ]),
        },
        large: {
          label: `100k organisation (${large.invoices.toLocaleString('en')} invoices)`,
          paths: [
            { route: 'dashboard', path: `/api/organisations/${large.orgIds[0]}/dashboard?${period}` },
            { route: 'worklist', path: '/api/worklist?limit=50' },
          ],
        },
      };

      const report = async (key: string, target: Target, cookie: string, limits: { p95: number }, until?: Promise<unknown>, label = target.label) => {
        // The first request of each route, alone (the organisations are already scored, as after a sync).
        if (!until)
          for (const route of ['dashboard', 'worklist']) {
            const first = target.paths.find((p) => p.route === route)!;
            const s = performance.now();
            const status = await get(new http.Agent(), port, first.path, cookie);
            figures.push({ bench: 'load', figure: `${label}: first ${route} request alone${status === 200 ? '' : ` (status ${status})`}`, value: performance.now() - s, unit: 'ms' });
          }
        const cpu0 = cpuSeconds(web!.pid!);
        const r = await phase(port, cookie, target, requests, until);
        const cpuMs = ((cpuSeconds(web!.pid!) - cpu0) * 1000) / Math.max(1, r.requests);
        for (const [route, ms] of r.byRoute) {
          const s = summary(ms);
          figures.push(
            { bench: 'load', figure: `${label}: ${route} p50 (${s.n} requests)`, value: s.p50, unit: 'ms' },
            { bench: 'load', figure: `${label}: ${route} p95`, value: s.p95, unit: 'ms', target: `p95 under ${limits.p95} ms` },
            { bench: 'load', figure: `${label}: ${route} p99`, value: s.p99, unit: 'ms' },
          );
        }
        const h = summary(r.health);
        figures.push(
          { bench: 'load', figure: `${label}: throughput, ${CONCURRENCY} connections`, value: r.requests / r.seconds, unit: 'req/s' },
          // Independent of how busy the shared machine is: what one request costs the web process's CPU (its one thread, plus libuv and GC).
          { bench: 'load', figure: `${label}: web process CPU per request (both routes, mean)`, value: cpuMs, unit: 'ms' },
          { bench: 'load', figure: `${label}: /healthz p99 during the load (${h.n} probes)`, value: h.p99, unit: 'ms', target: 'p99 under 100 ms' },
          { bench: 'load', figure: `${label}: failed requests`, value: r.errors, unit: 'requests' },
          { bench: 'load', figure: `${label}: web process peak RSS so far (VmHWM)`, value: kb(pid, 'VmHWM') / 1024, unit: 'MB', target: 'under 1 GB' },
        );
        console.log(`  ${key}: done`);
      };

      await report('a', targets.small, smallCookie, { p95: 500 });
      await report('b', targets.large, largeCookie, { p95: 1000 });

      // (c) the 100k organisation while another 100k organisation's full sync runs outside the web process.
      Object.assign(RATE_LIMITS.xero, { perMinute: Number.POSITIVE_INFINITY, perDay: Number.POSITIVE_INFINITY, appPerMinute: Number.POSITIVE_INFINITY });
      const sandbox = await startSandbox({ port: 0, autoConsent: true, seed: 43, demo: { companies: [{ provider: 'xero', customers: Math.max(50, Math.round(largeInvoices / 100)), invoices: largeInvoices }] }, log: () => undefined });
      try {
        const factory = createLedgerFactory({ sandboxBaseUrl: sandbox.url, xero: null, intuit: null });
        const org = await connectSandboxCompany({ db: database.db, factory, tokenKey: TOKEN_KEY }, { firmId: syncFirm, provider: 'xero', companyId: sandbox.sandbox.companyIds[0]! });
        const limiter = new MemoryRateLimiter({ limits: { xero: { perMinute: Number.POSITIVE_INFINITY, perDay: Number.POSITIVE_INFINITY } } });
        const { runId } = await createOrReuseRun(database.db, { organisationId: org.organisationId, kind: 'full' });
        const s0 = performance.now();
        const sync = withFirm(syncFirm, () => runSync({ db: database.db, factory, tokenKey: TOKEN_KEY, limiter, log: createLogger('silent') }, { runId }));
        await report('c', targets.large, largeCookie, { p95: 1000 }, sync, `100k organisation during a ${largeInvoices.toLocaleString('en')}-invoice full sync`);
        await sync;
        figures.push({ bench: 'load', figure: `the full sync of ${largeInvoices.toLocaleString('en')} invoices alongside the load`, value: (performance.now() - s0) / 1000, unit: 's' });
      } finally {
        await sandbox.close();
      }
      figures.push({ bench: 'load', figure: 'web process peak RSS over every phase (VmHWM)', value: kb(pid, 'VmHWM') / 1024, unit: 'MB', target: 'under 1 GB' });
      return figures;
    } finally {
      Object.assign(RATE_LIMITS.xero, savedLimits);
      if (web && web.exitCode === null) {
        web.kill('SIGTERM');
        await new Promise((r) => web!.once('exit', r));
      }
      await database.close();
      await scratch.drop();
    }
  },
};
