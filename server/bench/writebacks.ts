/**
 * Write-back throughput: 500 (× scale) credit notes, each allocated to an open invoice and noted
 * on it, into one Xero organisation of the sandbox ledger (over HTTP, through xero-node), with
 * PostgreSQL in a scratch database `arcus_bench_writebacks`:
 *
 * - engine: requestWriteback + executeWriteback for each (lease, credit note + allocation with
 *   the row id as Idempotency-Key, read back, confirm, activity, note), 4 at a time;
 * - baseline, same run: the same ledger writes straight through the writer (credit note +
 *   allocation, then the note) for as many other invoices, 4 at a time, with no database.
 *   The two alternate in five rounds, so load from elsewhere on the machine falls on both.
 *
 * Figures: writes per second for each and their ratio, the ledger calls per write of each (a
 * Xero credit note's own read after its allocation is the engine's read-back: 4 and 4, decision
 * 065), and the database statements per write-back. ARCUS_BENCH_TRACE_SQL=1 also prints each
 * statement and ledger call with its mean time, and the request's and execution's share.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import pg from 'pg';
import { CallRunner } from '../../integrations/ledger/call';
import { createLedgerWrites } from '../../integrations/ledger/create-writes';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import { limiterGate } from '../../integrations/ledger/gate';
import { createLedgerNotes } from '../../integrations/ledger/notes';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { RATE_LIMITS } from '../../integrations/sandbox/context';
import { startSandbox } from '../../integrations/sandbox/server';
import { toMinor } from '../../kernel/money';
import { withFirm } from '../db/firm-scope';
import { firms, invoices } from '../db/schema';
import { createLedgerGateway } from '../ledger/gateway';
import { createLogger, type Logger } from '../logger';
import { runSync } from '../sync/engine';
import { createOrReuseRun } from '../sync/runs';
import { connectSandboxCompany } from '../sync/sandbox-connect';
import { executeWriteback } from '../writebacks/execute';
import { requestWriteback } from '../writebacks/request';
import { scratchDatabase } from './scratch-db';
import type { Bench, BenchFigure } from './types';

const BENCH_DB = 'arcus_bench_writebacks';
const CONCURRENCY = 4;
/** Baseline and engine alternate in this many rounds. */
const ROUNDS = 5;

/**
 * Counts the statements sent to PostgreSQL (each `query` on a connection is one round trip: a
 * scope switch, a BEGIN, a statement, a COMMIT) while `fn` runs. ARCUS_BENCH_TRACE_SQL=1 also
 * prints how often each statement ran (its first 90 characters), to see where they go.
 */
async function countingStatements<T>(counts: Map<string, number>, fn: () => Promise<T>, ms?: Map<string, number>): Promise<T> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0] as string | { text?: string } | undefined;
    // Counted by the text as sent (shortened only for printing, at the end): the count costs the
    // engine's measured time a map lookup, not a regular-expression pass over every statement.
    const text = typeof q === 'string' ? q : (q?.text ?? '?');
    counts.set(text, (counts.get(text) ?? 0) + 1);
    const out = original.apply(this, a);
    if (ms && out instanceof Promise) {
      const t = performance.now();
      out.then(() => ms.set(text, (ms.get(text) ?? 0) + performance.now() - t), () => undefined);
    }
    return out;
  };
  try {
    return await fn();
  } finally {
    proto.query = original;
  }
}

/** A logger that only adds up the gateway's per-call lines (what, ms): where the engine's ledger time goes. */
function callTimes(into: Map<string, { n: number; ms: number }>): Logger {
  const record = (line: unknown) => {
    const l = line as { call?: string; ms?: number };
    if (typeof l?.call !== 'string' || typeof l.ms !== 'number') return;
    const c = into.get(l.call) ?? { n: 0, ms: 0 };
    c.n++;
    c.ms += l.ms;
    into.set(l.call, c);
  };
  const self = { info: record, debug: record, warn: record, error: () => undefined, child: () => self };
  return self as unknown as Logger;
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export const writebacksBench: Bench = {
  name: 'writebacks',
  summary: 'Credit notes with allocation and a ledger note, through the write-back engine vs straight through the writer',
  async run({ scale }) {
    const n = Math.max(20, Math.round(500 * scale));
    const saved = { ...RATE_LIMITS.xero };
    Object.assign(RATE_LIMITS.xero, { perMinute: Number.POSITIVE_INFINITY, perDay: Number.POSITIVE_INFINITY, appPerMinute: Number.POSITIVE_INFINITY });
    const scratch = await scratchDatabase(BENCH_DB);
    const database = scratch.open(CONCURRENCY + 2);
    const server = await startSandbox({ port: 0, autoConsent: true, seed: 42, demo: { companies: [{ provider: 'xero', customers: Math.max(20, Math.round(n / 10)), invoices: n * 30 }] }, log: () => undefined });
    try {
      await database.migrate();
      const db = database.db;
      const factory = createLedgerFactory({ sandboxBaseUrl: server.url, xero: null, intuit: null });
      const tokenKey = randomBytes(32);
      const log = createLogger('silent');
      const [firm] = await db.insert(firms).values({ name: 'Bench firm' }).returning();
      const companyId = server.sandbox.companyIds[0]!;
      const org = await connectSandboxCompany({ db, factory, tokenKey }, { firmId: firm!.id, provider: 'xero', companyId });
      const limiter = new MemoryRateLimiter({ limits: { xero: { perMinute: Number.POSITIVE_INFINITY, perDay: Number.POSITIVE_INFINITY } } });
      const { runId } = await createOrReuseRun(db, { organisationId: org.organisationId, kind: 'full' });
      await runSync({ db, factory, tokenKey, limiter, log }, { runId });
      const open = (await db.select().from(invoices).where(and(eq(invoices.organisationId, org.organisationId), eq(invoices.status, 'authorised')))).filter((i) => toMinor(i.amountDue) >= 100);
      if (open.length < 2 * n) throw new Error(`the sandbox company has ${open.length} open invoices; the bench needs ${2 * n}`);
      const engineSet = open.slice(0, n);
      const baselineSet = open.slice(n, 2 * n);
      const date = engineSet[0]!.issueDate;
      const request = (i: (typeof open)[number]) => ({
        contactExternalId: i.contactExternalId,
        date,
        reference: `Goodwill on ${i.number}`,
        currency: i.currency,
        lines: [{ description: `Goodwill on ${i.number}`, amount: '1.00' }],
        allocateTo: { invoiceExternalId: i.externalId, amount: '1.00' },
      });

      // Baseline: the writer alone.
      const runner = new CallRunner(limiterGate(limiter, { provider: 'xero', tenantId: org.tenantId }));
      const params = { accessToken: org.tokens.accessToken, tenantId: org.tenantId, runner };
      const writes = createLedgerWrites(factory, 'xero', params);
      const notes = createLedgerNotes(factory, 'xero', params);
      const baselineRound = async (set: typeof open) => {
        await pool(set, CONCURRENCY, async (i) => {
          const key = randomUUID();
          await writes.createCreditNote({ key, ...request(i) });
          await notes.addInvoiceNote({ invoiceExternalId: i.externalId, text: `Arcus: goodwill credit of 1.00 on ${i.number}`, key: `n-${key}` });
        });
      };

      // Engine: request, then execute each as the job would.
      // Every writer the engine builds, to count its ledger calls.
      const engineWrites: ReturnType<typeof createLedgerWrites>[] = [];
      const phases = { request: 0, execute: 0 };
      const trace = process.env['ARCUS_BENCH_TRACE_SQL'] === '1' ? new Map<string, number>() : undefined;
      const calls = new Map<string, { n: number; ms: number }>();
      const deps = {
        db,
        log,
        ledger: createLedgerGateway({
          factory,
          tokenKey,
          limiter,
          db,
          log: trace ? callTimes(calls) : log,
          createWrites: (...args: Parameters<typeof createLedgerWrites>) => {
            const w = createLedgerWrites(...args);
            engineWrites.push(w);
            return w;
          },
        }),
        now: () => new Date(),
        enqueueExecute: async () => undefined,
      };
      // The engine runs as the firm, as a job does: every statement under row-level security.
      const engineRound = (set: typeof open) => withFirm(firm!.id, () => pool(set, CONCURRENCY, async (i) => {
        const t0 = performance.now();
        const r = await requestWriteback(deps, {
          firmId: firm!.id,
          organisationId: org.organisationId,
          kind: 'credit_note',
          purpose: 'goodwill',
          invoiceId: i.id,
          invoiceExternalId: i.externalId,
          contactExternalId: i.contactExternalId,
          amount: '1.00',
          currency: i.currency,
          request: request(i),
          noteText: `Arcus: goodwill credit of 1.00 on ${i.number}`,
          requestedBy: 'system',
          summary: `Goodwill credit on ${i.number}`,
        });
        const t1 = performance.now();
        const out = await executeWriteback(deps, r.id);
        phases.request += t1 - t0;
        phases.execute += performance.now() - t1;
        if (out.outcome !== 'confirmed') throw new Error(`write-back ${r.id}: ${out.outcome}`);
      }));

      // The machine may be shared: the two run in alternating rounds, so a burst of other load
      // falls on both rather than on one of them.
      let baselineMs = 0;
      let engineMs = 0;
      let baselineCpu = 0;
      let engineCpu = 0;
      const prof = process.env['ARCUS_BENCH_PROFILE'];
      const inspector = prof ? await import('node:inspector/promises') : null;
      const session = inspector ? new inspector.Session() : null;
      session?.connect();
      await session?.post('Profiler.enable');
      const profiled = async (what: string, r: number, fn: () => Promise<void>) => {
        if (!session) return fn();
        await session.post('Profiler.start');
        await fn();
        const { profile } = await session.post('Profiler.stop');
        (await import('node:fs')).writeFileSync(`${prof}/${what}-${r}.cpuprofile`, JSON.stringify(profile));
      };
      const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
      const statements = new Map<string, number>();
      for (let r = 0; r < ROUNDS; r++) {
        const slice = (set: typeof open) => set.slice(Math.floor((r * n) / ROUNDS), Math.floor(((r + 1) * n) / ROUNDS));
        let t = performance.now();
        let c = cpu();
        await profiled('baseline', r, () => baselineRound(slice(baselineSet)));
        baselineMs += performance.now() - t;
        baselineCpu += cpu() - c;
        t = performance.now();
        c = cpu();
        await profiled('engine', r, () => countingStatements(statements, () => engineRound(slice(engineSet)), trace));
        engineMs += performance.now() - t;
        engineCpu += cpu() - c;
      }
      const baselineCalls = runner.calls / n;
      // Each write-back's writer counts on its ledger's one runner: the write, the read-back and
      // the note (PUT Invoices/{id}/History), as in the baseline.
      const engineCalls = engineWrites.reduce((s, w) => s + w.calls, 0) / n;
      const roundTrips = [...statements.values()].reduce((s, c) => s + c, 0) / n;
      if (trace) for (const [text, c] of [...statements].sort((a, b) => b[1] - a[1])) console.log(`  ${(c / n).toFixed(2)}× ${((trace.get(text) ?? 0) / c).toFixed(1)} ms ${text.replace(/\s+/g, ' ').slice(0, 90)}`);
      if (trace) for (const [what, c] of calls) console.log(`  ledger ${what}: ${(c.n / n).toFixed(2)}× ${(c.ms / c.n).toFixed(1)} ms`);
      console.log(`  CPU of this process: engine ${(engineCpu / n).toFixed(1)} ms per write-back, baseline ${(baselineCpu / n).toFixed(1)} ms per write`);
      if (trace) console.log(`  engine ${(engineMs / n).toFixed(1)} ms per write-back (4 at a time), baseline ${(baselineMs / n).toFixed(1)} ms; each write-back's request ${(phases.request / n).toFixed(1)} ms, execution ${(phases.execute / n).toFixed(1)} ms`);

      const engineRate = (n / engineMs) * 1000;
      const baselineRate = (n / baselineMs) * 1000;
      const figures: BenchFigure[] = [
        {
          bench: this.name,
          figure: `${n} credit notes + allocation + invoice note through the engine (${CONCURRENCY} at a time)`,
          value: engineRate,
          unit: 'writes/s',
          baseline: { label: 'the same ledger writes straight through the writer, no database', value: baselineRate },
          ratio: engineRate / baselineRate,
        },
        { bench: this.name, figure: 'ledger calls per write: engine (incl. the read-back that confirms)', value: engineCalls, unit: 'calls', baseline: { label: 'writer alone', value: baselineCalls }, ratio: engineCalls / baselineCalls },
        { bench: this.name, figure: 'database round trips per write-back (request + execute, scope switches and BEGIN/COMMIT included)', value: roundTrips, unit: 'statements' },
      ];
      return figures;
    } finally {
      Object.assign(RATE_LIMITS.xero, saved);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
      await scratch.drop();
    }
  },
};
