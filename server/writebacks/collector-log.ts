/**
 * A collector's log: a note, a call (what happened, what was said, and an optional next step that
 * becomes a follow-up task), and the worklist's "Mark contacted" — on a customer or one of its
 * invoices (docs/decisions/016-collector-log.md).
 *
 * Each is an activity on the timeline plus a `note` write-back per invoice it covers (the
 * invoice, or the customer's open invoices, at most 25), source key `note:<activity>:<invoice>`
 * as for promises and disputes. Notes for one invoice requested the same local day are written
 * as one ledger note (note-batch.ts), so a note, a call and a "Mark contacted" on one invoice on
 * one day are one note in Xero or QuickBooks. The activity, the follow-up and the write-backs are
 * stored in one transaction; a form sent twice with the same `requestKey` (the activity's id) is
 * recorded once.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { clampNote } from '../../integrations/ledger/notes';
import { addDays, isCalendarDate, longDate, todayIn } from '../../kernel/dates';
import { conflict, invalidField } from '../../kernel/errors';
import type { Role } from '../auth/current-user';
import { type Db, queryRows } from '../db/client';
import { activities, collectorTasks } from '../db/schema';
import { CALL_LOGGED, NOTE_ADDED } from '../scoring/in-motion';
import { finishTask } from '../team/tasks';
import { markContacted } from '../scoring/worklist';
import { type ResolvedTarget, resolveTarget as resolveCollectorTarget } from './collector-actions';
import { noteLimit } from './note-batch';
import { type RequestDeps, type RequestInput, requestWritebacksIn } from './request';

export const CALL_OUTCOMES = ['reached', 'left_voicemail', 'no_answer', 'wrong_number', 'promised_to_pay', 'disputed'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** An outcome in words, for the timeline and the ledger note. */
export const CALL_OUTCOME_WORDS: Record<CallOutcome, string> = {
  reached: 'spoke to them',
  left_voicemail: 'left a voicemail',
  no_answer: 'no answer',
  wrong_number: 'wrong number',
  promised_to_pay: 'promised to pay',
  disputed: 'disputed the invoice',
};

/** Notes written per entry at most (a customer-wide entry on a customer with many invoices), as for promises. */
const MAX_NOTED_INVOICES = 25;
/** How far ahead a follow-up may be set. */
export const FOLLOW_UP_MAX_DAYS = 365;

const Target = {
  organisationId: z.uuid(),
  contactExternalId: z.string().min(1).max(200),
  /** One invoice; absent = the customer (its open invoices). */
  invoiceId: z.uuid().optional(),
  /** The form's own id: sent twice, the entry is recorded once. */
  requestKey: z.uuid().optional(),
};

export const NoteSchema = z
  .object({
    ...Target,
    text: z.string().trim().min(1, { message: 'Write the note.' }).max(1000, { message: 'Keep the note under 1,000 characters.' }),
  })
  .strict();
export type NoteInput = z.infer<typeof NoteSchema>;

/** A text field given and not blank (the input may be of any shape here: see CallSchema). */
const filled = (v: unknown) => typeof v === 'string' && v.trim() !== '';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const CallSchema = z
  .object({
    ...Target,
    outcome: z.enum(CALL_OUTCOMES, { message: 'Choose what happened on the call.' }),
    summary: z.string().trim().max(1000, { message: 'Keep the summary under 1,000 characters.' }).optional(),
    nextStep: z.string().trim().max(200, { message: 'Keep the next step under 200 characters.' }).optional(),
    followUpOn: z.string().refine(isCalendarDate, { message: 'Choose the follow-up date from the calendar.' }).optional(),
  })
  .strict()
  // A next step needs its day and a day its step; checked even when other fields are wrong, so a form hears of every problem at once.
  // `when` runs them on any object (the other fields may be wrong); a body that is not an object has only that problem.
  .refine((v) => !(filled(v.nextStep) && !filled(v.followUpOn)), { path: ['followUpOn'], message: 'Choose the day to follow up.', when: (p) => isObject(p.value) })
  .refine((v) => !(filled(v.followUpOn) && !filled(v.nextStep)), { path: ['nextStep'], message: 'Say what the next step is.', when: (p) => isObject(p.value) });
export type CallInput = z.infer<typeof CallSchema>;

export const ContactedSchema = z
  .object({
    organisationId: Target.organisationId,
    contactExternalId: Target.contactExternalId,
    invoiceId: Target.invoiceId,
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export type ContactedInput = z.infer<typeof ContactedSchema>;

type Auth = { firmId: string; userId: string };

type Resolved = ResolvedTarget;
const resolveTarget = (db: Db, auth: Auth, t: { organisationId: string; contactExternalId: string; invoiceId?: string | undefined }) => resolveCollectorTarget(db, auth, t, { requireCustomer: true });

/** The `note` write-backs of one entry: one per invoice it covers, each its own business event. */
function noteRequests(auth: Auth, r: Resolved, contactExternalId: string, activityId: string, text: string): RequestInput[] {
  const note = clampNote(text, noteLimit(r.org.provider));
  return r.invoices.slice(0, MAX_NOTED_INVOICES).map((inv) => ({
    firmId: auth.firmId,
    organisationId: r.org.id,
    kind: 'note' as const,
    sourceKey: `note:${activityId}:${inv.id}`,
    invoiceId: inv.id,
    contactId: r.contactId,
    contactExternalId,
    request: { invoiceExternalId: inv.externalId, text: note },
    requestedBy: 'user' as const,
    userId: auth.userId,
    summary: `Note on ${inv.number || 'the invoice'} in the ledger: ${note}`,
  }));
}

export interface LogResult {
  activityId: string;
  /** Ledger notes requested (0 when the form was sent before). */
  notes: number;
  followUpId: string | null;
  /** false when this `requestKey` was recorded before: nothing new was stored. */
  created: boolean;
}

async function queueCreated(deps: RequestDeps, results: { id: string; status: string; created: boolean }[]): Promise<void> {
  for (const w of results) if (w.created && w.status === 'pending') await deps.enqueueExecute(w.id, 0, 'note');
}

interface Entry {
  kind: string;
  summary: string;
  details: Record<string, unknown>;
  ledgerText: string;
  followUp: { title: string; dueOn: string } | null;
}

async function recordEntry(deps: RequestDeps, auth: Auth, input: { organisationId: string; contactExternalId: string; invoiceId?: string | undefined; requestKey?: string | undefined }, r: Resolved, entry: Entry): Promise<LogResult> {
  const now = deps.now?.() ?? new Date();
  const activityId = input.requestKey ?? randomUUID();
  const out = await deps.db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const inserted = await t
      .insert(activities)
      .values({
        id: activityId,
        firmId: auth.firmId,
        organisationId: r.org.id,
        actorUserId: auth.userId,
        actorType: 'user',
        kind: entry.kind,
        contactId: r.contactId,
        invoiceId: input.invoiceId ?? null,
        summary: entry.summary,
        details: { contactExternalId: input.contactExternalId, ...entry.details },
        // The worklist reads "contacted today" against the process clock.
        createdAt: now,
      })
      .onConflictDoNothing({ target: activities.id })
      .returning({ id: activities.id });
    if (inserted.length === 0) return null;
    let followUpId: string | null = null;
    if (entry.followUp) {
      const [task] = await t
        .insert(collectorTasks)
        .values({
          firmId: auth.firmId,
          organisationId: r.org.id,
          contactId: r.contactId,
          contactExternalId: input.contactExternalId,
          invoiceId: input.invoiceId ?? null,
          activityId,
          title: entry.followUp.title,
          dueOn: entry.followUp.dueOn,
          assignedUserId: auth.userId,
          createdByUserId: auth.userId,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: collectorTasks.id });
      followUpId = task!.id;
    }
    const results = await requestWritebacksIn(t, noteRequests(auth, r, input.contactExternalId, activityId, entry.ledgerText), now);
    return { results, followUpId };
  });
  if (!out) {
    // Sent before (a double click, a retried request): the first one stands.
    const [first] = await deps.db
      .select({ kind: activities.kind })
      .from(activities)
      .where(and(eq(activities.id, activityId), eq(activities.firmId, auth.firmId)));
    if (first?.kind !== entry.kind) throw conflict('This form was already used for something else. Reload the page and try again.', 'request_key_reused');
    const [task] = await deps.db.select({ id: collectorTasks.id }).from(collectorTasks).where(and(eq(collectorTasks.firmId, auth.firmId), eq(collectorTasks.activityId, activityId)));
    return { activityId, notes: 0, followUpId: task?.id ?? null, created: false };
  }
  await queueCreated(deps, out.results);
  return { activityId, notes: out.results.length, followUpId: out.followUpId, created: true };
}

/** Today and the last day a follow-up may be set, in the organisation's time zone. */
function followUpWindow(timezone: string, now: Date): { today: string; latest: string } {
  const today = todayIn(timezone, now);
  return { today, latest: addDays(today, FOLLOW_UP_MAX_DAYS) };
}

export async function addNote(deps: RequestDeps, auth: Auth, input: NoteInput): Promise<LogResult> {
  const r = await resolveTarget(deps.db, auth, input);
  return recordEntry(deps, auth, input, r, {
    kind: NOTE_ADDED,
    summary: `Note: ${input.text}`,
    details: { text: input.text },
    ledgerText: `Arcus: note by ${r.actorName}: ${input.text}`,
    followUp: null,
  });
}

export async function logCall(deps: RequestDeps, auth: Auth, input: CallInput): Promise<LogResult> {
  const r = await resolveTarget(deps.db, auth, input);
  if (input.followUpOn) {
    const { today, latest } = followUpWindow(r.org.timezone, deps.now?.() ?? new Date());
    if (input.followUpOn < today || input.followUpOn > latest) throw invalidField('followUpOn', `Choose a follow-up date between ${longDate(today)} and ${longDate(latest)}.`);
  }
  const outcome = CALL_OUTCOME_WORDS[input.outcome];
  const summary = input.summary ? `: ${input.summary}` : '';
  const next = input.nextStep && input.followUpOn ? { title: input.nextStep, dueOn: input.followUpOn } : null;
  return recordEntry(deps, auth, input, r, {
    kind: CALL_LOGGED,
    summary: `Call — ${outcome}${summary}${next ? ` · Next: ${next.title} by ${next.dueOn}` : ''}`,
    details: { outcome: input.outcome, ...(input.summary ? { summary: input.summary } : {}), ...(next ? { nextStep: next.title, followUpOn: next.dueOn } : {}) },
    ledgerText: `Arcus: call by ${r.actorName}, ${outcome}${summary}${next ? ` — next: ${next.title} by ${next.dueOn}` : ''}`,
    followUp: next,
  });
}

/**
 * The worklist's "Mark contacted" (server/scoring/worklist.ts records the activity) with its
 * ledger note, in one transaction: on the invoice, or on each of the customer's open invoices.
 */
export async function recordContacted(deps: RequestDeps, auth: Auth & { role: Role }, input: ContactedInput): Promise<{ id: string; at: string; notes: number }> {
  const now = deps.now?.() ?? new Date();
  const out = await deps.db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const contacted = await markContacted(t, auth, input, now);
    const r = await resolveTarget(t, auth, input);
    const text = `Arcus: contacted by ${r.actorName}${input.note ? `: ${input.note}` : ''}`;
    const results = await requestWritebacksIn(t, noteRequests(auth, r, input.contactExternalId, contacted.id, text), now);
    return { contacted, results };
  });
  await queueCreated(deps, out.results);
  return { ...out.contacted, notes: out.results.length };
}

// ── Follow-ups ───────────────────────────────────────────────────────────────────────────────

export interface FollowUpView {
  id: string;
  organisationId: string;
  contactExternalId: string;
  invoiceId: string | null;
  invoiceNumber: string | null;
  /** Call, Review or Follow-up (a task's kind in words, server/team/tasks.ts). */
  kindName: string;
  title: string;
  dueOn: string;
  status: 'open' | 'done' | 'skipped';
  outcome: string | null;
  assignedUserId: string | null;
  assignedName: string | null;
  doneByName: string | null;
  doneAt: string | null;
  createdAt: string;
}

export const FollowUpQuery = z.object({
  organisationId: z.uuid(),
  contactExternalId: z.string().min(1).max(200).optional(),
  invoiceId: z.uuid().optional(),
  status: z.enum(['open', 'done', 'skipped', 'all']).default('open'),
});

/** Follow-ups of an organisation, a customer or an invoice: open ones by due day, then done ones, newest first. */
export async function listFollowUps(db: Db, firmId: string, q: z.infer<typeof FollowUpQuery>): Promise<FollowUpView[]> {
  const where = [sql`t.firm_id = ${firmId}::uuid`, sql`t.organisation_id = ${q.organisationId}::uuid`];
  if (q.contactExternalId) where.push(sql`t.contact_external_id = ${q.contactExternalId}`);
  if (q.invoiceId) where.push(sql`t.invoice_id = ${q.invoiceId}::uuid`);
  if (q.status !== 'all') where.push(sql`t.status = ${q.status}`);
  return queryRows<FollowUpView>(
    db,
    sql`SELECT t.id, t.organisation_id AS "organisationId", t.contact_external_id AS "contactExternalId", t.invoice_id AS "invoiceId",
          i.number AS "invoiceNumber", CASE t.kind WHEN 'call' THEN 'Call' WHEN 'review' THEN 'Review' ELSE 'Follow-up' END AS "kindName",
          t.title, to_char(t.due_on, 'YYYY-MM-DD') AS "dueOn", t.status, t.outcome, t.assigned_user_id AS "assignedUserId",
          au.name AS "assignedName", du.name AS "doneByName",
          to_char(t.done_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "doneAt",
          to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"
        FROM collector_tasks t
        LEFT JOIN invoices i ON i.id = t.invoice_id AND i.firm_id = t.firm_id
        LEFT JOIN users au ON au.id = t.assigned_user_id
        LEFT JOIN users du ON du.id = t.done_by_user_id
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY (t.status = 'open') DESC, CASE WHEN t.status = 'open' THEN t.due_on END, t.done_at DESC NULLS LAST, t.id
        LIMIT 200`,
  );
}

/** Mark a follow-up done (done already: unchanged), with a line on the timeline: a task done without an outcome. */
export async function completeFollowUp(db: Db, auth: Auth, id: string, now: Date): Promise<{ id: string; status: 'done' | 'skipped'; changed: boolean }> {
  return finishTask(db, auth, id, { status: 'done' }, now);
}
