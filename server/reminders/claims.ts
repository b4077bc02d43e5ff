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
import { type Db, queryRows } from '../db/client';
import { reminderDailyCounts, reminderSends } from '../db/schema';
import type { CalendarDate } from '../../kernel/dates';
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

/**
 * Claim per-invoice sends in batches: INSERT … ON CONFLICT DO UPDATE (only a revivable skip) …
 * RETURNING. What comes back is claimed — by this call and no other; a conflict with any other
 * row returns nothing (someone claimed it before).
 */
export async function claimInvoiceSends(db: Db, scope: Scope, planned: readonly PlannedSend[], params: { now: Date; today: CalendarDate; mailFrom: string; forClient?: (p: PlannedSend) => boolean }): Promise<{ id: string; status: string }[]> {
  const out: { id: string; status: string }[] = [];
  for (let i = 0; i < planned.length; i += 500) {
    const chunk = planned.slice(i, i + 500);
    const rows = await db
      .insert(reminderSends)
      .values(
        chunk.map((p) => {
          const id = randomUUID();
          return {
            id,
            firmId: scope.firmId,
            organisationId: scope.organisationId,
            subjectType: 'invoice',
            subjectId: p.subjectId,
            stepKey: p.stepKey,
            contactExternalId: p.contactExternalId,
            invoiceExternalIds: p.invoiceExternalIds,
            ...stepFields(p),
            status: initialStatus(p, params.forClient?.(p) ?? false),
            needsClientApproval: params.forClient?.(p) ?? false,
            plannedFor: params.today,
            messageId: messageIdFor(id, params.mailFrom),
            recipients: p.recipients,
            claimedAt: params.now,
            updatedAt: params.now,
          };
        }),
      )
      .onConflictDoUpdate({
        target: CLAIM_TARGET,
        set: {
          status: sql`excluded.status`,
          skipReason: null,
          policyId: sql`excluded.policy_id`,
          templateId: sql`excluded.template_id`,
          stepNumber: sql`excluded.step_number`,
          stepOffset: sql`excluded.step_offset`,
          channel: sql`excluded.channel`,
          approval: sql`excluded.approval`,
          needsClientApproval: sql`excluded.needs_client_approval`,
          recipients: sql`excluded.recipients`,
          plannedFor: params.today,
          claimedAt: params.now,
          updatedAt: params.now,
        },
        setWhere: REVIVE_WHERE,
      })
      .returning({ id: reminderSends.id, status: reminderSends.status });
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

/** Record skips (once each; a revivable skip's reason is kept current). */
export async function recordSkips(db: Db, scope: Scope, skips: readonly PlannedSkip[], params: { now: Date; today: CalendarDate; mailFrom: string }): Promise<number> {
  let n = 0;
  for (let i = 0; i < skips.length; i += 500) {
    const chunk = skips.slice(i, i + 500);
    const rows = await db
      .insert(reminderSends)
      .values(
        chunk.map((s) => {
          const id = randomUUID();
          return {
            id,
            firmId: scope.firmId,
            organisationId: scope.organisationId,
            subjectType: 'invoice',
            subjectId: s.subjectId,
            stepKey: s.stepKey,
            contactExternalId: s.contactExternalId,
            invoiceExternalIds: [s.subjectId],
            ...stepFields(s),
            status: 'skipped',
            skipReason: s.reason,
            plannedFor: params.today,
            messageId: messageIdFor(id, params.mailFrom),
            claimedAt: params.now,
            updatedAt: params.now,
          };
        }),
      )
      .onConflictDoUpdate({
        target: [reminderSends.firmId, reminderSends.organisationId, reminderSends.subjectType, reminderSends.subjectId, reminderSends.stepKey],
        set: { skipReason: sql`excluded.skip_reason`, updatedAt: params.now },
        setWhere: sql`${reminderSends.status} = 'skipped' AND ${reminderSends.skipReason} IN (${revivableSql}) AND ${reminderSends.skipReason} IS DISTINCT FROM excluded.skip_reason`,
      })
      .returning({ id: reminderSends.id });
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
