/**
 * Reminder configuration, firm-scoped in every query: organisation settings (window, days,
 * limit, branding), policies and templates. Templates are refused while they hold unknown merge
 * fields; policies may only name the firm's own templates and organisations.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { organisations, reminderPolicies, reminderSettings, reminderTemplates, settingOverrides } from '../db/schema';
import { sameValue } from '../settings/groups';
import { conflict, DomainError, invalidField, notFound } from '../../kernel/errors';
import { sanitiseTemplateHtml } from '../../kernel/rich-text';
import { isLanguage, type Language, LANGUAGES, languageForCountry, organisationLanguage } from '../../kernel/locale';
import { builtinLanguage } from './builtin-templates';
import { builtinTemplate } from './defaults';
import { loadSettings, toPolicy } from './load';
import { normaliseSteps, PolicyError, scopeKeys } from './policy';
import { isEmailAddress } from './recipients';
import { hasIssues, type TemplateView, templateIssues } from './templates';
import { GROUPINGS, type OrgSettings, type Policy, POLICY_SCOPES, StepSchema } from './types';

const minute = z.number().int().min(0).max(24 * 60);

export const SettingsInputSchema = z
  .object({
    enabled: z.boolean(),
    windowStartMinute: minute,
    windowEndMinute: minute,
    businessDays: z.array(z.number().int().min(1).max(7)).max(7),
    dailyLimit: z.number().int().min(0).max(100_000),
    senderName: z.string().trim().max(120).nullable(),
    replyTo: z
      .string()
      .trim()
      .max(254)
      .nullable()
      .refine((v) => v === null || v === '' || isEmailAddress(v), 'Enter an email address, or leave it empty.'),
    brandColour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Choose a colour, written like #1c7ed6.'),
    logoUrl: z
      .string()
      .trim()
      .max(1000)
      .nullable()
      .refine((v) => v === null || v === '' || /^https?:\/\/\S+$/.test(v), 'Enter a web address starting with https://, or leave it empty.'),
    signature: z.string().max(2000),
    customerDailyLimit: z.number().int().min(1).max(10),
    confirmAbove: z.number().int().min(0).max(100_000),
    /** The organisation's default language for its customers (decision 041); null: from its country. */
    language: z.enum(LANGUAGES, { error: 'Choose one of the languages offered.' }).nullable(),
  })
  .partial()
  .strict()
  .refine((v) => v.windowStartMinute === undefined || v.windowEndMinute === undefined || v.windowStartMinute < v.windowEndMinute, {
    message: 'The sending window must end after it starts.',
    path: ['windowEndMinute'],
    // Checked alongside the other fields' problems, so a form shows them all at once.
    when: ({ value }) => {
      const v = value as { windowStartMinute?: unknown; windowEndMinute?: unknown };
      return typeof v.windowStartMinute === 'number' && typeof v.windowEndMinute === 'number';
    },
  });

async function ownOrganisation(db: Db, firmId: string, organisationId: string) {
  const [o] = await db
    .select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone, language: organisations.language, countryCode: organisations.countryCode })
    .from(organisations)
    .where(and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)));
  if (!o) throw notFound('No such organisation.');
  return o;
}

export async function getSettings(db: Db, firmId: string, organisationId: string): Promise<OrgSettings & { organisationId: string; timezone: string; language: Language | null; defaultLanguage: Language; countryLanguage: Language }> {
  const o = await ownOrganisation(db, firmId, organisationId);
  // `language`: set for the organisation (null: from its country); `defaultLanguage`: what its customers get unless set otherwise.
  return { organisationId: o.id, timezone: o.timezone, ...(await loadSettings(db, o.id)), language: isLanguage(o.language) ? o.language : null, defaultLanguage: organisationLanguage(o.language, o.countryCode), countryLanguage: languageForCountry(o.countryCode) };
}

export async function saveSettings(db: Db, firmId: string, organisationId: string, { language, ...input }: z.infer<typeof SettingsInputSchema>, now: Date) {
  await ownOrganisation(db, firmId, organisationId);
  if (language !== undefined) await db.update(organisations).set({ language, updatedAt: now }).where(and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)));
  const current = await loadSettings(db, organisationId);
  const next: OrgSettings = { ...current, ...input, replyTo: input.replyTo === '' ? null : (input.replyTo ?? current.replyTo), logoUrl: input.logoUrl === '' ? null : (input.logoUrl ?? current.logoUrl) };
  if (next.windowStartMinute >= next.windowEndMinute) throw invalidField('windowEndMinute', 'The sending window must end after it starts.');
  next.businessDays = [...new Set(next.businessDays)].sort();
  // The sending window is a firm default an organisation may override (docs/decisions/028): a
  // window that differs from the one in force becomes this organisation's own.
  const window = { startMinute: next.windowStartMinute, endMinute: next.windowEndMinute, businessDays: next.businessDays };
  if (!sameValue('sendingWindow', window, { startMinute: current.windowStartMinute, endMinute: current.windowEndMinute, businessDays: current.businessDays })) {
    await db
      .insert(settingOverrides)
      .values({ firmId, organisationId, settingGroup: 'sendingWindow', value: window, updatedAt: now })
      .onConflictDoUpdate({ target: [settingOverrides.organisationId, settingOverrides.firmId, settingOverrides.settingGroup], set: { value: window, updatedAt: now } });
  }
  // Switched on again after a pause: the backlog is previewed and confirmed like a first run.
  if (next.enabled && !current.enabled) next.confirmedAt = null;
  await db
    .insert(reminderSettings)
    .values({ organisationId, firmId, ...next, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: reminderSettings.organisationId, set: { ...next, updatedAt: now } });
  return getSettings(db, firmId, organisationId);
}

export const PolicyInputSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the policy a name.').max(120),
    scope: z.enum(POLICY_SCOPES),
    organisationId: z.uuid().nullable().default(null),
    segment: z.string().trim().min(1).max(60).nullable().default(null),
    contactExternalId: z.string().trim().min(1).max(200).nullable().default(null),
    // One consolidated email per customer unless a policy chooses per-invoice emails.
    grouping: z.enum(GROUPINGS).default('customer'),
    steps: z.array(StepSchema).min(1, 'A policy needs at least one step.').max(30),
    enabled: z.boolean().default(true),
  })
  .strict();
export type PolicyInput = z.infer<typeof PolicyInputSchema>;

async function checkTemplates(db: Db, firmId: string, ids: (string | null)[]) {
  const own = ids.filter((t): t is string => t !== null && !t.startsWith('builtin:'));
  if (own.length === 0) return;
  const rows = await db
    .select({ id: reminderTemplates.id })
    .from(reminderTemplates)
    .where(and(eq(reminderTemplates.firmId, firmId), inArray(reminderTemplates.id, own)));
  if (rows.length !== new Set(own).size) throw invalidField('steps', 'A step uses a template that no longer exists: choose another template.');
}

async function policyRow(db: Db, firmId: string, input: PolicyInput) {
  let scopeKey: string;
  let organisationId = input.organisationId;
  switch (input.scope) {
    case 'firm':
      organisationId = null;
      scopeKey = scopeKeys.firm();
      break;
    case 'organisation':
      if (!organisationId) throw invalidField('organisationId', 'Choose the organisation.');
      scopeKey = scopeKeys.organisation(organisationId);
      break;
    case 'segment':
      if (!input.segment) throw invalidField('segment', 'Choose the customer group.');
      scopeKey = scopeKeys.segment(input.segment, organisationId);
      break;
    case 'customer':
      if (!organisationId || !input.contactExternalId) throw invalidField(organisationId ? 'contactExternalId' : 'organisationId', organisationId ? 'Choose the customer.' : 'Choose the organisation.');
      scopeKey = scopeKeys.customer(organisationId, input.contactExternalId);
      break;
  }
  if (organisationId) await ownOrganisation(db, firmId, organisationId);
  let steps: ReturnType<typeof normaliseSteps>;
  try {
    steps = normaliseSteps(input.steps);
  } catch (err) {
    if (err instanceof PolicyError) throw invalidField('steps', err.message);
    throw err;
  }
  await checkTemplates(
    db,
    firmId,
    steps.map((s) => s.templateId),
  );
  return {
    firmId,
    organisationId,
    scope: input.scope,
    scopeKey,
    segment: input.scope === 'segment' ? input.segment : null,
    contactExternalId: input.scope === 'customer' ? input.contactExternalId : null,
    name: input.name,
    grouping: input.grouping,
    steps,
    enabled: input.enabled,
  };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}

export async function listPolicies(db: Db, firmId: string): Promise<Policy[]> {
  const rows = await db.select().from(reminderPolicies).where(eq(reminderPolicies.firmId, firmId)).orderBy(reminderPolicies.scopeKey);
  return rows.map(toPolicy);
}

export async function createPolicy(db: Db, firmId: string, input: PolicyInput, now: Date): Promise<Policy> {
  const row = await policyRow(db, firmId, input);
  try {
    const [created] = await db
      .insert(reminderPolicies)
      .values({ ...row, createdAt: now, updatedAt: now })
      .returning();
    return toPolicy(created!);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('There is already a policy for that scope: edit it instead.');
    throw err;
  }
}

export async function updatePolicy(db: Db, firmId: string, id: string, input: PolicyInput, now: Date): Promise<Policy> {
  const [existing] = await db
    .select()
    .from(reminderPolicies)
    .where(and(eq(reminderPolicies.id, id), eq(reminderPolicies.firmId, firmId)));
  if (!existing) throw notFound('No such policy.');
  // Keep the keys of steps that still exist, so what they already sent is never sent again.
  const row = await policyRow(db, firmId, input);
  try {
    const [updated] = await db
      .update(reminderPolicies)
      .set({ ...row, updatedAt: now })
      .where(and(eq(reminderPolicies.id, id), eq(reminderPolicies.firmId, firmId)))
      .returning();
    return toPolicy(updated!);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('There is already a policy for that scope.');
    throw err;
  }
}

export async function deletePolicy(db: Db, firmId: string, id: string): Promise<void> {
  const rows = await db
    .delete(reminderPolicies)
    .where(and(eq(reminderPolicies.id, id), eq(reminderPolicies.firmId, firmId)))
    .returning({ id: reminderPolicies.id });
  if (rows.length === 0) throw notFound('No such policy.');
}

export const TemplateInputSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the template a name.').max(120),
    organisationId: z.uuid().nullable().default(null),
    subject: z.string().min(1, 'Write a subject.').max(500),
    bodyHtml: z.string().min(1, 'Write the email’s HTML body.').max(100_000),
    bodyText: z.string().min(1, 'Write the email’s plain-text body.').max(100_000),
    /** The language it is written in (decision 041); left out on update: unchanged; on create: English. */
    language: z.enum(LANGUAGES, { error: 'Choose one of the languages offered.' }).optional(),
    /** The template this one translates (the one a policy's step names); null: a template of its own. */
    translationOf: z.uuid('Choose the template this one translates.').nullable().optional(),
  })
  .strict();
export type TemplateInput = z.infer<typeof TemplateInputSchema>;

export class TemplateInvalidError extends DomainError {
  constructor(readonly issues: ReturnType<typeof templateIssues>) {
    const all = [...issues.subject.map((i) => ({ ...i, part: 'subject' })), ...issues.bodyHtml.map((i) => ({ ...i, part: 'HTML body' })), ...issues.bodyText.map((i) => ({ ...i, part: 'text body' }))];
    const first = all[0]!;
    super('unprocessable', `${first.message} in the ${first.part} (line ${first.line}, column ${first.column})${all.length > 1 ? ` and ${all.length - 1} more problem${all.length > 2 ? 's' : ''}` : ''}.`, { code: 'template_invalid' });
  }
}

/**
 * The body's HTML limited to the editor's allow-list (kernel/rich-text.ts: paragraphs, breaks,
 * bold/italic/underline, http(s)/mailto/merge-field links, lists; no scripts, styles or event
 * attributes), then checked. Returns what is stored.
 */
function checkTemplate(input: TemplateInput): TemplateInput {
  const clean = { ...input, bodyHtml: sanitiseTemplateHtml(input.bodyHtml) };
  if (!/\{\{|[^\s]/.test(clean.bodyHtml.replace(/<[^>]*>/g, ''))) throw invalidField('bodyHtml', 'Write the email’s body.');
  const issues = templateIssues(clean);
  if (hasIssues(issues)) throw new TemplateInvalidError(issues);
  return clean;
}

/** A translation names the firm's root template (a translation of a translation names its root). */
async function translationRoot(db: Db, firmId: string, id: string | null | undefined, self?: string): Promise<string | null | undefined> {
  if (!id) return id;
  const [row] = await db
    .select({ id: reminderTemplates.id, translationOf: reminderTemplates.translationOf })
    .from(reminderTemplates)
    .where(and(eq(reminderTemplates.firmId, firmId), eq(reminderTemplates.id, id)));
  if (!row) throw invalidField('translationOf', 'The template this one translates no longer exists: choose another.');
  const root = row.translationOf ?? row.id;
  if (root === self) throw invalidField('translationOf', 'A template cannot be a translation of itself.');
  return root;
}

export async function createTemplate(db: Db, firmId: string, raw: TemplateInput, now: Date) {
  const input = checkTemplate(raw);
  if (input.organisationId) await ownOrganisation(db, firmId, input.organisationId);
  const translationOf = await translationRoot(db, firmId, input.translationOf);
  const [row] = await db
    .insert(reminderTemplates)
    .values({ firmId, ...input, language: input.language ?? 'en', translationOf: translationOf ?? null, createdAt: now, updatedAt: now })
    .returning();
  return row!;
}

export async function updateTemplate(db: Db, firmId: string, id: string, raw: TemplateInput, now: Date) {
  const input = checkTemplate(raw);
  if (input.organisationId) await ownOrganisation(db, firmId, input.organisationId);
  const translationOf = await translationRoot(db, firmId, input.translationOf, id);
  const [row] = await db
    .update(reminderTemplates)
    .set({ ...input, translationOf, updatedAt: now })
    .where(and(eq(reminderTemplates.id, id), eq(reminderTemplates.firmId, firmId)))
    .returning();
  if (!row) throw notFound('No such template.');
  return row;
}

export async function deleteTemplate(db: Db, firmId: string, id: string): Promise<void> {
  const policies = await listPolicies(db, firmId);
  const users = policies.filter((p) => p.steps.some((s) => s.templateId === id));
  if (users.length) throw conflict(`The template is used by ${users.map((p) => `“${p.name}”`).join(', ')}. Change those steps first.`, 'in_use');
  const rows = await db
    .delete(reminderTemplates)
    .where(and(eq(reminderTemplates.id, id), eq(reminderTemplates.firmId, firmId)))
    .returning({ id: reminderTemplates.id });
  if (rows.length === 0) throw notFound('No such template.');
  // Its translations go with it (translation_of has no foreign key: migration 0044).
  await db.delete(reminderTemplates).where(and(eq(reminderTemplates.firmId, firmId), eq(reminderTemplates.translationOf, id)));
}

/** "Copy of <name>", then "Copy of <name> (2)", (3)… — the first not in `taken` (compared case-insensitively). Pure. */
export function copyName(name: string, taken: Iterable<string>): string {
  const used = new Set([...taken].map((t) => t.trim().toLowerCase()));
  const base = `Copy of ${name.replace(/ \(built-in\)$/, '').trim()}`.slice(0, 110);
  if (!used.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base} (${n})`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

/** A copy of one of the firm's templates or of a built-in, saved as "Copy of …" for the same organisation (a built-in's: firm-wide). */
export async function duplicateTemplate(db: Db, firmId: string, sourceId: string, now: Date): Promise<TemplateView> {
  const builtin = builtinTemplate(sourceId);
  let source: { name: string; organisationId: string | null; subject: string; bodyHtml: string; bodyText: string; language: string } | null = builtin ? { ...builtin, organisationId: null, language: builtinLanguage(builtin.id).language } : null;
  if (!source && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sourceId)) {
    const [row] = await db
      .select()
      .from(reminderTemplates)
      .where(and(eq(reminderTemplates.firmId, firmId), eq(reminderTemplates.id, sourceId)));
    source = row ?? null;
  }
  if (!source) throw notFound('No such template.');
  const target = source.organisationId;
  const row = await db.transaction(async (tx) => {
    // Two duplicates at once get different names.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`template-copy:${firmId}`}))`);
    const names = await tx.select({ name: reminderTemplates.name }).from(reminderTemplates).where(eq(reminderTemplates.firmId, firmId));
    const [created] = await tx
      .insert(reminderTemplates)
      .values({ firmId, organisationId: target, name: copyName(source.name, names.map((n) => n.name)), subject: source.subject, bodyHtml: source.bodyHtml, bodyText: source.bodyText, language: source.language, createdAt: now, updatedAt: now })
      .returning();
    return created!;
  });
  return { id: row.id, name: row.name, organisationId: row.organisationId, subject: row.subject, bodyHtml: row.bodyHtml, bodyText: row.bodyText, builtin: false, updatedAt: row.updatedAt.toISOString(), language: row.language, translationOf: row.translationOf };
}
