/**
 * A debtor's payment reaches the ledger within a minute even during a big reminder run (issue
 * #15). A sandbox Xero organisation with Xero's real limits (60 calls a minute, 5 at once — the
 * sandbox enforces them and answers 429 beyond); a reminder run's ledger work — two notes on each
 * of 80 invoices (a statement and a collector's note, the same day) and 60 pay links — is being
 * written by five workers that take the most urgent queued write-back first (the queue's priority,
 * server/writebacks/enqueue.ts). Once the run has the organisation's minute saturated, a debtor pays:
 * the payment write-back goes to the head of the queue and of the tenant's line, and the limiter
 * keeps a share of each minute and a concurrent slot from notes and pay links, so it is in the
 * ledger well inside a minute. The same-day notes for one invoice are written as one note.
 *
 * Time: as in gateway-burst.test.ts, the sandbox and Arcus share one clock running SPEED times
 * faster than real time; the limits are the real ones (about 40 s of real time).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RATE_LIMITS } from '../../integrations/sandbox/context';
import { toMinor } from '../../kernel/money';
import { invoices, writebacks } from '../../server/db/schema';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { writebackQueuePriority } from '../../server/writebacks/enqueue';
import { executeWriteback } from '../../server/writebacks/execute';
import { requestWriteback } from '../../server/writebacks/request';
import type { WritebackKind } from '../../server/writebacks/types';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { engine } from '../writebacks/harness';
import { scaledClock, watchXeroTraffic, type XeroTraffic } from './xero-traffic';

/**
 * Slower than the burst test's 40: the database work around each call runs in real time, and at
 * 40× a busy machine's few hundred milliseconds become tens of seconds of ledger time.
 */
const SPEED = 10;
const WORKERS = 5;
const NOTED_INVOICES = 80;
const PAY_LINKS = 60;

let fx: SyncFixture;
let organisationId: string;
const { clockBase, sleep } = scaledClock(SPEED);
let seen: XeroTraffic;

/** Five workers on one queue: the most urgent ready write-back first (BullMQ's rule), retries after their delay. */
class Pool {
  private readonly ready: { id: string; priority: number; seq: number }[] = [];
  private seq = 0;
  readonly done = new Map<string, { outcome: string; at: number }>();
  private wake: (() => void) | null = null;

  constructor(private readonly kinds: Map<string, WritebackKind>) {}

  add(id: string): void {
    const priority = writebackQueuePriority(this.kinds.get(id)) ?? 0;
    const item = { id, priority, seq: this.seq++ };
    const at = this.ready.findIndex((x) => x.priority > priority);
    if (at < 0) this.ready.push(item);
    else this.ready.splice(at, 0, item);
    this.wake?.();
  }

  /** Run until every write-back added has finished. */
  async run(total: () => number): Promise<void> {
    const queue: string[] = [];
    const worker = async () => {
      while (this.done.size < total()) {
        const next = this.ready.shift();
        if (!next) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setTimeout(resolve, 5);
          });
          continue;
        }
        const r = await executeWriteback(engine(fx, queue), next.id);
        if (r.outcome === 'retry') {
          void sleep(r.delayMs ?? 30_000).then(() => {
            this.add(next.id);
          });
        } else this.done.set(next.id, { outcome: r.outcome, at: fx.now() });
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
  }
}

describeWith('pg', 'A debtor’s payment during a big reminder run, on Xero’s real limits', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 29, companies: [{ provider: 'xero', customers: 14, invoices: 700 }], clockBase, sleep, pageSize: 50 });
    seen = watchXeroTraffic(fx);
    const c = await fx.connect('xero', fx.companyIds[0]!);
    organisationId = c.organisationId;
    const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'full' });
    expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
  }, 60_000);
  afterAll(async () => fx?.close());

  it('the payment is in the ledger within a minute; notes and pay links wait; same-day notes are one ledger note', async () => {
    expect(RATE_LIMITS.xero).toMatchObject({ perMinute: 60, concurrent: 5 });
    const authorised = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised')));
    // The payer owes at least 10.00; the run's invoices are the others.
    const payer = authorised.find((i) => toMinor(i.amountDue) >= 1000)!;
    const open = authorised.filter((i) => i.id !== payer.id);
    expect(open.length).toBeGreaterThanOrEqual(NOTED_INVOICES);
    const kinds = new Map<string, WritebackKind>();
    const pool = new Pool(kinds);
    const deps = { db: fx.db, enqueueExecute: async (id: string) => pool.add(id) };
    const base = (inv: (typeof open)[number]) => ({ firmId: fx.firmId, organisationId, invoiceId: inv.id, invoiceExternalId: inv.externalId, contactExternalId: inv.contactExternalId, requestedBy: 'system' as const });

    // The reminder run's ledger work, as its sends request it.
    const noteIds: string[] = [];
    const linkIds: string[] = [];
    for (const [i, inv] of open.slice(0, NOTED_INVOICES).entries()) {
      for (const [n, text] of [`Arcus: overdue statement (reminder 3) sent to ap@… · https://arcus.test/reminders/sends/s-${i}`, `Arcus: collector called, promised on Friday ${i}`].entries()) {
        const r = await requestWriteback(deps, { ...base(inv), kind: 'note', purpose: 'reminder', sourceKey: `run-note:${i}:${n}`, request: { invoiceExternalId: inv.externalId, text }, summary: `note ${i}.${n}` });
        kinds.set(r.id, 'note');
        noteIds.push(r.id);
      }
    }
    for (const [i, inv] of open.slice(0, PAY_LINKS).entries()) {
      for (let email = 0; email < 2; email++) {
        // Two emails for the invoice ask for its pay link: one write-back (its source key).
        const r = await requestWriteback(
          { ...deps, enqueueExecute: async (id: string) => {
            kinds.set(id, 'pay_link');
            pool.add(id);
          } },
          { ...base(inv), kind: 'pay_link', purpose: 'pay_link', sourceKey: `pay_link:${inv.id}`, request: { url: `https://arcus.test/pay/t${i}` }, summary: `pay link ${i}` },
        );
        if (email === 0) linkIds.push(r.id);
        else expect(r).toMatchObject({ id: linkIds[i], created: false });
      }
    }
    const all = [...noteIds, ...linkIds];
    const before = seen.requests;
    const runStart = fx.now();
    let total = all.length;
    const running = pool.run(() => total);

    // Once the run has the minute saturated, the debtor pays.
    while (seen.requests - before < 40) await sleep(1_000);
    const paidAt = fx.now();
    total++;
    const payment = await requestWriteback(
      { ...deps, enqueueExecute: async (id: string) => {
        kinds.set(id, 'payment');
        pool.add(id);
      } },
      { ...base(payer), kind: 'payment', purpose: 'payment', sourceKey: `payment:debtor:${payer.id}`, amount: '10.00', currency: payer.currency, request: { invoiceExternalId: payer.externalId, amount: '10.00', date: new Date(paidAt).toISOString().slice(0, 10), reference: 'Card payment during the run' }, noteText: 'Arcus: card payment of 10.00 received', requestedBy: 'debtor', summary: 'debtor payment' },
    );
    expect(payment.status).toBe('pending');
    await running;
    const runEnd = fx.now();

    // The payment: confirmed, and in the sandbox ledger, within a minute of ledger time.
    const paid = pool.done.get(payment.id)!;
    expect(paid.outcome).toBe('confirmed');
    const store = fx.server.sandbox.ctx.store;
    const companyId = fx.companyIds[0]!;
    expect(store.list('payments', companyId).filter((p) => p.reference === 'Card payment during the run')).toHaveLength(1);
    const tookMs = paid.at - paidAt;
    expect(tookMs).toBeLessThan(60_000);
    // …while the run went on around it for several more minutes at Xero's pace.
    expect(runEnd - paidAt).toBeGreaterThan(3 * 60_000);

    // No 429 from the sandbox, never more than 5 at once, never more than 60 in a minute.
    expect(seen.tooMany).toBe(0);
    expect(seen.maxInFlight).toBeLessThanOrEqual(5);
    const peak = seen.peakPerMinute(runStart);
    expect(peak).toBeLessThanOrEqual(60);

    // Every note and pay link written; each invoice's two same-day notes are one ledger note.
    const rows = await fx.db.select({ id: writebacks.id, status: writebacks.status, noteStatus: writebacks.noteStatus, batch: writebacks.noteBatchId }).from(writebacks).where(inArray(writebacks.id, all));
    expect(rows.filter((r) => r.status !== 'confirmed')).toEqual([]);
    const history = open.slice(0, NOTED_INVOICES).map((inv) => store.invoice(companyId, inv.externalId).history.map((h) => h.details).filter((d) => d.startsWith('Arcus:')));
    expect(history.every((h) => h.length === 1)).toBe(true);
    expect(history[0]![0]).toMatch(/^Arcus: overdue statement \(reminder 3\) sent to ap@…; collector called, promised on Friday 0 · https:\/\/arcus\.test\/reminders\/sends\/s-0$/);
    expect(open.slice(0, PAY_LINKS).every((inv, i) => store.invoice(companyId, inv.externalId).url === `https://arcus.test/pay/t${i}`)).toBe(true);
    console.info(`[payment during a reminder run] payment in the ledger ${Math.round(tookMs / 1000)} s after it was made; run of ${all.length} write-backs took ${Math.round((runEnd - runStart) / 60_000)} ledger minutes, ${seen.requests - before} Xero calls, peak ${peak}/min, 0 × 429`);
  }, 180_000);
});
