/**
 * The write-back engine against the sandbox ledger, for both Xero and QuickBooks: a staff credit
 * note appears once with its allocation and a note on the invoice; a worker killed at every step
 * between lease and note, then restarted, still leaves exactly one document; the approval
 * threshold holds a large credit until a person approves it; a reversal voids what was created;
 * the same business event requested twice is one row.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { toMinor } from '../../kernel/money';
import { activities, firms, invoices, writebacks } from '../../server/db/schema';
import { SimulatedCrash } from '../../server/reminders/deps';
import { issueCredit } from '../../server/writebacks/credit';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import { approveWritebacks, retryWriteback, reverseWriteback } from '../../server/writebacks/manage';
import { requestWriteback } from '../../server/writebacks/request';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, engine } from './harness';

let fx: SyncFixture;
const orgs = new Map<Provider, { organisationId: string; companyId: string }>();
let userId: string;

const store = () => fx.server.sandbox.ctx.store;

async function openInvoice(organisationId: string, minDue = 20) {
  const rows = await fx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised')));
  const used = new Set((await fx.db.select({ id: writebacks.invoiceId }).from(writebacks)).map((r) => r.id));
  const inv = rows.find((r) => toMinor(r.amountDue) >= minDue * 100 && !used.has(r.id) && r.currency === rows[0]!.currency);
  if (!inv) throw new Error('no open invoice left in the fixture');
  return inv;
}

const cents = (s: string) => toMinor(s);

describeWith('pg', 'Write-backs: the engine against the sandbox ledger', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 11, companies: [{ provider: 'xero', customers: 6, invoices: 150 }, { provider: 'quickbooks', customers: 6, invoices: 150 }] });
    const synced = await connectAndSync(fx, { name: 'Dana Collector', email: 'dana@firm.example' });
    userId = synced.userId;
    for (const [p, o] of synced.orgs) orgs.set(p, o);
  }, 120_000);
  afterAll(async () => fx?.close());

  for (const provider of ['xero', 'quickbooks'] as const) {
    describe(provider, () => {
      it('a goodwill credit appears once in the ledger, allocated to the invoice, with a note on it', async () => {
        const { organisationId, companyId } = orgs.get(provider)!;
        const inv = await openInvoice(organisationId);
        const dueBefore = store().invoice(companyId, inv.externalId).amountDue;
        const queue: string[] = [];
        const r = await issueCredit({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, fx.firmId, userId, {
          organisationId,
          invoiceId: inv.id,
          purpose: 'goodwill',
          amount: '12.50',
          reason: 'late delivery',
          requestKey: '0b7e3f3a-1111-4c1d-9d7a-000000000001'.replace('0001', provider === 'xero' ? '0001' : '0002'),
        });
        expect(r).toMatchObject({ status: 'pending', created: true, amount: '12.50' });
        await drain(fx, queue);
        const [row] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.id));
        expect(row).toMatchObject({ status: 'confirmed', noteStatus: 'written' });
        const notes = store()
          .list('creditNotes', companyId)
          .filter((cn) => cn.id === row!.externalId);
        expect(notes).toHaveLength(1);
        expect(notes[0]!.total).toBe(1250);
        expect(store().invoice(companyId, inv.externalId).amountDue).toBe(dueBefore - 1250);
        const inLedger = store().invoice(companyId, inv.externalId);
        const noted = provider === 'xero' ? inLedger.history.map((h) => h.details) : inLedger.privateNote.split('\n');
        expect(noted.filter((n) => n.includes('goodwill credit of') && n.includes('late delivery'))).toHaveLength(1);
        // The same form submitted again is the same write-back.
        const again = await issueCredit({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, fx.firmId, userId, {
          organisationId,
          invoiceId: inv.id,
          purpose: 'goodwill',
          amount: '12.50',
          reason: 'late delivery',
          requestKey: '0b7e3f3a-1111-4c1d-9d7a-000000000001'.replace('0001', provider === 'xero' ? '0001' : '0002'),
        });
        expect(again).toMatchObject({ id: r.id, created: false });
        expect(queue).toHaveLength(0);
      });

      for (const point of ['wb.after-lease', 'wb.after-send', 'wb.after-sent', 'wb.before-confirm', 'wb.after-confirm'] as const) {
        it(`killed at ${point} and restarted: one credit note, one allocation`, async () => {
          const { organisationId, companyId } = orgs.get(provider)!;
          const inv = await openInvoice(organisationId);
          const before = store().list('creditNotes', companyId).length;
          const dueBefore = store().invoice(companyId, inv.externalId).amountDue;
          const queue: string[] = [];
          const r = await issueCredit({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, fx.firmId, userId, { organisationId, invoiceId: inv.id, purpose: 'cancellation', amount: '7.25', reason: `kill at ${point}` });
          await expect(executeWriteback(engine(fx, [], point), r.id)).rejects.toThrow(SimulatedCrash);
          // Another worker right away finds the lease held.
          expect(await executeWriteback(engine(fx, []), r.id)).toEqual({ outcome: 'not_claimable' });
          fx.advance(61_000);
          // The sweep finds what the dead worker left: at every point, something is unfinished
          // (after-confirm: the note on the invoice).
          expect(await stuckWritebacks(fx.db, new Date(fx.now()), 60_000)).toContain(r.id);
          await executeWriteback(engine(fx, []), r.id);
          const [row] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.id));
          expect(row!.status).toBe('confirmed');
          expect(store().list('creditNotes', companyId).length - before).toBe(1);
          expect(store().invoice(companyId, inv.externalId).amountDue).toBe(dueBefore - 725);
          const cn = store().creditNote(companyId, row!.externalId!);
          const allocated = provider === 'xero' ? cn.allocations.filter((a) => a.invoiceId === inv.externalId).length : store().list('payments', companyId).filter((p) => p.creditNoteLinks.some((l) => l.creditNoteId === cn.id)).length;
          expect(allocated).toBe(1);
        });
      }

      it('above the firm threshold a credit waits for approval, then goes once; a reversal voids it', async () => {
        const { organisationId, companyId } = orgs.get(provider)!;
        // The threshold is in the firm's reporting currency: this organisation's own.
        const inv0 = await openInvoice(organisationId, 40);
        await fx.db.update(firms).set({ reportingCurrency: inv0.currency, settings: { collections: { approvalThreshold: '10.00' } } }).where(eq(firms.id, fx.firmId));
        try {
          const inv = inv0;
          const dueBefore = store().invoice(companyId, inv.externalId).amountDue;
          const queue: string[] = [];
          const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id) };
          const r = await issueCredit(deps, fx.firmId, userId, { organisationId, invoiceId: inv.id, purpose: 'goodwill', amount: '30.00', reason: 'large' });
          expect(r.status).toBe('awaiting_approval');
          expect(queue).toHaveLength(0);
          expect(await executeWriteback(engine(fx, queue), r.id)).toEqual({ outcome: 'not_claimable' });
          expect(store().invoice(companyId, inv.externalId).amountDue).toBe(dueBefore);
          const approved = await approveWritebacks(deps, fx.firmId, [r.id, r.id], userId);
          expect(approved.approved).toEqual([r.id]);
          await drain(fx, queue);
          expect(store().invoice(companyId, inv.externalId).amountDue).toBe(dueBefore - 3000);
          // Approving again does nothing.
          expect((await approveWritebacks(deps, fx.firmId, [r.id], userId)).approved).toEqual([]);

          const rev = await reverseWriteback(deps, fx.firmId, r.id, userId);
          expect(rev.status).toBe('pending');
          await drain(fx, queue);
          const [revRow] = await fx.db.select().from(writebacks).where(eq(writebacks.id, rev.id));
          expect(revRow).toMatchObject({ status: 'confirmed', error: null });
          const [orig] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.id));
          expect(orig!.reversedById).toBe(rev.id);
          expect(store().creditNote(companyId, orig!.externalId!).status).toBe(provider === 'xero' ? 'VOIDED' : 'DELETED');
          expect(store().invoice(companyId, inv.externalId).amountDue).toBe(dueBefore);
          await expect(reverseWriteback(deps, fx.firmId, r.id, userId)).rejects.toThrow(/already reversed/);
        } finally {
          await fx.db.update(firms).set({ reportingCurrency: 'USD', settings: {} }).where(eq(firms.id, fx.firmId));
        }
      });

      it('a note write-back lands once on the invoice, even when executed again', async () => {
        const { organisationId, companyId } = orgs.get(provider)!;
        const inv = await openInvoice(organisationId);
        const queue: string[] = [];
        const text = `Arcus: payment plan agreed for ${inv.number} (${provider})`;
        const r = await requestWriteback({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, { firmId: fx.firmId, organisationId, kind: 'note', sourceKey: `plan_note:test:${inv.id}`, invoiceId: inv.id, request: { invoiceExternalId: inv.externalId, text }, requestedBy: 'system', summary: 'plan note' });
        await drain(fx, queue);
        expect(await executeWriteback(engine(fx, []), r.id)).toEqual({ outcome: 'not_claimable' });
        const [row] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.id));
        expect(row).toMatchObject({ status: 'confirmed', noteStatus: 'written', invoiceExternalId: inv.externalId });
        const target = store().invoice(companyId, inv.externalId);
        const noted = provider === 'xero' ? target.history.map((h) => h.details) : target.privateNote.split('\n');
        expect(noted.filter((n) => n === text)).toHaveLength(1);
      });

      it('a note write-back the ledger refuses is failed (its write is the note), shown, and nothing for the sweep', async () => {
        const { organisationId } = orgs.get(provider)!;
        const queue: string[] = [];
        const r = await requestWriteback({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, { firmId: fx.firmId, organisationId, kind: 'note', sourceKey: `note-missing:${provider}`, request: { invoiceExternalId: '9f1d0c4e-0000-4000-8000-00000000dead', text: 'Arcus: a note on nothing' }, requestedBy: 'system', summary: 'note on a missing invoice' });
        await drain(fx, queue);
        const [row] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.id));
        expect(row).toMatchObject({ status: 'failed', noteStatus: 'pending', leaseUntil: null, confirmedAt: null });
        expect(row!.error).toBeTruthy();
        const failed = await fx.db.select().from(activities).where(and(eq(activities.kind, 'writeback.failed'), sql`${activities.details}->>'writebackId' = ${r.id}`));
        expect(failed).toHaveLength(1);
        fx.advance(61_000);
        expect(await stuckWritebacks(fx.db, new Date(fx.now()), 60_000)).not.toContain(r.id);
        // Retry is the write-backs' own (same row, same key): queued again once.
        await retryWriteback({ db: fx.db, enqueueExecute: async (id) => void queue.push(id) }, fx.firmId, r.id);
        expect(queue).toEqual([r.id]);
      });

      it('a payment, a late-fee invoice and a pay link are each written once and read back', async () => {
        const { organisationId, companyId } = orgs.get(provider)!;
        const inv = await openInvoice(organisationId);
        const queue: string[] = [];
        const deps = { db: fx.db, enqueueExecute: async (id: string) => void queue.push(id) };
        const base = { firmId: fx.firmId, organisationId, invoiceId: inv.id, invoiceExternalId: inv.externalId, contactExternalId: inv.contactExternalId, currency: inv.currency, requestedBy: 'system' as const };
        const today = new Date(fx.now()).toISOString().slice(0, 10);
        const pay = await requestWriteback(deps, { ...base, kind: 'payment', sourceKey: `test-payment:${inv.id}`, amount: '5.00', request: { invoiceExternalId: inv.externalId, amount: '5.00', date: today, reference: 'Arcus test payment' }, summary: 'test payment' });
        const fee = await requestWriteback(deps, {
          ...base,
          kind: 'late_fee',
          purpose: 'late_fee',
          sourceKey: `late_fee:${inv.id}:once`,
          amount: '15.00',
          request: { mode: 'invoice', contactExternalId: inv.contactExternalId, date: today, dueDate: today, reference: `Late fee on ${inv.number}`, currency: inv.currency, lines: [{ description: `Late fee on ${inv.number}`, amount: '15.00' }] },
          noteText: `Arcus: late fee of 15.00 charged on ${inv.number}`,
          summary: 'late fee',
        });
        const feeAgain = await requestWriteback(deps, { ...base, kind: 'late_fee', sourceKey: `late_fee:${inv.id}:once`, amount: '15.00', request: { mode: 'invoice', contactExternalId: inv.contactExternalId, date: today, dueDate: today, reference: 'x', currency: inv.currency, lines: [{ description: 'x', amount: '15.00' }] }, summary: 'late fee again' });
        expect(feeAgain).toEqual({ id: fee.id, status: 'pending', created: false });
        const link = await requestWriteback(deps, { ...base, kind: 'pay_link', sourceKey: `pay_link:${inv.id}`, request: { url: `https://arcus.test/pay/tok-${provider}` }, summary: 'pay link' });
        const invoicesBefore = store().list('invoices', companyId).length;
        await drain(fx, queue);
        const rows = await fx.db.select().from(writebacks).where(eq(writebacks.organisationId, organisationId));
        for (const id of [pay.id, fee.id, link.id]) expect(rows.find((w) => w.id === id)).toMatchObject({ status: 'confirmed' });
        expect(store().list('invoices', companyId).length - invoicesBefore).toBe(1);
        const feeDoc = store().invoice(companyId, rows.find((w) => w.id === fee.id)!.externalId!);
        expect(feeDoc.total).toBe(1500);
        const payment = store().payment(companyId, rows.find((w) => w.id === pay.id)!.externalId!);
        expect(payment.allocations.map((a) => [a.invoiceId, a.amount])).toEqual([[inv.externalId, 500]]);
        const target = store().invoice(companyId, inv.externalId);
        if (provider === 'xero') expect(target.url).toBe(`https://arcus.test/pay/tok-${provider}`);
        else expect(target.customerMemo).toContain(`https://arcus.test/pay/tok-${provider}`);
        expect(cents(inv.amountDue) - target.amountDue).toBe(500);
      });
    });
  }
});
