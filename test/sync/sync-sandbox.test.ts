/**
 * Full and incremental syncs of both providers against the sandbox ledger, into this worker's
 * PostgreSQL database: the tables equal the ledger document by document, to the cent; each kind
 * of change arrives with the next incremental sync; an incremental sync with nothing changed
 * costs one call per entity type on Xero and one CDC call in all on QuickBooks; every run leaves
 * a sync_runs record and an activity.
 */
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { activities, organisations, syncRuns } from '../../server/db/schema';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { applyChange, type ChangeKind } from './changes';
import { type SyncFixture, startSyncFixture } from './connect-helper';
import { compareWithLedger } from './ledger-compare';

let fx: SyncFixture;
const orgs: Record<'xero' | 'quickbooks', { organisationId: string; companyId: string }> = {} as never;

async function sync(provider: 'xero' | 'quickbooks', kind: 'full' | 'incremental' = 'incremental') {
  // One minute of sandbox time between syncs keeps Xero's 60 calls/minute out of the way.
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId: orgs[provider].organisationId, kind });
  return runSync(fx.engineDeps(), { runId });
}

describeWith('pg', 'sync against the sandbox ledger', () => {
  beforeAll(async () => {
    fx = await startSyncFixture();
    for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
      const companyId = fx.companyIds[i]!;
      const c = await fx.connect(provider, companyId);
      orgs[provider] = { organisationId: c.organisationId, companyId };
    }
  });
  afterAll(async () => fx?.close());

  for (const provider of ['xero', 'quickbooks'] as const) {
    /** API calls of a read with nothing to page: one per entity type the provider has (QuickBooks: CDC aside, the full read's queries). */
    const calls = { xero: 6, quickbooks: 4 } as const;
    it(`${provider}: a full sync equals the ledger, to the cent`, async () => {
      const r = await sync(provider, 'full');
      expect(r.status).toBe('succeeded');
      expect(r.counts.invoices).toBe(fx.server.sandbox.ctx.store.list('invoices', orgs[provider].companyId).filter((i) => provider === 'xero' || i.status !== 'DELETED').length);
      // Minimum pages at 1000 a page: one per entity type (plus nothing else); Xero also has overpayments and prepayments.
      expect(r.apiCalls).toBe(calls[provider]);
      expect(await compareWithLedger(fx.db, fx.server.sandbox.ctx.store, orgs[provider])).toEqual([]);
      const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, r.runId));
      expect(run).toMatchObject({ status: 'succeeded', kind: 'full', apiCalls: calls[provider] });
      expect(run!.finishedAt).not.toBeNull();
      expect(run!.counts).toMatchObject({ invoices: r.counts.invoices, payments: r.counts.payments });
      const [org] = await fx.db.select().from(organisations).where(eq(organisations.id, orgs[provider].organisationId));
      const checkpoints = (org!.syncState as { checkpoints: Record<string, string | null> }).checkpoints;
      // QuickBooks has no overpayments or prepayments: those checkpoints stay empty.
      expect(Object.entries(checkpoints).filter(([, v]) => v === null).map(([k]) => k).sort()).toEqual(provider === 'xero' ? [] : ['overpayments', 'prepayments']);
      const [act] = await fx.db.select().from(activities).where(and(eq(activities.organisationId, orgs[provider].organisationId), eq(activities.kind, 'sync.completed'))).orderBy(desc(activities.createdAt)).limit(1);
      expect(act!.summary).toMatch(/^Synced .+: \d+ invoices, \d+ payments/);
    });

    it(`${provider}: an incremental sync with nothing changed costs ${provider === 'xero' ? 'one call per entity type' : 'one CDC call'}`, async () => {
      const [before] = await fx.db.select().from(organisations).where(eq(organisations.id, orgs[provider].organisationId));
      const r = await sync(provider);
      expect(r.apiCalls).toBe(provider === 'xero' ? 6 : 1);
      expect(r.counts).toEqual({ contacts: 0, invoices: 0, creditNotes: 0, overpayments: 0, prepayments: 0, payments: 0, deleted: 0 });
      const [after] = await fx.db.select().from(organisations).where(eq(organisations.id, orgs[provider].organisationId));
      const was = (before!.syncState as { checkpoints: Record<string, string> }).checkpoints;
      const now = (after!.syncState as { checkpoints: Record<string, string> }).checkpoints;
      if (provider === 'xero') expect(now).toEqual(was);
      // QuickBooks: a complete CDC read covers up to QBO's answer time (minus a margin), so
      // checkpoints of quiet entities keep inside CDC's 30-day window.
      else for (const [k, v] of Object.entries(now)) if (was[k] !== null) expect(Date.parse(v)).toBeGreaterThanOrEqual(Date.parse(was[k]!));
    });

    const kinds: ChangeKind[] = ['newContact', 'newInvoice', 'partPayment', 'credit', 'edit', 'void', 'delete', 'deletePayment', 'editContact'];
    if (provider === 'xero') kinds.push('prepayment', 'overpayment', 'batchPayment', 'voidPrepayment');
    for (const kind of kinds) {
      it(`${provider}: ${kind} arrives with the next incremental sync`, async () => {
        const what = applyChange(fx.server.sandbox.ctx.store, orgs[provider].companyId, { kind, pick: 3, cents: 7 });
        expect(what).not.toBeNull();
        const r = await sync(provider);
        expect(r.status).toBe('succeeded');
        expect(r.apiCalls).toBe(provider === 'xero' ? 6 : 1);
        expect(await compareWithLedger(fx.db, fx.server.sandbox.ctx.store, orgs[provider])).toEqual([]);
      });
    }
  }
});
