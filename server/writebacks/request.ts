/**
 * Requesting a write-back: validate the kind's request, decide whether it needs a person's
 * approval (the firm's threshold), insert the row once per business event (firm_id, source_key),
 * record the activity, and queue the execution. Nothing here talks to a ledger.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { toMinor } from '../../kernel/money';
import { resolveRates } from '../analytics/exchange-rates';
import type { Db } from '../db/client';
import { activities, firms, writebacks } from '../db/schema';
import type { Effective } from '../settings/groups';
import { effectiveSettingsOf } from '../settings/store';
import { clientPoliciesFor, needsClientApproval } from './client-approval';
import { needsApproval, parseRequest, type Threshold } from './rules';
import type { WritebackInput, WritebackKind, WritebackStatus } from './types';

export interface RequestDeps {
  db: Db;
  /** `kind` gives the job its priority (enqueue.ts). */
  enqueueExecute(writebackId: string, attempt?: number, kind?: WritebackKind): Promise<void>;
  /** The process's clock: "today" for exchange rates, promise windows and credit note dates (default: the machine's). */
  now?: () => Date;
}

export interface RequestResult {
  id: string;
  status: WritebackStatus;
  /** false when the business event (source key) was requested before: the first row is returned. */
  created: boolean;
}

/**
 * The approval threshold in force for each of these organisations, in the firm's reporting
 * currency: the organisation's override when it has one, else the firm default
 * (docs/decisions/028); null = none.
 */
export async function approvalThresholds(db: Db, firmId: string, organisationIds: readonly string[], loaded?: Map<string, Effective>): Promise<Map<string, Threshold | null>> {
  const [f] = await db.select({ currency: firms.reportingCurrency }).from(firms).where(eq(firms.id, firmId));
  const effective = loaded ?? (await effectiveSettingsOf(db, firmId, [...new Set(organisationIds)]));
  return new Map([...effective].map(([id, e]) => [id, e.approvalThreshold.value.amount && f ? { amount: e.approvalThreshold.value.amount, currency: f.currency } : null]));
}

/** The firm's latest rate from `currency` to the threshold's currency (null when none is set). */
async function rateFor(db: Db, firmId: string, currency: string | null | undefined, threshold: Threshold | null, now: Date): Promise<string | null> {
  if (!threshold || !currency || currency === threshold.currency) return null;
  const rates = await resolveRates(db, firmId, threshold.currency, now.toISOString().slice(0, 10));
  return rates.get(currency)?.rate ?? null;
}

export type RequestInput = WritebackInput & { preApproved?: boolean };
type ActivityRow = typeof activities.$inferInsert;

/**
 * Requests one write-back in its own transaction and queues it when it is ready to run. Several
 * requested together, or as part of a larger transaction, go through `requestWritebacksIn`.
 */
export async function requestWriteback(deps: RequestDeps, input: RequestInput): Promise<RequestResult> {
  const [result] = await deps.db.transaction((tx) => requestWritebacksIn(tx as unknown as Db, [input], deps.now?.() ?? new Date()));
  if (result!.created && result!.status === 'pending') await deps.enqueueExecute(result!.id, 0, input.kind);
  return result!;
}

/**
 * Requests write-backs inside the caller's transaction `tx`: each validated, its approval decided
 * (the firm's threshold is read once, and only when some request carries an amount that could
 * need it), inserted once per business event (firm_id, source_key) — a key requested before
 * returns its first row, `created: false` — and its timeline activity recorded; `alsoRecord`
 * activities go into the same insert. Three statements however many requests: a reminder's notes
 * cost no more than one. Queues nothing: the caller queues the created `pending` ones after its
 * transaction commits (a crash before that leaves them to the write-back sweep).
 */
export async function requestWritebacksIn(tx: Db, inputs: readonly RequestInput[], now: Date, alsoRecord: readonly ActivityRow[] = []): Promise<RequestResult[]> {
  const prepared = inputs.map((input) => {
    const request = parseRequest(input.kind, input.request);
    if (input.amount != null) toMinor(input.amount, 4, true); // refuses a non-decimal amount early
    return { input, request, id: randomUUID() };
  });
  const mayNeedApproval = prepared.some(({ input }) => !input.preApproved && needsApproval(input, { amount: '0', currency: input.currency ?? '' }, null).needed);
  // One read of the organisations' effective settings serves the thresholds and the client policies (docs/decisions/026).
  const effective = mayNeedApproval ? await effectiveSettingsOf(tx, inputs[0]!.firmId, [...new Set(inputs.map((i) => i.organisationId))]) : undefined;
  const thresholds = mayNeedApproval ? await approvalThresholds(tx, inputs[0]!.firmId, inputs.map((i) => i.organisationId), effective) : new Map<string, Threshold | null>();
  // The organisations' client-approval policies (client-approval.ts): read only when a request could be covered.
  const clientPolicies = await clientPoliciesFor(tx, inputs[0]!.firmId, inputs.filter((i) => !i.preApproved), effective);
  const rows = [];
  const held = new Map<string, string>();
  for (const { input, request, id } of prepared) {
    // A note write-back is its note: written onto the invoice in the note step.
    const noteText = input.kind === 'note' ? (request as { text: string }).text : (input.noteText ?? null);
    const invoiceExternalId = input.kind === 'note' ? (request as { invoiceExternalId: string }).invoiceExternalId : (input.invoiceExternalId ?? null);
    const threshold = thresholds.get(input.organisationId) ?? null;
    const rule = input.preApproved ? ({ needed: false } as const) : needsApproval(input, threshold, await rateFor(tx, input.firmId, input.currency, threshold, now));
    // The firm's own approval comes first; then, when the organisation's policy covers it, its client's.
    const forClient = !input.preApproved && needsClientApproval(input, clientPolicies.get(input.organisationId));
    const status: WritebackStatus = rule.needed ? 'awaiting_approval' : forClient ? 'awaiting_client' : 'pending';
    if (rule.needed) held.set(id, rule.why === 'no_rate' ? ` — waiting for approval (no exchange rate from ${input.currency} to ${threshold?.currency})` : ' — waiting for approval');
    else if (forClient) held.set(id, ' — waiting for the client’s approval');
    rows.push({
      id,
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
      noteStatus: noteText && invoiceExternalId ? ('pending' as const) : ('none' as const),
      reversesId: input.reversesId ?? null,
      requestedBy: input.requestedBy,
      requestedByUserId: input.userId ?? null,
      decidedByUserId: input.preApproved ? (input.userId ?? null) : null,
      decidedAt: input.preApproved ? now : null,
      needsClientApproval: forClient,
    });
  }
  const inserted = rows.length
    ? await tx
        .insert(writebacks)
        .values(rows)
        .onConflictDoNothing({ target: [writebacks.firmId, writebacks.sourceKey] })
        .returning({ id: writebacks.id, status: writebacks.status })
    : [];
  const created = new Map(inserted.map((r) => [r.id, r.status as WritebackStatus]));
  const repeatedKeys = prepared.filter((p) => !created.has(p.id)).map((p) => p.input.sourceKey ?? '');
  const existing = repeatedKeys.length
    ? new Map(
        (
          await tx
            .select({ id: writebacks.id, status: writebacks.status, sourceKey: writebacks.sourceKey })
            .from(writebacks)
            .where(and(eq(writebacks.firmId, inputs[0]!.firmId), inArray(writebacks.sourceKey, repeatedKeys)))
        ).map((r) => [r.sourceKey, r]),
      )
    : new Map<string | null, { id: string; status: string }>();
  const recorded: ActivityRow[] = [];
  const results = prepared.map(({ input, id }): RequestResult => {
    const status = created.get(id);
    if (!status) {
      const first = existing.get(input.sourceKey ?? '');
      if (!first) throw new Error('write-back conflict without a row');
      return { id: first.id, status: first.status as WritebackStatus, created: false };
    }
    recorded.push({
      firmId: input.firmId,
      organisationId: input.organisationId,
      actorUserId: input.userId ?? null,
      actorType: input.requestedBy,
      kind: status === 'awaiting_approval' || status === 'awaiting_client' ? 'writeback.awaiting_approval' : 'writeback.requested',
      contactId: input.contactId ?? null,
      invoiceId: input.invoiceId ?? null,
      summary: `${input.summary}${held.get(id) ?? ''}`,
      details: { writebackId: id, kind: input.kind, purpose: input.purpose ?? null, amount: input.amount ?? null, currency: input.currency ?? null, contactExternalId: input.contactExternalId ?? null },
      createdAt: now,
    });
    return { id, status, created: true };
  });
  recorded.push(...alsoRecord);
  if (recorded.length) await tx.insert(activities).values(recorded);
  return results;
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
    .returning({ id: writebacks.id, kind: writebacks.kind });
  if (rows.length === 0) return false;
  await deps.enqueueExecute(id, 0, rows[0]!.kind as WritebackKind);
  return true;
}
