/**
 * Plans that stay true (issue #15): a plan whose invoices change after it was agreed is
 * recomputed (less owed), ended with nothing more asked (nothing owed) or flagged for the
 * collector (more owed) — once, however often the after-sync assessment runs.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createPlan, getPlan, PLAN_NEEDS_ATTENTION, PLAN_RECOMPUTED, sendInstalmentReminders, updatePlans } from '../../server/collections/plans';
import { fromMinor, toMinor } from '../../kernel/money';
import { invoices } from '../../server/db/schema';
import { reconcileInstalments } from '../../server/domain/collections/plans';
import { describeWith } from '../support/services';
import { recordingMailer, seedCollections } from './seed';

const st = (seq: number, amount: number, paid = 0) => ({ seq, amount, paid, status: paid >= amount ? ('paid' as const) : ('due' as const) });

describe('reconcileInstalments (pure)', () => {
  it('shrinks the last instalments first, never below what was paid towards them', () => {
    expect(reconcileInstalments([st(1, 25000, 25000), st(2, 25000, 10000), st(3, 25000), st(4, 25001)], 40001 - 10000)).toEqual({ kind: 'reduce', by: 35000, changes: [{ seq: 3, from: 25000, to: 15001 }, { seq: 4, from: 25001, to: 0 }] });
    expect(reconcileInstalments([st(1, 100, 0), st(2, 100, 0)], 200)).toEqual({ kind: 'ok' });
    expect(reconcileInstalments([st(1, 100, 0), st(2, 100, 0)], 250)).toEqual({ kind: 'increase', by: 50 });
    expect(reconcileInstalments([st(1, 100, 100), st(2, 100, 30), st(3, 100)], 0)).toEqual({ kind: 'settled', changes: [{ seq: 2, from: 100, to: 30 }, { seq: 3, from: 100, to: 0 }] });
    expect(reconcileInstalments([st(1, 100, 100)], 0)).toEqual({ kind: 'ok' });
  });
});

describeWith('pg', 'Payment plans that stay true, against PostgreSQL', () => {
  const INVOICES = [
    { number: 'ST-1', due: -40, amount: '600.00' },
    { number: 'ST-2', due: -20, amount: '400.00' },
  ];
  const input = (orgId: string) => ({ organisationId: orgId, contactExternalId: 'c-bay', frequency: 'monthly' as const, count: 4, startDate: '2026-12-01' });

  /** What a sync stores for a credit note allocated to an invoice (or a fee forgiven): it owes that much less. */
  async function credit(s: Awaited<ReturnType<typeof seedCollections>>, number: string, by: string) {
    const [cur] = await s.db.select().from(invoices).where(eq(invoices.id, s.invoice(number).id));
    const due = toMinor(cur!.amountDue) - toMinor(by);
    await s.db.update(invoices).set({ amountDue: fromMinor(due), amountCredited: by, status: due <= 0 ? 'paid' : 'authorised' }).where(eq(invoices.id, s.invoice(number).id));
  }

  it('a credit note on a plan invoice lowers the remaining instalments, the last first, once', async () => {
    const s = await seedCollections({ invoices: INVOICES });
    const plan = await createPlan(s.deps, s.firmId, s.userId, input(s.orgId));
    expect(plan.instalments.map((i) => i.amount)).toEqual(['250.00', '250.00', '250.00', '250.00']);
    await s.pay('ST-1', '250.00', '2026-12-01');
    s.setDay('2026-12-02');
    await credit(s, 'ST-2', '300.00'); // a forgiven fee / credit note: £300 less owed
    const up = await updatePlans(s.deps, s.firmId, s.orgId);
    expect(up[0]).toMatchObject({ planId: plan.id, status: 'active', paid: [1], recomputed: [{ seq: 3, amount: '200.00' }, { seq: 4, amount: '0.00' }] });
    const view = await getPlan(s.db, s.firmId, plan.id);
    expect(view.instalments.map((i) => [i.amount, i.status])).toEqual([
      ['250.00', 'paid'],
      ['250.00', 'due'],
      ['200.00', 'due'],
      ['0.00', 'cancelled'],
    ]);
    expect(view.attention).toBeNull();
    const [entry, ...more] = await s.activitiesOf(PLAN_RECOMPUTED);
    expect(more).toEqual([]);
    expect(entry!.summary).toBe('Payment plan recomputed: £300.00 less is owed on its invoices (a credit, a forgiven fee or a payment outside the plan); instalment 3/4 now £200.00, instalment 4/4 cancelled');
    // Exactly once: the next passes change nothing.
    expect((await updatePlans(s.deps, s.firmId, s.orgId))[0]).toEqual({ planId: plan.id, status: 'active', missed: [], paid: [] });
    await updatePlans(s.deps, s.firmId, s.orgId);
    expect(await s.activitiesOf(PLAN_RECOMPUTED)).toHaveLength(1);
    expect((await getPlan(s.db, s.firmId, plan.id)).instalments.map((i) => i.amount)).toEqual(['250.00', '250.00', '200.00', '0.00']);
    // The instalment reminders ask for what is owed, never the forgiven part, and never for the cancelled one.
    const mail = recordingMailer();
    s.setDay('2027-01-29');
    await updatePlans(s.deps, s.firmId, s.orgId);
    await sendInstalmentReminders({ ...s.deps, mail: { mailer: mail, mailFrom: 'Arcus <r@arcus.test>', embedded: false } }, s.firmId, s.orgId);
    s.setDay('2027-02-27');
    await sendInstalmentReminders({ ...s.deps, mail: { mailer: mail, mailFrom: 'Arcus <r@arcus.test>', embedded: false } }, s.firmId, s.orgId);
    s.setDay('2027-03-29');
    await sendInstalmentReminders({ ...s.deps, mail: { mailer: mail, mailFrom: 'Arcus <r@arcus.test>', embedded: false } }, s.firmId, s.orgId);
    const subjects = mail.sent.map((m) => m.subject);
    expect(subjects.some((x) => x.includes('instalment 3 of 4 (£200.00)'))).toBe(true);
    expect(subjects.some((x) => x.includes('instalment 4 of 4'))).toBe(false);
  });

  it('a payment outside the plan that clears the balance ends the plan with nothing more asked', async () => {
    const s = await seedCollections({ invoices: INVOICES });
    const plan = await createPlan(s.deps, s.firmId, s.userId, input(s.orgId));
    s.setDay('2026-12-10');
    // Not through the plan: a credit clears ST-1, a payment clears ST-2.
    await credit(s, 'ST-1', '600.00');
    await s.pay('ST-2', '400.00', '2026-12-09');
    const [up] = await updatePlans(s.deps, s.firmId, s.orgId);
    expect(up).toMatchObject({ planId: plan.id, status: 'completed' });
    const view = await getPlan(s.db, s.firmId, plan.id);
    expect(view.status).toBe('completed');
    // The £400 paid counts for the first instalments (the second cut to what was paid); the rest is not asked.
    expect(view.instalments.map((i) => [i.amount, i.status])).toEqual([
      ['250.00', 'paid'],
      ['150.00', 'paid'],
      ['0.00', 'cancelled'],
      ['0.00', 'cancelled'],
    ]);
    const mail = recordingMailer();
    s.setDay('2026-12-30');
    const r = await sendInstalmentReminders({ ...s.deps, mail: { mailer: mail, mailFrom: 'Arcus <r@arcus.test>', embedded: false } }, s.firmId, s.orgId);
    expect(r.sent).toEqual([]);
    expect(mail.sent).toEqual([]);
    expect((await s.activitiesOf(PLAN_RECOMPUTED))[0]!.summary).toMatch(/^Payment plan: nothing more is owed on its invoices, so nothing more is asked/);
    await updatePlans(s.deps, s.firmId, s.orgId);
    expect(await s.activitiesOf(PLAN_RECOMPUTED)).toHaveLength(1);
  });

  it('more owed than the instalments ask for is flagged for the collector, not silently recomputed', async () => {
    const s = await seedCollections({ invoices: INVOICES });
    const plan = await createPlan(s.deps, s.firmId, s.userId, input(s.orgId));
    s.setDay('2026-11-25');
    await s.db.update(invoices).set({ amountDue: '650.00', total: '650.00' }).where(eq(invoices.id, s.invoice('ST-1').id));
    const [up] = await updatePlans(s.deps, s.firmId, s.orgId);
    expect(up!.attention).toBe('£50.00 more is owed on the plan’s invoices than its remaining instalments ask for (a new charge or a reversed credit?). The plan was not changed: change or cancel it.');
    await updatePlans(s.deps, s.firmId, s.orgId);
    const view = await getPlan(s.db, s.firmId, plan.id);
    expect(view).toMatchObject({ status: 'active', attention: up!.attention });
    expect(view.instalments.map((i) => i.amount)).toEqual(['250.00', '250.00', '250.00', '250.00']);
    expect(await s.activitiesOf(PLAN_NEEDS_ATTENTION)).toHaveLength(1);
    expect(await s.activitiesOf(PLAN_RECOMPUTED)).toHaveLength(0);
    // Put right in the ledger: the flag goes.
    await s.db.update(invoices).set({ amountDue: '600.00', total: '600.00' }).where(eq(invoices.id, s.invoice('ST-1').id));
    await updatePlans(s.deps, s.firmId, s.orgId);
    expect((await getPlan(s.db, s.firmId, plan.id)).attention).toBeNull();
  });
});
