/**
 * A provider answer that only means "later" — 429, 503, a call that timed out — never spends the
 * attempts meant for real failures (issue #14): a write-back that meets more of them than
 * MAX_WRITEBACK_ATTEMPTS still lands, exactly once, for both ledgers. Time is the sandbox's clock,
 * moved by the delay each release asks for; the limiter reads the same clock.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { invoices, writebacks } from '../../server/db/schema';
import { createLedgerGateway } from '../../server/ledger/gateway';
import { createLogger } from '../../server/logger';
import { issueCredit } from '../../server/writebacks/credit';
import { executeWriteback } from '../../server/writebacks/execute';
import { MAX_WRITEBACK_ATTEMPTS, type WritebackDeps } from '../../server/writebacks/types';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, engine } from './harness';

let fx: SyncFixture;
const orgs = new Map<Provider, { organisationId: string; companyId: string }>();
let userId: string;
const store = () => fx.server.sandbox.ctx.store;

async function openInvoice(organisationId: string, skip: Set<string>) {
  const rows = await fx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised')));
  const inv = rows.find((r) => Number(r.amountDue) >= 20 && !skip.has(r.id));
  if (!inv) throw new Error('no open invoice left in the fixture');
  skip.add(inv.id);
  return inv;
}

/** Run the write-back the way the queue would: again after each release, the clock moved by its delay. */
async function runToEnd(deps: WritebackDeps, id: string) {
  const outcomes: string[] = [];
  for (let i = 0; i < 200; i++) {
    const r = await executeWriteback(deps, id);
    outcomes.push(r.outcome);
    if (r.outcome !== 'retry') return { outcome: r.outcome, runs: outcomes.length };
    // Every retryable answer comes back with a delay: the runner re-queues it without spending a job attempt.
    expect(r.delayMs, r.error).toBeGreaterThan(0);
    fx.advance(r.delayMs!);
  }
  throw new Error(`write-back ${id} did not finish: ${outcomes.join(', ')}`);
}

describeWith('pg', 'Write-backs: retryable answers never spend attempts', () => {
  const used = new Set<string>();
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 21, companies: [{ provider: 'xero', customers: 4, invoices: 40 }, { provider: 'quickbooks', customers: 4, invoices: 40 }] });
    const synced = await connectAndSync(fx, { name: 'Rae Collector', email: 'rae@firm.example' });
    userId = synced.userId;
    for (const [p, o] of synced.orgs) orgs.set(p, o);
  }, 120_000);
  afterAll(async () => fx?.close());

  for (const provider of ['xero', 'quickbooks'] as const) {
    describe(provider, () => {
      const credit = async (reason: string) => {
        const { organisationId } = orgs.get(provider)!;
        const inv = await openInvoice(organisationId, used);
        const r = await issueCredit({ db: fx.db, enqueueExecute: async () => undefined }, fx.firmId, userId, { organisationId, invoiceId: inv.id, purpose: 'goodwill', amount: '5.00', reason });
        return { id: r.id, inv };
      };
      const creditNotesFor = async (id: string) => {
        const { companyId } = orgs.get(provider)!;
        const [row] = await fx.db.select().from(writebacks).where(eq(writebacks.id, id));
        return { row: row!, inLedger: store().list('creditNotes', companyId).filter((cn) => cn.id === row!.externalId) };
      };

      it(`${MAX_WRITEBACK_ATTEMPTS * 3} × 429 in a row: the write-back still lands, once, with its attempts unspent`, async () => {
        const { id } = await credit('429 storm');
        const before = store().list('creditNotes', orgs.get(provider)!.companyId).length;
        // Retry-After 120 s: longer than a write-back waits inline, so every 429 is a release.
        fx.server.sandbox.ctx.faults.add({ provider, companyId: null, kind: '429', remaining: MAX_WRITEBACK_ATTEMPTS * 3, delayMs: 120_000, status: 429 });
        const r = await runToEnd(engine(fx, []), id);
        expect(r.outcome).toBe('confirmed');
        expect(r.runs).toBeGreaterThan(MAX_WRITEBACK_ATTEMPTS);
        const { row, inLedger } = await creditNotesFor(id);
        expect(row.status).toBe('confirmed');
        expect(row.attempts).toBeLessThanOrEqual(1);
        expect(inLedger).toHaveLength(1);
        expect(store().list('creditNotes', orgs.get(provider)!.companyId).length - before).toBe(1);
      });

      it(`${MAX_WRITEBACK_ATTEMPTS * 2} × 503 in a row: the write-back still lands, once`, async () => {
        const { id } = await credit('503 storm');
        fx.server.sandbox.ctx.faults.add({ provider, companyId: null, kind: '5xx', remaining: MAX_WRITEBACK_ATTEMPTS * 2, delayMs: 0, status: 503 });
        const r = await runToEnd(engine(fx, []), id);
        expect(r.outcome).toBe('confirmed');
        expect(r.runs).toBeGreaterThan(MAX_WRITEBACK_ATTEMPTS);
        const { row, inLedger } = await creditNotesFor(id);
        expect(row.attempts).toBeLessThanOrEqual(1);
        expect(inLedger).toHaveLength(1);
      });

      it(`${MAX_WRITEBACK_ATTEMPTS + 2} timeouts in a row (the ledger slow, the call given up): lands once`, async () => {
        const { id } = await credit('timeouts');
        // A gateway whose calls give up after 150 ms; the sandbox answers after 400 ms (and has done the write).
        const gateway = createLedgerGateway({ factory: fx.factory, tokenKey: fx.tokenKey, limiter: fx.limiter, db: fx.db, log: createLogger('silent'), now: fx.now, timeoutMs: 150 });
        fx.server.sandbox.ctx.faults.add({ provider, companyId: null, kind: 'slow', remaining: MAX_WRITEBACK_ATTEMPTS + 2, delayMs: 400, status: 200 });
        const r = await runToEnd({ ...engine(fx, []), ledger: gateway }, id);
        expect(r.outcome).toBe('confirmed');
        const { row, inLedger } = await creditNotesFor(id);
        expect(row.attempts).toBeLessThanOrEqual(1);
        expect(inLedger).toHaveLength(1);
      });

      it('a real refusal still fails at once (the ledger says no)', async () => {
        const { id } = await credit('refused');
        // A 400 from the ledger: not retryable.
        fx.server.sandbox.ctx.faults.add({ provider, companyId: null, kind: '5xx', remaining: 1, delayMs: 0, status: 500 });
        await fx.db.update(writebacks).set({ request: { contactExternalId: 'no-such-contact', date: '2026-01-01', reference: 'x', currency: 'USD', lines: [{ description: 'x', amount: '5.00' }], allocateTo: null } }).where(eq(writebacks.id, id));
        const r = await runToEnd(engine(fx, []), id);
        expect(r.outcome).toBe('failed');
      });
    });
  }
});
