/**
 * Payment plans: a customer's open invoices (all, or the ones chosen) split into weekly,
 * fortnightly or monthly instalments (server/domain/collections/plans.ts).
 *
 *  - create: `payment_plans` + `payment_plan_instalments` and one `plan.created` activity per
 *    covered invoice (the worklist and reminders hold those invoices while it lasts), then in
 *    the ledger either a note on each invoice (`note` write-back, `plan_note:<plan>:<invoice>`)
 *    or, when the plan is posted, a `plan_transfer` credit note allocated to each invoice for
 *    what it owes (carrying the note) and one `plan_invoice` per instalment
 *    (`plan_invoice:<plan>:<seq>`, due on the instalment's date, "Payment plan 1/4").
 *  - daily: payments synced since the plan was agreed, allocated to its invoices (the covered
 *    ones and the posted instalment invoices), are allocated to instalments oldest first;
 *    instalments unpaid `missedGraceDays` after their date are missed (`plan.instalment_missed`),
 *    `breakAfterMissed` misses break the plan and a paid-up plan completes — both end it with
 *    `plan.ended`, so reminders resume on whatever is still owed.
 *  - instalment reminders: one email per instalment a few days before it is due, claimed with a
 *    guarded UPDATE of `reminder_sent_at` so it is sent once, through the reminder mailer.
 *  - cancel: `cancelled` and `plan.ended`.
 */
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { activities, invoices, paymentAllocations, paymentPlanInstalments, paymentPlans, payments, writebacks } from '../db/schema';
import { allocatePayments, FREQUENCIES, type Frequency, type Instalment, type InstalmentState, planStatus, reconcileInstalments, schedule } from '../domain/collections/plans';
import { addDays, type CalendarDate, isCalendarDate, longDate, todayIn } from '../../kernel/dates';
import { MoneyError } from '../../kernel/money';
import { conflict, invalidField, notFound } from '../../kernel/errors';
import { mailDomain } from '../reminders/deps';
import { loadCustomerState, loadOrgWithSettings } from '../reminders/load';
import { type OneOffMail, sendCustomerEmail } from '../reminders/one-off';
import { recipientBlock, recipientsOf } from '../reminders/plan';
import { maskList } from '../reminders/recipients';
import { PLAN_CREATED, PLAN_ENDED } from '../scoring/in-motion';
import { requestWriteback } from '../writebacks/request';
import { INSTALMENT_HOLD_REASON, type WritebackStatus } from '../writebacks/types';
import { type CollectionsDeps, loadOpenInvoices, loadOrg, type OpenInvoice, type OrgRow, orgToday } from './common';
import { getCollectionsPolicy } from './policy';
import { dayText, decimal, invoiceName, minor, money, planSummary } from './rules';

export const PLAN_INSTALMENT_MISSED = 'plan.instalment_missed';
export const PLAN_INSTALMENT_REMINDED = 'plan.instalment_reminder_sent';
export const PLAN_RECOMPUTED = 'plan.recomputed';
export const PLAN_NEEDS_ATTENTION = 'plan.needs_attention';

const Day = z.string().refine(isCalendarDate, { message: 'Enter a date.' });

export const PlanInputSchema = z
  .object({
    organisationId: z.uuid(),
    contactExternalId: z.string().trim().min(1).max(200),
    /** The invoices to cover (default: all the customer's open invoices). */
    invoiceIds: z.array(z.uuid()).min(1).max(500).optional(),
    frequency: z.enum(FREQUENCIES),
    count: z.number().int().min(1).max(120).optional(),
    instalmentAmount: z
      .string()
      .regex(/^\d{1,13}(\.\d{1,2})?$/, { message: 'Enter an amount such as 250 or 99.50.' })
      .optional(),
    startDate: Day,
    /** Post instalments as invoices in the ledger (default: the policy's). */
    postInvoices: z.boolean().optional(),
  })
  .strict()
  .refine((v) => (v.count === undefined) !== (v.instalmentAmount === undefined), { message: 'Give either the number of instalments or the instalment amount, not both.', path: ['count'] });
export type PlanInput = z.infer<typeof PlanInputSchema>;

export interface PlanPreview {
  organisationId: string;
  contactExternalId: string;
  currency: string;
  total: string;
  frequency: Frequency;
  startDate: CalendarDate;
  postInvoices: boolean;
  invoices: { id: string; externalId: string; number: string; amountDue: string; dueDate: string | null }[];
  instalments: { seq: number; dueDate: CalendarDate; amount: string }[];
  /** 'Payment plan agreed: 4 monthly instalments of £250.00 from 1 Dec 2026'. */
  summary: string;
}


async function activeCoverage(db: Db, org: Pick<OrgRow, 'id' | 'firmId'>, invoiceIds: readonly string[]): Promise<Set<string>> {
  if (invoiceIds.length === 0) return new Set();
  const rows = await db
    .select({ ids: paymentPlans.invoiceIds })
    .from(paymentPlans)
    .where(and(eq(paymentPlans.firmId, org.firmId), eq(paymentPlans.organisationId, org.id), eq(paymentPlans.status, 'active'), sql`${paymentPlans.invoiceIds} && ARRAY[${sql.join(
          invoiceIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )}]::uuid[]`));

  const wanted = new Set(invoiceIds);
  return new Set(rows.flatMap((r) => r.ids.filter((id) => wanted.has(id))));
}

interface Built {
  org: OrgRow;
  preview: PlanPreview;
  covered: OpenInvoice[];
  instalments: Instalment[];
}

async function build(db: Db, firmId: string, input: PlanInput, now: Date): Promise<Built> {
  const org = await loadOrg(db, firmId, input.organisationId);
  const policy = (await getCollectionsPolicy(db, firmId)).plans;
  const today = orgToday(org, now);
  if (input.startDate < today) throw invalidField('startDate', `Choose a start date on or after today, ${longDate(today)}.`);
  const open = await loadOpenInvoices(db, org, { contactExternalId: input.contactExternalId });
  let covered = open;
  if (input.invoiceIds) {
    const chosen = new Set(input.invoiceIds);
    covered = open.filter((i) => chosen.has(i.id));
    if (covered.length !== chosen.size) throw invalidField('invoiceIds', `${chosen.size - covered.length} of the chosen invoices ${chosen.size - covered.length === 1 ? 'is' : 'are'} not open invoices of this customer.`);
  }
  if (covered.length === 0) throw invalidField('contactExternalId', 'This customer has no open invoices to put on a plan.');
  const currencies = new Set(covered.map((i) => i.currency));
  if (currencies.size > 1) throw invalidField('invoiceIds', `A plan covers invoices in one currency; these are in ${[...currencies].join(' and ')}. Choose invoices in one currency.`);
  const taken = await activeCoverage(db, org, covered.map((i) => i.id));
  if (taken.size) throw conflict(`${covered.filter((i) => taken.has(i.id)).map(invoiceName).join(', ')} ${taken.size === 1 ? 'is' : 'are'} already on an active payment plan.`, 'already_on_plan');
  const total = covered.reduce((s, i) => s + i.amountDue, 0);
  const currency = covered[0]!.currency;
  let instalments: Instalment[];
  try {
    instalments = input.count !== undefined ? schedule({ total, start: input.startDate, frequency: input.frequency, count: input.count }) : schedule({ total, start: input.startDate, frequency: input.frequency, instalmentAmount: minor(input.instalmentAmount!) });
  } catch (err) {
    if (err instanceof MoneyError) throw invalidField(input.count !== undefined ? 'count' : 'instalmentAmount', input.count !== undefined ? 'There are more instalments than the balance can be split into: choose fewer.' : 'Enter an instalment amount more than zero.');
    throw err;
  }
  if (instalments.length > policy.maxInstalments) throw invalidField(input.count !== undefined ? 'count' : 'instalmentAmount', `A plan can have at most ${policy.maxInstalments} instalments; this one would have ${instalments.length}.`);
  const postInvoices = input.postInvoices ?? policy.postInvoices;
  return {
    org,
    covered,
    instalments,
    preview: {
      organisationId: org.id,
      contactExternalId: input.contactExternalId,
      currency,
      total: decimal(total),
      frequency: input.frequency,
      startDate: input.startDate,
      postInvoices,
      invoices: covered.map((i) => ({ id: i.id, externalId: i.externalId, number: i.number, amountDue: decimal(i.amountDue), dueDate: i.dueDate })),
      instalments: instalments.map((i) => ({ seq: i.seq, dueDate: i.dueDate, amount: decimal(i.amount) })),
      summary: planSummary(instalments, input.frequency, currency),
    },
  };
}

export async function previewPlan(db: Db, firmId: string, input: PlanInput, now: Date = new Date()): Promise<PlanPreview> {
  return (await build(db, firmId, input, now)).preview;
}

/** Create a plan; the ledger notes or postings are requested as write-backs after it is stored. */
export async function createPlan(deps: CollectionsDeps, firmId: string, userId: string | null, input: PlanInput): Promise<PlanView> {
  const now = deps.now?.() ?? new Date();
  const { db } = deps;
  const planId = await db.transaction(async (tx) => {
    // One plan at a time per customer, so two clicks cannot cover the same invoices twice.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`plan:${input.organisationId}:${input.contactExternalId}`}))`);
    const b = await build(tx as unknown as Db, firmId, input, now);
    const [plan] = await tx
      .insert(paymentPlans)
      .values({ firmId, organisationId: b.org.id, contactExternalId: input.contactExternalId, contactId: b.covered.find((i) => i.contactId)?.contactId ?? null, frequency: input.frequency, startDate: input.startDate, total: b.preview.total, currency: b.preview.currency, invoiceIds: b.covered.map((i) => i.id), postInvoices: b.preview.postInvoices, status: 'active', createdByUserId: userId, createdAt: now, updatedAt: now })
      .returning({ id: paymentPlans.id });
    await tx.insert(paymentPlanInstalments).values(b.instalments.map((i) => ({ firmId, planId: plan!.id, seq: i.seq, dueDate: i.dueDate, amount: decimal(i.amount) })));
    const details = { planId: plan!.id, contactExternalId: input.contactExternalId, frequency: input.frequency, startDate: input.startDate, total: b.preview.total, currency: b.preview.currency, count: b.instalments.length, postInvoices: b.preview.postInvoices, instalments: b.preview.instalments };
    await tx.insert(activities).values(
      b.covered.map((inv) => ({ firmId, organisationId: b.org.id, actorUserId: userId, actorType: userId ? 'user' : 'system', kind: PLAN_CREATED, contactId: inv.contactId, invoiceId: inv.id, summary: `${b.preview.summary} (${invoiceName(inv)})`, details: { ...details, invoiceExternalId: inv.externalId }, createdAt: now })),
    );
    return { id: plan!.id, built: b };
  });
  await postPlan(deps, planId.id, planId.built, userId);
  return getPlan(db, firmId, planId.id);
}

/** The plan's ledger side: notes, or transfer credits and instalment invoices (each a write-back, deduplicated by source key). */
async function postPlan(deps: CollectionsDeps, planId: string, b: Built, userId: string | null): Promise<void> {
  const { org, preview } = b;
  const by = { requestedBy: (userId ? 'user' : 'system') as 'user' | 'system', userId };
  const today = orgToday(org, deps.now?.() ?? new Date());
  for (const inv of b.covered) {
    if (!preview.postInvoices) {
      await requestWriteback(deps, {
        firmId: org.firmId,
        organisationId: org.id,
        kind: 'note',
        purpose: null,
        sourceKey: `plan_note:${planId}:${inv.id}`,
        invoiceId: inv.id,
        invoiceExternalId: inv.externalId,
        contactId: inv.contactId,
        contactExternalId: inv.contactExternalId,
        request: { invoiceExternalId: inv.externalId, text: preview.summary },
        noteText: null,
        ...by,
        summary: `Note the payment plan on ${invoiceName(inv)}`,
      });
      continue;
    }
    const amount = decimal(inv.amountDue);
    await requestWriteback(deps, {
      firmId: org.firmId,
      organisationId: org.id,
      kind: 'credit_note',
      purpose: 'plan_transfer',
      sourceKey: `plan_transfer:${planId}:${inv.id}`,
      invoiceId: inv.id,
      invoiceExternalId: inv.externalId,
      contactId: inv.contactId,
      contactExternalId: inv.contactExternalId,
      amount,
      currency: inv.currency,
      request: {
        contactExternalId: inv.contactExternalId,
        date: today,
        reference: `Moved to payment plan: ${invoiceName(inv)}`,
        currency: inv.currency,
        lines: [{ description: `${invoiceName(inv)} moved to a payment plan (${preview.instalments.length} ${preview.frequency} instalments)`, amount }],
        allocateTo: { invoiceExternalId: inv.externalId, amount },
      },
      noteText: `${preview.summary}; the balance is moved to the plan's instalment invoices`,
      ...by,
      summary: `Move ${money(inv.amountDue, inv.currency)} on ${invoiceName(inv)} to the payment plan`,
    });
  }
  if (!preview.postInvoices) return;
  const n = preview.instalments.length;
  const covered = b.covered.map(invoiceName).join(', ');
  for (const inst of preview.instalments) {
    const r = await requestWriteback(deps, {
      firmId: org.firmId,
      organisationId: org.id,
      kind: 'plan_invoice',
      purpose: 'instalment',
      sourceKey: `plan_invoice:${planId}:${inst.seq}`,
      contactId: b.covered.find((i) => i.contactId)?.contactId ?? null,
      contactExternalId: preview.contactExternalId,
      amount: inst.amount,
      currency: preview.currency,
      request: {
        contactExternalId: preview.contactExternalId,
        date: today,
        dueDate: inst.dueDate,
        reference: `Payment plan ${inst.seq}/${n}`,
        currency: preview.currency,
        lines: [{ description: `Payment plan instalment ${inst.seq} of ${n} (${covered})`.slice(0, 400), amount: inst.amount }],
      },
      noteText: null,
      ...by,
      summary: `Payment plan instalment ${inst.seq}/${n}: ${money(minor(inst.amount), preview.currency)} due ${dayText(inst.dueDate)}`,
    });
    await deps.db
      .update(paymentPlanInstalments)
      .set({ writebackId: r.id })
      .where(and(eq(paymentPlanInstalments.planId, planId), eq(paymentPlanInstalments.seq, inst.seq), isNull(paymentPlanInstalments.writebackId)));
  }
}

/** A plan's row status (payment_plans.status). */
export type PlanRowStatus = 'active' | 'completed' | 'broken' | 'cancelled';

/** A plan as listed for a customer (`GET /collections/plans`). */
export interface PlanSummary {
  id: string;
  contactExternalId: string;
  frequency: Frequency;
  startDate: CalendarDate;
  total: string;
  currency: string;
  status: PlanRowStatus;
  postInvoices: boolean;
  invoiceCount: number;
  createdAt: string;
  /** Why the plan waits for the collector, in words (its invoices changed in a way not recomputed by itself). */
  attention: string | null;
}

/** One plan with its invoices and instalments (`GET /collections/plans/:id`). */
export interface PlanView extends Omit<PlanSummary, 'invoiceCount'> {
  organisationId: string;
  invoices: { id: string; externalId: string; number: string; amountDue: string; status: string }[];
  instalments: { id: string; seq: number; dueDate: CalendarDate; amount: string; status: string; paidOn: CalendarDate | null; writebackId: string | null; writebackStatus: WritebackStatus | null; reminderSentAt: string | null }[];
  paid: string;
}

export async function getPlan(db: Db, firmId: string, planId: string): Promise<PlanView> {
  const [p] = await db
    .select()
    .from(paymentPlans)
    .where(and(eq(paymentPlans.firmId, firmId), eq(paymentPlans.id, planId)));
  if (!p) throw notFound('No such payment plan.');
  const inst = await db
    .select({ i: paymentPlanInstalments, wbStatus: writebacks.status })
    .from(paymentPlanInstalments)
    .leftJoin(writebacks, eq(writebacks.id, paymentPlanInstalments.writebackId))
    .where(and(eq(paymentPlanInstalments.firmId, firmId), eq(paymentPlanInstalments.planId, p.id)))
    .orderBy(asc(paymentPlanInstalments.seq));
  const invs = p.invoiceIds.length
    ? await db
        .select({ id: invoices.id, externalId: invoices.externalId, number: invoices.number, amountDue: invoices.amountDue, status: invoices.status })
        .from(invoices)
        .where(and(eq(invoices.firmId, firmId), inArray(invoices.id, p.invoiceIds)))
    : [];
  const paid = inst.filter((r) => r.i.status === 'paid').reduce((s, r) => s + minor(r.i.amount), 0);
  return {
    id: p.id,
    organisationId: p.organisationId,
    contactExternalId: p.contactExternalId,
    frequency: p.frequency as Frequency,
    startDate: p.startDate,
    total: decimal(minor(p.total)),
    currency: p.currency,
    status: p.status as PlanRowStatus,
    postInvoices: p.postInvoices,
    createdAt: p.createdAt.toISOString(),
    attention: p.attentionReason,
    invoices: invs.map((i) => ({ ...i, amountDue: decimal(minor(i.amountDue)) })),
    instalments: inst.map(({ i, wbStatus }) => ({ id: i.id, seq: i.seq, dueDate: i.dueDate, amount: decimal(minor(i.amount)), status: i.status, paidOn: i.paidOn, writebackId: i.writebackId, writebackStatus: (wbStatus as WritebackStatus | null) ?? null, reminderSentAt: i.reminderSentAt?.toISOString() ?? null })),
    paid: decimal(paid),
  };
}

export async function listPlans(db: Db, firmId: string, f: { organisationId: string; contactExternalId?: string }): Promise<PlanSummary[]> {
  const conds = [eq(paymentPlans.firmId, firmId), eq(paymentPlans.organisationId, f.organisationId)];
  if (f.contactExternalId) conds.push(eq(paymentPlans.contactExternalId, f.contactExternalId));
  const rows = await db
    .select()
    .from(paymentPlans)
    .where(and(...conds))
    .orderBy(desc(paymentPlans.createdAt))
    .limit(200);
  return rows.map((p) => ({ id: p.id, contactExternalId: p.contactExternalId, frequency: p.frequency as Frequency, startDate: p.startDate, total: decimal(minor(p.total)), currency: p.currency, status: p.status as PlanRowStatus, postInvoices: p.postInvoices, invoiceCount: p.invoiceIds.length, createdAt: p.createdAt.toISOString(), attention: p.attentionReason }));
}

/** End an active plan (cancelled by a person, broken, or completed) and lift its holds. */
async function endPlan(db: Db, plan: typeof paymentPlans.$inferSelect, to: 'cancelled' | 'broken' | 'completed', actor: { userId: string | null }, summary: string, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const done = await tx
      .update(paymentPlans)
      .set({ status: to, updatedAt: now })
      .where(and(eq(paymentPlans.id, plan.id), eq(paymentPlans.status, 'active')))
      .returning({ id: paymentPlans.id });
    if (done.length === 0) return false;
    const covered = plan.invoiceIds.length
      ? await tx
          .select({ id: invoices.id, contactId: invoices.contactId, externalId: invoices.externalId })
          .from(invoices)
          .where(and(eq(invoices.firmId, plan.firmId), inArray(invoices.id, plan.invoiceIds)))
      : [];
    if (covered.length)
      await tx.insert(activities).values(
        covered.map((inv) => ({ firmId: plan.firmId, organisationId: plan.organisationId, actorUserId: actor.userId, actorType: actor.userId ? 'user' : 'system', kind: PLAN_ENDED, contactId: inv.contactId, invoiceId: inv.id, summary, details: { planId: plan.id, reason: to, contactExternalId: plan.contactExternalId, invoiceExternalId: inv.externalId }, createdAt: now })),
      );
    // Posted instalment invoices were left to the plan's own reminders; without the plan, the
    // reminder sequences take them back (the exclusion the write-back engine set is lifted).
    if (to !== 'completed')
      await tx.execute(sql`DELETE FROM reminder_invoice_holds h USING writebacks w
        WHERE w.firm_id = ${plan.firmId}::uuid AND w.kind = 'plan_invoice' AND w.source_key LIKE ${`plan_invoice:${plan.id}:%`} AND w.external_id IS NOT NULL
          AND h.organisation_id = w.organisation_id AND h.invoice_external_id = w.external_id AND h.reason = ${INSTALMENT_HOLD_REASON}`);
    return true;
  });
}

/** How a plan that is no longer active ended, for a sentence ("The plan has already been cancelled."). */
const PLAN_END_WORDS: Record<string, string> = { cancelled: 'been cancelled', completed: 'been paid off', broken: 'lapsed after missed instalments' };

export async function cancelPlan(db: Db, firmId: string, planId: string, userId: string, now: Date = new Date()): Promise<PlanView> {
  const [p] = await db
    .select()
    .from(paymentPlans)
    .where(and(eq(paymentPlans.firmId, firmId), eq(paymentPlans.id, planId)));
  if (!p) throw notFound('No such payment plan.');
  if (p.status !== 'active') throw conflict(`The plan has already ${PLAN_END_WORDS[p.status] ?? 'ended'}.`, 'plan_not_active');
  await endPlan(db, p, 'cancelled', { userId }, 'Payment plan cancelled; reminders resume', now);
  return getPlan(db, firmId, planId);
}

export interface PlanUpdate {
  planId: string;
  status: string;
  missed: number[];
  paid: number[];
  /** Instalments recomputed (seq → new amount) because less is owed; `attention`: why it waits for the collector. */
  recomputed?: { seq: number; amount: string }[];
  attention?: string;
}

/**
 * A plan whose invoices changed: less owed → the remaining instalments shrink (the last first,
 * domain `reconcileInstalments`), nothing owed → the unpaid ones are cancelled, each with one
 * `plan.recomputed` timeline entry; more owed → the plan is flagged for the collector
 * (`attention_reason`, one `plan.needs_attention` entry per new reason) and left as it is.
 * Exactly once: each instalment change is guarded on the amount it replaces and the whole is one
 * transaction under the plan's row lock, after which remaining = owed, so a re-run finds nothing.
 * Returns true when instalments changed.
 */
async function keepTrue(db: Db, plan: typeof paymentPlans.$inferSelect, rows: readonly (typeof paymentPlanInstalments.$inferSelect)[], states: readonly InstalmentState[], owed: number, update: PlanUpdate, now: Date): Promise<boolean> {
  const r = reconcileInstalments(states, owed);
  const actor = { firmId: plan.firmId, organisationId: plan.organisationId, actorType: 'system', contactId: plan.contactId, createdAt: now };
  if (r.kind === 'ok') {
    if (plan.attentionReason) await db.update(paymentPlans).set({ attentionReason: null, attentionAt: null }).where(and(eq(paymentPlans.id, plan.id), eq(paymentPlans.attentionReason, plan.attentionReason)));
    return false;
  }
  if (r.kind === 'increase') {
    const reason = `${money(r.by, plan.currency)} more is owed on the plan’s invoices than its remaining instalments ask for (a new charge or a reversed credit?). The plan was not changed: change or cancel it.`;
    await flagPlan(db, plan, reason, { more: decimal(r.by) }, update, now);
    return false;
  }
  const n = rows.length;
  const changed = await db.transaction(async (tx) => {
    const [locked] = await tx.select({ status: paymentPlans.status }).from(paymentPlans).where(eq(paymentPlans.id, plan.id)).for('update');
    if (locked?.status !== 'active') return false;
    for (const c of r.changes) {
      const row = rows.find((x) => x.seq === c.seq)!;
      const done = await tx
        .update(paymentPlanInstalments)
        .set({ amount: decimal(c.to), ...(c.to === 0 ? { status: 'cancelled' } : {}) })
        .where(and(eq(paymentPlanInstalments.id, row.id), eq(paymentPlanInstalments.amount, row.amount), sql`${paymentPlanInstalments.status} <> 'cancelled'`))
        .returning({ id: paymentPlanInstalments.id });
      // Someone else changed it first: roll back, the next pass decides on fresh rows.
      if (done.length === 0) throw new PlanChangedMeanwhile();
    }
    const words = r.changes.map((c) => (c.to === 0 ? `instalment ${c.seq}/${n} cancelled` : `instalment ${c.seq}/${n} now ${money(c.to, plan.currency)}`)).join(', ');
    const summary =
      r.kind === 'settled'
        ? `Payment plan: nothing more is owed on its invoices, so nothing more is asked (${words})`
        : `Payment plan recomputed: ${money(r.by, plan.currency)} less is owed on its invoices (a credit, a forgiven fee or a payment outside the plan); ${words}`;
    await tx.insert(activities).values({ ...actor, kind: PLAN_RECOMPUTED, summary, details: { planId: plan.id, less: r.kind === 'reduce' ? decimal(r.by) : null, settled: r.kind === 'settled', changes: r.changes.map((c) => ({ seq: c.seq, from: decimal(c.from), to: decimal(c.to) })), contactExternalId: plan.contactExternalId } });
    if (plan.attentionReason) await tx.update(paymentPlans).set({ attentionReason: null, attentionAt: null }).where(eq(paymentPlans.id, plan.id));
    return true;
  }).catch((err: unknown) => {
    if (err instanceof PlanChangedMeanwhile) return false;
    throw err;
  });
  if (changed) update.recomputed = r.changes.map((c) => ({ seq: c.seq, amount: decimal(c.to) }));
  return changed;
}

class PlanChangedMeanwhile extends Error {}

/** Every transfer credit and instalment invoice of a posted plan is confirmed in the ledger (until then, what is owed is in flux). */
async function planWritesConfirmed(db: Db, firmId: string, planId: string): Promise<boolean> {
  const rows = await db
    .select({ status: writebacks.status })
    .from(writebacks)
    .where(and(eq(writebacks.firmId, firmId), sql`(${writebacks.sourceKey} LIKE ${`plan_transfer:${planId}:%`} OR ${writebacks.sourceKey} LIKE ${`plan_invoice:${planId}:%`})`));
  return rows.length > 0 && rows.every((r) => r.status === 'confirmed');
}

/** The plan waits for the collector, with the reason in words: one `plan.needs_attention` entry per new reason. */
async function flagPlan(db: Db, plan: typeof paymentPlans.$inferSelect, reason: string, details: Record<string, unknown>, update: PlanUpdate, now: Date): Promise<void> {
  update.attention = reason;
  const flagged = await db
    .update(paymentPlans)
    .set({ attentionReason: reason, attentionAt: now })
    .where(and(eq(paymentPlans.id, plan.id), eq(paymentPlans.status, 'active'), sql`${paymentPlans.attentionReason} IS DISTINCT FROM ${reason}`))
    .returning({ id: paymentPlans.id });
  if (flagged.length) {
    await db.insert(activities).values({ firmId: plan.firmId, organisationId: plan.organisationId, actorType: 'system', contactId: plan.contactId, createdAt: now, kind: PLAN_NEEDS_ATTENTION, summary: `Payment plan needs a look: ${reason}`, details: { planId: plan.id, contactExternalId: plan.contactExternalId, ...details } });
  }
}

/**
 * A posted plan's instalments are invoices already in the ledger: Arcus does not rewrite them. When
 * what its instalment invoices (and any original invoice not fully moved) still owe differs from
 * what its remaining instalments ask, the plan is flagged for the collector; once they agree again
 * the flag clears. Checked only when every instalment invoice is in the ledger and synced.
 */
async function checkPostedPlan(db: Db, plan: typeof paymentPlans.$inferSelect, states: readonly InstalmentState[], owed: number, update: PlanUpdate, now: Date): Promise<void> {
  const r = reconcileInstalments(states, owed);
  if (r.kind === 'ok') {
    if (plan.attentionReason) await db.update(paymentPlans).set({ attentionReason: null, attentionAt: null }).where(and(eq(paymentPlans.id, plan.id), eq(paymentPlans.attentionReason, plan.attentionReason)));
    return;
  }
  const reason =
    r.kind === 'increase'
      ? `${money(r.by, plan.currency)} more is owed on the plan’s invoices than its remaining instalments ask for (a new charge or a reversed credit?). Its instalment invoices are already in the ledger, so Arcus changed nothing: change or cancel the plan.`
      : `${money(r.kind === 'settled' ? r.changes.reduce((s, c) => s + c.from - c.to, 0) : r.by, plan.currency)} less is owed on the plan’s invoices than its remaining instalments ask for (a credit, a forgiven fee or a payment outside the plan). Its instalment invoices are already in the ledger, so Arcus changed nothing: credit or void the instalment invoices that are no longer owed, or cancel the plan.`;
  await flagPlan(db, plan, reason, r.kind === 'increase' ? { more: decimal(r.by) } : { less: true }, update, now);
}

/** The daily pass over an organisation's active plans: instalment statuses from synced payments, misses, breaks and completions. */
export async function updatePlans(deps: Pick<CollectionsDeps, 'db' | 'now'>, firmId: string, organisationId: string): Promise<PlanUpdate[]> {
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const org = await loadOrg(db, firmId, organisationId);
  const today = orgToday(org, now);
  const policy = (await getCollectionsPolicy(db, firmId)).plans;
  const plans = await db
    .select()
    .from(paymentPlans)
    .where(and(eq(paymentPlans.firmId, firmId), eq(paymentPlans.organisationId, org.id), eq(paymentPlans.status, 'active')));
  const out: PlanUpdate[] = [];
  for (const plan of plans) {
    let rows = (await db.select().from(paymentPlanInstalments).where(eq(paymentPlanInstalments.planId, plan.id)).orderBy(asc(paymentPlanInstalments.seq))).filter((r) => r.status !== 'cancelled');
    const covered = plan.invoiceIds.length
      ? await db
          .select({ externalId: invoices.externalId, amountDue: invoices.amountDue, status: invoices.status })
          .from(invoices)
          .where(and(eq(invoices.firmId, firmId), inArray(invoices.id, plan.invoiceIds)))
      : [];
    const posted = rows.map((r) => r.writebackId).filter((id): id is string => !!id);
    const postedInvoices = posted.length
      ? (await db.select({ externalId: writebacks.externalId }).from(writebacks).where(and(eq(writebacks.firmId, firmId), inArray(writebacks.id, posted)))).map((w) => w.externalId).filter((x): x is string => !!x)
      : [];
    const targets = [...covered.map((c) => c.externalId), ...postedInvoices];
    const agreedOn = todayIn(org.timezone, plan.createdAt);
    const received = targets.length
      ? await db
          .select({ date: paymentAllocations.date, amount: paymentAllocations.amount })
          .from(paymentAllocations)
          .innerJoin(payments, eq(payments.id, paymentAllocations.paymentId))
          .where(and(eq(paymentAllocations.firmId, firmId), eq(paymentAllocations.organisationId, org.id), eq(payments.status, 'authorised'), inArray(paymentAllocations.invoiceExternalId, targets), sql`${paymentAllocations.date} >= ${agreedOn}::date`))
      : [];
    const allocate = () =>
      allocatePayments(
        rows.map((r) => ({ seq: r.seq, dueDate: r.dueDate, amount: minor(r.amount) })),
        received.map((p) => ({ date: p.date, amount: minor(p.amount) })),
        today,
        policy.missedGraceDays,
      );
    let states = allocate();
    const update: PlanUpdate = { planId: plan.id, status: plan.status, missed: [], paid: [] };
    // Still true? What the remaining instalments ask for against what the invoices still owe.
    const owedOn = (list: readonly { amountDue: string; status: string }[]) => list.reduce((sum, c) => sum + (c.status === 'authorised' ? Math.max(0, minor(c.amountDue)) : 0), 0);
    if (!plan.postInvoices && covered.length > 0) {
      if (await keepTrue(db, plan, rows, states, owedOn(covered), update, now)) {
        rows = (await db.select().from(paymentPlanInstalments).where(eq(paymentPlanInstalments.planId, plan.id)).orderBy(asc(paymentPlanInstalments.seq))).filter((r) => r.status !== 'cancelled');
        states = allocate();
      }
    } else if (plan.postInvoices && rows.length > 0 && postedInvoices.length === rows.length && (await planWritesConfirmed(db, firmId, plan.id))) {
      const instalmentInvoices = await db
        .select({ amountDue: invoices.amountDue, status: invoices.status })
        .from(invoices)
        .where(and(eq(invoices.firmId, firmId), eq(invoices.organisationId, org.id), inArray(invoices.externalId, postedInvoices)));
      if (instalmentInvoices.length === postedInvoices.length) await checkPostedPlan(db, plan, states, owedOn(instalmentInvoices) + owedOn(covered), update, now);
    }
    for (const s of states) {
      const row = rows.find((r) => r.seq === s.seq)!;
      if (row.status === s.status && row.paidOn === s.paidOn) continue;
      const changed = await db
        .update(paymentPlanInstalments)
        .set({ status: s.status, paidOn: s.paidOn })
        .where(and(eq(paymentPlanInstalments.id, row.id), eq(paymentPlanInstalments.status, row.status)))
        .returning({ id: paymentPlanInstalments.id });
      if (changed.length === 0) continue;
      if (s.status === 'paid') update.paid.push(s.seq);
      if (s.status === 'missed') {
        update.missed.push(s.seq);
        await db.insert(activities).values({ firmId, organisationId: org.id, actorType: 'system', kind: PLAN_INSTALMENT_MISSED, contactId: plan.contactId, summary: `Payment plan instalment ${s.seq}/${rows.length} of ${money(s.amount, plan.currency)} due ${dayText(s.dueDate)} was missed`, details: { planId: plan.id, seq: s.seq, dueDate: s.dueDate, amount: decimal(s.amount), paid: decimal(s.paid), contactExternalId: plan.contactExternalId }, createdAt: now });
      }
    }
    // Without posted invoices, a plan whose invoices are all settled is complete whatever the allocation says.
    const settled = !plan.postInvoices && covered.length > 0 && covered.every((c) => c.status !== 'authorised' || minor(c.amountDue) <= 0);
    const status = settled ? 'completed' : planStatus(states, policy.breakAfterMissed);
    if (status === 'broken') {
      const missed = states.filter((s) => s.status === 'missed').length;
      if (await endPlan(db, plan, 'broken', { userId: null }, `Payment plan broken after ${missed} missed instalment${missed === 1 ? '' : 's'}; reminders resume`, now)) update.status = 'broken';
    } else if (status === 'completed') {
      if (await endPlan(db, plan, 'completed', { userId: null }, 'Payment plan completed', now)) update.status = 'completed';
    }
    out.push(update);
  }
  return out;
}

export type InstalmentMail = OneOffMail;

/**
 * Email the customer about each instalment due within `reminderDaysBefore` days, once: the
 * instalment is claimed by setting `reminder_sent_at` only where it is still null, and given
 * back if the mail server defers the message (tried again on the next run).
 */
export async function sendInstalmentReminders(deps: Pick<CollectionsDeps, 'db' | 'now'> & { mail: InstalmentMail }, firmId: string, organisationId: string): Promise<{ sent: string[]; skipped: { id: string; reason: string }[] }> {
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const org = await loadOrgWithSettings(db, organisationId);
  if (!org || org.firmId !== firmId) throw notFound('No such organisation.');
  const today = todayIn(org.timezone, now);
  const policy = (await getCollectionsPolicy(db, firmId)).plans;
  const until = addDays(today, policy.reminderDaysBefore);
  const due = await db
    .select({ i: paymentPlanInstalments, p: paymentPlans })
    .from(paymentPlanInstalments)
    .innerJoin(paymentPlans, eq(paymentPlans.id, paymentPlanInstalments.planId))
    .where(
      and(
        eq(paymentPlans.firmId, firmId),
        eq(paymentPlans.organisationId, org.id),
        eq(paymentPlans.status, 'active'),
        eq(paymentPlanInstalments.status, 'due'),
        isNull(paymentPlanInstalments.reminderSentAt),
        sql`${paymentPlanInstalments.dueDate} >= ${today}::date AND ${paymentPlanInstalments.dueDate} <= ${until}::date`,
      ),
    )
    .orderBy(asc(paymentPlanInstalments.dueDate));
  const result = { sent: [] as string[], skipped: [] as { id: string; reason: string }[] };
  for (const { i, p } of due) {
    const customer = await loadCustomerState(db, org, p.contactExternalId);
    const choice = recipientsOf(customer);
    const block = recipientBlock(choice);
    if (block) {
      result.skipped.push({ id: i.id, reason: block });
      continue;
    }
    const claimedAt = deps.now?.() ?? new Date();
    const claimed = await db
      .update(paymentPlanInstalments)
      .set({ reminderSentAt: claimedAt })
      .where(and(eq(paymentPlanInstalments.id, i.id), isNull(paymentPlanInstalments.reminderSentAt)))
      .returning({ id: paymentPlanInstalments.id });
    if (claimed.length === 0) continue;
    const count = (await db.select({ n: sql<number>`count(*)::int` }).from(paymentPlanInstalments).where(eq(paymentPlanInstalments.planId, p.id)))[0]?.n ?? 0;
    const amount = money(minor(i.amount), p.currency);
    const greeting = customer.firstName ? `Dear ${customer.firstName},` : `Dear ${customer.name},`;
    const subject = `Payment plan: instalment ${i.seq} of ${count} (${amount}) due ${dayText(i.dueDate)}`;
    const lines = [greeting, '', `This is a reminder that instalment ${i.seq} of ${count} of your payment plan with ${org.name}, ${amount}, is due on ${dayText(i.dueDate)}.`, '', 'Thank you for keeping to the plan.', '', org.settings.signature || org.name];
    const outcome = await sendCustomerEmail(deps.mail, { firmId, org, to: choice.to, messageId: `<instalment.${i.id}@${mailDomain(deps.mail.mailFrom)}>`, subject, lines, headers: { 'X-Arcus-Instalment': i.id } });
    if (!outcome.sent) {
      if (outcome.kind === 'temporary') await db.update(paymentPlanInstalments).set({ reminderSentAt: null }).where(and(eq(paymentPlanInstalments.id, i.id), eq(paymentPlanInstalments.reminderSentAt, claimedAt)));
      result.skipped.push({ id: i.id, reason: outcome.kind === 'temporary' ? 'mail_deferred' : 'mail_refused' });
      continue;
    }
    await db.insert(activities).values({ firmId, organisationId: org.id, actorType: 'system', kind: PLAN_INSTALMENT_REMINDED, contactId: customer.contactId, summary: `Instalment ${i.seq}/${count} reminder sent to ${maskList(choice.to)}`, details: { planId: p.id, instalmentId: i.id, seq: i.seq, dueDate: i.dueDate, contactExternalId: p.contactExternalId }, createdAt: now });
    result.sent.push(i.id);
  }
  return result;
}

