/**
 * The write-back sweep honours the retry time an attempt asked for (decision 063, migration 0067).
 * A write-back released with "later" — the ledger's Retry-After, the deferral back-off — is not
 * re-queued by the `writebacks.sweep` job before that time, however long it has been quiet, and is
 * re-queued once it has passed; a write-back whose job was simply lost is still re-queued after a
 * quiet minute. Real PostgreSQL, the sandbox ledgers, the fixture's injected clock; the sweep is the
 * job's own handler. Exactly once is unchanged: the deferred write-back lands once.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { invoices, writebacks } from '../../server/db/schema';
import { issueCredit } from '../../server/writebacks/credit';
import { executeWriteback } from '../../server/writebacks/execute';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, engine, sweepOnce } from './harness';

let fx: SyncFixture;
const orgs = new Map<Provider, { organisationId: string; companyId: string }>();
let userId: string;
const store = () => fx.server.sandbox.ctx.store;
const S = 1_000;

describeWith('pg', 'Write-back sweep: a deferred write-back waits for the time it asked for', () => {
  const used = new Set<string>();
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 63, companies: [{ provider: 'xero', customers: 3, invoices: 40 }, { provider: 'quickbooks', customers: 3, invoices: 40 }] });
    const synced = await connectAndSync(fx, { name: 'Rae Sweeper', email: 'rae@firm.example' });
    userId = synced.userId;
    for (const [p, o] of synced.orgs) orgs.set(p, o);
  }, 120_000);
  afterAll(async () => fx?.close());

  async function credit(provider: Provider, reason: string) {
    const { organisationId } = orgs.get(provider)!;
    const rows = await fx.db
      .select()
      .from(invoices)
      .where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised')));
    const inv = rows.find((r) => Number(r.amountDue) >= 20 && !used.has(r.id));
    if (!inv) throw new Error('no open invoice left in the fixture');
    used.add(inv.id);
    const r = await issueCredit({ db: fx.db, enqueueExecute: async () => undefined, now: () => new Date(fx.now()) }, fx.firmId, userId, { organisationId, invoiceId: inv.id, purpose: 'goodwill', amount: '5.00', reason });
    return r.id;
  }
  const row = async (id: string) => (await fx.db.select().from(writebacks).where(eq(writebacks.id, id)))[0]!;
  const creditNotesOf = async (provider: Provider, id: string) => {
    const r = await row(id);
    return store()
      .list('creditNotes', orgs.get(provider)!.companyId)
      .filter((cn) => cn.id === r.externalId);
  };

  /** Move the clock to `ms` from now at least (the sandbox clock also runs with real time). */
  const advanceTo = (at: number) => fx.advance(Math.max(0, at - fx.now()));

  for (const provider of ['xero', 'quickbooks'] as const) {
    describe(provider, () => {
      it('a 429 with Retry-After 10 minutes: the sweep leaves it alone until the time asked, then re-queues it; one credit note', async () => {
        const id = await credit(provider, 'retry-after');
        fx.server.sandbox.ctx.faults.add({ provider, companyId: null, kind: '429', remaining: 1, delayMs: 600 * S, status: 429 });
        const before = fx.now();
        const released = await executeWriteback(engine(fx, []), id);
        expect(released).toMatchObject({ outcome: 'retry' });
        const delayMs = (released as { delayMs: number }).delayMs;
        // Xero's Retry-After as sent; the QuickBooks client holds the tenant at most its own cap.
        expect(delayMs).toBeGreaterThan(59 * S);
        const r = await row(id);
        expect(r).toMatchObject({ status: 'pending', attempts: 0, deferrals: 1 });
        const asked = r.nextAttemptAt!.getTime();
        expect(asked).toBeGreaterThanOrEqual(before + delayMs);
        expect(asked).toBeLessThanOrEqual(fx.now() + delayMs);

        // Quiet for a minute, five, and until 5 s before its time: every sweep in between passes it by.
        for (const at of [before + 61 * S, before + 300 * S, asked - 5 * S].filter((t) => t <= asked - 5 * S)) {
          advanceTo(at);
          expect(await sweepOnce(fx)).not.toContain(id);
        }
        // Its time has come (quiet well past a minute): the sweep re-queues it.
        advanceTo(asked + 1);
        expect(await sweepOnce(fx)).toContain(id);
        expect(await executeWriteback(engine(fx, []), id)).toEqual({ outcome: 'confirmed' });
        expect(await row(id)).toMatchObject({ status: 'confirmed', nextAttemptAt: null });
        expect(await creditNotesOf(provider, id)).toHaveLength(1);
        fx.advance(120 * S);
        expect(await sweepOnce(fx)).not.toContain(id);
      });

      it('503s without Retry-After: the growing back-off is honoured the same way', async () => {
        const id = await credit(provider, 'back-off');
        fx.server.sandbox.ctx.faults.add({ provider, companyId: null, kind: '5xx', remaining: 8, delayMs: 0, status: 503 });
        // Run as the queue would until a release asks for more than the sweep's quiet minute.
        let delayMs = 0;
        for (let i = 0; i < 8 && delayMs <= 90 * S; i++) {
          if (delayMs) fx.advance(delayMs);
          const r = await executeWriteback(engine(fx, []), id);
          expect(r.outcome).toBe('retry');
          delayMs = (r as { delayMs: number }).delayMs;
        }
        expect(delayMs).toBeGreaterThan(90 * S);
        const asked = (await row(id)).nextAttemptAt!.getTime();
        // Quiet for more than a minute but before its time: not taken…
        advanceTo(asked - 10 * S);
        expect(await sweepOnce(fx)).not.toContain(id);
        // …after, it is.
        advanceTo(asked + 1);
        expect(await sweepOnce(fx)).toContain(id);
        fx.server.sandbox.ctx.faults.clear();
        for (let i = 0; i < 8; i++) {
          const r = await executeWriteback(engine(fx, []), id);
          if (r.outcome !== 'retry') break;
          fx.advance(r.delayMs ?? 60 * S);
        }
        expect(await row(id)).toMatchObject({ status: 'confirmed' });
        expect(await creditNotesOf(provider, id)).toHaveLength(1);
      });
    });
  }

  it('no delay asked (its job lost, or a worker died): the sweep still re-queues it after a quiet minute', async () => {
    const id = await credit('xero', 'job lost');
    fx.advance(59 * S);
    expect(await sweepOnce(fx)).not.toContain(id);
    fx.advance(2 * S);
    expect(await sweepOnce(fx)).toContain(id);
    expect(await executeWriteback(engine(fx, []), id)).toEqual({ outcome: 'confirmed' });
  });
});
