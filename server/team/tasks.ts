/**
 * Tasks (docs/decisions/025-tasks-and-action-plans.md): a follow-up generalised. A task has a kind
 * (a call, a review, a follow-up), an assignee (a firm member who can be assigned work; the creator
 * by default), a due day, and a link — a customer, one of its invoices, or (an action-plan step)
 * the organisation and one of its targets. It is open until someone marks it done or skips it,
 * with what came of it; that adds one line to the timeline (a guarded update: twice is once).
 *
 * Stored in `collector_tasks` (migration 0019, extended by 0029): a call's next step
 * (collector-log.ts) is a task of kind follow-up.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { addDays, isCalendarDate, longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound } from '../../kernel/errors';
import type { Db } from '../db/client';
import { activities, collectorTasks, contacts, invoices, memberships, organisations, targets } from '../db/schema';
import { ASSIGNABLE } from './assignments';

export const TASK_KINDS = ['call', 'review', 'follow_up'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** A kind in words (its key never reaches a person). */
export const TASK_KIND_WORDS: Record<TaskKind, string> = { call: 'Call', review: 'Review', follow_up: 'Follow-up' };

/** How far ahead a task may be due. */
export const TASK_MAX_DAYS = 365;

const Id = (what: string) => z.uuid({ message: `Choose the ${what} again: this one does not exist.` });
const Title = z.string().trim().min(1, { message: 'Say what is to be done.' }).max(200, { message: 'Keep what is to be done under 200 characters.' });
const DueOn = z.string().refine(isCalendarDate, { message: 'Choose the due date from the calendar.' });
const Outcome = z.string().trim().max(1000, { message: 'Keep the outcome under 1,000 characters.' });

export const TaskInputSchema = z
  .object({
    organisationId: Id('client'),
    kind: z.enum(TASK_KINDS, { message: 'Choose a call, a review or a follow-up.' }),
    title: Title,
    dueOn: DueOn,
    /** Absent: the person creating it. */
    assigneeUserId: Id('person').optional(),
    contactExternalId: z.string().min(1, { message: 'Choose the customer.' }).max(200).optional(),
    invoiceId: Id('invoice').optional(),
    /** An action-plan step: the target it serves. */
    targetId: Id('target').optional(),
    /** The form's own id: sent twice, the task is created once. */
    requestKey: z.uuid().optional(),
  })
  .strict()
  .refine((v) => v.contactExternalId !== undefined || v.invoiceId !== undefined || v.targetId !== undefined, {
    path: ['contactExternalId'],
    message: 'Choose the customer, the invoice or the target this task is for.',
    when: (p) => typeof p.value === 'object' && p.value !== null,
  });
export type TaskInput = z.infer<typeof TaskInputSchema>;

export const TaskPatchSchema = z.object({ assigneeUserId: Id('person').optional(), dueOn: DueOn.optional(), title: Title.optional() }).strict();
export const FinishSchema = z.object({ outcome: Outcome.optional() }).strict();
export const SkipSchema = z.object({ outcome: z.string({ message: 'Say why it is skipped.' }).trim().min(1, { message: 'Say why it is skipped.' }).max(1000, { message: 'Keep the outcome under 1,000 characters.' }) }).strict();

type Auth = { firmId: string; userId: string };

/** The assignee must be someone the firm can give work to (not a viewer, not a client contact). */
async function requireAssignee(db: Db, firmId: string, userId: string, field = 'assigneeUserId'): Promise<void> {
  const [m] = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.firmId, firmId), eq(memberships.userId, userId), inArray(memberships.role, [...ASSIGNABLE])));
  if (!m) throw invalidField(field, 'Choose a collector, a manager or an administrator of the firm.');
}

function checkDue(dueOn: string, timezone: string, now: Date): void {
  const today = todayIn(timezone, now);
  const latest = addDays(today, TASK_MAX_DAYS);
  if (dueOn < today || dueOn > latest) throw invalidField('dueOn', `Choose a due date between ${longDate(today)} and ${longDate(latest)}.`);
}

export async function createTask(db: Db, auth: Auth, input: TaskInput, now: Date): Promise<{ id: string; created: boolean }> {
  const [org] = await db
    .select({ id: organisations.id, timezone: organisations.timezone })
    .from(organisations)
    .where(and(eq(organisations.id, input.organisationId), eq(organisations.firmId, auth.firmId)));
  if (!org) throw notFound('No such client in this firm.');
  let contactExternalId = input.contactExternalId ?? null;
  if (input.invoiceId) {
    const [inv] = await db
      .select({ contactExternalId: invoices.contactExternalId })
      .from(invoices)
      .where(and(eq(invoices.id, input.invoiceId), eq(invoices.firmId, auth.firmId), eq(invoices.organisationId, org.id)));
    if (!inv) throw notFound('No such invoice for this client.');
    if (contactExternalId !== null && contactExternalId !== inv.contactExternalId) throw invalidField('invoiceId', 'This invoice belongs to another customer.');
    contactExternalId = inv.contactExternalId;
  }
  let contactId: string | null = null;
  if (contactExternalId !== null) {
    const [c] = await db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.firmId, auth.firmId), eq(contacts.organisationId, org.id), eq(contacts.externalId, contactExternalId)));
    if (!c) throw notFound('No such customer for this client.');
    contactId = c.id;
  }
  if (input.targetId) {
    const [t] = await db
      .select({ id: targets.id })
      .from(targets)
      .where(and(eq(targets.id, input.targetId), eq(targets.firmId, auth.firmId), eq(targets.organisationId, org.id)));
    if (!t) throw notFound('No such target for this client.');
  }
  const assignee = input.assigneeUserId ?? auth.userId;
  await requireAssignee(db, auth.firmId, assignee);
  checkDue(input.dueOn, org.timezone, now);
  const id = input.requestKey ?? randomUUID();
  const rows = await db
    .insert(collectorTasks)
    .values({
      id,
      firmId: auth.firmId,
      organisationId: org.id,
      contactId,
      contactExternalId,
      invoiceId: input.invoiceId ?? null,
      targetId: input.targetId ?? null,
      kind: input.kind,
      title: input.title,
      dueOn: input.dueOn,
      assignedUserId: assignee,
      createdByUserId: auth.userId,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: collectorTasks.id })
    .returning({ id: collectorTasks.id });
  if (rows.length === 0) {
    const [first] = await db.select({ id: collectorTasks.id }).from(collectorTasks).where(and(eq(collectorTasks.id, id), eq(collectorTasks.firmId, auth.firmId)));
    if (!first) throw notFound('No such task in this firm.');
    return { id, created: false };
  }
  return { id, created: true };
}

async function taskOf(db: Db, firmId: string, id: string) {
  const [row] = await db
    .select()
    .from(collectorTasks)
    .where(and(eq(collectorTasks.id, id), eq(collectorTasks.firmId, firmId)));
  if (!row) throw notFound('No such task in this firm.');
  return row;
}

/** Reassign an open task, move its day or reword it. */
export async function updateTask(db: Db, auth: Auth, id: string, patch: z.infer<typeof TaskPatchSchema>, now: Date): Promise<{ id: string }> {
  const row = await taskOf(db, auth.firmId, id);
  if (row.status !== 'open') throw invalidField('status', 'This task is already closed.');
  if (patch.assigneeUserId) await requireAssignee(db, auth.firmId, patch.assigneeUserId);
  if (patch.dueOn) {
    const [org] = await db.select({ timezone: organisations.timezone }).from(organisations).where(and(eq(organisations.id, row.organisationId), eq(organisations.firmId, auth.firmId)));
    checkDue(patch.dueOn, org!.timezone, now);
  }
  await db
    .update(collectorTasks)
    .set({ ...(patch.assigneeUserId ? { assignedUserId: patch.assigneeUserId } : {}), ...(patch.dueOn ? { dueOn: patch.dueOn } : {}), ...(patch.title ? { title: patch.title } : {}), updatedAt: now })
    .where(and(eq(collectorTasks.id, id), eq(collectorTasks.firmId, auth.firmId)));
  return { id };
}

/**
 * Close a task as done or skipped, with what came of it. Closed already: unchanged, nothing added
 * to the timeline. The timeline line: "Call done: … — outcome" (activity `follow_up.done`, the kind
 * follow-ups had before tasks) or "Review skipped: … — reason" (`task.skipped`).
 */
export async function finishTask(db: Db, auth: Auth, id: string, how: { status: 'done' | 'skipped'; outcome?: string | undefined }, now: Date): Promise<{ id: string; status: 'done' | 'skipped'; changed: boolean }> {
  const row = await taskOf(db, auth.firmId, id);
  const outcome = how.outcome?.trim() || null;
  const changed = await db.transaction(async (tx) => {
    const closed = await tx
      .update(collectorTasks)
      .set({ status: how.status, outcome, doneAt: now, doneByUserId: auth.userId, updatedAt: now })
      .where(and(eq(collectorTasks.id, id), eq(collectorTasks.firmId, auth.firmId), eq(collectorTasks.status, 'open')))
      .returning({ id: collectorTasks.id });
    if (closed.length === 0) return false;
    const word = TASK_KIND_WORDS[row.kind as TaskKind] ?? 'Task';
    await tx.insert(activities).values({
      firmId: auth.firmId,
      organisationId: row.organisationId,
      actorUserId: auth.userId,
      actorType: 'user',
      kind: how.status === 'done' ? 'follow_up.done' : 'task.skipped',
      contactId: row.contactId,
      invoiceId: row.invoiceId,
      summary: `${word} ${how.status === 'done' ? 'done' : 'skipped'}: ${row.title}${outcome ? ` — ${outcome}` : ''}`,
      details: { contactExternalId: row.contactExternalId, followUpId: row.id, ...(row.targetId ? { targetId: row.targetId } : {}), ...(outcome ? { outcome } : {}) },
      createdAt: now,
    });
    return true;
  });
  return { id, status: how.status, changed };
}
