/**
 * Issue #19 "Refunds" end to end: a Xero sandbox organisation synced over HTTP with an overpayment
 * not applied → the Exceptions queue offers "Refund" with the overpaid amount → one `refund`
 * write-back (source key `exception:<key>`) → in the sandbox one credit note for the amount and one
 * refund payment against it; the timeline has one entry; deciding again writes nothing; more than
 * the overpaid amount is refused in words; above the firm's approval threshold the refund waits for
 * an admin; a worker killed between the ledger's answer and our bookkeeping leaves one credit note
 * and one refund. QuickBooks: a refund receipt through the engine, once.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import { queryRows } from '../../server/db/client';
import { activities, firms, prepayments, writebacks } from '../../server/db/schema';
import { decideException, listExceptions } from '../../server/exceptions/service';
import { SimulatedCrash } from '../../server/reminders/deps';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { approveWritebacks } from '../../server/writebacks/manage';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import { requestWriteback } from '../../server/writebacks/request';
import { openInvoice } from '../ledger-writes/helpers';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, engine } from './harness';

let fx: SyncFixture;
let organisationId: string;
let companyId: string;
let qbo: { organisationId: string; companyId: string };
let userId: string;
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());

async function sync(): Promise<void> {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
}

/** An overpayment of `amount` minor units from a customer, twenty days old, synced; its exception key. */
async function overpaid(amount: number) {
  const inv = openInvoice(store(), companyId);
  const company = store().company(companyId);
  const over = store().createPrepayment(companyId, { kind: 'overpayment', contactId: inv.contactId, date: addDays(todayIn(company.timezone, now()), -20), amount, reference: 'Bank transfer' });
  await sync();
  const [row] = await fx.db.select().from(prepayments).where(and(eq(prepayments.organisationId, organisationId), eq(prepayments.externalId, over.id)));
  seen = new Set(store().list('creditNotes', companyId).map((cn) => cn.id));
  return { contactId: inv.contactId, key: `overpaid:${row!.id}` };
}

/** Credit notes made for refunds to this customer since the test began (earlier tests refund the same customer). */
let seen = new Set<string>();
const creditNotesOf = (contactId: string) => store().list('creditNotes', companyId).filter((cn) => cn.contactId === contactId && cn.reference.startsWith('Refund') && !seen.has(cn.id));
const refundsOf = (creditNoteId: string) => store().list('payments', companyId).filter((p) => p.status !== 'DELETED' && p.creditNoteLinks.some((l) => l.creditNoteId === creditNoteId));

describeWith('pg', 'Exceptions: "Refund" through the write-back engine', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 11, companies: [{ provider: 'xero', customers: 6, invoices: 60 }, { provider: 'quickbooks', customers: 3, invoices: 6 }] });
    const synced = await connectAndSync(fx, { name: 'Dana Collector', email: 'dana@firm.example' });
    userId = synced.userId;
    ({ organisationId, companyId } = synced.orgs.get('xero')!);
    qbo = synced.orgs.get('quickbooks')!;
  }, 120_000);
  afterAll(async () => fx?.close());

  it('a partial refund: one credit note and one refund payment in Xero, one timeline entry; more than overpaid is refused; twice is once', async () => {
    const { contactId, key } = await overpaid(15_000);
    const item = (await listExceptions(fx.db, fx.firmId, organisationId, now())).find((e) => e.key === key);
    expect(item).toMatchObject({ kindText: 'Overpaid', refundMax: '150.00' });
    expect(item!.actions).toContain('refund');

    const queue: string[] = [];
    const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id), now };
    const firm = { firmId: fx.firmId, userId };
    const base = { organisationId, key, action: 'refund' as const, reason: 'Customer asked for the money back' };
    await expect(decideException(deps, firm, { ...base, amount: '150.01' }, now())).rejects.toThrow(/Refund at most [A-Z]{3} 150\.00/);
    expect(queue).toHaveLength(0);

    const first = await decideException(deps, firm, { ...base, amount: '60.00' }, now());
    expect(first).toMatchObject({ created: true, action: 'refund', status: 'pending' });
    expect(queue).toEqual([first.writebackId]);
    await drain(fx, queue);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, first.writebackId!));
    expect(wb).toMatchObject({ kind: 'refund', status: 'confirmed', sourceKey: `exception:${key}` });
    const cns = creditNotesOf(contactId);
    expect(cns.map((c) => c.total)).toEqual([6_000]);
    expect(refundsOf(cns[0]!.id).map((p) => p.amount)).toEqual([6_000]);

    const second = await decideException(deps, firm, { ...base, amount: '60.00' }, now());
    expect(second).toMatchObject({ created: false, writebackId: first.writebackId });
    expect(queue).toHaveLength(0);
    expect(creditNotesOf(contactId)).toHaveLength(1);
    expect((await fx.db.select().from(writebacks).where(eq(writebacks.sourceKey, `exception:${key}`))).length).toBe(1);
    const timeline = await fx.db.select().from(activities).where(and(eq(activities.organisationId, organisationId), eq(activities.kind, 'exception.decided'), sql`${activities.details}->>'key' = ${key}`));
    expect(timeline.map((t) => t.summary)).toEqual([expect.stringMatching(/^Overpayment of [A-Z]{3} 150\.00 from .+ refunded \([A-Z]{3} 60\.00\): Customer asked for the money back$/)]);
    expect((await listExceptions(fx.db, fx.firmId, organisationId, now())).map((e) => e.key)).not.toContain(key);
  });

  it('above the firm threshold the refund waits for an admin, then is written once', async () => {
    const { contactId, key } = await overpaid(9_000);
    const [firm0] = await fx.db.select().from(firms).where(eq(firms.id, fx.firmId));
    await fx.db.update(firms).set({ reportingCurrency: store().company(companyId).baseCurrency, settings: { ...(firm0!.settings as object), collections: { approvalThreshold: '50.00' } } }).where(eq(firms.id, fx.firmId));
    try {
      const queue: string[] = [];
      const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id), now };
      const r = await decideException(deps, { firmId: fx.firmId, userId }, { organisationId, key, action: 'refund', reason: 'Paid twice by mistake' }, now());
      expect(r).toMatchObject({ created: true, status: 'awaiting_approval' });
      expect(queue).toHaveLength(0);
      expect(await executeWriteback(engine(fx, queue), r.writebackId!)).toEqual({ outcome: 'not_claimable' });
      expect(creditNotesOf(contactId)).toHaveLength(0);
      expect((await approveWritebacks(deps, fx.firmId, [r.writebackId!], userId)).approved).toEqual([r.writebackId]);
      await drain(fx, queue);
      const cns = creditNotesOf(contactId);
      expect(cns.map((c) => c.total)).toEqual([9_000]);
      expect(refundsOf(cns[0]!.id)).toHaveLength(1);
    } finally {
      await fx.db.update(firms).set({ settings: firm0!.settings, reportingCurrency: firm0!.reportingCurrency }).where(eq(firms.id, fx.firmId));
    }
  });

  it('a worker killed after the ledger answered and restarted leaves one credit note and one refund', async () => {
    const { contactId, key } = await overpaid(4_000);
    const queue: string[] = [];
    const r = await decideException({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now }, { firmId: fx.firmId, userId }, { organisationId, key, action: 'refund', reason: 'Refund it' }, now());
    await expect(executeWriteback(engine(fx, [], 'wb.after-send'), r.writebackId!)).rejects.toThrow(SimulatedCrash);
    fx.advance(61_000);
    expect(await stuckWritebacks(fx.db, now(), 60_000)).toContain(r.writebackId);
    expect(await executeWriteback(engine(fx, []), r.writebackId!)).toEqual({ outcome: 'confirmed' });
    const cns = creditNotesOf(contactId);
    expect(cns).toHaveLength(1);
    expect(refundsOf(cns[0]!.id)).toHaveLength(1);
    const confirmed = await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM activities WHERE kind = 'writeback.confirmed' AND details->>'writebackId' = ${r.writebackId}`);
    expect(confirmed[0]!.n).toBe(1);
  });

  it('QuickBooks: a refund receipt through the engine, confirmed by reading it back; requested twice is once', async () => {
    const contact = store().list('contacts', qbo.companyId).find((c) => c.status === 'ACTIVE' && c.currency === store().company(qbo.companyId).baseCurrency)!;
    const sourceKey = `test-refund:${randomUUID()}`;
    const queue: string[] = [];
    const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id), now };
    const input = {
      firmId: fx.firmId,
      organisationId: qbo.organisationId,
      kind: 'refund' as const,
      purpose: 'refund' as const,
      sourceKey,
      contactExternalId: contact.id,
      amount: '25.00',
      currency: contact.currency,
      request: { contactExternalId: contact.id, amount: '25.00', currency: contact.currency, date: todayIn(store().company(qbo.companyId).timezone, now()), reference: 'Refund: overpayment', description: 'Refund of an overpayment', accountCode: '35' },
      requestedBy: 'user' as const,
      userId,
      summary: 'Refund 25.00',
    };
    const r = await requestWriteback(deps, input);
    expect((await requestWriteback(deps, input)).id).toBe(r.id);
    await drain(fx, queue);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.id));
    expect(wb).toMatchObject({ kind: 'refund', status: 'confirmed' });
    expect(wb!.externalId).toBeTruthy();
  });
});
