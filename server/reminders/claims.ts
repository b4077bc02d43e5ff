/**
 * The claim table's state changes, each one statement (or one transaction) that only moves a
 * row from the state it is expected to be in:
 *
 *   (none) ──claim──▶ claimed | pending_approval ──approve──▶ claimed
 *   (none) | pending_approval ──▶ awaiting_client ──client approves──▶ claimed  (declines ──▶ skipped)
 *   claimed | failed_temporary | sending (lease expired) ──lease──▶ sending
 *   sending ──▶ sent | failed_temporary | failed_permanent | skipped | claimed (released: window or limit)
 *
 * The unique key (firm, organisation, subject type, subject, step) makes a second claim of the
 * same reminder impossible; the lease (UPDATE … WHERE status … RETURNING) makes a second worker
 * sending the same claim impossible.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, getTableColumns, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { CalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { reminderDailyCounts, reminderSends } from '../db/schema';
import { messageIdFor } from './deps';
import type { PlannedSend, PlannedSkip } from './plan';
import { REVIVABLE, type SkipReason } from './types';

export type SendRow = typeof reminderSends.$inferSelect;

const REVIVABLE_LIST = [...REVIVABLE];
const revivableSql = sql.join(
  REVIVABLE_LIST.map((r) => sql`${r}`),
  sql`, `,
);

interface Scope {
  firmId: string;
  organisationId: string;
}

/** Held for the client (client-approval.ts): staff approval first when the step needs it, then the client. */
const initialStatus = (p: Pick<PlannedSend, 'occurrence'>, forClient: boolean) => (p.occurrence.step.approval === 'manual' ? 'pending_approval' : forClient ? 'awaiting_client' : 'claimed');

function stepFields(p: Pick<PlannedSend, 'occurrence' | 'policyId'>) {
  return {
    policyId: p.policyId,
    templateId: p.occurrence.step.templateId,
    stepNumber: p.occurrence.number,
    stepOffset: p.occurrence.offsetDays,
    channel: p.occurrence.step.channel,
    approval: p.occurrence.step.approval,
  };
}

const CLAIM_TARGET = [reminderSends.firmId, reminderSends.organisationId, reminderSends.subjectType, reminderSends.subjectId, reminderSends.stepKey];
const REVIVE_WHERE = sql`${reminderSends.status} = 'skipped' AND ${reminderSends.skipReason} IN (${revivableSql})`;

/** Rows per claiming statement (the claim's row locks are held until it ends). */
const CLAIM_CHUNK = 1000;

/** The columns every planned row carries, claim or skip, named as the statements' jsonb_to_recordset reads them. */
function plannedRow(p: Pick<PlannedSend, 'subjectId' | 'stepKey' | 'contactExternalId' | 'occurrence' | 'policyId'>, mailFrom: string) {
  const id = randomUUID();
  const step = stepFields(p);
  return {
    id,
    subject_id: p.subjectId,
    step_key: p.stepKey,
    contact_external_id: p.contactExternalId,
    policy_id: step.policyId,
    template_id: step.templateId,
    step_number: step.stepNumber,
    step_offset: step.stepOffset,
    channel: step.channel,
    approval: step.approval,
    message_id: messageIdFor(id, mailFrom),
  };
}

/** `list` in chunks of CLAIM_CHUNK, in order. */
function* chunksOf<T>(list: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < list.length; i += CLAIM_CHUNK) yield list.slice(i, i + CLAIM_CHUNK);
}

/**
 * Claim per-invoice sends in batches: INSERT … ON CONFLICT DO UPDATE (only a revivable skip) …
 * RETURNING. What comes back is claimed — by this call and no other; a conflict with any other
 * row returns nothing (someone claimed it before).
 *
 * The rows go in as one JSON parameter (jsonb_to_recordset), not as drizzle's multi-row VALUES:
 * building a 500-row, 35-column VALUES list was most of a run's CPU (docs/decisions/067). The
 * columns left out take their defaults, as drizzle's `default` did.
 */
export async function claimInvoiceSends(db: Db, scope: Scope, planned: readonly PlannedSend[], params: { now: Date; today: CalendarDate; mailFrom: string; forClient?: (p: PlannedSend) => boolean }): Promise<{ id: string; status: string }[]> {
  const out: { id: string; status: string }[] = [];
  const now = params.now.toISOString();
  for (const part of chunksOf(planned)) {
    const chunk = part.map((p) => {
      const forClient = params.forClient?.(p) ?? false;
      return { ...plannedRow(p, params.mailFrom), invoice_external_ids: p.invoiceExternalIds, status: initialStatus(p, forClient), needs_client_approval: forClient, recipients: p.recipients };
    });
    const rows = await queryRows<{ id: string; status: string }>(
      db,
      sql`INSERT INTO reminder_sends AS r (id, firm_id, organisation_id, subject_type, subject_id, step_key, contact_external_id, invoice_external_ids, policy_id, template_id,
                                          step_number, step_offset, channel, approval, status, needs_client_approval, planned_for, message_id, recipients, claimed_at, updated_at)
          SELECT v.id, ${scope.firmId}::uuid, ${scope.organisationId}::uuid, 'invoice', v.subject_id, v.step_key, v.contact_external_id, ARRAY(SELECT jsonb_array_elements_text(v.invoice_external_ids)), v.policy_id, v.template_id,
                 v.step_number, v.step_offset, v.channel, v.approval, v.status, v.needs_client_approval, ${params.today}::date, v.message_id, v.recipients, ${now}::timestamptz, ${now}::timestamptz
            FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS v(id uuid, subject_id text, step_key text, contact_external_id text, invoice_external_ids jsonb, policy_id uuid, template_id uuid,
                                                                        step_number integer, step_offset integer, channel text, approval text, status text, needs_client_approval boolean, message_id text, recipients jsonb)
          ON CONFLICT (firm_id, organisation_id, subject_type, subject_id, step_key) DO UPDATE SET
                 status = excluded.status, skip_reason = NULL, policy_id = excluded.policy_id, template_id = excluded.template_id, step_number = excluded.step_number,
                 step_offset = excluded.step_offset, channel = excluded.channel, approval = excluded.approval, needs_client_approval = excluded.needs_client_approval,
                 recipients = excluded.recipients, planned_for = ${params.today}::date, claimed_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
           WHERE r.status = 'skipped' AND r.skip_reason IN (${revivableSql})
          RETURNING r.id, r.status`,
    );
    out.push(...rows);
  }
  return out;
}

/**
 * Claim one grouped send: the customer's day row and each triggering (invoice, step) row, in
 * one transaction. Null when the day row exists already, or every trigger was claimed elsewhere.
 */
export async function claimGroupedSend(db: Db, scope: Scope, p: PlannedSend, params: { now: Date; today: CalendarDate; mailFrom: string; forClient?: boolean }): Promise<{ id: string; status: string } | null> {
  const needsClientApproval = params.forClient ?? false;
  const status = initialStatus(p, needsClientApproval);
  const base = { firmId: scope.firmId, organisationId: scope.organisationId, contactExternalId: p.contactExternalId, plannedFor: params.today, claimedAt: params.now, updatedAt: params.now };
  return db.transaction(async (tx) => {
    const id = randomUUID();
    const [parent] = await tx
      .insert(reminderSends)
      .values({ ...base, ...stepFields(p), id, subjectType: 'customer', subjectId: p.subjectId, stepKey: p.stepKey, invoiceExternalIds: p.invoiceExternalIds, status, needsClientApproval, messageId: messageIdFor(id, params.mailFrom), recipients: p.recipients })
      .onConflictDoNothing()
      .returning({ id: reminderSends.id, status: reminderSends.status });
    if (!parent) return null;
    let children = 0;
    for (const t of p.triggers) {
      const childId = randomUUID();
      const rows = await tx
        .insert(reminderSends)
        .values({ ...base, ...stepFields({ occurrence: t.occurrence, policyId: p.policyId }), id: childId, subjectType: 'invoice', subjectId: t.invoiceExternalId, stepKey: t.occurrence.key, parentId: parent.id, invoiceExternalIds: [t.invoiceExternalId], status: 'grouped', messageId: messageIdFor(childId, params.mailFrom) })
        .onConflictDoUpdate({ target: CLAIM_TARGET, set: { status: 'grouped', parentId: parent.id, skipReason: null, updatedAt: params.now }, setWhere: REVIVE_WHERE })
        .returning({ id: reminderSends.id });
      children += rows.length;
    }
    if (children === 0) {
      // Every trigger was claimed elsewhere in the meantime: no email today after all.
      await tx.delete(reminderSends).where(eq(reminderSends.id, parent.id));
      return null;
    }
    return parent;
  });
}

/** Record skips (once each; a revivable skip's reason is kept current). One JSON parameter per chunk, as `claimInvoiceSends`. */
export async function recordSkips(db: Db, scope: Scope, skips: readonly PlannedSkip[], params: { now: Date; today: CalendarDate; mailFrom: string }): Promise<number> {
  let n = 0;
  const now = params.now.toISOString();
  for (const part of chunksOf(skips)) {
    const chunk = part.map((k) => ({ ...plannedRow(k, params.mailFrom), skip_reason: k.reason }));
    const rows = await queryRows<{ id: string }>(
      db,
      sql`INSERT INTO reminder_sends AS r (id, firm_id, organisation_id, subject_type, subject_id, step_key, contact_external_id, invoice_external_ids, policy_id, template_id,
                                          step_number, step_offset, channel, approval, status, skip_reason, planned_for, message_id, claimed_at, updated_at)
          SELECT v.id, ${scope.firmId}::uuid, ${scope.organisationId}::uuid, 'invoice', v.subject_id, v.step_key, v.contact_external_id, ARRAY[v.subject_id], v.policy_id, v.template_id,
                 v.step_number, v.step_offset, v.channel, v.approval, 'skipped', v.skip_reason, ${params.today}::date, v.message_id, ${now}::timestamptz, ${now}::timestamptz
            FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS v(id uuid, subject_id text, step_key text, contact_external_id text, policy_id uuid, template_id uuid,
                                                                        step_number integer, step_offset integer, channel text, approval text, skip_reason text, message_id text)
          ON CONFLICT (firm_id, organisation_id, subject_type, subject_id, step_key) DO UPDATE SET skip_reason = excluded.skip_reason, updated_at = ${now}::timestamptz
           WHERE r.status = 'skipped' AND r.skip_reason IN (${revivableSql}) AND r.skip_reason IS DISTINCT FROM excluded.skip_reason
          RETURNING r.id`,
    );
    n += rows.length;
  }
  return n;
}

export async function supersedePending(db: Db, scope: Scope, list: readonly { subjectId: string; stepKey: string }[], now: Date): Promise<void> {
  for (const s of list) {
    await db
      .update(reminderSends)
      .set({ status: 'skipped', skipReason: 'superseded', updatedAt: now })
      .where(
        and(
          eq(reminderSends.firmId, scope.firmId),
          eq(reminderSends.organisationId, scope.organisationId),
          eq(reminderSends.subjectType, 'invoice'),
          eq(reminderSends.subjectId, s.subjectId),
          eq(reminderSends.stepKey, s.stepKey),
          inArray(reminderSends.status, ['pending_approval', 'awaiting_client']),
        ),
      );
  }
}

/**
 * Take a claim for sending: claimed / failed_temporary, or sending whose lease ran out (a
 * worker died). `previous` tells the caller which, so a taken-over send can ask the server
 * whether the dead worker's message arrived.
 */
export async function leaseSend(db: Db, id: string, now: Date, leaseMs: number): Promise<{ row: SendRow; previous: string } | null> {
  // One statement: the row lock re-checks the WHERE against a concurrent lease; the RETURNING
  // subquery reads the statement's snapshot, i.e. the status before this update.
  const rows = await db
    .update(reminderSends)
    .set({ status: 'sending', leaseUntil: new Date(now.getTime() + leaseMs), updatedAt: now })
    .where(and(eq(reminderSends.id, id), or(inArray(reminderSends.status, ['claimed', 'failed_temporary']), and(eq(reminderSends.status, 'sending'), lt(reminderSends.leaseUntil, now)))))
    .returning({ ...getTableColumns(reminderSends), previous: sql<string>`(SELECT s0.status FROM reminder_sends s0 WHERE s0.id = ${id}::uuid)` });
  const hit = rows[0];
  if (!hit) return null;
  const { previous, ...row } = hit;
  return { row, previous };
}

/** Give the claim back (outside the window, daily limit reached): another run picks it up later. */
export async function releaseSend(db: Db, id: string, now: Date): Promise<void> {
  await db
    .update(reminderSends)
    .set({ status: 'claimed', leaseUntil: null, updatedAt: now })
    .where(and(eq(reminderSends.id, id), eq(reminderSends.status, 'sending')));
}

/** Skip a claim (and, for a grouped email, the invoice rows it covered). */
export async function skipSend(db: Db, id: string, reason: SkipReason, now: Date, fromStatuses: string[] = ['sending']): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(reminderSends)
      .set({ status: 'skipped', skipReason: reason, leaseUntil: null, updatedAt: now })
      .where(and(eq(reminderSends.id, id), inArray(reminderSends.status, fromStatuses)))
      .returning({ id: reminderSends.id });
    if (rows.length === 0) return false;
    await tx
      .update(reminderSends)
      .set({ status: 'skipped', skipReason: reason, updatedAt: now })
      .where(and(eq(reminderSends.parentId, id), eq(reminderSends.status, 'grouped')));
    return true;
  });
}

/**
 * Count the send against the organisation's daily limit for `day`, once per claim: false when
 * the limit is reached. Atomic across workers (the counter row's UPDATE … WHERE count < limit).
 */
export async function reserveQuota(db: Db, row: Pick<SendRow, 'id' | 'organisationId' | 'quotaDay'>, day: CalendarDate, limit: number): Promise<boolean> {
  if (row.quotaDay) return true;
  // One statement, so the counter row is locked only for as long as it takes.
  const rows = await queryRows<{ id: string }>(
    db,
    sql`WITH counted AS (
          INSERT INTO reminder_daily_counts (organisation_id, day, count) VALUES (${row.organisationId}::uuid, ${day}::date, 1)
          ON CONFLICT (organisation_id, day) DO UPDATE SET count = reminder_daily_counts.count + 1
          WHERE reminder_daily_counts.count < ${limit}
          RETURNING 1
        )
        UPDATE reminder_sends SET quota_day = ${day}::date WHERE id = ${row.id}::uuid AND EXISTS (SELECT 1 FROM counted) RETURNING id`,
  );
  return rows.length > 0;
}

export async function sentToday(db: Db, organisationId: string, day: CalendarDate): Promise<number> {
  const [r] = await db
    .select({ count: reminderDailyCounts.count })
    .from(reminderDailyCounts)
    .where(and(eq(reminderDailyCounts.organisationId, organisationId), eq(reminderDailyCounts.day, day)));
  return r?.count ?? 0;
}

/** Claims waiting to go out that have not counted against a day yet. */
export async function waitingClaims(db: Db, scope: Scope): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(reminderSends)
    .where(and(eq(reminderSends.firmId, scope.firmId), eq(reminderSends.organisationId, scope.organisationId), inArray(reminderSends.status, ['claimed', 'sending', 'failed_temporary']), isNull(reminderSends.quotaDay)));
  return r?.n ?? 0;
}

/**
 * Claims a job should be working on but may have lost (a worker died, a queue forgot): claimed
 * or failed_temporary rows untouched for a lease, and sending rows whose lease ran out.
 */
export async function staleSends(db: Db, scope: Scope, now: Date, leaseMs: number, limit = 500): Promise<{ id: string; attempts: number; staleMark: number }[]> {
  const before = new Date(now.getTime() - leaseMs);
  const rows = await db
    .select({ id: reminderSends.id, attempts: reminderSends.attempts, leaseUntil: reminderSends.leaseUntil, updatedAt: reminderSends.updatedAt, status: reminderSends.status })
    .from(reminderSends)
    .where(
      and(
        eq(reminderSends.firmId, scope.firmId),
        eq(reminderSends.organisationId, scope.organisationId),
        or(and(inArray(reminderSends.status, ['claimed', 'failed_temporary']), lt(reminderSends.updatedAt, before)), and(eq(reminderSends.status, 'sending'), lt(reminderSends.leaseUntil, now))),
      ),
    )
    .limit(limit);
  // What made it stale names its re-queue (job-ids.ts): the expired lease, or the row's last touch.
  return rows.map((r) => ({ id: r.id, attempts: r.attempts, staleMark: (r.status === 'sending' && r.leaseUntil ? r.leaseUntil : r.updatedAt).getTime() }));
}
