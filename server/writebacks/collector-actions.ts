/**
 * What a collector records against an invoice or a customer: a promise to pay by a date, a
 * dispute, and its resolution. Each is an activity with the in-motion kinds
 * (server/scoring/in-motion.ts), which the worklist ranks down and the reminder planner honours
 * (a promise pauses through its date, a dispute until resolved), plus a note on the invoice in
 * the ledger (a `note` write-back per invoice, deduplicated by the activity) so staff working in
 * Xero or QuickBooks see it.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Provider } from '../../integrations/ledger/types';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { activities, contacts, organisations, users } from '../db/schema';
import { addDays, isCalendarDate, longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound, unprocessable } from '../../kernel/errors';
import { DISPUTE_RESOLVED, INVOICE_DISPUTED, PROMISE_RECORDED } from '../scoring/in-motion';
import { type RequestDeps, requestWriteback } from './request';

const Target = {
  organisationId: z.uuid(),
  contactExternalId: z.string().min(1).max(200),
  /** One invoice; absent = all the customer's open invoices. */
  invoiceId: z.uuid().optional(),
};
export const PromiseSchema = z.object({ ...Target, date: z.string().refine(isCalendarDate, { message: 'Choose the date the customer promised to pay by.' }), note: z.string().trim().max(500).optional() }).strict();
export const DisputeSchema = z.object({ ...Target, reason: z.string().trim().min(1, { message: 'Say what is disputed.' }).max(500) }).strict();
export const ResolveSchema = z.object({ ...Target, resolution: z.string().trim().max(500).optional() }).strict();

/** Notes written per action at most (a customer-wide action on a customer with many invoices). */
const MAX_NOTED_INVOICES = 25;
export const PROMISE_MAX_DAYS_STAFF = 120;

/** What a collector's action is about: the firm's organisation, the customer, its open invoices (or the one named), and who acts. */
export interface ResolvedTarget {
  org: { id: string; name: string; timezone: string; provider: Provider };
  contactId: string | null;
  contactName: string;
  invoices: { id: string; externalId: string; number: string }[];
  actorName: string;
}
type Resolved = ResolvedTarget;

/** The target of a collector's action, the firm's only: another firm's ids are "no such …" (404). */
export async function resolveTarget(
  db: Db,
  auth: { firmId: string; userId: string },
  t: { organisationId: string; contactExternalId: string; invoiceId?: string | undefined },
  options: { requireCustomer?: boolean } = {},
): Promise<ResolvedTarget> {
  const [org] = await db
    .select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone, provider: organisations.provider })
    .from(organisations)
    .where(and(eq(organisations.id, t.organisationId), eq(organisations.firmId, auth.firmId)));
  if (!org) throw notFound('No such organisation in this firm.');
  const [contact] = await db
    .select({ id: contacts.id, name: contacts.name })
    .from(contacts)
    .where(and(eq(contacts.firmId, auth.firmId), eq(contacts.organisationId, org.id), eq(contacts.externalId, t.contactExternalId)));
  const invoices = await queryRows<{ id: string; externalId: string; number: string }>(
    db,
    sql`SELECT id, external_id AS "externalId", number FROM invoices
        WHERE firm_id = ${auth.firmId}::uuid AND organisation_id = ${org.id}::uuid AND contact_external_id = ${t.contactExternalId}
          AND ${t.invoiceId ? sql`id = ${t.invoiceId}::uuid` : sql`status = 'authorised'`}
        ORDER BY due_date NULLS LAST, issue_date, id`,
  );
  if (t.invoiceId && invoices.length === 0) throw notFound('No such invoice for this customer.');
  if (options.requireCustomer && !contact && invoices.length === 0) throw notFound('No such customer in this organisation.');
  const [user] = await db.select({ name: users.name }).from(users).where(eq(users.id, auth.userId));
  return { org: { ...org, provider: org.provider as Provider }, contactId: contact?.id ?? null, contactName: contact?.name ?? t.contactExternalId, invoices, actorName: user?.name ?? 'a collector' };
}

async function record(deps: RequestDeps, auth: { firmId: string; userId: string }, r: Resolved, t: { contactExternalId: string; invoiceId?: string | undefined }, kind: string, summary: string, details: Record<string, unknown>, note: string): Promise<{ activityId: string; notes: number }> {
  const activityId = randomUUID();
  await deps.db.insert(activities).values({
    id: activityId,
    firmId: auth.firmId,
    organisationId: r.org.id,
    actorUserId: auth.userId,
    actorType: 'user',
    kind,
    contactId: r.contactId,
    invoiceId: t.invoiceId ?? null,
    summary,
    details: { contactExternalId: t.contactExternalId, ...details },
    // The worklist weighs promises and disputes by age against the process clock.
    createdAt: deps.now?.() ?? new Date(),
  });
  let notes = 0;
  for (const inv of r.invoices.slice(0, MAX_NOTED_INVOICES)) {
    await requestWriteback(deps, {
      firmId: auth.firmId,
      organisationId: r.org.id,
      kind: 'note',
      sourceKey: `note:${activityId}:${inv.id}`,
      invoiceId: inv.id,
      contactId: r.contactId,
      contactExternalId: t.contactExternalId,
      request: { invoiceExternalId: inv.externalId, text: note },
      requestedBy: 'user',
      userId: auth.userId,
      summary: `Note on ${inv.number || 'the invoice'} in the ledger: ${note}`,
    });
    notes++;
  }
  return { activityId, notes };
}

export async function recordPromise(deps: RequestDeps, auth: { firmId: string; userId: string }, input: z.infer<typeof PromiseSchema>) {
  const r = await resolveTarget(deps.db, auth, input);
  const today = todayIn(r.org.timezone, deps.now?.() ?? new Date());
  const latest = addDays(today, PROMISE_MAX_DAYS_STAFF);
  if (input.date < today || input.date > latest) throw invalidField('date', `Choose a date between ${longDate(today)} and ${longDate(latest)}.`);
  if (r.invoices.length === 0) throw unprocessable(`${r.contactName} has no open invoices to promise against.`, 'nothing_open');
  const what = input.invoiceId ? (r.invoices[0]!.number || 'the invoice') : 'their open invoices';
  return record(
    deps,
    auth,
    r,
    input,
    PROMISE_RECORDED,
    `${r.contactName} promised to pay ${what} by ${input.date}${input.note ? `: ${input.note}` : ''}`,
    { promisedDate: input.date, ...(input.note ? { note: input.note } : {}), source: 'collector' },
    `Arcus: promise to pay by ${input.date} recorded by ${r.actorName}${input.note ? ` (${input.note})` : ''}`,
  );
}

export async function markDisputed(deps: RequestDeps, auth: { firmId: string; userId: string }, input: z.infer<typeof DisputeSchema>) {
  const r = await resolveTarget(deps.db, auth, input);
  const what = input.invoiceId ? (r.invoices[0]!.number || 'the invoice') : 'their invoices';
  return record(deps, auth, r, input, INVOICE_DISPUTED, `${r.contactName} disputes ${what}: ${input.reason}`, { reason: input.reason, source: 'collector' }, `Arcus: disputed (${input.reason}), reminders paused — marked by ${r.actorName}`);
}

export async function resolveDispute(deps: RequestDeps, auth: { firmId: string; userId: string }, input: z.infer<typeof ResolveSchema>) {
  const r = await resolveTarget(deps.db, auth, input);
  const what = input.invoiceId ? (r.invoices[0]!.number || 'the invoice') : 'their invoices';
  return record(deps, auth, r, input, DISPUTE_RESOLVED, `Dispute on ${what} resolved${input.resolution ? `: ${input.resolution}` : ''}`, { ...(input.resolution ? { resolution: input.resolution } : {}) }, `Arcus: dispute resolved by ${r.actorName}${input.resolution ? ` (${input.resolution})` : ''}, reminders resume`);
}
