/**
 * Sync under failure, against the sandbox and PostgreSQL:
 * - KILL: a sync that dies at random pages (after a commit, or mid-page with the transaction
 *   rolled back) and is run again ends with exactly the tables of an uninterrupted sync of the
 *   same ledger, and the checkpoint does not move while the run is unfinished;
 * - rate limits: the ledger's 429 (with Retry-After) and Arcus's own per-tenant limiter defer
 *   the run with its cursor kept, and the resumed run completes — through the job queue too;
 * - re-authorisation: a refused refresh fails the run in words; the second one marks the
 *   connection and organisation needs_reauth; a 401 gets one forced refresh first.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import type { Provider } from '../../integrations/ledger/types';
import { clockFrom } from '../../kernel/clock';
import { inlineQueueWith } from '../support/process';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { PermanentJobError, RetryLaterError } from '../../jobs/define';
import { syncOrganisationJob } from '../../jobs/sync/job';
import { requestSync, syncJobId } from '../../server/sync/request';
import type { Db } from '../../server/db/client';
import { activities, connections, contacts, creditNoteAllocations, creditNotes, firms, invoiceLines, invoices, organisations, paymentAllocations, payments, syncRuns } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { runSync, type SyncHooks } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { connectSandboxCompany } from '../../server/sync/sandbox-connect';
import { describeWith } from '../support/services';
import { applyChange, CHANGE_KINDS } from './changes';
import { type SyncFixture, startSyncFixture } from './connect-helper';
import { compareWithLedger } from './ledger-compare';

let fx: SyncFixture;

/** A second organisation (in another firm) on the same ledger company, for a control run. */
async function connectElsewhere(provider: Provider, companyId: string, factory = fx.factory) {
  const [firm] = await fx.db.insert(firms).values({ name: `Control ${randomBytes(3).toString('hex')}` }).returning();
  return connectSandboxCompany({ db: fx.db, factory, tokenKey: fx.tokenKey }, { firmId: firm!.id, provider, companyId });
}

/** Everything synced for an organisation, without our own ids and timestamps. */
async function snapshot(db: Db, organisationId: string) {
  const inv = await db.select().from(invoices).where(eq(invoices.organisationId, organisationId)).orderBy(asc(invoices.externalId));
  const lines = await db.select().from(invoiceLines).innerJoin(invoices, eq(invoices.id, invoiceLines.invoiceId)).where(eq(invoices.organisationId, organisationId));
  const pay = await db.select().from(payments).where(eq(payments.organisationId, organisationId)).orderBy(asc(payments.externalId));
  const pa = await db.select().from(paymentAllocations).innerJoin(payments, eq(payments.id, paymentAllocations.paymentId)).where(eq(payments.organisationId, organisationId));
  const cn = await db.select().from(creditNotes).where(eq(creditNotes.organisationId, organisationId)).orderBy(asc(creditNotes.externalId));
  const ca = await db.select().from(creditNoteAllocations).innerJoin(creditNotes, eq(creditNotes.id, creditNoteAllocations.creditNoteId)).where(eq(creditNotes.organisationId, organisationId));
  const con = await db.select().from(contacts).where(eq(contacts.organisationId, organisationId)).orderBy(asc(contacts.externalId));
  const strip = <T extends Record<string, unknown>>(r: T) => {
    const { id, firmId, organisationId: _o, syncedAt, contactId, invoiceId, paymentId, creditNoteId, deletedAt, ...rest } = r as Record<string, unknown>;
    void id;
    void firmId;
    void _o;
    void syncedAt;
    void invoiceId;
    void paymentId;
    void creditNoteId;
    return { ...rest, linked: contactId !== undefined ? contactId !== null : undefined, deleted: deletedAt !== undefined ? deletedAt !== null : undefined };
  };
  const sortBy = (xs: { k: string }[]) => xs.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return {
    invoices: inv.map(strip),
    lines: sortBy(lines.map((l) => ({ k: `${l.invoices.externalId}:${l.invoice_lines.lineNo}`, ...strip(l.invoice_lines) }))),
    payments: pay.map(strip),
    paymentAllocations: sortBy(pa.map((a) => ({ k: `${a.payments.externalId}:${a.payment_allocations.invoiceExternalId}`, ...strip(a.payment_allocations) }))),
    creditNotes: cn.map(strip),
    creditAllocations: sortBy(ca.map((a) => ({ k: `${a.credit_notes.externalId}:${a.credit_note_allocations.externalId}`, ...strip(a.credit_note_allocations) }))),
    contacts: con.map(strip),
  };
}

async function checkpoints(organisationId: string) {
  const [org] = await fx.db.select({ s: organisations.syncState }).from(organisations).where(eq(organisations.id, organisationId));
  return (org!.s as { checkpoints?: unknown }).checkpoints ?? null;
}

/** A deterministic stream of kill points. */
function killer(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return 1 + (s % n);
  };
}

describeWith('pg', 'sync under failure', () => {
  // Small pages, so a 120-invoice ledger has many pages to die between.
  let smallPages: ReturnType<typeof createLedgerFactory>;
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 23 });
    smallPages = createLedgerFactory({ sandboxBaseUrl: fx.url, xero: null, intuit: null, now: fx.now, pageSize: 17 });
  });
  afterAll(async () => {
    await fx?.close();
  });

  describe('killed at random points, run again', () => {
    for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
      it(`${provider}: same tables as an uninterrupted run; the checkpoint stays put until the run completes`, { timeout: 120_000 }, async () => {
        const companyId = fx.companyIds[i]!;
        const store = fx.server.sandbox.ctx.store;
        const control = await connectElsewhere(provider, companyId, smallPages);
        const victim = await connectElsewhere(provider, companyId, smallPages);
        const next = killer(1234 + i);
        const deps = (hooks?: SyncHooks) => ({ ...fx.engineDeps({ hooks }), factory: smallPages });
        const syncControl = async (kind: 'full' | 'incremental') => {
          const { runId } = await createOrReuseRun(fx.db, { organisationId: control.organisationId, kind });
          return runSync(deps(), { runId });
        };
        /** Run the victim's sync, dying `kills` times at random pages (half after a commit, half mid-page). */
        const syncVictim = async (kind: 'full' | 'incremental', kills: number, freshRunAfterKill: boolean) => {
          const before = await checkpoints(victim.organisationId);
          let { runId } = await createOrReuseRun(fx.db, { organisationId: victim.organisationId, kind });
          let died = 0;
          for (let attempt = 1; ; attempt++) {
            const at = next(12);
            const midPage = next(2) === 1;
            const hooks: SyncHooks =
              died < kills
                ? midPage
                  ? { beforeCommit: ({ page }) => { if (page === at) throw new Error(`killed inside page ${page}`); } }
                  : { afterPage: ({ page }) => { if (page === at) throw new Error(`killed after page ${page}`); } }
                : {};
            try {
              const r = await runSync(deps(hooks), { runId, attempt });
              return r;
            } catch (err) {
              expect((err as Error).message).toMatch(/^killed/);
              died++;
              // The checkpoint does not move while the run is unfinished.
              expect(await checkpoints(victim.organisationId)).toEqual(before);
              if (freshRunAfterKill) {
                // Give up on that run; a new one starts from the (unchanged) checkpoint.
                await fx.db.update(syncRuns).set({ status: 'failed' }).where(eq(syncRuns.id, runId));
                runId = (await createOrReuseRun(fx.db, { organisationId: victim.organisationId, kind })).runId;
              }
            }
            if (attempt > 40) throw new Error('the victim never finished');
          }
        };
        fx.advance(61_000);
        await syncControl('full');
        fx.advance(61_000);
        await syncVictim('full', 3, false);
        expect(await snapshot(fx.db, victim.organisationId)).toEqual(await snapshot(fx.db, control.organisationId));
        expect(await compareWithLedger(fx.db, store, { organisationId: victim.organisationId, companyId })).toEqual([]);

        for (const [round, fresh] of [false, true, false].entries()) {
          for (let k = 0; k < 5; k++) applyChange(store, companyId, { kind: CHANGE_KINDS[(round * 5 + k) % CHANGE_KINDS.length]!, pick: 31 * k + round, cents: 13 * k });
          fx.advance(61_000);
          await syncControl('incremental');
          await syncVictim('incremental', 2, fresh);
          expect(await snapshot(fx.db, victim.organisationId)).toEqual(await snapshot(fx.db, control.organisationId));
          expect(await compareWithLedger(fx.db, store, { organisationId: victim.organisationId, companyId })).toEqual([]);
        }
      });
    }
  });

  describe('rate limits', () => {
    for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
      it(`${provider}: the ledger's 429 defers the run with its cursor kept; the resumed run completes`, async () => {
        const companyId = fx.companyIds[i]!;
        const org = await connectElsewhere(provider, companyId, smallPages);
        const { runId } = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'full' });
        fx.advance(61_000);
        const hooks: SyncHooks = {
          afterPage: ({ page }) => {
            if (page === 3) fx.server.sandbox.ctx.faults.add({ provider, companyId, kind: '429', remaining: 1, delayMs: 7_000, status: 429 });
          },
        };
        const err = await runSync({ ...fx.engineDeps({ hooks }), factory: smallPages }, { runId }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RetryLaterError);
        // Xero says Retry-After: 7; QuickBooks sends no Retry-After (a minute, then).
        expect((err as RetryLaterError).delayMs).toBe(provider === 'xero' ? 7_000 : 60_000);
        const [deferred] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
        expect(deferred!.status).toBe('deferred');
        expect(deferred!.deferredUntil).not.toBeNull();
        expect(deferred!.progress).toBeGreaterThan(0);
        expect(Object.keys((deferred!.cursor as { positions: object }).positions)).toHaveLength(1);
        expect((deferred!.errors as { code: string }[]).map((e) => e.code)).toContain('rate_limited');
        expect(await checkpoints(org.organisationId)).toBeNull();
        // The tenant stays blocked in Arcus's limiter until Retry-After has passed.
        fx.advance(61_000);
        const r = await runSync({ ...fx.engineDeps(), factory: smallPages }, { runId, attempt: 2 });
        expect(r.status).toBe('succeeded');
        expect(await compareWithLedger(fx.db, fx.server.sandbox.ctx.store, { organisationId: org.organisationId, companyId })).toEqual([]);
      });
    }

    it("Arcus's own per-tenant limiter defers instead of exceeding the budget, and the run resumes to completion", async () => {
      const companyId = fx.companyIds[0]!;
      const org = await connectElsewhere('xero', companyId, smallPages);
      const tight = new MemoryRateLimiter({ now: fx.now, limits: { xero: { perMinute: 5 } } });
      const { runId } = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'full' });
      let deferrals = 0;
      for (let attempt = 1; attempt < 50; attempt++) {
        try {
          const r = await runSync({ ...fx.engineDeps({ limiter: tight }), factory: smallPages }, { runId, attempt });
          expect(r.status).toBe('succeeded');
          break;
        } catch (err) {
          expect(err).toBeInstanceOf(RetryLaterError);
          expect((err as RetryLaterError).delayMs).toBeGreaterThan(2_000);
          deferrals++;
          fx.advance((err as RetryLaterError).delayMs);
        }
      }
      const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
      expect(run!.status).toBe('succeeded');
      // Pages of 17 over ~15 contacts, 120 invoices, ~100 payments: far more than 5 calls a minute.
      // Five calls a minute at most: every fifth call waited for the next minute.
      expect(run!.apiCalls).toBeGreaterThan(10);
      expect(deferrals).toBeGreaterThanOrEqual(Math.ceil(run!.apiCalls / 5) - 1);
      expect(await compareWithLedger(fx.db, fx.server.sandbox.ctx.store, { organisationId: org.organisationId, companyId })).toEqual([]);
    });

    it('through the in-process queue: requestSync, a 429, a delayed retry, success; a duplicate job is one job', async () => {
      const companyId = fx.companyIds[0]!;
      const org = await connectElsewhere('xero', companyId);
      const log = createLogger('silent');
      const { queue } = inlineQueueWith({ db: fx.db, log, factory: fx.factory, tokenKey: fx.tokenKey, clock: clockFrom(fx.now) });
      try {
        fx.advance(61_000);
        // Xero answers the first call with 429 and Retry-After: 3 — longer than a sync waits inline, so the queue brings the run back later.
        fx.server.sandbox.ctx.faults.add({ provider: 'xero', companyId, kind: '429', remaining: 1, delayMs: 3_000, status: 429 });
        const first = await requestSync(queue, fx.db, { organisationId: org.organisationId, kind: 'full' });
        // The same run enqueued again while its job is pending is one job (stable job id).
        await queue.enqueue(syncOrganisationJob, { organisationId: org.organisationId, kind: 'full', runId: first }, { jobId: syncJobId(first) });
        await queue.idle(20_000);
        const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, first));
        expect(run).toMatchObject({ status: 'succeeded', kind: 'full' });
        expect((run!.errors as { code: string }[]).map((e) => e.code)).toEqual(['rate_limited']);
        const runs = await fx.db.select().from(syncRuns).where(eq(syncRuns.organisationId, org.organisationId));
        expect(runs).toHaveLength(1);
        const acts = await fx.db.select().from(activities).where(and(eq(activities.organisationId, org.organisationId), eq(activities.kind, 'sync.completed')));
        expect(acts).toHaveLength(1);
        expect(acts[0]!.details).toMatchObject({ runId: first, counts: { invoices: expect.any(Number) } });
        // A job enqueued without a run id makes (or joins) one.
        await queue.enqueue(syncOrganisationJob, { organisationId: org.organisationId, kind: 'incremental' });
        fx.advance(61_000);
        await queue.idle(20_000);
        const after = await fx.db.select().from(syncRuns).where(eq(syncRuns.organisationId, org.organisationId));
        expect(after.map((r) => r.status).sort()).toEqual(['succeeded', 'succeeded']);
      } finally {
        fx.server.sandbox.ctx.faults.clear();
        await queue.close();
      }
    });
  });

  describe('re-authorisation', () => {
    it('a refused refresh fails the run in words; the second marks the connection and organisation needs_reauth', async () => {
      const companyId = fx.companyIds[0]!;
      const org = await connectElsewhere('xero', companyId);
      const ctx = fx.server.sandbox.ctx;
      // Revoke the grant in Xero, and let the access token expire.
      ctx.grants.revoke(org.tokens.refreshToken);
      fx.advance(31 * 60_000);
      for (const expected of ['active', 'needs_reauth']) {
        const { runId } = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'incremental' });
        const err = await runSync(fx.engineDeps(), { runId }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PermanentJobError);
        const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
        expect(run!.status).toBe('failed');
        expect((run!.errors as { code: string; message: string }[])[0]).toMatchObject({ code: 'reauth_required', message: expect.stringMatching(/^Renewing Xero access was refused: the grant was revoked or has expired/) });
        const [conn] = await fx.db.select().from(connections).where(eq(connections.organisationId, org.organisationId));
        expect(conn!.status).toBe(expected);
      }
      const [o] = await fx.db.select().from(organisations).where(eq(organisations.id, org.organisationId));
      expect(o!.status).toBe('needs_reauth');
      expect(o!.statusReason).toMatch(/Reconnect/);
      const failed = await fx.db.select().from(activities).where(and(eq(activities.organisationId, org.organisationId), eq(activities.kind, 'sync.failed')));
      expect(failed).toHaveLength(2);
      // Further runs stop at once.
      const { runId } = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'incremental' });
      await expect(runSync(fx.engineDeps(), { runId })).rejects.toBeInstanceOf(PermanentJobError);
    });

    it('a 401 gets one forced refresh, and the run goes on', async () => {
      const companyId = fx.companyIds[1]!;
      const org = await connectElsewhere('quickbooks', companyId);
      // The sandbox forgets the access token (e.g. revoked by a concurrent refresh elsewhere); the refresh token still works.
      const grant = fx.server.sandbox.ctx.grants.all().find((g) => g.accessToken === org.tokens.accessToken)!;
      grant.accessExpiresAt = fx.now() - 1;
      fx.advance(61_000);
      const { runId } = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'full' });
      const r = await runSync(fx.engineDeps(), { runId });
      expect(r.status).toBe('succeeded');
      const [conn] = await fx.db.select().from(connections).where(eq(connections.organisationId, org.organisationId));
      expect(conn!.status).toBe('active');
      expect(conn!.accessTokenExpiresAt.getTime()).toBeGreaterThan(fx.now());
    });
  });
});
