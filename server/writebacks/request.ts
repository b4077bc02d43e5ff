/**
 * Requesting a write-back: validate the kind's request, decide whether it needs a person's
 * approval (the firm's threshold), insert the row once per business event (firm_id, source_key),
 * record the activity, and queue the execution. Nothing here talks to a ledger.
 */
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { activities, firms, writebacks } from '../db/schema';
import { toMinor } from '../domain/money';
import { HttpError } from '../http/errors';
import { REQUEST_SCHEMAS, type WritebackInput, type WritebackKind, type WritebackStatus } from './types';

export interface RequestDeps {
  db: Db;
  enqueueExecute(writebackId: string): Promise<void>;
}

export interface RequestResult {
  id: string;
  status: WritebackStatus;
  /** false when the business event (source key) was requested before: the first row is returned. */
  created: boolean;
}

const ThresholdSchema = z.object({ approvalThreshold: z.string().regex(/^\d+(\.\d+)?$/).nullish() }).partial();

/** The firm's approval threshold (firms.settings.collections.approvalThreshold), null = none. */
export async function approvalThreshold(db: Db, firmId: string): Promise<string | null> {
  const [f] = await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId));
  const parsed = ThresholdSchema.safeParse((f?.settings as { collections?: unknown } | undefined)?.collections ?? {});
  return parsed.success ? (parsed.data.approvalThreshold ?? null) : null;
}

/**
 * Whether a write-back waits for a person: money moved above the firm's threshold does, except a
 * debtor's own payment (the money has arrived; holding it back would leave the ledger wrong) and
 * a request a person already approved (`preApproved`).
 */
export function needsApproval(input: Pick<WritebackInput, 'kind' | 'amount' | 'requestedBy'>, threshold: string | null): boolean {
  if (threshold === null || !input.amount) return false;
  if (input.kind === 'payment' && input.requestedBy === 'debtor') return false;
  if (input.kind === 'pay_link' || input.kind === 'note') return false;
  return toMinor(input.amount, 4, true) > toMinor(threshold, 4, true);
}

export function parseRequest<K extends WritebackKind>(kind: K, request: unknown) {
  const parsed = REQUEST_SCHEMAS[kind].safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, 'invalid_writeback', `${kind.replace('_', ' ')}: ${issue?.path.join('.') || 'request'} ${issue?.message ?? 'is not valid'}`);
  }
  return parsed.data;
}

export async function requestWriteback(deps: RequestDeps, input: WritebackInput & { preApproved?: boolean }): Promise<RequestResult> {
  const request = parseRequest(input.kind, input.request);
  // A note write-back is its note: written onto the invoice in the note step.
  const noteText = input.kind === 'note' ? (request as { text: string }).text : (input.noteText ?? null);
  const invoiceExternalId = input.kind === 'note' ? (request as { invoiceExternalId: string }).invoiceExternalId : (input.invoiceExternalId ?? null);
  if (input.amount != null) toMinor(input.amount, 4, true); // refuses a non-decimal amount early
  const threshold = await approvalThreshold(deps.db, input.firmId);
  const status: WritebackStatus = !input.preApproved && needsApproval(input, threshold) ? 'awaiting_approval' : 'pending';

  const result = await deps.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(writebacks)
      .values({
        firmId: input.firmId,
        organisationId: input.organisationId,
        kind: input.kind,
        purpose: input.purpose ?? null,
        sourceKey: input.sourceKey ?? null,
        invoiceId: input.invoiceId ?? null,
        invoiceExternalId,
        contactId: input.contactId ?? null,
        contactExternalId: input.contactExternalId ?? null,
        amount: input.amount ?? null,
        currency: input.currency ?? null,
        request,
        status,
        noteText,
        noteStatus: noteText && invoiceExternalId ? 'pending' : 'none',
        reversesId: input.reversesId ?? null,
        requestedBy: input.requestedBy,
        requestedByUserId: input.userId ?? null,
        decidedByUserId: input.preApproved ? (input.userId ?? null) : null,
        decidedAt: input.preApproved ? new Date() : null,
      })
      .onConflictDoNothing({ target: [writebacks.firmId, writebacks.sourceKey] })
      .returning({ id: writebacks.id, status: writebacks.status });
    const row = inserted[0];
    if (!row) {
      const [existing] = await tx
        .select({ id: writebacks.id, status: writebacks.status })
        .from(writebacks)
        .where(and(eq(writebacks.firmId, input.firmId), eq(writebacks.sourceKey, input.sourceKey ?? '')));
      if (!existing) throw new Error('write-back conflict without a row');
      return { id: existing.id, status: existing.status as WritebackStatus, created: false };
    }
    await tx.insert(activities).values({
      firmId: input.firmId,
      organisationId: input.organisationId,
      actorUserId: input.userId ?? null,
      actorType: input.requestedBy,
      kind: status === 'awaiting_approval' ? 'writeback.awaiting_approval' : 'writeback.requested',
      contactId: input.contactId ?? null,
      invoiceId: input.invoiceId ?? null,
      summary: status === 'awaiting_approval' ? `${input.summary} — waiting for approval` : input.summary,
      details: { writebackId: row.id, kind: input.kind, purpose: input.purpose ?? null, amount: input.amount ?? null, currency: input.currency ?? null, contactExternalId: input.contactExternalId ?? null },
    });
    return { id: row.id, status: row.status as WritebackStatus, created: true };
  });
  if (result.created && result.status === 'pending') await deps.enqueueExecute(result.id);
  return result;
}

/** Marks an approved or retried write-back pending again and queues it (used by approvals and retry). */
export async function releaseWriteback(deps: RequestDeps, firmId: string, id: string, from: readonly WritebackStatus[]): Promise<boolean> {
  const rows = await deps.db
    .update(writebacks)
    .set({ status: 'pending', error: null, updatedAt: new Date() })
    .where(and(eq(writebacks.id, id), eq(writebacks.firmId, firmId), sql`${writebacks.status} IN (${sql.join(
      from.map((s) => sql`${s}`),
      sql`, `,
    )})`))
    .returning({ id: writebacks.id });
  if (rows.length === 0) return false;
  await deps.enqueueExecute(id);
  return true;
}
