/**
 * The client in the loop (issue #17; docs/decisions/024-client-approvals.md). Per organisation the
 * firm chooses which write-backs wait for a client contact's approval — late fees, credits above
 * an amount, payment plans. A covered write-back is marked `needs_client_approval` when requested
 * and waits as `awaiting_client` (after the firm's own approval when that is needed too, so the
 * client only ever sees what the firm stands behind); a client contact of its organisation
 * approves it (→ pending, queued) or declines it with a comment (→ cancelled). Nobody else can
 * decide for the client: the routes hold `client.approve`, which only client contacts have.
 */
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { longDate } from '../../kernel/dates';
import { conflict, notFound } from '../../kernel/errors';
import { fromMinor, toMinor } from '../../kernel/money';
import type { Auth } from '../auth/current-user';
import { allowOrganisation } from '../auth/permissions';
import { type Db, queryRows } from '../db/client';
import { activities, clientApprovalPolicies, organisations, writebacks } from '../db/schema';
import type { Effective } from '../settings/groups';
import { effectiveSettings, effectiveSettingsOf } from '../settings/store';
import type { WritebackInput, WritebackKind } from './types';

export interface ClientPolicy {
  lateFees: boolean;
  /** Credits above this amount wait (the write-back's own currency); null: none do. */
  creditsAbove: string | null;
  paymentPlans: boolean;
  /** Reminders (server/reminders/client-approval.ts): the first to a customer who never had one. */
  firstReminders: boolean;
  /** Reminders: escalations, the steps after the first in a sequence. */
  reminderEscalations: boolean;
}

export const NO_CLIENT_POLICY: ClientPolicy = { lateFees: false, creditsAbove: null, paymentPlans: false, firstReminders: false, reminderEscalations: false };

const Amount = z
  .string()
  .trim()
  .regex(/^\d{1,15}(\.\d{1,2})?$/, { message: 'Enter an amount such as 250 or 99.50.' });

export const ClientPolicySchema = z
  .object({
    lateFees: z.boolean({ message: 'Choose whether late fees wait for the client.' }),
    creditsAbove: Amount.nullable(),
    paymentPlans: z.boolean({ message: 'Choose whether payment plans wait for the client.' }),
    // Optional (callers from before reminders were covered): left out keeps the current choice.
    firstReminders: z.boolean({ message: 'Choose whether the first reminder to a new customer waits for the client.' }).optional(),
    reminderEscalations: z.boolean({ message: 'Choose whether escalating reminders wait for the client.' }).optional(),
  })
  .strict();

/** The kinds a policy can cover: only these are looked up. */
const COVERABLE: readonly WritebackKind[] = ['late_fee', 'credit_note', 'plan_invoice', 'refund'];

/**
 * Whether the organisation's policy makes this write-back wait for its client (pure). A debtor's
 * own payment, links, notes and reversals never do; a plan's transfer credit and instalment
 * invoices follow "payment plans", other credits "credits above".
 */
export function needsClientApproval(input: Pick<WritebackInput, 'kind' | 'purpose' | 'amount' | 'requestedBy'>, policy: ClientPolicy | null | undefined): boolean {
  if (!policy || input.requestedBy === 'debtor') return false;
  switch (input.kind) {
    case 'late_fee':
      return policy.lateFees;
    case 'plan_invoice':
      return policy.paymentPlans;
    case 'credit_note':
    // A refund is the client's money going back to a customer: "credits above" covers it (decision 047).
    case 'refund':
      if (input.purpose === 'plan_transfer') return policy.paymentPlans;
      if (policy.creditsAbove === null || !input.amount) return false;
      return toMinor(input.amount, 4, true) > toMinor(policy.creditsAbove, 4, true);
    default:
      return false;
  }
}

/**
 * The client-approval policies in force for the organisations among these requests that could be
 * covered — each organisation's own (a row here) or else the firm default (docs/decisions/028);
 * no query when no request could be covered.
 */
export async function clientPoliciesFor(
  db: Db,
  firmId: string,
  inputs: readonly Pick<WritebackInput, 'kind' | 'organisationId' | 'requestedBy'>[],
  /** Effective settings the caller already read for (at least) these organisations: no second read. */
  loaded?: Map<string, Effective>,
): Promise<Map<string, ClientPolicy>> {
  const ids = [...new Set(inputs.filter((i) => COVERABLE.includes(i.kind) && i.requestedBy !== 'debtor').map((i) => i.organisationId))];
  if (!ids.length) return new Map();
  const effective = loaded && ids.every((id) => loaded.has(id)) ? new Map(ids.map((id) => [id, loaded.get(id)!])) : await effectiveSettingsOf(db, firmId, ids);
  return new Map([...effective].map(([id, e]) => [id, e.clientApproval.value]));
}

/** '250.0000' → '250.00' (the column keeps 4 places). */
function plain(amount: string | null): string | null {
  if (amount === null) return null;
  try {
    return fromMinor(toMinor(amount));
  } catch {
    return amount;
  }
}

/** The policy in force for the organisation: its own when set, else the firm default (docs/decisions/028). */
export async function getClientPolicy(db: Db, firmId: string, organisationId: string): Promise<ClientPolicy> {
  const [org] = await db.select({ id: organisations.id }).from(organisations).where(and(eq(organisations.firmId, firmId), eq(organisations.id, organisationId)));
  if (!org) throw notFound('No such organisation.');
  return (await effectiveSettings(db, firmId, organisationId)).clientApproval.value;
}

/** Saves the policy as the organisation's own (an override of the firm default); it applies to write-backs requested from now on (those already waiting keep their state). */
export async function saveClientPolicy(db: Db, auth: Auth, organisationId: string, policy: z.infer<typeof ClientPolicySchema>): Promise<ClientPolicy> {
  const current = await getClientPolicy(db, auth.firmId, organisationId);
  const values = {
    lateFees: policy.lateFees,
    creditsAbove: policy.creditsAbove,
    paymentPlans: policy.paymentPlans,
    firstReminders: policy.firstReminders ?? current.firstReminders,
    reminderEscalations: policy.reminderEscalations ?? current.reminderEscalations,
    updatedByUserId: auth.userId,
    updatedAt: new Date(),
  };
  await db
    .insert(clientApprovalPolicies)
    .values({ firmId: auth.firmId, organisationId, ...values })
    .onConflictDoUpdate({ target: [clientApprovalPolicies.organisationId, clientApprovalPolicies.firmId], set: values });
  return getClientPolicy(db, auth.firmId, organisationId);
}

const KIND_WORDS: Record<string, string> = { late_fee: 'A late fee', credit_note: 'A credit note', plan_invoice: 'A payment plan instalment invoice' };
const WHY_WORDS: Record<string, string> = {
  late_fee: 'the invoice is overdue under your late-fee policy',
  interest: 'interest on an overdue invoice',
  goodwill: 'a goodwill credit',
  cancellation: 'a cancelled service',
  early_payment_discount: 'an early-payment discount',
  fee_reversal: 'a late fee forgiven',
  plan_transfer: 'the balance moves onto a payment plan',
  instalment: 'one instalment of a payment plan',
};

/** What a client contact sees of one waiting write-back: words only. */
export interface ClientApprovalItem {
  id: string;
  organisationName: string;
  what: string;
  customer: string | null;
  invoiceNumber: string | null;
  amount: string | null;
  currency: string | null;
  why: string;
  detail: string | null;
  requestedBy: string;
  requestedOn: string;
}

interface Row {
  id: string;
  organisationName: string;
  kind: string;
  purpose: string | null;
  amount: string | null;
  currency: string | null;
  invoiceNumber: string | null;
  contactName: string | null;
  requestedByName: string | null;
  requestedBy: string;
  createdOn: string;
  summary: string | null;
}

/** The write-backs waiting for this client contact: their organisations only, oldest first. */
export async function listClientQueue(db: Db, auth: Auth): Promise<ClientApprovalItem[]> {
  const orgIds = auth.organisationIds ?? [];
  if (!orgIds.length) return [];
  const rows = await queryRows<Row>(
    db,
    sql`SELECT w.id, o.name AS "organisationName", w.kind, w.purpose, w.amount::text AS amount, w.currency,
          i.number AS "invoiceNumber", c.name AS "contactName", ru.name AS "requestedByName", w.requested_by AS "requestedBy",
          to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "createdOn",
          (SELECT a.summary FROM activities a WHERE a.firm_id = w.firm_id AND a.details->>'writebackId' = w.id::text
             AND a.kind IN ('writeback.requested', 'writeback.awaiting_approval') ORDER BY a.created_at LIMIT 1) AS summary
        FROM writebacks w
        JOIN organisations o ON o.id = w.organisation_id AND o.firm_id = w.firm_id
        LEFT JOIN invoices i ON i.id = w.invoice_id AND i.firm_id = w.firm_id
        LEFT JOIN contacts c ON c.organisation_id = w.organisation_id AND c.firm_id = w.firm_id AND c.external_id = w.contact_external_id
        LEFT JOIN users ru ON ru.id = w.requested_by_user_id
        WHERE w.firm_id = ${auth.firmId}::uuid AND w.status = 'awaiting_client'
          AND w.organisation_id IN (${sql.join(
            orgIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})
        ORDER BY w.created_at, w.id
        LIMIT 200`,
  );
  return rows.map((r) => ({
    id: r.id,
    organisationName: r.organisationName,
    what: KIND_WORDS[r.kind] ?? 'A change in your accounts',
    customer: r.contactName,
    invoiceNumber: r.invoiceNumber,
    amount: plain(r.amount),
    currency: r.currency,
    why: (r.purpose && WHY_WORDS[r.purpose]) || 'requested by your accountants',
    detail: r.summary ? r.summary.replace(/ — waiting for .*$/, '') : null,
    requestedBy: r.requestedByName ?? (r.requestedBy === 'system' ? 'Arcus, by your accountants’ rules' : 'Your accountants'),
    requestedOn: longDate(r.createdOn),
  }));
}

export const DeclineSchema = z.object({ comment: z.string().trim().min(1, { message: 'Say why you decline, so your accountants know what to do instead.' }).max(1000) }).strict();

const described = (kind: string, amount: string | null, currency: string | null) => `${(KIND_WORDS[kind] ?? 'A change').replace(/^A /, '').replace(/^./, (c) => c.toUpperCase())}${amount ? ` of ${currency ?? ''} ${plain(amount)}` : ''}`;

/**
 * A client contact's decision on one waiting write-back. Another organisation's (or a missing)
 * write-back is 404, as if it did not exist; one no longer waiting is 409. Approving queues it.
 */
export async function decideForClient(
  deps: { db: Db; enqueueExecute(id: string, attempt?: number, kind?: WritebackKind): Promise<void>; now: () => Date },
  auth: Auth,
  id: string,
  decision: { approve: true } | { approve: false; comment: string },
): Promise<{ id: string; status: 'pending' | 'cancelled' }> {
  const { db } = deps;
  const [w] = await db.select({ organisationId: writebacks.organisationId, status: writebacks.status }).from(writebacks).where(and(eq(writebacks.firmId, auth.firmId), eq(writebacks.id, id)));
  if (!w) throw notFound('There is nothing with this link waiting for you.');
  allowOrganisation(auth, w.organisationId, 'There is nothing with this link waiting for you.');
  const now = deps.now();
  const status = decision.approve ? ('pending' as const) : ('cancelled' as const);
  const comment = decision.approve ? null : decision.comment;
  const rows = await db.transaction(async (tx) => {
    const changed = await tx
      .update(writebacks)
      .set({ status, clientDecidedByUserId: auth.userId, clientDecidedAt: now, clientDecisionNote: comment, updatedAt: now })
      .where(and(eq(writebacks.firmId, auth.firmId), eq(writebacks.id, id), eq(writebacks.status, 'awaiting_client')))
      .returning({ id: writebacks.id, kind: writebacks.kind, organisationId: writebacks.organisationId, invoiceId: writebacks.invoiceId, contactId: writebacks.contactId, contactExternalId: writebacks.contactExternalId, amount: writebacks.amount, currency: writebacks.currency });
    const r = changed[0];
    if (!r) return null;
    const who = `${auth.userName} (client contact)`;
    await tx.insert(activities).values({
      firmId: auth.firmId,
      organisationId: r.organisationId,
      actorUserId: auth.userId,
      actorType: 'user',
      kind: decision.approve ? 'writeback.client_approved' : 'writeback.client_declined',
      invoiceId: r.invoiceId,
      contactId: r.contactId,
      summary: decision.approve ? `Approved by ${who}: ${described(r.kind, r.amount, r.currency)}` : `Declined by ${who}: ${described(r.kind, r.amount, r.currency)} — “${comment}”`,
      details: { writebackId: r.id, contactExternalId: r.contactExternalId },
      createdAt: now,
    });
    return r;
  });
  if (!rows) throw conflict(w.status === 'awaiting_client' ? 'Someone decided this a moment ago.' : 'This was already decided.', 'already_decided');
  if (decision.approve) await deps.enqueueExecute(rows.id, 0, rows.kind as WritebackKind);
  return { id: rows.id, status };
}
