/**
 * Issue #19 end to end: a Xero sandbox organisation synced over HTTP with an overpayment received
 * twenty days ago and not applied → the exception is in the Exceptions queue, in words → "Apply to
 * another open invoice" → one `allocation` write-back through the engine → exactly one allocation
 * in the sandbox; after the next sync the invoice owes that much less, the exception is gone and
 * the timeline has one entry for the decision. Deciding again writes nothing more; a worker killed
 * after the ledger call and restarted leaves one allocation.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { queryRows } from '../../server/db/client';
import { activities, exceptionDecisions, invoices, prepayments, writebacks } from '../../server/db/schema';
import { decideException, listExceptions } from '../../server/exceptions/service';
import { SimulatedCrash } from '../../server/reminders/deps';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import { openInvoice } from '../ledger-writes/helpers';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, engine } from './harness';

let fx: SyncFixture;
let organisationId: string;
let companyId: string;
let userId: string;
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());

async function sync(): Promise<void> {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
}

/** A fresh 200.00 invoice and an overpayment of `amount` minor units from the same customer, twenty days old, synced. */
async function overpaidCustomer(amount: number) {
  const inv = openInvoice(store(), companyId);
  const company = store().company(companyId);
  const over = store().createPrepayment(companyId, { kind: 'overpayment', contactId: inv.contactId, date: addDays(todayIn(company.timezone, now()), -20), amount, reference: 'Bank transfer' });
  await sync();
  const [row] = await fx.db.select().from(prepayments).where(and(eq(prepayments.organisationId, organisationId), eq(prepayments.externalId, over.id)));
  const [invoice] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, inv.id)));
  return { over, invoice: invoice!, key: `overpaid:${row!.id}` };
}

describeWith('pg', 'Exceptions: "Apply to another open invoice" through the write-back engine', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 11, companies: [{ provider: 'xero', customers: 6, invoices: 60 }, { provider: 'quickbooks', customers: 2, invoices: 4 }] });
    const synced = await connectAndSync(fx, { name: 'Dana Collector', email: 'dana@firm.example' });
    userId = synced.userId;
    ({ organisationId, companyId } = synced.orgs.get('xero')!);
  }, 120_000);
  afterAll(async () => fx?.close());

  it('one allocation in the ledger, the invoice owes less after the next sync, the exception gone, one timeline entry; twice is once', async () => {
    const { over, invoice, key } = await overpaidCustomer(15_000);
    const firm = { firmId: fx.firmId, userId };

    const queue0 = await listExceptions(fx.db, fx.firmId, organisationId, now());
    const item = queue0.find((e) => e.key === key);
    expect(item).toMatchObject({ kindText: 'Overpaid', ageText: '20 days ago', actions: ['apply', 'keep_credit', 'refund'], refundMax: '150.00' });
    expect(item!.detail).toMatch(/^An overpayment of [A-Z]{3} 150\.00 received on \d{1,2} [A-Z][a-z]+ \d{4} \(reference Bank transfer\): [A-Z]{3} 150\.00 is not applied to any invoice\.$/);
    const option = item!.openInvoices.find((o) => o.id === invoice.id);
    expect(option?.label).toMatch(new RegExp(`^${invoice.number} — [A-Z]{3} 200\\.00 due \\d{1,2} [A-Z][a-z]+ \\d{4}$`));
    // The firm-wide queue has it too.
    expect((await listExceptions(fx.db, fx.firmId, null, now())).map((e) => e.key)).toContain(key);

    const queue: string[] = [];
    const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id), now };
    const input = { organisationId, key, action: 'apply' as const, reason: 'Customer asked us to use it on the next invoice', invoiceId: invoice.id };
    const first = await decideException(deps, firm, input, now());
    expect(first).toMatchObject({ created: true, action: 'apply' });
    expect(queue).toEqual([first.writebackId]);
    await drain(fx, queue);

    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, first.writebackId!));
    expect(wb).toMatchObject({ kind: 'allocation', status: 'confirmed', sourceKey: `exception:${key}`, noteStatus: 'written' });
    const allocations = store().prepayment(companyId, over.id).allocations;
    expect(allocations).toHaveLength(1);
    expect(allocations[0]).toMatchObject({ invoiceId: invoice.externalId, amount: 15_000 });
    expect(store().invoice(companyId, invoice.externalId).amountDue).toBe(5_000);

    // Asked again (a double click, a retried request): the first decision, nothing new queued or written.
    const second = await decideException(deps, firm, input, now());
    expect(second).toMatchObject({ created: false, action: 'apply', writebackId: first.writebackId });
    expect(queue).toHaveLength(0);
    expect((await fx.db.select().from(writebacks).where(eq(writebacks.sourceKey, `exception:${key}`))).length).toBe(1);
    expect(store().prepayment(companyId, over.id).allocations).toHaveLength(1);

    await sync();
    const [after] = await fx.db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(toMinor(after!.amountDue)).toBe(5_000);
    const [credit] = await fx.db.select().from(prepayments).where(and(eq(prepayments.organisationId, organisationId), eq(prepayments.externalId, over.id)));
    expect(toMinor(credit!.remainingCredit)).toBe(0);
    expect((await listExceptions(fx.db, fx.firmId, organisationId, now())).map((e) => e.key)).not.toContain(key);
    // Gone from the rules themselves, not only hidden by the decision.
    await fx.db.delete(exceptionDecisions).where(eq(exceptionDecisions.exceptionKey, key));
    expect((await listExceptions(fx.db, fx.firmId, organisationId, now())).map((e) => e.key)).not.toContain(key);
    await fx.db.insert(exceptionDecisions).values({ firmId: fx.firmId, organisationId, exceptionKey: key, action: 'apply', reason: input.reason, writebackId: first.writebackId, decidedByUserId: userId, decidedAt: now() });

    const timeline = await fx.db.select().from(activities).where(and(eq(activities.organisationId, organisationId), eq(activities.kind, 'exception.decided'), sql`${activities.details}->>'key' = ${key}`));
    expect(timeline).toHaveLength(1);
    expect(timeline[0]!.summary).toMatch(/^Overpayment of [A-Z]{3} 150\.00 from .+ applied to another invoice: Customer asked us to use it on the next invoice$/);
  });

  it('a worker killed after the ledger call and restarted leaves one allocation', async () => {
    const { over, invoice, key } = await overpaidCustomer(4_000);
    const queue: string[] = [];
    const r = await decideException({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now }, { firmId: fx.firmId, userId }, { organisationId, key, action: 'apply', reason: 'Use the credit', invoiceId: invoice.id }, now());
    await expect(executeWriteback(engine(fx, [], 'wb.after-send'), r.writebackId!)).rejects.toThrow(SimulatedCrash);
    expect(store().prepayment(companyId, over.id).allocations).toHaveLength(1);
    fx.advance(61_000);
    expect(await stuckWritebacks(fx.db, now(), 60_000)).toContain(r.writebackId);
    expect(await executeWriteback(engine(fx, []), r.writebackId!)).toEqual({ outcome: 'confirmed' });
    expect(store().prepayment(companyId, over.id).allocations).toHaveLength(1);
    expect(store().invoice(companyId, invoice.externalId).amountDue).toBe(16_000);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb!.status).toBe('confirmed');
    const confirmed = await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM activities WHERE kind = 'writeback.confirmed' AND details->>'writebackId' = ${r.writebackId}`);
    expect(confirmed[0]!.n).toBe(1);
  });
});
