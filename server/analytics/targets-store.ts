/** Targets in the database, always scoped by firm. */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { targets } from '../db/schema';
import type { CalendarDate } from '../../kernel/dates';
import type { MetricInvoice } from '../domain/metrics';
import { type TargetInput, type TargetMetric, metricValue, targetProgress } from './targets';

export type TargetRow = typeof targets.$inferSelect;

export async function listTargets(db: Db, firmId: string, organisationId: string): Promise<TargetRow[]> {
  return db
    .select()
    .from(targets)
    .where(and(eq(targets.firmId, firmId), eq(targets.organisationId, organisationId)))
    .orderBy(asc(targets.dueDate), asc(targets.createdAt));
}

export async function getTarget(db: Db, firmId: string, id: string): Promise<TargetRow | null> {
  const rows = await db
    .select()
    .from(targets)
    .where(and(eq(targets.firmId, firmId), eq(targets.id, id)))
    .limit(1);
  return rows[0] ?? null;
}

export async function createTarget(db: Db, params: { firmId: string; organisationId: string; userId: string; input: TargetInput; baselineValue: number; baselineDate: CalendarDate }): Promise<TargetRow> {
  const { input } = params;
  const [row] = await db
    .insert(targets)
    .values({
      firmId: params.firmId,
      organisationId: params.organisationId,
      metric: input.metric,
      baselineValue: params.baselineValue.toFixed(2),
      baselineDate: params.baselineDate,
      goalKind: input.goalKind,
      goalValue: input.goalValue.toFixed(2),
      dueDate: input.dueDate,
      note: input.note ?? '',
      createdBy: params.userId,
    })
    .returning();
  return row!;
}

export async function updateTarget(db: Db, firmId: string, id: string, patch: Partial<{ goalKind: 'relative' | 'absolute'; goalValue: number; dueDate: string; note: string; baselineValue: number; baselineDate: string }>): Promise<TargetRow | null> {
  const set: Partial<typeof targets.$inferInsert> = { updatedAt: new Date() };
  if (patch.goalKind) set.goalKind = patch.goalKind;
  if (patch.goalValue !== undefined) set.goalValue = patch.goalValue.toFixed(2);
  if (patch.dueDate) set.dueDate = patch.dueDate;
  if (patch.note !== undefined) set.note = patch.note;
  if (patch.baselineValue !== undefined) set.baselineValue = patch.baselineValue.toFixed(2);
  if (patch.baselineDate) set.baselineDate = patch.baselineDate;
  const rows = await db
    .update(targets)
    .set(set)
    .where(and(eq(targets.firmId, firmId), eq(targets.id, id)))
    .returning();
  return rows[0] ?? null;
}

export async function deleteTarget(db: Db, firmId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(targets)
    .where(and(eq(targets.firmId, firmId), eq(targets.id, id)))
    .returning({ id: targets.id });
  return rows.length > 0;
}

/** A stored target with its progress as of `today`. */
export function targetWithProgress(row: TargetRow, base: readonly MetricInvoice[], today: CalendarDate) {
  const metric = row.metric as TargetMetric;
  const t = { metric, baselineValue: Number(row.baselineValue), baselineDate: row.baselineDate, goalKind: row.goalKind, goalValue: Number(row.goalValue), dueDate: row.dueDate };
  return {
    id: row.id,
    organisationId: row.organisationId,
    ...t,
    note: row.note,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    asOf: today,
    ...targetProgress(t, metricValue(base, metric, today), today),
  };
}
