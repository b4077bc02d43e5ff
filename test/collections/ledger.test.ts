/**
 * Collections through the write-back engine into the sandbox ledger, for Xero and QuickBooks:
 * a late-fee invoice and a posted plan's transfer credit and instalment invoices each appear
 * once in the ledger with the right amounts, however often they are requested.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import type { CollectionsDeps } from '../../server/collections/common';
import { applyLateFees, assessLateFeesForOrganisation } from '../../server/collections/late-fees';
import { cancelPlan, createPlan, getPlan, PLAN_NEEDS_ATTENTION, updatePlans } from '../../server/collections/plans';
import { INSTALMENT_HOLD_REASON } from '../../server/writebacks/types';
import { updateCollectionsPolicy } from '../../server/collections/policy';
import { activities, invoices, reminderInvoiceHolds, writebacks } from '../../server/db/schema';
import { todayIn } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain } from '../writebacks/harness';

let fx: SyncFixture;
let userId: string;
const orgs = new Map<Provider, { organisationId: string; companyId: string; timezone: string }>();
const store = () => fx.server.sandbox.ctx.store;
/** Where each ledger keeps Arcus's reference: Xero Reference; QuickBooks the PrivateNote's first line. */
const referenceOf = (provider: Provider, i: { reference: string; privateNote: string }) => (provider === 'xero' ? i.reference : (i.privateNote.split('\n')[0] ?? ''));

function deps(queue: string[]): CollectionsDeps {
  return { db: fx.db, now: () => new Date(fx.now()), enqueueExecute: async (id) => void queue.push(id) };
}

describeWith('pg', 'Collections into the sandbox ledger', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 23, companies: [{ provider: 'xero', customers: 6, invoices: 80 }, { provider: 'quickbooks', customers: 6, invoices: 80 }] });
    const synced = await connectAndSync(fx, { name: 'Cara Collector', email: 'cara@firm.example' });
    userId = synced.userId;
    for (const [p, o] of synced.orgs) orgs.set(p, o);
    await updateCollectionsPolicy(fx.db, fx.firmId, { lateFees: { enabled: false, kind: 'flat', amount: '15.00', graceDays: 0, period: 'once', post: 'invoice' } });
  }, 120_000);
  afterAll(async () => fx?.close());

  for (const provider of ['xero', 'quickbooks'] as const) {
    describe(provider, () => {
      it('a late fee invoice appears once in the ledger with the fee', async () => {
        const { organisationId, companyId, timezone } = orgs.get(provider)!;
        const today = todayIn(timezone, new Date(fx.now()));
        const [inv] = await fx.db
          .select()
          .from(invoices)
          .where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised'), sql`${invoices.dueDate} < ${today}::date`, sql`${invoices.amountDue} >= 100`))
          .limit(1);
        expect(inv).toBeDefined();
        const queue: string[] = [];
        const applied = await applyLateFees(deps(queue), { firmId: fx.firmId, organisationId, invoiceId: inv!.id, userId });
        expect(applied.requested).toMatchObject([{ periodKey: 'once', amount: '15.00', created: true }]);
        await expect(applyLateFees(deps(queue), { firmId: fx.firmId, organisationId, invoiceId: inv!.id, userId })).rejects.toMatchObject({ kind: 'conflict' });
        await drain(fx, queue);
        const [w] = await fx.db.select().from(writebacks).where(eq(writebacks.id, applied.requested[0]!.writebackId));
        expect(w).toMatchObject({ status: 'confirmed' });
        const inLedger = store()
          .list('invoices', companyId)
          .filter((i) => referenceOf(provider, i).startsWith(`Late fee on ${inv!.number || inv!.externalId}`));
        expect(inLedger).toHaveLength(1);
        expect(inLedger[0]).toMatchObject({ id: w!.externalId, total: 1500, amountDue: 1500, contactId: inv!.contactExternalId, currency: inv!.currency });
        // After the next sync, with automatic fees on: the fee invoice (once overdue) is never
        // charged a fee itself, and the original's period is used.
        const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'full' });
        await runSync(fx.engineDeps(), { runId });
        const [synced] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, w!.externalId!)));
        expect(synced).toMatchObject({ total: '15.0000', status: 'authorised' });
        await fx.db.update(invoices).set({ dueDate: '2020-01-01' }).where(eq(invoices.id, synced!.id));
        await updateCollectionsPolicy(fx.db, fx.firmId, { lateFees: { enabled: true } });
        try {
          const again = await assessLateFeesForOrganisation(deps([]), fx.firmId, organisationId);
          expect(again.considered).toBeGreaterThan(0);
          const charged = new Set((await fx.db.select({ id: writebacks.invoiceId }).from(writebacks).where(and(eq(writebacks.kind, 'late_fee'), eq(writebacks.organisationId, organisationId)))).map((r) => r.id));
          expect(charged.has(synced!.id)).toBe(false);
          expect(again.requested.filter((r) => r.writebackId === w!.id)).toEqual([]);
          expect((await fx.db.select().from(writebacks).where(eq(writebacks.invoiceId, inv!.id))).filter((r) => r.kind === 'late_fee')).toHaveLength(1);
        } finally {
          await updateCollectionsPolicy(fx.db, fx.firmId, { lateFees: { enabled: false } });
        }
      });

      it("a posted plan's transfer credit and instalment invoices appear once with exact amounts", async () => {
        const { organisationId, companyId, timezone } = orgs.get(provider)!;
        const today = todayIn(timezone, new Date(fx.now()));
        const used = new Set((await fx.db.select({ id: writebacks.invoiceId }).from(writebacks)).map((r) => r.id));
        const open = (await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised'), sql`${invoices.amountDue} >= 10`))).filter((i) => !used.has(i.id));
        const inv = open[0]!;
        const queue: string[] = [];
        const plan = await createPlan(deps(queue), fx.firmId, userId, { organisationId, contactExternalId: inv.contactExternalId, invoiceIds: [inv.id], frequency: 'monthly', count: 3, startDate: today, postInvoices: true });
        const due = toMinor(inv.amountDue, 2, true);
        expect(plan.instalments.reduce((s, i) => s + toMinor(i.amount), 0)).toBe(due);
        await drain(fx, queue);
        const rows = await fx.db.select().from(writebacks).where(and(eq(writebacks.firmId, fx.firmId), sql`${writebacks.sourceKey} LIKE ${`plan_%:${plan.id}:%`}`));
        expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'confirmed'));
        expect(store().invoice(companyId, inv.externalId).amountDue).toBe(0);
        const posted = store()
          .list('invoices', companyId)
          .filter((i) => rows.some((r) => r.kind === 'plan_invoice' && r.externalId === i.id));
        expect(posted.map((i) => [referenceOf(provider, i), i.total, i.dueDate]).sort()).toEqual(plan.instalments.map((i) => [`Payment plan ${i.seq}/3`, toMinor(i.amount), i.dueDate]).sort());
        const planInvoices = store()
          .list('invoices', companyId)
          .filter((i) => i.contactId === inv.contactExternalId && /^Payment plan \d\/3$/.test(referenceOf(provider, i)));
        expect(planInvoices.map((i) => i.id).sort()).toEqual(posted.map((i) => i.id).sort());
        expect(posted.reduce((s, i) => s + i.total, 0)).toBe(due);
        // The instalment invoices are reminded by the plan, not by the reminder sequences.
        const holds = await fx.db.select().from(reminderInvoiceHolds).where(and(eq(reminderInvoiceHolds.organisationId, organisationId), inArray(reminderInvoiceHolds.invoiceExternalId, posted.map((i) => i.id))));
        expect(holds.map((h) => [h.excluded, h.reason])).toEqual(posted.map(() => [true, INSTALMENT_HOLD_REASON]));
        // Cancelled early, the plan hands its instalment invoices back to the reminder sequences.
        await cancelPlan(fx.db, fx.firmId, plan.id, userId);
        expect(await fx.db.select().from(reminderInvoiceHolds).where(and(eq(reminderInvoiceHolds.organisationId, organisationId), inArray(reminderInvoiceHolds.invoiceExternalId, posted.map((i) => i.id))))).toEqual([]);
      });

      it("a posted plan whose instalment invoices owe less than it asks is flagged for the collector, once; Arcus rewrites nothing in the ledger", async () => {
        const { organisationId, timezone } = orgs.get(provider)!;
        const today = todayIn(timezone, new Date(fx.now()));
        const used = new Set((await fx.db.select({ id: writebacks.invoiceId }).from(writebacks)).map((r) => r.id));
        const inv = (await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised'), sql`${invoices.amountDue} >= 10`))).filter((i) => !used.has(i.id))[0]!;
        const queue: string[] = [];
        const plan = await createPlan(deps(queue), fx.firmId, userId, { organisationId, contactExternalId: inv.contactExternalId, invoiceIds: [inv.id], frequency: 'monthly', count: 3, startDate: today, postInvoices: true });
        // A fresh minute of Xero's 60 calls: the tests before used this one.
        fx.advance(61_000);
        await drain(fx, queue);
        const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
        await runSync(fx.engineDeps(), { runId });
        // In step with the ledger: nothing to say.
        expect((await updatePlans(deps(queue), fx.firmId, organisationId)).find((u) => u.planId === plan.id)?.attention).toBeUndefined();
        // The last instalment invoice is credited in full (as the next sync would store it).
        const rows = await fx.db.select().from(writebacks).where(and(eq(writebacks.firmId, fx.firmId), sql`${writebacks.sourceKey} = ${`plan_invoice:${plan.id}:3`}`));
        const last = rows[0]!.externalId!;
        await fx.db.update(invoices).set({ amountDue: '0.00', status: 'paid' }).where(and(eq(invoices.organisationId, organisationId), eq(invoices.externalId, last)));
        const before = await fx.db.select({ n: sql<number>`count(*)::int` }).from(writebacks).where(eq(writebacks.firmId, fx.firmId));
        const up = (await updatePlans(deps(queue), fx.firmId, organisationId)).find((u) => u.planId === plan.id)!;
        expect(up.attention).toMatch(/less is owed on the plan’s invoices than its remaining instalments ask for .* Its instalment invoices are already in the ledger, so Arcus changed nothing/);
        expect(up.recomputed).toBeUndefined();
        const view = await getPlan(fx.db, fx.firmId, plan.id);
        expect(view.attention).toBe(up.attention);
        expect(view.instalments.map((i) => i.amount)).toEqual(plan.instalments.map((i) => i.amount));
        await updatePlans(deps(queue), fx.firmId, organisationId);
        const flagged = await fx.db.select().from(activities).where(and(eq(activities.organisationId, organisationId), eq(activities.kind, PLAN_NEEDS_ATTENTION), sql`${activities.details}->>'planId' = ${plan.id}`));
        expect(flagged).toHaveLength(1);
        // Nothing was written to the ledger for it.
        expect(await fx.db.select({ n: sql<number>`count(*)::int` }).from(writebacks).where(eq(writebacks.firmId, fx.firmId))).toEqual(before);
        expect(queue).toEqual([]);
        await cancelPlan(fx.db, fx.firmId, plan.id, userId);
      });
    });
  }
});
