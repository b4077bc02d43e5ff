/**
 * Sync runs as records: requests merge into the organisation's waiting run (a full request
 * upgrades it), one run per organisation runs at a time, a run left running by a dead worker is
 * taken over, and the same engine runs on PGlite (embedded mode), where pages are staged with
 * one json_populate_recordset insert instead of COPY.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RetryLaterError } from '../../jobs/define';
import type { Database } from '../../server/db/client';
import { syncRuns } from '../../server/db/schema';
import { runSync } from '../../server/sync/engine';
import { claimRun, createOrReuseRun, STALE_RUN_MS } from '../../server/sync/runs';
import { createFirm, memoryDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { applyChange } from './changes';
import { type SyncFixture, startSyncFixture } from './connect-helper';
import { compareWithLedger } from './ledger-compare';

let fx: SyncFixture;

describeWith('pg', 'sync runs', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 31, companies: [{ provider: 'xero', customers: 6, invoices: 30 }, { provider: 'quickbooks', customers: 6, invoices: 30 }] });
  });
  afterAll(async () => fx?.close());

  it('requests merge into the waiting run; a full request upgrades an incremental one', async () => {
    const org = await fx.connect('xero', fx.companyIds[0]!);
    const a = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'incremental' });
    const b = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'webhook' });
    const c = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'full' });
    expect([a.merged, b.merged, c.merged]).toEqual([false, true, true]);
    expect(new Set([a.runId, b.runId, c.runId]).size).toBe(1);
    const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, a.runId));
    expect(run).toMatchObject({ kind: 'full', status: 'queued' });
    fx.advance(61_000);
    await runSync(fx.engineDeps(), { runId: a.runId });
    expect((await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'incremental' })).merged).toBe(false);
  });

  it('one run per organisation at a time; a run whose worker died is taken over', async () => {
    const org = await fx.connect('quickbooks', fx.companyIds[1]!);
    const first = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'full' });
    // A worker claims it… and is never heard of again.
    expect((await claimRun(fx.db, { runId: first.runId, attempt: 1 })).kind).toBe('claimed');
    const second = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'incremental' });
    expect(second.runId).not.toBe(first.runId);
    const err = await runSync(fx.engineDeps(), { runId: second.runId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLaterError);
    const [waiting] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, second.runId));
    expect(waiting!.status).toBe('deferred');
    // Ten minutes without a heartbeat: the newer run takes over and the dead one is failed.
    await fx.db
      .update(syncRuns)
      .set({ cursor: { heartbeatAt: new Date(Date.now() - STALE_RUN_MS - 1000).toISOString() } })
      .where(eq(syncRuns.id, first.runId));
    fx.advance(61_000);
    expect((await runSync(fx.engineDeps(), { runId: second.runId })).status).toBe('succeeded');
    const [dead] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, first.runId));
    expect(dead!.status).toBe('failed');
    expect((dead!.errors as { code: string }[]).map((e) => e.code)).toEqual(['abandoned']);
    // Running a finished run again does nothing.
    expect((await runSync(fx.engineDeps(), { runId: second.runId })).status).toBe('already-finished');
  });

  it('PGlite (embedded mode): full and incremental syncs equal the ledger', { timeout: 60_000 }, async () => {
    const pglite: Database = await memoryDatabase();
    try {
      const { firm } = await createFirm(pglite);
      const { connectSandboxCompany } = await import('../../server/sync/sandbox-connect');
      for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
        const companyId = fx.companyIds[i]!;
        const org = await connectSandboxCompany({ db: pglite.db, factory: fx.factory, tokenKey: fx.tokenKey }, { firmId: firm.id, provider, companyId });
        const deps = { ...fx.engineDeps(), db: pglite.db };
        fx.advance(61_000);
        await runSync(deps, { runId: (await createOrReuseRun(pglite.db, { organisationId: org.organisationId, kind: 'full' })).runId });
        expect(await compareWithLedger(pglite.db, fx.server.sandbox.ctx.store, { organisationId: org.organisationId, companyId })).toEqual([]);
        for (const kind of ['newInvoice', 'partPayment', 'credit', 'void', 'deletePayment'] as const) applyChange(fx.server.sandbox.ctx.store, companyId, { kind, pick: 5, cents: 9 });
        fx.advance(61_000);
        await runSync(deps, { runId: (await createOrReuseRun(pglite.db, { organisationId: org.organisationId, kind: 'incremental' })).runId });
        expect(await compareWithLedger(pglite.db, fx.server.sandbox.ctx.store, { organisationId: org.organisationId, companyId })).toEqual([]);
      }
    } finally {
      await pglite.close();
    }
  });
});
