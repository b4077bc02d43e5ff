/**
 * Requesting a write-back: validate the kind's request, decide whether it needs a person's
 * approval (the firm's threshold), insert the row once per business event (firm_id, source_key),
 * record the activity, and queue the execution. Nothing here talks to a ledger.
 */
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { activities, firms, writebacks } from '../db/schema';
import { resolveRates } from '../analytics/exchange-rates';
import { toMinor } from '../../kernel/money';
import { needsApproval, parseRequest, type Threshold } from './rules';
import type { WritebackInput, WritebackStatus } from './types';

export interface RequestDeps {
  db: Db;
  enqueueExecute(writebackId: string): Promise<void>;
  /** The process's clock: "today" for exchange rates, promise windows and credit note dates (default: the machine's). */
  now?: () => Date;
}

export interface RequestResult {
  id: string;
  status: WritebackStatus;
  /** false when the business event (source key) was requested before: the first row is returned. */
  created: boolean;
}

const ThresholdSchema = z.object({ approvalThreshold: z.string().regex(/^\d+(\.\d+)?$/).nullish() }).partial();

export async function approvalThreshold(db: Db, firmId: string): Promise<Threshold | null> {
  const [f] = await db.select({ settings: firms.settings, currency: firms.reportingCurrency }).from(firms).where(eq(firms.id, firmId));
  const parsed = ThresholdSchema.safeParse((f?.settings as { collections?: unknown } | undefined)?.collections ?? {});
  const amount = parsed.success ? (parsed.data.approvalThreshold ?? null) : null;
  return amount && f ? { amount, currency: f.currency } : null;
}

/** The firm's latest rate from `currency` to the threshold's currency (null when none is set). */
async function rateFor(db: Db, firmId: string, currency: string | null | undefined, threshold: Threshold | null, now: Date): Promise<string | null> {
  if (!threshold || !currency || currency === threshold.currency) return null;
  const rates = await resolveRates(db, firmId, threshold.currency, now.toISOString().slice(0, 10));
  return rates.get(currency)?.rate ?? null;
}

export async function requestWriteback(deps: RequestDeps, input: WritebackInput & { preApproved?: boolean }): Promise<RequestResult> {
  const request = parseRequest(input.kind, input.request);
  // A note write-back is its note: written onto the invoice in the note step.
  const noteText = input.kind === 'note' ? (request as { text: string }).text : (input.noteText ?? null);
  const invoiceExternalId = input.kind === 'note' ? (request as { invoiceExternalId: string }).invoiceExternalId : (input.invoiceExternalId ?? null);
  if (input.amount != null) toMinor(input.amount, 4, true); // refuses a non-decimal amount early
  const threshold = await approvalThreshold(deps.db, input.firmId);
  const rule = input.preApproved ? ({ needed: false } as const) : needsApproval(input, threshold, await rateFor(deps.db, input.firmId, input.currency, threshold, deps.now?.() ?? new Date()));
  const status: WritebackStatus = rule.needed ? 'awaiting_approval' : 'pending';
  const held = rule.needed ? (rule.why === 'no_rate' ? ` — waiting for approval (no exchange rate from ${input.currency} to ${threshold?.currency})` : ' — waiting for approval') : '';

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
      summary: `${input.summary}${held}`,
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
