/** Template rows (firm-scoped) and the built-ins, as one lookup for sending and previews. */
import { and, eq, isNull, or } from 'drizzle-orm';
import { LANGUAGES } from '../../kernel/locale';
import type { Db } from '../db/client';
import { reminderTemplates } from '../db/schema';
import { BUILTIN_TEMPLATES, builtinFor, builtinTemplate, type TemplateBody } from './defaults';
import { builtinIdIn, builtinLanguage } from './builtin-templates';
import { type CustomerLanguage, pickVersion } from './language';
import { validateTemplate, type TemplateIssue } from './merge';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TemplateView extends TemplateBody {
  id: string;
  name: string;
  organisationId: string | null;
  builtin: boolean;
  updatedAt: string | null;
  /** 'en' | 'fr' | 'de' | 'es' | 'nl' (shown by name: kernel/locale LANGUAGE_NAMES). */
  language: string;
  /** The template this one translates (steps name that one), or null. */
  translationOf: string | null;
}

export async function listTemplates(db: Db, firmId: string, organisationId?: string | null): Promise<TemplateView[]> {
  const where = organisationId ? and(eq(reminderTemplates.firmId, firmId), or(isNull(reminderTemplates.organisationId), eq(reminderTemplates.organisationId, organisationId))) : eq(reminderTemplates.firmId, firmId);
  const rows = await db.select().from(reminderTemplates).where(where).orderBy(reminderTemplates.name);
  return [
    ...rows.map((r) => ({ id: r.id, name: r.name, organisationId: r.organisationId, subject: r.subject, bodyHtml: r.bodyHtml, bodyText: r.bodyText, builtin: false, updatedAt: r.updatedAt.toISOString(), language: r.language, translationOf: r.translationOf })),
    // The English built-ins are the ones a step names; their French, German, Spanish and Dutch
    // versions follow the customer's language by themselves (builtin-templates.ts).
    ...BUILTIN_TEMPLATES.filter((t) => builtinLanguage(t.id).language === 'en').map((t) => ({ ...t, organisationId: null, builtin: true, updatedAt: null, language: 'en', translationOf: null })),
  ];
}

/**
 * The template a send uses: its own (if it still exists in the firm), else the built-in for its
 * step — in the customer's language when the template has a version in it, else the
 * organisation's, else English, else the version the step names (decision 041). Without
 * `language` (older callers): the template the step names, as before.
 */
export async function templateFor(db: Db, firmId: string, templateId: string | null, offsetDays: number, grouped: boolean, language?: CustomerLanguage): Promise<TemplateBody & { id: string; language: string }> {
  if (templateId && UUID.test(templateId)) {
    const [row] = await db
      .select()
      .from(reminderTemplates)
      .where(and(eq(reminderTemplates.firmId, firmId), eq(reminderTemplates.id, templateId)));
    if (row) {
      let chosen = row;
      if (language) {
        const root = row.translationOf ?? row.id;
        const family = await db
          .select()
          .from(reminderTemplates)
          .where(and(eq(reminderTemplates.firmId, firmId), or(eq(reminderTemplates.id, root), eq(reminderTemplates.translationOf, root))));
        // The version the step names comes first among equals.
        chosen = pickVersion([row, ...family.filter((f) => f.id !== row.id)], language) ?? row;
      }
      return { id: chosen.id, subject: chosen.subject, bodyHtml: chosen.bodyHtml, bodyText: chosen.bodyText, language: chosen.language };
    }
  }
  const named = (templateId ? builtinTemplate(templateId) : null) ?? builtinFor(offsetDays, grouped);
  const root = builtinLanguage(named.id).root;
  const versions = language ? LANGUAGES.map((l) => builtinTemplate(builtinIdIn(root, l))).filter((t) => t !== null) : [];
  const chosen = language ? (pickVersion([{ ...named, language: builtinLanguage(named.id).language }, ...versions.filter((v) => v.id !== named.id).map((v) => ({ ...v, language: builtinLanguage(v.id).language }))], language) ?? named) : named;
  return { id: chosen.id, subject: chosen.subject, bodyHtml: chosen.bodyHtml, bodyText: chosen.bodyText, language: builtinLanguage(chosen.id).language };
}

/**
 * The built-in overdue statement, when none of the invoices it lists is overdue yet, reads as the
 * "falling due" statement in the same language — never "£0.00 overdue". Other templates unchanged.
 */
export function statementForListed<T extends TemplateBody & { id: string; language: string }>(tpl: T, invoices: readonly { dueDate: string | null }[], today: string): T {
  const { root, language } = builtinLanguage(tpl.id);
  if (root !== 'builtin:statement' || invoices.some((i) => i.dueDate !== null && i.dueDate < today)) return tpl;
  const upcoming = builtinTemplate(builtinIdIn('builtin:statement-upcoming', language));
  return upcoming ? { ...tpl, id: upcoming.id, subject: upcoming.subject, bodyHtml: upcoming.bodyHtml, bodyText: upcoming.bodyText } : tpl;
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
