/**
 * The outbox and sent log of an organisation (firm-scoped): every claim with its status, what
 * was sent to whom, why something was skipped or failed, and its ledger notes (the `note`
 * write-backs requested when it was sent, found by their source keys); plus the
 * collector's actions on a claim — approve, skip, retry a failure.
 */
import { and, count, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import { contacts, invoices, organisations, reminderSends, users, writebacks } from '../db/schema';
import { z } from 'zod';
import { conflict, notFound } from '../../kernel/errors';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { reminderNoteKey } from './note-text';
import { type SendStatus, skipReasonText } from './types';

export const OUTBOX_FILTERS = ['all', 'attention', 'pending_approval', 'queued', 'sent', 'failed', 'skipped'] as const;
export type OutboxFilter = (typeof OUTBOX_FILTERS)[number];

const FILTER_STATUSES: Record<OutboxFilter, SendStatus[] | null> = {
  all: null,
  attention: ['pending_approval', 'failed_permanent'],
  pending_approval: ['pending_approval', 'awaiting_client'],
  queued: ['claimed', 'sending', 'failed_temporary'],
  sent: ['sent'],
  failed: ['failed_permanent', 'failed_temporary'],
  skipped: ['skipped'],
};

export interface OutboxItem {
  id: string;
  status: SendStatus;
  subjectType: 'invoice' | 'customer';
  contactExternalId: string;
  customer: string;
  invoices: string[];
  stepNumber: number;
  stepOffset: number;
  approval: string;
  recipients: string[];
  rejected: string[];
  subjectLine: string | null;
  skipReason: string | null;
  skipText: string | null;
  error: string | null;
  attempts: number;
  plannedFor: string;
  claimedAt: string;
  sentAt: string | null;
  notes: { written: number; total: number };
}

type Row = typeof reminderSends.$inferSelect;

export type NoteState = 'pending' | 'written' | 'failed';

export interface SendNote {
  id: string;
  invoiceExternalId: string;
  text: string;
  status: NoteState;
  error: string | null;
  writtenAt: string | null;
  attempts: number;
}

/** The note write-backs of these sends (firm-scoped), by send id. */
async function notesOf(db: Db, firmId: string, rows: readonly Pick<Row, 'id' | 'invoiceExternalIds'>[]): Promise<Map<string, SendNote[]>> {
  const keyed = new Map(rows.flatMap((r) => r.invoiceExternalIds.map((inv) => [reminderNoteKey(r.id, inv), r.id] as const)));
  const out = new Map<string, SendNote[]>();
  if (keyed.size === 0) return out;
  const found = await db
    .select({ id: writebacks.id, sourceKey: writebacks.sourceKey, invoiceExternalId: writebacks.invoiceExternalId, text: writebacks.noteText, status: writebacks.status, noteStatus: writebacks.noteStatus, error: writebacks.error, confirmedAt: writebacks.confirmedAt, attempts: writebacks.attempts })
    .from(writebacks)
    .where(and(eq(writebacks.firmId, firmId), eq(writebacks.kind, 'note'), inArray(writebacks.sourceKey, [...keyed.keys()])));
  for (const w of found) {
    const sendId = keyed.get(w.sourceKey ?? '');
    if (!sendId) continue;
    const status: NoteState = w.noteStatus === 'written' ? 'written' : w.status === 'failed' || w.noteStatus === 'failed' ? 'failed' : 'pending';
    const list = out.get(sendId) ?? [];
    list.push({ id: w.id, invoiceExternalId: w.invoiceExternalId ?? '', text: w.text ?? '', status, error: w.error, writtenAt: status === 'written' ? (w.confirmedAt?.toISOString() ?? null) : null, attempts: w.attempts });
    out.set(sendId, list);
  }
  return out;
}

async function enrich(db: Db, organisationId: string, rows: Row[], provider?: string): Promise<OutboxItem[]> {
  if (rows.length === 0) return [];
  const contactIds = [...new Set(rows.map((r) => r.contactExternalId))];
  const invoiceIds = [...new Set(rows.flatMap((r) => r.invoiceExternalIds))];
  const [names, numbers, notes] = await Promise.all([
    db
      .select({ id: contacts.externalId, name: contacts.name })
      .from(contacts)
      .where(and(eq(contacts.organisationId, organisationId), inArray(contacts.externalId, contactIds))),
    invoiceIds.length
      ? db
          .select({ id: invoices.externalId, number: invoices.number })
          .from(invoices)
          .where(and(eq(invoices.organisationId, organisationId), inArray(invoices.externalId, invoiceIds)))
      : Promise.resolve([]),
    notesOf(db, rows[0]!.firmId, rows),
  ]);
  const name = new Map(names.map((n) => [n.id, n.name]));
  const number = new Map(numbers.map((n) => [n.id, n.number]));
  const noteCount = new Map([...notes].map(([sendId, list]) => [sendId, { written: list.filter((n) => n.status === 'written').length, total: list.length }]));
  return rows.map((r) => ({
    id: r.id,
    status: r.status as SendStatus,
    subjectType: r.subjectType as 'invoice' | 'customer',
    contactExternalId: r.contactExternalId,
    customer: name.get(r.contactExternalId) ?? 'Unknown customer',
    invoices: r.invoiceExternalIds.map((i) => number.get(i) ?? i),
    stepNumber: r.stepNumber,
    stepOffset: r.stepOffset,
    approval: r.approval,
    recipients: (r.recipients as string[]) ?? [],
    rejected: (r.rejected as string[]) ?? [],
    subjectLine: r.subjectLine,
    skipReason: r.skipReason,
    skipText: r.skipReason ? skipReasonText(r.skipReason, provider) : null,
    error: r.error,
    attempts: r.attempts,
    plannedFor: r.plannedFor,
    claimedAt: r.claimedAt.toISOString(),
    sentAt: r.sentAt?.toISOString() ?? null,
    notes: noteCount.get(r.id) ?? { written: 0, total: 0 },
  }));
}

async function ownOrganisation(db: Db, firmId: string, organisationId: string) {
  const [o] = await db
    .select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone, provider: organisations.provider })
    .from(organisations)
    .where(and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)));
  if (!o) throw notFound('No such organisation.');
  return o;
}

/** The outbox's keyset: coalesce(sent_at, updated_at) as PostgreSQL prints it in UTC (microseconds), then the id. */
const OutboxCursorSchema = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/), z.uuid()]);
const recentKey = sql<string>`to_char(coalesce(${reminderSends.sentAt}, ${reminderSends.updatedAt}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;

/**
 * One page of the outbox, most recent first: after `cursor` (the previous page's `nextCursor`,
 * keyset on the index of migration 0048) when given, else from `offset` (the numbered pages).
 */
export async function listOutbox(db: Db, params: { firmId: string; organisationId: string; filter: OutboxFilter; contactExternalId?: string; limit: number; offset: number; cursor?: string }) {
  const org = await ownOrganisation(db, params.firmId, params.organisationId);
  const statuses = FILTER_STATUSES[params.filter];
  const conds = [eq(reminderSends.firmId, params.firmId), eq(reminderSends.organisationId, params.organisationId), ne(reminderSends.status, 'grouped')];
  if (statuses) conds.push(inArray(reminderSends.status, statuses));
  if (params.contactExternalId) conds.push(eq(reminderSends.contactExternalId, params.contactExternalId));
  // Superseded steps are bookkeeping, not news: shown only when asking for skips.
  if (params.filter !== 'skipped') conds.push(sql`${reminderSends.skipReason} IS DISTINCT FROM 'superseded'`);
  const where = and(...conds);
  const after = params.cursor ? decodeCursor(OutboxCursorSchema, params.cursor) : null;
  const [page, [total], counts] = await Promise.all([
    db
      .select({ send: reminderSends, key: recentKey })
      .from(reminderSends)
      .where(after ? and(where, sql`(coalesce(${reminderSends.sentAt}, ${reminderSends.updatedAt}), ${reminderSends.id}) < ((${after[0]}::timestamp AT TIME ZONE 'UTC'), ${after[1]}::uuid)`) : where)
      .orderBy(desc(sql`coalesce(${reminderSends.sentAt}, ${reminderSends.updatedAt})`), desc(reminderSends.id))
      .limit(params.limit + 1)
      .offset(after ? 0 : params.offset),
    db.select({ n: count() }).from(reminderSends).where(where),
    db
      .select({ status: reminderSends.status, n: count() })
      .from(reminderSends)
      .where(and(eq(reminderSends.firmId, params.firmId), eq(reminderSends.organisationId, params.organisationId), ne(reminderSends.status, 'grouped'), sql`${reminderSends.skipReason} IS DISTINCT FROM 'superseded'`))
      .groupBy(reminderSends.status),
  ]);
  const rows = page.slice(0, params.limit);
  const last = page.length > params.limit ? rows[rows.length - 1] : undefined;
  return {
    total: Number(total?.n ?? 0),
    counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])) as Partial<Record<SendStatus, number>>,
    items: await enrich(
      db,
      params.organisationId,
      rows.map((r) => r.send),
      org.provider,
    ),
    /** Pass back as `cursor` for the next page; null on the last page. */
    nextCursor: last ? encodeCursor([last.key, last.send.id]) : null,
  };
}

export async function getSend(db: Db, firmId: string, id: string) {
  const [row] = await db
    .select()
    .from(reminderSends)
    .where(and(eq(reminderSends.id, id), eq(reminderSends.firmId, firmId)));
  if (!row) throw notFound('No such reminder.');
  const org = await ownOrganisation(db, firmId, row.organisationId);
  const [item] = await enrich(db, row.organisationId, [row], org.provider);
  const [notes, approver] = await Promise.all([
    notesOf(db, firmId, [row]),
    row.approvedBy ? db.select({ name: users.name }).from(users).where(eq(users.id, row.approvedBy)) : Promise.resolve([]),
  ]);
  return {
    ...item!,
    organisation: org,
    messageId: row.messageId,
    bodyText: row.bodyText,
    bodyHtml: row.bodyHtml,
    approvedBy: approver[0]?.name ?? null,
    approvedAt: row.approvedAt?.toISOString() ?? null,
    notes: notes.get(row.id) ?? [],
  };
}

async function transition(db: Db, firmId: string, id: string, from: SendStatus[], set: PgUpdateSetSource<typeof reminderSends>) {
  const rows = await db
    .update(reminderSends)
    .set(set)
    .where(and(eq(reminderSends.id, id), eq(reminderSends.firmId, firmId), inArray(reminderSends.status, from)))
    .returning({ id: reminderSends.id, attempts: reminderSends.attempts, status: reminderSends.status });
  return rows[0] ?? null;
}

export async function approveSend(db: Db, firmId: string, id: string, userId: string, now: Date) {
  // Held for the client too (client-approval.ts): the firm approves first, then the client decides.
  const r = await transition(db, firmId, id, ['pending_approval'], { status: sql`CASE WHEN ${reminderSends.needsClientApproval} THEN 'awaiting_client' ELSE 'claimed' END`, approvedBy: userId, approvedAt: now, updatedAt: now });
  if (!r) throw conflict('This reminder is not waiting for approval any more.', 'not_pending');
  return r;
}

export async function rejectSend(db: Db, firmId: string, id: string, now: Date) {
  const r = await transition(db, firmId, id, ['pending_approval', 'claimed', 'failed_temporary'], { status: 'skipped', skipReason: 'rejected_by_collector', leaseUntil: null, updatedAt: now });
  if (!r) throw conflict('This reminder is already being sent or is finished.', 'not_skippable');
  await db
    .update(reminderSends)
    .set({ status: 'skipped', skipReason: 'rejected_by_collector', updatedAt: now })
    .where(and(eq(reminderSends.parentId, id), eq(reminderSends.status, 'grouped')));
  return r;
}

/** Try a failed reminder again (e.g. after correcting the customer's address). */
export async function retrySend(db: Db, firmId: string, id: string, now: Date) {
  const r = await transition(db, firmId, id, ['failed_permanent', 'failed_temporary'], { status: 'claimed', attempts: 0, error: null, updatedAt: now });
  if (!r) throw conflict('Only a failed reminder can be retried.', 'not_failed');
  return r;
}
