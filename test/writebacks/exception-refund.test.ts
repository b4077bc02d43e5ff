/**
 * Issue #19 "Refunds" end to end against the sandbox ledgers over HTTP, both providers
 * (docs/decisions/047): a synced exception → the Exceptions queue offers Refund / Keep as credit →
 * one `refund` write-back (source key `exception:<key>`) that pays out the customer's existing
 * credit → the sandbox shows the credit consumed → the next sync shows it gone in Arcus's own
 * tables. Xero: the Overpayment refunded by PUT Payments (no new credit note), RemainingCredit
 * falls, PAID when all is refunded. QuickBooks: a Check against Accounts Receivable linked to the
 * unapplied Payment, whose UnappliedAmt falls. The reason is on the one timeline entry; deciding
 * again writes nothing; more than the money in question is refused in words; above the firm's
 * approval threshold the refund waits for an admin; a worker killed between the ledger's answer
 * and the confirm leaves one refund in the ledger.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import { queryRows } from '../../server/db/client';
import { activities, clientApprovalPolicies, firms, payments, prepayments, writebacks } from '../../server/db/schema';
import { decideException, listExceptions } from '../../server/exceptions/service';
import { SimulatedCrash } from '../../server/reminders/deps';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { approveWritebacks } from '../../server/writebacks/manage';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import { openInvoice } from '../ledger-writes/helpers';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, engine } from './harness';

let fx: SyncFixture;
let xero: { organisationId: string; companyId: string };
let qbo: { organisationId: string; companyId: string };
let userId: string;
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());

async function sync(organisationId: string): Promise<void> {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
}

/** A Xero overpayment of `amount` minor units from a customer, twenty days old, synced; its exception key. */
async function overpaid(amount: number) {
  const inv = openInvoice(store(), xero.companyId);
  const company = store().company(xero.companyId);
  const over = store().createPrepayment(xero.companyId, { kind: 'overpayment', contactId: inv.contactId, date: addDays(todayIn(company.timezone, now()), -20), amount, reference: 'Bank transfer' });
  await sync(xero.organisationId);
  const [row] = await fx.db.select().from(prepayments).where(and(eq(prepayments.organisationId, xero.organisationId), eq(prepayments.externalId, over.id)));
  return { contactId: inv.contactId, overpaymentId: over.id, key: `overpaid:${row!.id}`, creditNotesBefore: store().list('creditNotes', xero.companyId).length };
}

/** A QuickBooks payment on account (applied to nothing) of `amount`, thirty days old, synced; its exception key. */
async function onAccount(amount: number) {
  const company = store().company(qbo.companyId);
  const contact = store().list('contacts', qbo.companyId).find((c) => c.status === 'ACTIVE' && c.currency === company.baseCurrency)!;
  const p = store().createPayment(qbo.companyId, { contactId: contact.id, date: addDays(todayIn(company.timezone, now()), -30), allocations: [], amount, reference: `On account ${amount}` });
  await sync(qbo.organisationId);
  const [row] = await fx.db.select().from(payments).where(and(eq(payments.organisationId, qbo.organisationId), eq(payments.externalId, p.id)));
  return { paymentId: p.id, key: `unapplied:${row!.id}` };
}

const refundsOf = (overpaymentId: string) => store().prepaymentRefunds(overpaymentId);
const syncedCredit = async (externalId: string) => (await queryRows<{ remaining: string; status: string }>(fx.db, sql`SELECT remaining_credit::text AS remaining, status FROM prepayments WHERE organisation_id = ${xero.organisationId} AND external_id = ${externalId}`))[0];
const syncedUnapplied = async (externalId: string) => (await queryRows<{ unapplied: string }>(fx.db, sql`SELECT raw->>'UnappliedAmt' AS unapplied FROM payments WHERE organisation_id = ${qbo.organisationId} AND external_id = ${externalId}`))[0]?.unapplied;
const timelineOf = async (organisationId: string, key: string) =>
  (await fx.db.select().from(activities).where(and(eq(activities.organisationId, organisationId), eq(activities.kind, 'exception.decided'), sql`${activities.details}->>'key' = ${key}`))).map((t) => t.summary);

describeWith('pg', 'Exceptions: "Refund" and "Keep as credit" through the write-back engine, both ledgers', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 4719, companies: [{ provider: 'xero', customers: 6, invoices: 60 }, { provider: 'quickbooks', customers: 3, invoices: 6 }] });
    const synced = await connectAndSync(fx, { name: 'Dana Collector', email: 'dana@firm.example' });
    userId = synced.userId;
    xero = synced.orgs.get('xero')!;
    qbo = synced.orgs.get('quickbooks')!;
  }, 120_000);
  afterAll(async () => fx?.close());

  it('Xero: a partial refund pays out of the overpayment itself (no new credit note); after sync Arcus shows the credit left; more than overpaid is refused; twice is once', async () => {
    const { key, overpaymentId, creditNotesBefore } = await overpaid(15_000);
    const item = (await listExceptions(fx.db, fx.firmId, xero.organisationId, now())).find((e) => e.key === key);
    expect(item).toMatchObject({ kindText: 'Overpaid', refundMax: '150.00' });
    expect(item!.actions).toEqual(expect.arrayContaining(['refund', 'keep_credit']));

    const queue: string[] = [];
    const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id), now };
    const firm = { firmId: fx.firmId, userId };
    const base = { organisationId: xero.organisationId, key, action: 'refund' as const, reason: 'Customer asked for the money back' };
    await expect(decideException(deps, firm, { ...base, amount: '150.01' }, now())).rejects.toThrow(/Refund at most [A-Z]{3} 150\.00/);
    expect(queue).toHaveLength(0);

    const first = await decideException(deps, firm, { ...base, amount: '60.00' }, now());
    expect(first).toMatchObject({ created: true, action: 'refund', status: 'pending' });
    await drain(fx, queue);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, first.writebackId!));
    expect(wb).toMatchObject({ kind: 'refund', status: 'confirmed', sourceKey: `exception:${key}` });
    expect(refundsOf(overpaymentId).map((p) => [p.id, p.amount])).toEqual([[wb!.externalId, 6_000]]);
    expect(store().prepayment(xero.companyId, overpaymentId)).toMatchObject({ remainingCredit: 9_000, status: 'AUTHORISED' });
    expect(store().list('creditNotes', xero.companyId)).toHaveLength(creditNotesBefore);

    await sync(xero.organisationId);
    expect(await syncedCredit(overpaymentId)).toEqual({ remaining: expect.stringMatching(/^90\.0+$/), status: 'authorised' });

    const second = await decideException(deps, firm, { ...base, amount: '60.00' }, now());
    expect(second).toMatchObject({ created: false, writebackId: first.writebackId });
    expect(queue).toHaveLength(0);
    expect(refundsOf(overpaymentId)).toHaveLength(1);
    expect((await fx.db.select().from(writebacks).where(eq(writebacks.sourceKey, `exception:${key}`))).length).toBe(1);
    expect(await timelineOf(xero.organisationId, key)).toEqual([expect.stringMatching(/^Overpayment of [A-Z]{3} 150\.00 from .+ refunded \([A-Z]{3} 60\.00\): Customer asked for the money back$/)]);
    expect((await listExceptions(fx.db, fx.firmId, xero.organisationId, now())).map((e) => e.key)).not.toContain(key);
  });

  it('Xero: "Keep as credit" writes nothing to the ledger and records the reason once', async () => {
    const { key, overpaymentId } = await overpaid(2_500);
    const queue: string[] = [];
    const r = await decideException({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now }, { firmId: fx.firmId, userId }, { organisationId: xero.organisationId, key, action: 'keep_credit', reason: 'They will use it next month' }, now());
    expect(r).toMatchObject({ created: true, writebackId: null });
    expect(queue).toHaveLength(0);
    expect(refundsOf(overpaymentId)).toHaveLength(0);
    expect(await timelineOf(xero.organisationId, key)).toEqual([expect.stringMatching(/kept as credit: They will use it next month$/)]);
  });

  it('Xero: above the firm threshold the refund waits for an admin, then all of it is refunded once; after sync the credit is gone from Arcus', async () => {
    const { key, overpaymentId } = await overpaid(9_000);
    const [firm0] = await fx.db.select().from(firms).where(eq(firms.id, fx.firmId));
    await fx.db.update(firms).set({ reportingCurrency: store().company(xero.companyId).baseCurrency, settings: { ...(firm0!.settings as object), collections: { approvalThreshold: '50.00' } } }).where(eq(firms.id, fx.firmId));
    try {
      const queue: string[] = [];
      const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id), now };
      const r = await decideException(deps, { firmId: fx.firmId, userId }, { organisationId: xero.organisationId, key, action: 'refund', reason: 'Paid twice by mistake' }, now());
      expect(r).toMatchObject({ created: true, status: 'awaiting_approval' });
      expect(queue).toHaveLength(0);
      expect(await executeWriteback(engine(fx, queue), r.writebackId!)).toEqual({ outcome: 'not_claimable' });
      expect(refundsOf(overpaymentId)).toHaveLength(0);
      expect((await approveWritebacks(deps, fx.firmId, [r.writebackId!], userId)).approved).toEqual([r.writebackId]);
      await drain(fx, queue);
      expect(refundsOf(overpaymentId).map((p) => p.amount)).toEqual([9_000]);
      expect(store().prepayment(xero.companyId, overpaymentId)).toMatchObject({ remainingCredit: 0, status: 'PAID' });
      await sync(xero.organisationId);
      expect(await syncedCredit(overpaymentId)).toEqual({ remaining: expect.stringMatching(/^0\.0+$/), status: 'paid' });
    } finally {
      await fx.db.update(firms).set({ settings: firm0!.settings, reportingCurrency: firm0!.reportingCurrency }).where(eq(firms.id, fx.firmId));
    }
  });

  it('Xero: a worker killed between the ledger answer and the confirm, restarted, leaves one refund and one confirmation', async () => {
    const { key, overpaymentId } = await overpaid(4_000);
    const r = await decideException({ db: fx.db, enqueueExecute: async () => undefined, now }, { firmId: fx.firmId, userId }, { organisationId: xero.organisationId, key, action: 'refund', reason: 'Refund it' }, now());
    await expect(executeWriteback(engine(fx, [], 'wb.after-send'), r.writebackId!)).rejects.toThrow(SimulatedCrash);
    expect(refundsOf(overpaymentId)).toHaveLength(1);
    fx.advance(61_000);
    expect(await stuckWritebacks(fx.db, now(), 60_000)).toContain(r.writebackId);
    expect(await executeWriteback(engine(fx, []), r.writebackId!)).toEqual({ outcome: 'confirmed' });
    expect(refundsOf(overpaymentId)).toHaveLength(1);
    expect(store().prepayment(xero.companyId, overpaymentId).remainingCredit).toBe(0);
    const confirmed = await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM activities WHERE kind = 'writeback.confirmed' AND details->>'writebackId' = ${r.writebackId}`);
    expect(confirmed[0]!.n).toBe(1);
  });

  it('QuickBooks: an unapplied payment refunded by a check against A/R linked to it; after sync its UnappliedAmt is 0 in Arcus; twice is once', async () => {
    const { key, paymentId } = await onAccount(7_500);
    const item = (await listExceptions(fx.db, fx.firmId, qbo.organisationId, now())).find((e) => e.key === key);
    expect(item).toMatchObject({ kindText: 'Unapplied payment', refundMax: '75.00', ledgerName: 'QuickBooks' });
    expect(item!.actions).toEqual(['keep_credit', 'refund']);
    const queue: string[] = [];
    const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id), now };
    const input = { organisationId: qbo.organisationId, key, action: 'refund' as const, reason: 'Account closed; money returned' };
    const r = await decideException(deps, { firmId: fx.firmId, userId }, input, now());
    expect(r).toMatchObject({ created: true, status: 'pending' });
    await drain(fx, queue);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ kind: 'refund', status: 'confirmed' });
    expect(store().payment(qbo.companyId, paymentId).refundChecks).toEqual([{ checkId: wb!.externalId, amount: 7_500 }]);
    await sync(qbo.organisationId);
    expect(Number(await syncedUnapplied(paymentId))).toBe(0);
    expect((await decideException(deps, { firmId: fx.firmId, userId }, input, now())).created).toBe(false);
    expect(queue).toHaveLength(0);
    expect(store().payment(qbo.companyId, paymentId).refundChecks).toHaveLength(1);
    expect(await timelineOf(qbo.organisationId, key)).toEqual([expect.stringMatching(/^Unapplied payment of [A-Z]{3} 75\.00 from .+ refunded \([A-Z]{3} 75\.00\): Account closed; money returned$/)]);
  });

  it('QuickBooks: a partial refund, the worker killed after the ledger answered; restarted, one check and one link; the rest stays on account after sync', async () => {
    const { key, paymentId } = await onAccount(5_000);
    const r = await decideException({ db: fx.db, enqueueExecute: async () => undefined, now }, { firmId: fx.firmId, userId }, { organisationId: qbo.organisationId, key, action: 'refund', reason: 'Half back', amount: '20.00' }, now());
    await expect(executeWriteback(engine(fx, [], 'wb.after-send'), r.writebackId!)).rejects.toThrow(SimulatedCrash);
    fx.advance(61_000);
    expect(await executeWriteback(engine(fx, []), r.writebackId!)).toEqual({ outcome: 'confirmed' });
    expect(store().payment(qbo.companyId, paymentId).refundChecks).toEqual([{ checkId: expect.any(String), amount: 2_000 }]);
    await sync(qbo.organisationId);
    expect(Number(await syncedUnapplied(paymentId))).toBe(30);
  });

  it('QuickBooks: above the client’s "credits above" amount the refund waits for the client (the existing client-approval path), nothing written', async () => {
    const { key, paymentId } = await onAccount(3_000);
    await fx.db.insert(clientApprovalPolicies).values({ firmId: fx.firmId, organisationId: qbo.organisationId, lateFees: false, creditsAbove: '10.00', paymentPlans: false });
    try {
      const queue: string[] = [];
      const r = await decideException({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now }, { firmId: fx.firmId, userId }, { organisationId: qbo.organisationId, key, action: 'refund', reason: 'Customer moved away' }, now());
      expect(r).toMatchObject({ created: true, status: 'awaiting_client' });
      expect(queue).toHaveLength(0);
      expect(await executeWriteback(engine(fx, queue), r.writebackId!)).toEqual({ outcome: 'not_claimable' });
      expect(store().payment(qbo.companyId, paymentId).refundChecks ?? []).toHaveLength(0);
    } finally {
      await fx.db.delete(clientApprovalPolicies).where(and(eq(clientApprovalPolicies.firmId, fx.firmId), eq(clientApprovalPolicies.organisationId, qbo.organisationId)));
    }
  });
});
