/**
 * Firm defaults and per-organisation overrides (docs/decisions/028): reading them, the effective
 * settings of an organisation (resolved by `resolveEffective`, groups.ts), setting and clearing an
 * override, setting a default, and "apply to all clients" with its preview. Every query is
 * firm-scoped (and row-level security scopes it again).
 *
 * Where each group is stored:
 * - defaults: late fees, discounts, the approval threshold in firms.settings.collections (where
 *   Settings › Collections always kept them); the sending window and the client-approval policy in
 *   firms.settings.defaults (absent: the built-in values every firm had before);
 * - overrides: setting_overrides (one row per organisation and group), except the client-approval
 *   policy, whose rows in client_approval_policies are its overrides.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { invalidField, notFound } from '../../kernel/errors';
import { fromMinor, toMinor } from '../../kernel/money';
import type { Auth } from '../auth/current-user';
import { type CollectionsPolicy, policyFrom, updateCollectionsPolicy } from '../collections/policy';
import { type Db, type Prepared, preparedRows } from '../db/client';
import { clientApprovalPolicies, firms, organisations, reminderPolicies, settingOverrides } from '../db/schema';
import { parseInput } from '../http/validate';
import { DEFAULT_FEE_POLICY, ReturnedFeePolicySchema } from '../returns/core';
import { scopeKeys } from '../reminders/policy';
import {
  BUILTIN_CLIENT_APPROVAL,
  BUILTIN_WINDOW,
  ClientApprovalSettingSchema,
  describeValue,
  type Effective,
  GROUP_SCHEMAS,
  GROUP_TITLES,
  type Overrides,
  type PlannedChange,
  planApplyToAll,
  resolveEffective,
  SETTING_GROUPS,
  type SettingGroup,
  type SettingValues,
  SendingWindowSchema,
} from './groups';

export const GroupSchema = z.enum(SETTING_GROUPS, { message: 'Choose which setting to change.' });
export const GroupInputSchema = z.object({ group: GroupSchema }).strict();
export const GroupValueInputSchema = z.object({ group: GroupSchema, value: z.unknown() }).strict();
export const ApplyInputSchema = z.object({ group: GroupSchema, value: z.unknown().optional() }).strict();

/** A group's value from a request: validated whole with the group's schema (defaults fill what is left out). */
export function parseGroupValue<G extends SettingGroup>(group: G, raw: unknown): SettingValues[G] {
  const value = parseInput(GROUP_SCHEMAS[group] as z.ZodType, raw ?? {}, group === 'returnedPaymentFee' ? { enabled: 'fee', amount: 'amount', percent: 'percentage', cap: 'cap' } : undefined) as SettingValues[G];
  if (group === 'lateFees') {
    const v = value as SettingValues['lateFees'];
    if (v.enabled && v.kind === 'flat' && Number(v.amount) === 0) throw invalidField('amount', 'A flat fee must be more than zero.');
  }
  if (group === 'returnedPaymentFee') {
    const v = value as SettingValues['returnedPaymentFee'];
    if (v.enabled && Number(v.amount) === 0 && Number(v.percent) === 0) throw invalidField('amount', 'Enter a fee amount or a percentage of the payment, or choose no fee.');
  }
  if (group === 'sendingWindow') {
    const v = value as SettingValues['sendingWindow'];
    return { ...v, businessDays: [...new Set(v.businessDays)].sort() } as SettingValues[G];
  }
  return value;
}

// ---- reading ------------------------------------------------------------------------------------------

export interface FirmDefaults {
  values: SettingValues;
  /** The firm's reporting currency: the approval threshold's. */
  currency: string;
}

function stored<T>(schema: z.ZodType<T>, v: unknown, fallback: T): T {
  const p = schema.safeParse(v);
  return p.success ? p.data : fallback;
}

export function defaultsFrom(settings: unknown): SettingValues {
  const s = (settings ?? {}) as { collections?: unknown; returnedPayments?: unknown; defaults?: { sendingWindow?: unknown; clientApproval?: unknown } };
  const collections = policyFrom(s.collections);
  const fee = stored(ReturnedFeePolicySchema, s.returnedPayments ?? {}, DEFAULT_FEE_POLICY);
  return {
    lateFees: collections.lateFees,
    earlyDiscount: collections.earlyDiscount,
    approvalThreshold: { amount: collections.approvalThreshold },
    sendingWindow: stored(SendingWindowSchema, s.defaults?.sendingWindow, BUILTIN_WINDOW),
    clientApproval: stored(ClientApprovalSettingSchema, s.defaults?.clientApproval, BUILTIN_CLIENT_APPROVAL),
    returnedPaymentFee: { enabled: fee.enabled, amount: fee.amount, percent: fee.percent, cap: fee.cap },
  };
}

export async function loadFirmDefaults(db: Db, firmId: string): Promise<FirmDefaults> {
  const [row] = await db.select({ settings: firms.settings, currency: firms.reportingCurrency }).from(firms).where(eq(firms.id, firmId)).limit(1);
  if (!row) throw notFound('No such firm.');
  return { values: defaultsFrom(row.settings), currency: row.currency };
}

/** '250.0000' → '250.00' (the column keeps 4 places). */
function plainAmount(amount: string | null): string | null {
  if (amount === null) return null;
  try {
    return fromMinor(toMinor(amount));
  } catch {
    return amount;
  }
}

/** The overrides of these organisations (all the firm's when `organisationIds` is undefined). A stored value that no longer validates is left out: the default applies. */
export async function loadOverrides(db: Db, firmId: string, organisationIds?: readonly string[]): Promise<Map<string, Overrides>> {
  const out = new Map<string, Overrides>();
  if (organisationIds && organisationIds.length === 0) return out;
  const rows = await db
    .select({ organisationId: settingOverrides.organisationId, group: settingOverrides.settingGroup, value: settingOverrides.value })
    .from(settingOverrides)
    .where(and(eq(settingOverrides.firmId, firmId), organisationIds ? inArray(settingOverrides.organisationId, [...organisationIds]) : undefined));
  const clients = await db
    .select()
    .from(clientApprovalPolicies)
    .where(and(eq(clientApprovalPolicies.firmId, firmId), organisationIds ? inArray(clientApprovalPolicies.organisationId, [...organisationIds]) : undefined));
  foldOverrides(out, rows, clients);
  return out;
}

/** The effective settings of several organisations of one firm: one round trip (defaults and both kinds of override). */
export async function effectiveSettingsOf(db: Db, firmId: string, organisationIds: readonly string[]): Promise<Map<string, Effective>> {
  return (await effectiveSettingsWithCurrency(db, firmId, organisationIds)).effective;
}

/**
 * The same, with the firm's reporting currency (the approval threshold's), from the same single
 * statement: the firm row, its overrides of these organisations and their client-approval
 * policies, each list folded into JSON — what `loadFirmDefaults` and `loadOverrides` read in three.
 */
/**
 * The firm's settings and reporting currency, with these organisations' overrides and
 * client-approval policies folded into JSON ($1 firm, $2 the organisations' ids joined by commas):
 * one round trip, a fixed statement (prepared once per connection: every write-back request reads it).
 */
const EFFECTIVE_SETTINGS: Prepared = {
  name: 'settings_effective_with_currency',
  text: `SELECT f.settings, f.reporting_currency AS currency,
          (SELECT coalesce(json_agg(json_build_object('organisationId', s.organisation_id, 'group', s.setting_group, 'value', s.value)), '[]'::json)
             FROM setting_overrides s WHERE s.firm_id = f.id AND s.organisation_id = ANY(string_to_array($2::text, ',')::uuid[])) AS overrides,
          (SELECT coalesce(json_agg(json_build_object('organisationId', c.organisation_id, 'lateFees', c.late_fees, 'creditsAbove', c.credits_above::text,
                    'paymentPlans', c.payment_plans, 'firstReminders', c.first_reminders, 'reminderEscalations', c.reminder_escalations)), '[]'::json)
             FROM client_approval_policies c WHERE c.firm_id = f.id AND c.organisation_id = ANY(string_to_array($2::text, ',')::uuid[])) AS clients
        FROM firms f WHERE f.id = $1::uuid LIMIT 1`,
};

export async function effectiveSettingsWithCurrency(db: Db, firmId: string, organisationIds: readonly string[]): Promise<{ effective: Map<string, Effective>; currency: string }> {
  const ids = [...new Set(organisationIds)].join(',');
  const [row] = await preparedRows<{ settings: unknown; currency: string; overrides: { organisationId: string; group: string; value: unknown }[]; clients: ClientPolicyRow[] }>(db, EFFECTIVE_SETTINGS, [firmId, ids]);
  if (!row) throw notFound('No such firm.');
  const values = defaultsFrom(typeof row.settings === 'string' ? JSON.parse(row.settings) : row.settings);
  const overrides = new Map<string, Overrides>();
  foldOverrides(overrides, parsedJson(row.overrides), parsedJson(row.clients));
  return { effective: new Map(organisationIds.map((id) => [id, resolveEffective(values, overrides.get(id) ?? {})])), currency: row.currency };
}

interface ClientPolicyRow {
  organisationId: string;
  lateFees: boolean;
  creditsAbove: string | null;
  paymentPlans: boolean;
  firstReminders: boolean;
  reminderEscalations: boolean;
}

/** A json column as node-postgres (parsed) or a driver that hands over text gives it. */
function parsedJson<T>(v: T[] | string | null): T[] {
  return typeof v === 'string' ? (JSON.parse(v) as T[]) : (v ?? []);
}

/** Setting-override rows and client-approval policy rows → each organisation's overrides (invalid stored values left out: the default applies). */
function foldOverrides(out: Map<string, Overrides>, rows: readonly { organisationId: string; group: string; value: unknown }[], clients: readonly ClientPolicyRow[]): void {
  const of = (id: string) => out.get(id) ?? out.set(id, {}).get(id)!;
  for (const r of rows) {
    const g = GroupSchema.safeParse(r.group);
    if (!g.success) continue;
    const v = (GROUP_SCHEMAS[g.data] as z.ZodType).safeParse(r.value);
    if (v.success) (of(r.organisationId) as Record<string, unknown>)[g.data] = v.data;
  }
  for (const r of clients) {
    of(r.organisationId).clientApproval = { lateFees: r.lateFees, creditsAbove: plainAmount(r.creditsAbove), paymentPlans: r.paymentPlans, firstReminders: r.firstReminders, reminderEscalations: r.reminderEscalations };
  }
}

/** The effective settings of one organisation: what every consumer reads. */
export async function effectiveSettings(db: Db, firmId: string, organisationId: string): Promise<Effective> {
  return (await effectiveSettingsOf(db, firmId, [organisationId])).get(organisationId)!;
}

/**
 * The collection policy in force for one organisation: the firm's, with the organisation's late
 * fees, discounts and approval threshold where it overrides them (plans stay firm-wide).
 */
export async function effectiveCollectionsPolicy(db: Db, firmId: string, organisationId: string): Promise<CollectionsPolicy> {
  const [row] = await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId)).limit(1);
  if (!row) throw notFound('No such firm.');
  const firm = policyFrom((row.settings as { collections?: unknown } | null)?.collections);
  const o = (await loadOverrides(db, firmId, [organisationId])).get(organisationId) ?? {};
  return {
    ...firm,
    lateFees: o.lateFees ?? firm.lateFees,
    earlyDiscount: o.earlyDiscount ?? firm.earlyDiscount,
    approvalThreshold: o.approvalThreshold ? o.approvalThreshold.amount : firm.approvalThreshold,
  };
}

async function ownOrganisation(db: Db, firmId: string, organisationId: string) {
  const [o] = await db
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .where(and(eq(organisations.firmId, firmId), eq(organisations.id, organisationId)));
  if (!o) throw notFound('No such organisation.');
  return o;
}

export interface GroupView {
  group: SettingGroup;
  title: string;
  value: unknown;
  words: string;
}

export async function firmDefaultsView(db: Db, firmId: string): Promise<{ groups: (GroupView & { overriddenBy: number })[]; organisations: number }> {
  const { values, currency } = await loadFirmDefaults(db, firmId);
  const overrides = await loadOverrides(db, firmId);
  const [count] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(organisations)
    .where(eq(organisations.firmId, firmId));
  return {
    organisations: count?.n ?? 0,
    groups: SETTING_GROUPS.map((group) => ({
      group,
      title: GROUP_TITLES[group],
      value: values[group],
      words: describeValue(group, values[group], currency),
      overriddenBy: [...overrides.values()].filter((o) => o[group] !== undefined).length,
    })),
  };
}

export async function organisationSettingsView(db: Db, firmId: string, organisationId: string) {
  const org = await ownOrganisation(db, firmId, organisationId);
  const { values, currency } = await loadFirmDefaults(db, firmId);
  const eff = resolveEffective(values, (await loadOverrides(db, firmId, [org.id])).get(org.id) ?? {});
  // The reminder sequence keeps the reminders' own pattern: an organisation's policy overrides the firm's.
  const [own] = await db
    .select({ name: reminderPolicies.name })
    .from(reminderPolicies)
    .where(and(eq(reminderPolicies.firmId, firmId), eq(reminderPolicies.scopeKey, scopeKeys.organisation(org.id)), eq(reminderPolicies.enabled, true)));
  return {
    organisation: org,
    groups: SETTING_GROUPS.map((group) => ({
      group,
      title: GROUP_TITLES[group],
      overridden: eff[group].overridden,
      value: eff[group].value,
      words: describeValue(group, eff[group].value as never, currency),
      defaultWords: describeValue(group, values[group] as never, currency),
    })),
    reminderSequence: { overridden: Boolean(own), words: own ? `This client’s own sequence, “${own.name}”` : 'The firm’s reminder sequence' },
  };
}

// ---- writing ------------------------------------------------------------------------------------------

async function writeDefault<G extends SettingGroup>(db: Db, firmId: string, group: G, value: SettingValues[G]): Promise<void> {
  switch (group) {
    case 'lateFees':
    case 'earlyDiscount':
      await updateCollectionsPolicy(db, firmId, { [group]: value });
      return;
    case 'approvalThreshold':
      await updateCollectionsPolicy(db, firmId, { approvalThreshold: (value as SettingValues['approvalThreshold']).amount });
      return;
    case 'sendingWindow':
    case 'clientApproval':
      // Merged into the jsonb so settings owned by other features survive.
      await db
        .update(firms)
        .set({ settings: sql`jsonb_set(coalesce(${firms.settings}, '{}'::jsonb), '{defaults}', coalesce(${firms.settings}->'defaults', '{}'::jsonb) || jsonb_build_object(${group}::text, ${JSON.stringify(value)}::jsonb))` })
        .where(eq(firms.id, firmId));
      return;
    case 'returnedPaymentFee': {
      // The fee part of the firm's returned-payment policy (countries, posting and account kept).
      const current = stored(ReturnedFeePolicySchema, ((await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId)).limit(1))[0]?.settings as { returnedPayments?: unknown } | null)?.returnedPayments ?? {}, DEFAULT_FEE_POLICY);
      const merged = { ...current, ...(value as SettingValues['returnedPaymentFee']) };
      await db
        .update(firms)
        .set({ settings: sql`coalesce(${firms.settings}, '{}'::jsonb) || jsonb_build_object('returnedPayments', ${JSON.stringify(merged)}::jsonb)` })
        .where(eq(firms.id, firmId));
      return;
    }
  }
}

export async function setDefault(db: Db, firmId: string, group: SettingGroup, raw: unknown) {
  await writeDefault(db, firmId, group, parseGroupValue(group, raw));
  return firmDefaultsView(db, firmId);
}

async function writeOverride<G extends SettingGroup>(db: Db, auth: Pick<Auth, 'firmId' | 'userId'>, organisationId: string, group: G, value: SettingValues[G], now: Date): Promise<void> {
  if (group === 'clientApproval') {
    const v = value as SettingValues['clientApproval'];
    const values = { ...v, updatedByUserId: auth.userId, updatedAt: now };
    await db
      .insert(clientApprovalPolicies)
      .values({ firmId: auth.firmId, organisationId, ...values })
      .onConflictDoUpdate({ target: [clientApprovalPolicies.organisationId, clientApprovalPolicies.firmId], set: values });
    return;
  }
  await db
    .insert(settingOverrides)
    .values({ firmId: auth.firmId, organisationId, settingGroup: group, value, updatedByUserId: auth.userId, updatedAt: now })
    .onConflictDoUpdate({ target: [settingOverrides.organisationId, settingOverrides.firmId, settingOverrides.settingGroup], set: { value, updatedByUserId: auth.userId, updatedAt: now } });
}

async function deleteOverrides(db: Db, firmId: string, group: SettingGroup, organisationIds: readonly string[]): Promise<void> {
  if (!organisationIds.length) return;
  if (group === 'clientApproval') {
    await db.delete(clientApprovalPolicies).where(and(eq(clientApprovalPolicies.firmId, firmId), inArray(clientApprovalPolicies.organisationId, [...organisationIds])));
    return;
  }
  await db.delete(settingOverrides).where(and(eq(settingOverrides.firmId, firmId), eq(settingOverrides.settingGroup, group), inArray(settingOverrides.organisationId, [...organisationIds])));
}

export async function setOverride(db: Db, auth: Pick<Auth, 'firmId' | 'userId'>, organisationId: string, group: SettingGroup, raw: unknown, now: Date) {
  const org = await ownOrganisation(db, auth.firmId, organisationId);
  await writeOverride(db, auth, org.id, group, parseGroupValue(group, raw), now);
  return organisationSettingsView(db, auth.firmId, org.id);
}

/** Reset to the firm default (idempotent: no override, nothing to do). */
export async function clearOverride(db: Db, firmId: string, organisationId: string, group: SettingGroup) {
  const org = await ownOrganisation(db, firmId, organisationId);
  await deleteOverrides(db, firmId, group, [org.id]);
  return organisationSettingsView(db, firmId, org.id);
}

// ---- apply to all clients -------------------------------------------------------------------------------

export interface ApplyPreview {
  group: SettingGroup;
  title: string;
  /** The default every client will follow, in words. */
  defaultWords: string;
  changesDefault: boolean;
  /** Clients whose setting changes, each with the change in words. */
  changes: PlannedChange[];
  /** Clients with an override that is removed (including those whose setting stays the same). */
  overridesCleared: number;
  organisations: number;
  summary: string;
}

async function planFor(db: Db, firmId: string, group: SettingGroup, raw: unknown) {
  const { values, currency } = await loadFirmDefaults(db, firmId);
  const next = raw === undefined ? values[group] : parseGroupValue(group, raw);
  const orgs = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(eq(organisations.firmId, firmId)).orderBy(organisations.name);
  const overrides = await loadOverrides(db, firmId);
  const plan = planApplyToAll(
    group,
    values[group],
    next,
    orgs.map((o) => ({ ...o, override: overrides.get(o.id)?.[group] })),
    currency,
  );
  const changesDefault = raw !== undefined && JSON.stringify(next) !== JSON.stringify(values[group]);
  const n = plan.changes.length;
  const preview: ApplyPreview = {
    group,
    title: GROUP_TITLES[group],
    defaultWords: describeValue(group, next as never, currency),
    changesDefault,
    changes: plan.changes,
    overridesCleared: plan.overridesToClear.length,
    organisations: orgs.length,
    summary:
      n === 0 && plan.overridesToClear.length === 0 && !changesDefault
        ? 'Every client already follows the firm default: nothing changes.'
        : n === 0
          ? 'No client’s setting changes.'
          : `${n} of ${orgs.length} client${orgs.length === 1 ? '' : 's'} will change.`,
  };
  return { preview, next, clear: plan.overridesToClear };
}

export async function previewApplyToAll(db: Db, firmId: string, group: SettingGroup, raw?: unknown): Promise<ApplyPreview> {
  return (await planFor(db, firmId, group, raw)).preview;
}

/**
 * Every client follows the firm default for the group (set to `raw` first when given): overrides
 * removed. Idempotent — applying the same again changes nothing and answers an empty list. One
 * transaction under a per-firm lock, so two at once do not interleave.
 */
export async function applyToAll(db: Db, firmId: string, group: SettingGroup, raw?: unknown): Promise<ApplyPreview> {
  return db.transaction(async (tx0) => {
    const tx = tx0 as unknown as Db;
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`settings-apply:${firmId}`}))`);
    const { preview, next, clear } = await planFor(tx, firmId, group, raw);
    if (preview.changesDefault) await writeDefault(tx, firmId, group, next);
    await deleteOverrides(tx, firmId, group, clear);
    return preview;
  });
}
