/**
 * A client's action plan (docs/decisions/025-tasks-and-action-plans.md): its SMART targets, each
 * with an owner (a firm member), steps (tasks tied to the target, with assignees and deadlines) and
 * progress — steps done of those not skipped, and the target's current value against its goal as
 * the targets card computes it (analytics/targets.ts).
 */
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { todayIn } from '../../kernel/dates';
import { invalidField, notFound } from '../../kernel/errors';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../analytics/ledger-invoices';
import type { OrganisationInfo } from '../analytics/organisations';
import { METRIC_LABELS, type TargetMetric } from '../analytics/targets';
import { listTargets, targetWithProgress } from '../analytics/targets-store';
import type { Db } from '../db/client';
import { collectorTasks, memberships, targetOwners, targets, users } from '../db/schema';
import { ASSIGNABLE, listAssignableMembers } from './assignments';
import { TASK_KIND_WORDS, type TaskKind } from './tasks';

const STATUS_WORDS = { achieved: 'Achieved', on_track: 'On track', behind: 'Behind', missed: 'Missed', no_data: 'No data' } as const;

export interface PlanStep {
  id: string;
  kindName: string;
  title: string;
  dueOn: string;
  status: 'open' | 'done' | 'skipped';
  outcome: string | null;
  assigneeUserId: string | null;
  assigneeName: string | null;
}

export interface PlanTarget {
  id: string;
  /** "DSO −15% by 31 March 2027"-style summary from the targets computation. */
  metricName: string;
  summary: string;
  statusName: string;
  goal: number;
  current: number | null;
  progressPct: number | null;
  dueDate: string;
  owner: { userId: string; name: string } | null;
  steps: PlanStep[];
  stepsDone: number;
  /** Steps not skipped. */
  stepsTotal: number;
}

export interface ActionPlan {
  organisationId: string;
  members: { userId: string; name: string }[];
  targets: PlanTarget[];
}

export async function getActionPlan(db: Db, firmId: string, org: OrganisationInfo, now: Date): Promise<ActionPlan> {
  const today = todayIn(org.timezone, now);
  const [rows, ledger, owners, steps, members] = await Promise.all([
    listTargets(db, firmId, org.id),
    loadLedgerInvoices(db, { firmId, organisationId: org.id }),
    db
      .select({ targetId: targetOwners.targetId, userId: targetOwners.userId, name: users.name, email: users.email })
      .from(targetOwners)
      .innerJoin(targets, and(eq(targets.id, targetOwners.targetId), eq(targets.firmId, targetOwners.firmId)))
      .innerJoin(users, eq(users.id, targetOwners.userId))
      .where(and(eq(targetOwners.firmId, firmId), eq(targets.organisationId, org.id))),
    db
      .select({
        id: collectorTasks.id,
        targetId: collectorTasks.targetId,
        kind: collectorTasks.kind,
        title: collectorTasks.title,
        dueOn: collectorTasks.dueOn,
        status: collectorTasks.status,
        outcome: collectorTasks.outcome,
        assigneeUserId: collectorTasks.assignedUserId,
        assigneeName: sql<string | null>`(SELECT coalesce(nullif(u.name, ''), u.email) FROM users u WHERE u.id = ${collectorTasks.assignedUserId})`,
      })
      .from(collectorTasks)
      .where(and(eq(collectorTasks.firmId, firmId), eq(collectorTasks.organisationId, org.id), isNotNull(collectorTasks.targetId)))
      .orderBy(asc(collectorTasks.dueOn), asc(collectorTasks.createdAt), asc(collectorTasks.id)),
    listAssignableMembers(db, firmId),
  ]);
  const base = toBaseMetricInvoices(ledger, org.baseCurrency);
  const ownerOf = new Map(owners.map((o) => [o.targetId, { userId: o.userId, name: o.name || o.email }]));
  return {
    organisationId: org.id,
    members: members.map((m) => ({ userId: m.userId, name: m.name })),
    targets: rows.map((row) => {
      const t = targetWithProgress(row, base, today);
      const mine: PlanStep[] = steps
        .filter((s) => s.targetId === row.id)
        .map((s) => ({ id: s.id, kindName: TASK_KIND_WORDS[s.kind as TaskKind] ?? 'Task', title: s.title, dueOn: s.dueOn, status: s.status as PlanStep['status'], outcome: s.outcome, assigneeUserId: s.assigneeUserId, assigneeName: s.assigneeName }));
      return {
        id: row.id,
        metricName: METRIC_LABELS[row.metric as TargetMetric],
        summary: t.summary,
        statusName: STATUS_WORDS[t.status],
        goal: t.goal,
        current: t.current,
        progressPct: t.progressPct,
        dueDate: t.dueDate,
        owner: ownerOf.get(row.id) ?? null,
        steps: mine,
        stepsDone: mine.filter((s) => s.status === 'done').length,
        stepsTotal: mine.filter((s) => s.status !== 'skipped').length,
      };
    }),
  };
}

/** Set (or clear, with null) a target's owner: a collector, manager or administrator of the firm. */
export async function setTargetOwner(db: Db, auth: { firmId: string; userId: string }, targetId: string, userId: string | null, now: Date): Promise<void> {
  const [t] = await db
    .select({ id: targets.id })
    .from(targets)
    .where(and(eq(targets.id, targetId), eq(targets.firmId, auth.firmId)));
  if (!t) throw notFound('No such target.');
  if (userId === null) {
    await db.delete(targetOwners).where(and(eq(targetOwners.firmId, auth.firmId), eq(targetOwners.targetId, targetId)));
    return;
  }
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.firmId, auth.firmId), eq(memberships.userId, userId)));
  if (!m || !ASSIGNABLE.includes(m.role as (typeof ASSIGNABLE)[number])) throw invalidField('userId', 'Choose a collector, a manager or an administrator of the firm.');
  await db
    .insert(targetOwners)
    .values({ firmId: auth.firmId, targetId, userId, assignedByUserId: auth.userId, updatedAt: now })
    .onConflictDoUpdate({ target: [targetOwners.firmId, targetOwners.targetId], set: { userId, assignedByUserId: auth.userId, updatedAt: now } });
}
