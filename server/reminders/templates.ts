/** Template rows (firm-scoped) and the built-ins, as one lookup for sending and previews. */
import { and, eq, isNull, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import { reminderTemplates } from '../db/schema';
import { BUILTIN_TEMPLATES, builtinFor, builtinTemplate, type TemplateBody } from './defaults';
import { validateTemplate, type TemplateIssue } from './merge';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TemplateView extends TemplateBody {
  id: string;
  name: string;
  organisationId: string | null;
  builtin: boolean;
  updatedAt: string | null;
}

export async function listTemplates(db: Db, firmId: string, organisationId?: string | null): Promise<TemplateView[]> {
  const where = organisationId ? and(eq(reminderTemplates.firmId, firmId), or(isNull(reminderTemplates.organisationId), eq(reminderTemplates.organisationId, organisationId))) : eq(reminderTemplates.firmId, firmId);
  const rows = await db.select().from(reminderTemplates).where(where).orderBy(reminderTemplates.name);
  return [
    ...rows.map((r) => ({ id: r.id, name: r.name, organisationId: r.organisationId, subject: r.subject, bodyHtml: r.bodyHtml, bodyText: r.bodyText, builtin: false, updatedAt: r.updatedAt.toISOString() })),
    ...BUILTIN_TEMPLATES.map((t) => ({ ...t, organisationId: null, builtin: true, updatedAt: null })),
  ];
}

/** The template a send uses: its own (if it still exists in the firm), else the built-in for its step. */
export async function templateFor(db: Db, firmId: string, templateId: string | null, offsetDays: number, grouped: boolean): Promise<TemplateBody & { id: string }> {
  if (templateId && UUID.test(templateId)) {
    const [row] = await db
      .select()
      .from(reminderTemplates)
      .where(and(eq(reminderTemplates.firmId, firmId), eq(reminderTemplates.id, templateId)));
    if (row) return { id: row.id, subject: row.subject, bodyHtml: row.bodyHtml, bodyText: row.bodyText };
  }
  const builtin = templateId ? builtinTemplate(templateId) : null;
  return builtin ?? builtinFor(offsetDays, grouped);
}

export interface TemplateIssues {
  subject: TemplateIssue[];
  bodyHtml: TemplateIssue[];
  bodyText: TemplateIssue[];
}

export function templateIssues(t: TemplateBody): TemplateIssues {
  return { subject: validateTemplate(t.subject), bodyHtml: validateTemplate(t.bodyHtml), bodyText: validateTemplate(t.bodyText) };
}

export function hasIssues(i: TemplateIssues): boolean {
  return i.subject.length + i.bodyHtml.length + i.bodyText.length > 0;
}
