/**
 * The firm's audit log (migration 0015): who did what. Append-only in the database — the app role
 * can insert and read, never update or delete — and fed two ways: this module for privacy actions,
 * and triggers for sign-ins, approvals, connections, members and firm settings (see the migration).
 */
import { and, desc, eq, gte, lt } from 'drizzle-orm';
import { z } from 'zod';
import { isCalendarDate } from '../../kernel/dates';
import type { CsvColumn } from '../analytics/csv';
import type { Db } from '../db/client';
import { auditLog } from '../db/schema';
import { auditActionText } from './policy';

export interface AuditActor {
  userId: string | null;
  name: string;
  type: 'user' | 'system';
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, name: 'Arcus', type: 'system' };

export interface AuditEntry {
  firmId: string;
  organisationId?: string | null;
  action: string;
  summary: string;
  details?: Record<string, unknown>;
}

/** Appends one entry (inside the caller's transaction when given one). */
export async function recordAudit(db: Db, actor: AuditActor, entry: AuditEntry, at: Date): Promise<void> {
  await db.insert(auditLog).values({
    firmId: entry.firmId,
    organisationId: entry.organisationId ?? null,
    actorUserId: actor.userId,
    actorName: actor.name,
    actorType: actor.type,
    action: entry.action,
    summary: entry.summary,
    details: entry.details ?? {},
    createdAt: at,
  });
}

export const AuditQuerySchema = z.object({
  from: z.string().refine(isCalendarDate, { message: 'must be a date such as 2026-12-01' }).optional(),
  to: z.string().refine(isCalendarDate, { message: 'must be a date such as 2026-12-31' }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export interface AuditRow {
  id: string;
  at: string;
  who: string;
  action: string;
  what: string;
  summary: string;
}

/** Newest first; `from`/`to` are UTC days, inclusive. */
export async function listAudit(db: Db, firmId: string, q: AuditQuery): Promise<AuditRow[]> {
  const filters = [eq(auditLog.firmId, firmId)];
  if (q.from) filters.push(gte(auditLog.createdAt, new Date(`${q.from}T00:00:00Z`)));
  if (q.to) filters.push(lt(auditLog.createdAt, new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000)));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(q.limit);
  return rows.map((r) => ({
    id: r.id,
    at: r.createdAt.toISOString(),
    who: r.actorName || (r.actorType === 'system' ? '—' : 'Someone at the firm'),
    action: r.action,
    what: auditActionText(r.action),
    summary: r.summary,
  }));
}

export const AUDIT_CSV: CsvColumn<AuditRow>[] = [
  { header: 'When (UTC)', value: (r) => r.at },
  { header: 'Who', value: (r) => r.who },
  { header: 'What', value: (r) => r.what },
  { header: 'Details', value: (r) => r.summary },
];
