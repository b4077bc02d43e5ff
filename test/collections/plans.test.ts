import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { cancelPlan, createPlan, getPlan, listPlans, PLAN_INSTALMENT_MISSED, previewPlan, sendInstalmentReminders, updatePlans } from '../../server/collections/plans';
import { paymentPlanInstalments } from '../../server/db/schema';
import { loadActivityHolds } from '../../server/reminders/load';
import { PLAN_CREATED, PLAN_ENDED } from '../../server/scoring/in-motion';
import { describeWith } from '../support/services';
import { recordingMailer, seedCollections } from './seed';

const PLAN_INVOICES = [
  { number: 'PL-1', due: -60, amount: '400.00' },
  { number: 'PL-2', due: -30, amount: '350.00' },
  { number: 'PL-3', due: -10, amount: '250.01' },
  { number: 'PL-9', due: -10, amount: '99.00', contact: 'c-north' },
];

describeWith('pg', 'Payment plans against the database', () => {
  it('creates a plan with exact sums, holds reminders, tracks payments, misses, breaks and resumes reminders', async () => {
    const s = await seedCollections({ invoices: PLAN_INVOICES, policy: { plans: { missedGraceDays: 5, breakAfterMissed: 2, maxInstalments: 12 } } });
    const input = { organisationId: s.orgId, contactExternalId: 'c-bay', frequency: 'monthly' as const, count: 4, startDate: '2026-12-01' };
    const preview = await previewPlan(s.db, s.firmId, input, s.now());
    expect(preview.total).toBe('1000.01');
    expect(preview.instalments).toEqual([
      { seq: 1, dueDate: '2026-12-01', amount: '250.00' },
      { seq: 2, dueDate: '2027-01-01', amount: '250.00' },
      { seq: 3, dueDate: '2027-02-01', amount: '250.00' },
      { seq: 4, dueDate: '2027-03-01', amount: '250.01' },
    ]);
    expect(preview.summary).toBe('Payment plan agreed: 4 monthly instalments of £250.00 (the last £250.01) from 1 Dec 2026');
    expect(preview.invoices.map((i) => i.number)).toEqual(['PL-1', 'PL-2', 'PL-3']);

    const plan = await createPlan(s.deps, s.firmId, s.userId, input);
    expect(plan).toMatchObject({ status: 'active', total: '1000.01', postInvoices: false });
    expect(plan.instalments.map((i) => i.amount)).toEqual(['250.00', '250.00', '250.00', '250.01']);
    await expect(createPlan(s.deps, s.firmId, s.userId, input)).rejects.toMatchObject({ kind: 'conflict', code: 'already_on_plan' });
    const created = await s.activitiesOf(PLAN_CREATED);
    expect(created.map((a) => a.invoiceId).sort()).toEqual([s.invoice('PL-1').id, s.invoice('PL-2').id, s.invoice('PL-3').id].sort());
    expect(created[0]!.details).toMatchObject({ planId: plan.id, frequency: 'monthly', count: 4, total: '1000.01' });
    // A note on each covered invoice in the ledger, no money moved.
    const notes = await s.writebacksOf({ kind: 'note' });
    expect(notes.map((n) => [n.invoiceExternalId, (n.request as { text: string }).text]).sort()).toEqual(['inv-PL-1', 'inv-PL-2', 'inv-PL-3'].map((x) => [x, preview.summary]));
    expect(notes.every((n) => n.amount === null && n.sourceKey?.startsWith(`plan_note:${plan.id}:`))).toBe(true);
    // Reminders hold the covered invoices.
    const holds = await loadActivityHolds(s.db, { id: s.orgId, firmId: s.firmId }, '2026-11-23');
    expect(holds.filter((h) => h.kind === 'plan').map((h) => h.invoiceExternalId).sort()).toEqual(['inv-PL-1', 'inv-PL-2', 'inv-PL-3']);

    // The first instalment is paid (in two payments), the second only in part.
    await s.pay('PL-1', '200.00', '2026-11-30');
    await s.pay('PL-1', '100.00', '2026-12-01');
    s.setDay('2026-12-02');
    let up = await updatePlans(s.deps, s.firmId, s.orgId);
    expect(up).toEqual([{ planId: plan.id, status: 'active', missed: [], paid: [1] }]);
    let view = await getPlan(s.db, s.firmId, plan.id);
    expect(view.instalments.map((i) => [i.status, i.paidOn])).toEqual([
      ['paid', '2026-12-01'],
      ['due', null],
      ['due', null],
      ['due', null],
    ]);

    // 1 Jan + 5 days' grace: missed on the 7th, not the 6th.
    s.setDay('2027-01-06');
    expect((await updatePlans(s.deps, s.firmId, s.orgId))[0]!.missed).toEqual([]);
    s.setDay('2027-01-07');
    up = await updatePlans(s.deps, s.firmId, s.orgId);
    expect(up[0]).toMatchObject({ status: 'active', missed: [2] });
    expect(await s.activitiesOf(PLAN_INSTALMENT_MISSED)).toHaveLength(1);
    expect((await updatePlans(s.deps, s.firmId, s.orgId))[0]!.missed).toEqual([]); // not recorded twice

    // A second miss breaks the plan; reminders resume.
    s.setDay('2027-02-07');
    up = await updatePlans(s.deps, s.firmId, s.orgId);
    expect(up[0]).toMatchObject({ status: 'broken', missed: [3] });
    view = await getPlan(s.db, s.firmId, plan.id);
    expect(view.status).toBe('broken');
    expect(await s.activitiesOf(PLAN_ENDED)).toHaveLength(3);
    const after = await loadActivityHolds(s.db, { id: s.orgId, firmId: s.firmId }, '2027-02-07');
    expect(after.filter((h) => h.kind === 'plan')).toEqual([]);
    expect(await updatePlans(s.deps, s.firmId, s.orgId)).toEqual([]); // no active plan left
    expect((await listPlans(s.db, s.firmId, { organisationId: s.orgId, contactExternalId: 'c-bay' })).map((p) => p.status)).toEqual(['broken']);
  });

  it('posts instalments as invoices and moves the covered balance with plan_transfer credits', async () => {
    const s = await seedCollections({ invoices: PLAN_INVOICES });
    const plan = await createPlan(s.deps, s.firmId, s.userId, { organisationId: s.orgId, contactExternalId: 'c-bay', invoiceIds: [s.invoice('PL-1').id, s.invoice('PL-3').id], frequency: 'fortnightly', instalmentAmount: '200', startDate: '2026-12-01', postInvoices: true });
    expect(plan.instalments.map((i) => [i.dueDate, i.amount])).toEqual([
      ['2026-12-01', '200.00'],
      ['2026-12-15', '200.00'],
      ['2026-12-29', '200.00'],
      ['2027-01-12', '50.01'],
    ]);
    const transfers = (await s.writebacksOf({ purpose: 'plan_transfer' })).sort((a, b) => (a.invoiceExternalId! < b.invoiceExternalId! ? -1 : 1));
    expect(transfers.map((t) => [t.kind, t.invoiceExternalId, t.amount, (t.request as { allocateTo: { amount: string } }).allocateTo.amount])).toEqual([
      ['credit_note', 'inv-PL-1', '400.0000', '400.00'],
      ['credit_note', 'inv-PL-3', '250.0100', '250.01'],
    ]);
    const posted = await s.writebacksOf({ kind: 'plan_invoice' });
    expect(posted.map((p) => [p.sourceKey, p.amount, (p.request as { reference: string; dueDate: string }).reference, (p.request as { dueDate: string }).dueDate])).toEqual([
      [`plan_invoice:${plan.id}:1`, '200.0000', 'Payment plan 1/4', '2026-12-01'],
      [`plan_invoice:${plan.id}:2`, '200.0000', 'Payment plan 2/4', '2026-12-15'],
      [`plan_invoice:${plan.id}:3`, '200.0000', 'Payment plan 3/4', '2026-12-29'],
      [`plan_invoice:${plan.id}:4`, '50.0100', 'Payment plan 4/4', '2027-01-12'],
    ]);
    expect(plan.instalments.map((i) => i.writebackId)).toEqual(posted.map((p) => p.id));
    expect(await s.writebacksOf({ kind: 'note' })).toEqual([]);
  });

  it('refuses bad plans with clear reasons', async () => {
    const s = await seedCollections({ invoices: PLAN_INVOICES, policy: { plans: { maxInstalments: 6 } } });
    const base = { organisationId: s.orgId, contactExternalId: 'c-bay', frequency: 'weekly' as const, startDate: '2026-12-01' };
    await expect(previewPlan(s.db, s.firmId, { ...base, count: 7 }, s.now())).rejects.toMatchObject({ kind: 'validation_failed', message: 'A plan can have at most 6 instalments; this one would have 7.', fields: [{ field: 'count', message: 'A plan can have at most 6 instalments; this one would have 7.' }] });
    await expect(previewPlan(s.db, s.firmId, { ...base, count: 2, startDate: '2026-11-01' }, s.now())).rejects.toMatchObject({ kind: 'validation_failed', message: 'Choose a start date on or after today, 23 November 2026.', fields: [{ field: 'startDate', message: 'Choose a start date on or after today, 23 November 2026.' }] });
    await expect(previewPlan(s.db, s.firmId, { ...base, count: 2, contactExternalId: 'nobody' }, s.now())).rejects.toMatchObject({ kind: 'validation_failed' });
    await expect(previewPlan(s.db, s.firmId, { ...base, count: 2, invoiceIds: [s.invoice('PL-9').id] }, s.now())).rejects.toMatchObject({ kind: 'validation_failed', message: '1 of the chosen invoices is not open invoices of this customer.', fields: [{ field: 'invoiceIds', message: expect.any(String) }] });
  });

  it('emails each instalment reminder once, a few days before, and cancels', async () => {
    const s = await seedCollections({ invoices: PLAN_INVOICES, policy: { plans: { reminderDaysBefore: 3 } } });
    const plan = await createPlan(s.deps, s.firmId, s.userId, { organisationId: s.orgId, contactExternalId: 'c-bay', frequency: 'weekly', count: 2, startDate: '2026-11-30' });
    const mailer = recordingMailer();
    const mail = { mailer, mailFrom: 'Arcus <reminders@arcus.test>', embedded: false };
    expect((await sendInstalmentReminders({ ...s.deps, mail }, s.firmId, s.orgId)).sent).toEqual([]); // 30 Nov is 7 days away
    s.setDay('2026-11-27');
    const [r1, r2] = await Promise.all([sendInstalmentReminders({ ...s.deps, mail }, s.firmId, s.orgId), sendInstalmentReminders({ ...s.deps, mail }, s.firmId, s.orgId)]);
    expect([...r1.sent, ...r2.sent]).toEqual([plan.instalments[0]!.id]);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: ['ap@bayside.example'], subject: 'Payment plan: instalment 1 of 2 (£500.00) due 30 Nov 2026', messageId: `<instalment.${plan.instalments[0]!.id}@arcus.test>` });
    const [row] = await s.db.select().from(paymentPlanInstalments).where(eq(paymentPlanInstalments.id, plan.instalments[0]!.id));
    expect(row!.reminderSentAt).not.toBeNull();

    const cancelled = await cancelPlan(s.db, s.firmId, plan.id, s.userId, s.now());
    expect(cancelled.status).toBe('cancelled');
    expect(await s.activitiesOf(PLAN_ENDED)).toHaveLength(3);
    await expect(cancelPlan(s.db, s.firmId, plan.id, s.userId, s.now())).rejects.toMatchObject({ kind: 'conflict' });
    s.setDay('2026-12-04');
    expect((await sendInstalmentReminders({ ...s.deps, mail }, s.firmId, s.orgId)).sent).toEqual([]);
  });
});
