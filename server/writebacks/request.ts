/**
 * Requesting a write-back: validate the kind's request, decide whether it needs a person's
 * approval (the firm's threshold), insert the row once per business event (firm_id, source_key),
 * record the activity, and queue the execution. Nothing here talks to a ledger.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { toMinor } from '../../kernel/money';
import { resolveRates } from '../analytics/exchange-rates';
import { type Db, type Prepared, preparedRows } from '../db/client';
import { activities, writebacks } from '../db/schema';
import type { Effective } from '../settings/groups';
import { effectiveSettingsWithCurrency } from '../settings/store';
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
export async function approvalThresholds(db: Db, firmId: string, organisationIds: readonly string[], loaded?: { effective: Map<string, Effective>; currency: string }): Promise<Map<string, Threshold | null>> {
  const { effective, currency } = loaded ?? (await effectiveSettingsWithCurrency(db, firmId, [...new Set(organisationIds)]));
  return new Map([...effective].map(([id, e]) => [id, e.approvalThreshold.value.amount ? { amount: e.approvalThreshold.value.amount, currency } : null]));
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
 * Requests one write-back (one statement writes it) and queues it when it is ready to run. Several
 * requested together, or as part of a larger transaction, go through `requestWritebacksIn`.
 */
export async function requestWriteback(deps: RequestDeps, input: RequestInput): Promise<RequestResult> {
  // Its one write (the row with its timeline entry) is a single statement: no transaction needed.
  const [result] = await requestWritebacksIn(deps.db, [input], deps.now?.() ?? new Date());
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
  // The firm's reporting currency comes with them: one round trip for all three.
  const loaded = mayNeedApproval ? await effectiveSettingsWithCurrency(tx, inputs[0]!.firmId, [...new Set(inputs.map((i) => i.organisationId))]) : undefined;
  const thresholds = loaded ? await approvalThresholds(tx, inputs[0]!.firmId, inputs.map((i) => i.organisationId), loaded) : new Map<string, Threshold | null>();
  // The organisations' client-approval policies (client-approval.ts): read only when a request could be covered.
  const clientPolicies = await clientPoliciesFor(tx, inputs[0]!.firmId, inputs.filter((i) => !i.preApproved), loaded?.effective);
  const rows: (typeof writebacks.$inferInsert & { status: WritebackStatus })[] = [];
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
      // The injected clock, not the database's: the sweep's quiet time and a note's day (note-batch.ts) are read against it.
      createdAt: now,
      updatedAt: now,
    });
  }
  // Each new row's timeline entry, known before the insert (its status is decided above); only
  // the rows the insert creates get theirs (a repeated source key keeps its first row's).
  const activityOf = new Map<string, ActivityRow>(
    prepared.map(({ input, id }, i) => {
      const status = rows[i]!.status;
      return [
        id,
        {
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
        },
      ];
    }),
  );
  // The rows and their timeline entries in one statement: one round trip, and never one without the other.
  const inserted = rows.length ? await insertWithActivities(tx, rows, activityOf, alsoRecord) : [];
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
  const results = prepared.map(({ input, id }): RequestResult => {
    const status = created.get(id);
    if (!status) {
      const first = existing.get(input.sourceKey ?? '');
      if (!first) throw new Error('write-back conflict without a row');
      return { id: first.id, status: first.status as WritebackStatus, created: false };
    }
    return { id, status, created: true };
  });
  if (!rows.length && alsoRecord.length) await tx.insert(activities).values([...alsoRecord]);
  return results;
}

/**
 * INSERT the write-back rows (a repeated source key does nothing) and, in the same statement, the
 * timeline entries of those it created plus `alsoRecord`'s (always). Returns the created rows.
 */
async function insertWithActivities(tx: Db, rows: (typeof writebacks.$inferInsert)[], activityOf: ReadonlyMap<string, ActivityRow>, alsoRecord: readonly ActivityRow[]): Promise<{ id: string; status: string }[]> {
  const entries = [...[...activityOf].map(([wb, a]) => ({ wb, a })), ...alsoRecord.map((a) => ({ wb: null, a }))].map(({ wb, a }) => ({
    wb,
    id: a.id ?? null,
    firm_id: a.firmId,
    organisation_id: a.organisationId ?? null,
    actor_user_id: a.actorUserId ?? null,
    actor_type: a.actorType,
    kind: a.kind,
    contact_id: a.contactId ?? null,
    invoice_id: a.invoiceId ?? null,
    summary: a.summary,
    details: a.details ?? null,
    created_at: a.createdAt instanceof Date ? a.createdAt.toISOString() : (a.createdAt ?? null),
  }));
  const wbs = rows.map((r) => ({
    id: r.id,
    firm_id: r.firmId,
    organisation_id: r.organisationId,
    kind: r.kind,
    purpose: r.purpose ?? null,
    source_key: r.sourceKey ?? null,
    invoice_id: r.invoiceId ?? null,
    invoice_external_id: r.invoiceExternalId ?? null,
    contact_id: r.contactId ?? null,
    contact_external_id: r.contactExternalId ?? null,
    amount: r.amount ?? null,
    currency: r.currency ?? null,
    request: r.request,
    status: r.status,
    note_text: r.noteText ?? null,
    note_status: r.noteStatus,
    reverses_id: r.reversesId ?? null,
    requested_by: r.requestedBy,
    requested_by_user_id: r.requestedByUserId ?? null,
    decided_by_user_id: r.decidedByUserId ?? null,
    decided_at: r.decidedAt instanceof Date ? r.decidedAt.toISOString() : (r.decidedAt ?? null),
    needs_client_approval: r.needsClientApproval,
    created_at: r.createdAt instanceof Date ? r.createdAt.toISOString() : r.createdAt,
    updated_at: r.updatedAt instanceof Date ? r.updatedAt.toISOString() : r.updatedAt,
  }));
  return preparedRows<{ id: string; status: string }>(tx, INSERT_WITH_ACTIVITIES, [JSON.stringify(wbs), JSON.stringify(entries)]);
}

/**
 * The rows ($1, JSON) — a repeated source key inserts nothing — and the timeline entries ($2,
 * JSON) of those created plus the unattached ones, in one fixed statement (prepared once per
 * connection: no query building per request, decision 068). Returns the created rows.
 */
const INSERT_WITH_ACTIVITIES: Prepared = {
  name: 'wb_insert_with_activities',
  text: `WITH ins AS (
          INSERT INTO writebacks (id, firm_id, organisation_id, kind, purpose, source_key, invoice_id, invoice_external_id, contact_id, contact_external_id,
                                  amount, currency, request, status, note_text, note_status, reverses_id, requested_by, requested_by_user_id,
                                  decided_by_user_id, decided_at, needs_client_approval, created_at, updated_at)
          SELECT w.id, w.firm_id, w.organisation_id, w.kind, w.purpose, w.source_key, w.invoice_id, w.invoice_external_id, w.contact_id, w.contact_external_id,
                 w.amount, w.currency, coalesce(w.request, '{}'::jsonb), w.status, w.note_text, coalesce(w.note_status, 'none'), w.reverses_id, w.requested_by, w.requested_by_user_id,
                 w.decided_by_user_id, w.decided_at, coalesce(w.needs_client_approval, false), coalesce(w.created_at, now()), coalesce(w.updated_at, now())
          FROM json_to_recordset($1::json) AS w(id uuid, firm_id uuid, organisation_id uuid, kind text, purpose text, source_key text, invoice_id uuid,
               invoice_external_id text, contact_id uuid, contact_external_id text, amount numeric, currency text, request jsonb, status text, note_text text,
               note_status text, reverses_id uuid, requested_by text, requested_by_user_id uuid, decided_by_user_id uuid, decided_at timestamptz,
               needs_client_approval boolean, created_at timestamptz, updated_at timestamptz)
          ON CONFLICT (firm_id, source_key) DO NOTHING
          RETURNING id, status),
        act AS (
          INSERT INTO activities (id, firm_id, organisation_id, actor_user_id, actor_type, kind, contact_id, invoice_id, summary, details, created_at)
          SELECT coalesce(a.id, gen_random_uuid()), a.firm_id, a.organisation_id, a.actor_user_id, a.actor_type, a.kind, a.contact_id, a.invoice_id, a.summary,
                 coalesce(a.details, '{}'::jsonb), coalesce(a.created_at, now())
          FROM json_to_recordset($2::json) AS a(wb uuid, id uuid, firm_id uuid, organisation_id uuid, actor_user_id uuid, actor_type text, kind text,
               contact_id uuid, invoice_id uuid, summary text, details jsonb, created_at timestamptz)
          WHERE a.wb IS NULL OR a.wb IN (SELECT ins.id FROM ins))
        SELECT id, status FROM ins`,
};

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
