/**
 * Staff-facing write-back operations, all scoped to the caller's firm: the list (approvals queue,
 * per invoice or customer), batch approval and rejection, retry of a failed write, and reversal
 * of a confirmed one (a `void` write-back that points back at it).
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { activities, writebacks } from '../db/schema';
import { fromMinor, toMinor } from '../../kernel/money';
import { z } from 'zod';
import { conflict, notFound } from '../../kernel/errors';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { type RequestDeps, releaseWriteback, requestWriteback } from './request';
import type { WritebackStatus } from './types';

/** '150.0000' → '150.00' for words (the column keeps 4 places). */
function money(amount: string | null): string {
  if (!amount) return '';
  try {
    return fromMinor(toMinor(amount));
  } catch {
    return amount;
  }
}

const described = (kind: string, amount: string | null, currency: string | null) => `${kind.replace('_', ' ')}${amount ? ` of ${currency ?? ''} ${money(amount)}` : ''}`;

export interface WritebackView {
  id: string;
  organisationId: string;
  organisationName: string;
  kind: string;
  purpose: string | null;
  status: WritebackStatus;
  amount: string | null;
  currency: string | null;
  invoiceId: string | null;
  invoiceNumber: string | null;
  contactExternalId: string | null;
  contactName: string | null;
  externalId: string | null;
  noteStatus: string;
  error: string | null;
  requestedBy: string;
  requestedByName: string | null;
  decidedByName: string | null;
  /** The client contact who approved or declined it (client-approval.ts), and their comment. */
  clientDecidedByName: string | null;
  clientDecisionNote: string | null;
  clientDecidedAt: string | null;
  reversesId: string | null;
  reversedById: string | null;
  summary: string | null;
  createdAt: string;
  confirmedAt: string | null;
}

export interface WritebackFilter {
  status?: WritebackStatus;
  organisationId?: string;
  invoiceId?: string;
  contactExternalId?: string;
  limit?: number;
}

export async function listWritebacks(db: Db, firmId: string, f: WritebackFilter = {}): Promise<WritebackView[]> {
  const where = [sql`w.firm_id = ${firmId}::uuid`];
  if (f.status) where.push(sql`w.status = ${f.status}`);
  if (f.organisationId) where.push(sql`w.organisation_id = ${f.organisationId}::uuid`);
  if (f.invoiceId) where.push(sql`w.invoice_id = ${f.invoiceId}::uuid`);
  if (f.contactExternalId) where.push(sql`w.contact_external_id = ${f.contactExternalId}`);
  return queryRows<WritebackView>(
    db,
    sql`SELECT w.id, w.organisation_id AS "organisationId", o.name AS "organisationName", w.kind, w.purpose, w.status,
          w.amount::text AS amount, w.currency, w.invoice_id AS "invoiceId", i.number AS "invoiceNumber",
          w.contact_external_id AS "contactExternalId", c.name AS "contactName", w.external_id AS "externalId",
          w.note_status AS "noteStatus", w.error, w.requested_by AS "requestedBy", ru.name AS "requestedByName",
          du.name AS "decidedByName", cu.name AS "clientDecidedByName", w.client_decision_note AS "clientDecisionNote",
          to_char(w.client_decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "clientDecidedAt", w.reverses_id AS "reversesId", w.reversed_by_id AS "reversedById",
          (SELECT a.summary FROM activities a WHERE a.firm_id = w.firm_id AND a.details->>'writebackId' = w.id::text
             AND a.kind IN ('writeback.requested', 'writeback.awaiting_approval') ORDER BY a.created_at LIMIT 1) AS summary,
          to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt",
          to_char(w.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "confirmedAt"
        FROM writebacks w
        JOIN organisations o ON o.id = w.organisation_id AND o.firm_id = w.firm_id
        LEFT JOIN invoices i ON i.id = w.invoice_id AND i.firm_id = w.firm_id
        LEFT JOIN contacts c ON c.organisation_id = w.organisation_id AND c.external_id = w.contact_external_id
        LEFT JOIN users ru ON ru.id = w.requested_by_user_id
        LEFT JOIN users du ON du.id = w.decided_by_user_id
        LEFT JOIN users cu ON cu.id = w.client_decided_by_user_id
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY w.created_at DESC
        LIMIT ${Math.min(f.limit ?? 200, 1000)}`,
  );
}

export async function getWriteback(db: Db, firmId: string, id: string) {
  const [row] = await db
    .select()
    .from(writebacks)
    .where(and(eq(writebacks.id, id), eq(writebacks.firmId, firmId)));
  if (!row) throw notFound('No such write-back in this firm.');
  return row;
}

/** Approve waiting write-backs (those no longer waiting are reported, not changed). */
export async function approveWritebacks(deps: RequestDeps, firmId: string, ids: readonly string[], userId: string): Promise<{ approved: string[]; skipped: string[] }> {
  const rows = await deps.db
    .update(writebacks)
    // One the organisation's policy covers goes on to wait for its client (client-approval.ts).
    .set({ status: sql`CASE WHEN ${writebacks.needsClientApproval} THEN 'awaiting_client' ELSE 'pending' END`, decidedByUserId: userId, decidedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(writebacks.firmId, firmId), inArray(writebacks.id, [...ids]), eq(writebacks.status, 'awaiting_approval')))
    .returning({ id: writebacks.id, status: writebacks.status, organisationId: writebacks.organisationId, invoiceId: writebacks.invoiceId, kind: writebacks.kind, amount: writebacks.amount, currency: writebacks.currency });
  for (const r of rows) {
    const toClient = r.status === 'awaiting_client';
    await deps.db.insert(activities).values({ firmId, organisationId: r.organisationId, actorUserId: userId, actorType: 'user', kind: 'writeback.approved', invoiceId: r.invoiceId, summary: `Approved: ${described(r.kind, r.amount, r.currency)}${toClient ? ' — now waiting for the client’s approval' : ''}`, details: { writebackId: r.id } });
    if (!toClient) await deps.enqueueExecute(r.id);
  }
  const approved = rows.map((r) => r.id);
  return { approved, skipped: ids.filter((id) => !approved.includes(id)) };
}

export async function rejectWritebacks(db: Db, firmId: string, ids: readonly string[], userId: string, note: string | null): Promise<{ rejected: string[]; skipped: string[] }> {
  const rows = await db
    .update(writebacks)
    .set({ status: 'rejected', decidedByUserId: userId, decidedAt: new Date(), decisionNote: note, updatedAt: new Date() })
    .where(and(eq(writebacks.firmId, firmId), inArray(writebacks.id, [...ids]), eq(writebacks.status, 'awaiting_approval')))
    .returning({ id: writebacks.id, organisationId: writebacks.organisationId, invoiceId: writebacks.invoiceId, kind: writebacks.kind });
  for (const r of rows) {
    await db.insert(activities).values({ firmId, organisationId: r.organisationId, actorUserId: userId, actorType: 'user', kind: 'writeback.rejected', invoiceId: r.invoiceId, summary: `Rejected: ${r.kind.replace('_', ' ')}${note ? ` — ${note}` : ''}`, details: { writebackId: r.id } });
  }
  const rejected = rows.map((r) => r.id);
  return { rejected, skipped: ids.filter((id) => !rejected.includes(id)) };
}

/** A failed write-back tried again with the same key (the ledger replays it if it did land). */
export async function retryWriteback(deps: RequestDeps, firmId: string, id: string): Promise<void> {
  await getWriteback(deps.db, firmId, id);
  if (!(await releaseWriteback(deps, firmId, id, ['failed']))) throw conflict('Only a failed write-back can be retried.', 'not_failed');
}

const REVERSIBLE: Record<string, 'invoice' | 'creditNote' | 'payment'> = { payment: 'payment', credit_note: 'creditNote', late_fee: 'invoice', plan_invoice: 'invoice' };

/**
 * Reverse a confirmed write-back where the ledger allows: delete the payment, void the credit
 * note (its allocation removed first) or void the invoice Arcus created. A late fee added as a
 * line is reversed by a fee_reversal credit note instead (collections' "forgive").
 */
export async function reverseWriteback(deps: RequestDeps, firmId: string, id: string, userId: string): Promise<{ id: string; status: WritebackStatus }> {
  const w = await getWriteback(deps.db, firmId, id);
  const type = REVERSIBLE[w.kind];
  const lineFee = w.kind === 'late_fee' && (w.request as { mode?: string }).mode === 'line';
  if (!type || lineFee) throw conflict(lineFee ? 'A fee added as a line is forgiven with a credit note, not reversed.' : 'This kind of change cannot be reversed from Arcus.', 'not_reversible');
  if (w.status !== 'confirmed' || !w.externalId) throw conflict('Only a write-back confirmed in the ledger can be reversed.', 'not_confirmed');
  if (w.reversedById) throw conflict('This write-back was already reversed.', 'already_reversed');
  const r = await requestWriteback(deps, {
    firmId,
    organisationId: w.organisationId,
    kind: 'void',
    purpose: 'reversal',
    sourceKey: `reverse:${w.id}`,
    invoiceId: w.invoiceId,
    invoiceExternalId: w.invoiceExternalId,
    contactId: w.contactId,
    contactExternalId: w.contactExternalId,
    amount: w.amount,
    currency: w.currency,
    request: { type, externalId: w.externalId },
    noteText: `Arcus reversed its ${described(w.kind, w.amount, w.currency)}`,
    requestedBy: 'user',
    userId,
    reversesId: w.id,
    preApproved: true,
    summary: `Reverse ${described(w.kind, w.amount, w.currency)}`,
  });
  return { id: r.id, status: r.status };
}

export interface TimelineEntry {
  id: string;
  at: string;
  kind: string;
  actorType: string;
  actorName: string | null;
  summary: string;
  invoiceId: string | null;
  invoiceNumber: string | null;
  writebackId: string | null;
  writebackStatus: WritebackStatus | null;
}

/** The activity timeline of an organisation, a customer or an invoice, newest first. */
export async function activityTimeline(db: Db, firmId: string, f: { organisationId: string; contactExternalId?: string; invoiceId?: string; limit?: number }): Promise<TimelineEntry[]> {
  return (await activityTimelinePage(db, firmId, f)).activities;
}

/** The timeline's keyset: created_at as PostgreSQL prints it in UTC (microseconds), then the id. */
const TimelineCursorSchema = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/), z.uuid()]);

/**
 * One page of the timeline, newest first; after `cursor` (the previous page's `nextCursor`, keyset
 * on (created_at, id), the index of migration 0048) when given.
 */
export async function activityTimelinePage(
  db: Db,
  firmId: string,
  f: { organisationId: string; contactExternalId?: string; invoiceId?: string; limit?: number; cursor?: string },
): Promise<{ activities: TimelineEntry[]; nextCursor: string | null }> {
  const limit = Math.min(f.limit ?? 200, 1000);
  const where = [sql`a.firm_id = ${firmId}::uuid`, sql`a.organisation_id = ${f.organisationId}::uuid`];
  if (f.cursor) {
    const [at, id] = decodeCursor(TimelineCursorSchema, f.cursor);
    where.push(sql`(a.created_at, a.id) < ((${at}::timestamp AT TIME ZONE 'UTC'), ${id}::uuid)`);
  }
  if (f.invoiceId) where.push(sql`a.invoice_id = ${f.invoiceId}::uuid`);
  if (f.contactExternalId)
    where.push(sql`(a.details->>'contactExternalId' = ${f.contactExternalId}
      OR a.contact_id IN (SELECT id FROM contacts WHERE organisation_id = ${f.organisationId}::uuid AND external_id = ${f.contactExternalId})
      OR a.invoice_id IN (SELECT id FROM invoices WHERE organisation_id = ${f.organisationId}::uuid AND contact_external_id = ${f.contactExternalId}))`);
  const rows = await queryRows<TimelineEntry & { key: string }>(
    db,
    sql`SELECT a.id, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at, a.kind, a.actor_type AS "actorType",
          to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS key,
          u.name AS "actorName", a.summary, a.invoice_id AS "invoiceId", i.number AS "invoiceNumber",
          a.details->>'writebackId' AS "writebackId", w.status AS "writebackStatus"
        FROM activities a
        LEFT JOIN users u ON u.id = a.actor_user_id
        LEFT JOIN invoices i ON i.id = a.invoice_id AND i.firm_id = a.firm_id
        LEFT JOIN writebacks w ON w.firm_id = a.firm_id AND a.details ? 'writebackId' AND w.id::text = a.details->>'writebackId'
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT ${limit + 1}`,
  );
  const page = rows.slice(0, limit);
  const last = rows.length > limit ? page[page.length - 1] : undefined;
  return { activities: page.map(({ key: _key, ...entry }) => entry), nextCursor: last ? encodeCursor([last.key, last.id]) : null };
}

/** Rows of writebacks by status for a firm (counts for the approvals badge). */
export async function writebackCounts(db: Db, firmId: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: writebacks.status, n: sql<number>`count(*)::int` })
    .from(writebacks)
    .where(eq(writebacks.firmId, firmId))
    .groupBy(writebacks.status)
    .orderBy(desc(writebacks.status));
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
