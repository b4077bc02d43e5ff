/**
 * Data access for reminders: the planner's inputs for one organisation, read in a handful of
 * firm-scoped queries (open invoices, their customers, holds, unsubscribes, segments, the
 * activities that pause reminders, and the claims already made).
 */
import { and, asc, eq, gt, gte, inArray, isNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { onAutopay } from '../autopay/core';
import { type Db, queryRows } from '../db/client';
import {
  activities,
  autopayMandates,
  contacts,
  customerScores,
  invoices,
  organisations,
  reminderCustomers,
  reminderInvoiceHolds,
  reminderPolicies,
  reminderSends,
  reminderSettings,
  reminderUnsubscribes,
} from '../db/schema';
import { DISPUTE_RESOLVED, INVOICE_DISPUTED, PLAN_CREATED, PLAN_ENDED, PROMISE_RECORDED } from '../scoring/in-motion';
import { effectiveSettings } from '../settings/store';
import { type ContactRules, contactRulesFor } from './guardrails';
import { localClock, zonedInstant } from './local-time';
import type { ActivityHold, ExistingSend, InvoiceHold, PlanCustomer, PlanInvoice } from './plan';
import { sendKey } from './plan';
import { ledgerEmails } from './recipients';
import { DEFAULT_SETTINGS, type Grouping, type OrgSettings, type Policy, type PolicyScope, type SendStatus, type Step } from './types';

export interface OrgInfo {
  id: string;
  firmId: string;
  name: string;
  provider: 'xero' | 'quickbooks';
  timezone: string;
  countryCode: string | null;
  baseCurrency: string;
  status: string;
}

export async function loadOrganisation(db: Db, organisationId: string, firmId?: string): Promise<OrgInfo | null> {
  const where = firmId ? and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)) : eq(organisations.id, organisationId);
  const [o] = await db
    .select({ id: organisations.id, firmId: organisations.firmId, name: organisations.name, provider: organisations.provider, timezone: organisations.timezone, countryCode: organisations.countryCode, baseCurrency: organisations.baseCurrency, status: organisations.status })
    .from(organisations)
    .where(where);
  return o ?? null;
}

/**
 * The organisation's reminder settings. The sending window (hours and days) is the effective one:
 * the organisation's override when it has one, else the firm default (docs/decisions/028) — the
 * window columns of reminder_settings are no longer read.
 */
export async function loadSettings(db: Db, organisationId: string): Promise<OrgSettings> {
  return (await loadOrgWithSettings(db, organisationId))?.settings ?? { ...DEFAULT_SETTINGS, ...BUILTIN_SENDING_WINDOW };
}

type Window = Pick<OrgSettings, 'windowStartMinute' | 'windowEndMinute' | 'businessDays'>;

const BUILTIN_SENDING_WINDOW: Window = { windowStartMinute: DEFAULT_SETTINGS.windowStartMinute, windowEndMinute: DEFAULT_SETTINGS.windowEndMinute, businessDays: DEFAULT_SETTINGS.businessDays };

/** The settings row (or the defaults without one) with the window in force. */
function settingsFrom(s: typeof reminderSettings.$inferSelect | null, window: Window): OrgSettings {
  if (!s) return { ...DEFAULT_SETTINGS, ...window };
  return {
    enabled: s.enabled,
    ...window,
    dailyLimit: s.dailyLimit,
    senderName: s.senderName,
    replyTo: s.replyTo,
    brandColour: s.brandColour,
    logoUrl: s.logoUrl,
    signature: s.signature,
    customerDailyLimit: s.customerDailyLimit,
    confirmAbove: s.confirmAbove,
    confirmedAt: s.confirmedAt,
  };
}

/** The effective sending window of an organisation: its override, else the firm's default. */
async function sendingWindowOf(db: Db, firmId: string, organisationId: string): Promise<Window> {
  const w = (await effectiveSettings(db, firmId, organisationId)).sendingWindow.value;
  return { windowStartMinute: w.startMinute, windowEndMinute: w.endMinute, businessDays: [...w.businessDays] };
}

export function toPolicy(row: typeof reminderPolicies.$inferSelect): Policy {
  return {
    id: row.id,
    scope: row.scope as PolicyScope,
    scopeKey: row.scopeKey,
    organisationId: row.organisationId,
    segment: row.segment,
    contactExternalId: row.contactExternalId,
    name: row.name,
    grouping: row.grouping as Grouping,
    steps: row.steps as Step[],
    enabled: row.enabled,
  };
}

/** The firm's policies that can apply in an organisation (firm-wide ones and its own). */
export async function loadPolicies(db: Db, firmId: string, organisationId: string): Promise<Policy[]> {
  const rows = await db
    .select()
    .from(reminderPolicies)
    .where(and(eq(reminderPolicies.firmId, firmId), or(sql`${reminderPolicies.organisationId} IS NULL`, eq(reminderPolicies.organisationId, organisationId))));
  return rows.map(toPolicy);
}

const INVOICE_COLUMNS = {
  id: invoices.id,
  externalId: invoices.externalId,
  contactExternalId: invoices.contactExternalId,
  number: invoices.number,
  issueDate: invoices.issueDate,
  dueDate: invoices.dueDate,
  currency: invoices.currency,
  total: invoices.total,
  amountDue: invoices.amountDue,
  amountCredited: invoices.amountCredited,
  amountPaid: invoices.amountPaid,
  status: invoices.status,
  url: invoices.url,
};

export async function loadOpenInvoices(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>, contactExternalIds?: readonly string[]): Promise<PlanInvoice[]> {
  const conds = [eq(invoices.firmId, org.firmId), eq(invoices.organisationId, org.id), eq(invoices.status, 'authorised'), gt(invoices.amountDue, '0')];
  if (contactExternalIds) conds.push(inArray(invoices.contactExternalId, [...contactExternalIds]));
  return db
    .select(INVOICE_COLUMNS)
    .from(invoices)
    .where(and(...conds))
    .orderBy(asc(invoices.dueDate), asc(invoices.number));
}

export async function loadInvoicesByExternalId(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>, externalIds: readonly string[]): Promise<PlanInvoice[]> {
  if (externalIds.length === 0) return [];
  return db
    .select(INVOICE_COLUMNS)
    .from(invoices)
    .where(and(eq(invoices.firmId, org.firmId), eq(invoices.organisationId, org.id), inArray(invoices.externalId, [...externalIds])));
}

export async function loadCustomers(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>, contactExternalIds: readonly string[]): Promise<Map<string, PlanCustomer>> {
  const out = new Map<string, PlanCustomer>();
  if (contactExternalIds.length === 0) return out;
  const ids = [...new Set(contactExternalIds)];
  const [rows, settings, unsubs, scores, mandates] = await Promise.all([
    db
      .select({ externalId: contacts.externalId, name: contacts.name, firstName: contacts.firstName, emails: contacts.emails })
      .from(contacts)
      .where(and(eq(contacts.firmId, org.firmId), eq(contacts.organisationId, org.id), inArray(contacts.externalId, ids))),
    db
      .select()
      .from(reminderCustomers)
      .where(and(eq(reminderCustomers.firmId, org.firmId), eq(reminderCustomers.organisationId, org.id), inArray(reminderCustomers.contactExternalId, ids))),
    db
      .select({ contact: reminderUnsubscribes.contactExternalId, address: reminderUnsubscribes.address })
      .from(reminderUnsubscribes)
      .where(and(eq(reminderUnsubscribes.firmId, org.firmId), eq(reminderUnsubscribes.organisationId, org.id), inArray(reminderUnsubscribes.contactExternalId, ids))),
    db
      .select({ contact: customerScores.contactExternalId, segment: customerScores.segment })
      .from(customerScores)
      .where(and(eq(customerScores.firmId, org.firmId), eq(customerScores.organisationId, org.id), inArray(customerScores.contactExternalId, ids))),
    db
      .select({ contact: autopayMandates.contactExternalId, status: autopayMandates.status, failingSince: autopayMandates.failingSince })
      .from(autopayMandates)
      .where(and(eq(autopayMandates.firmId, org.firmId), eq(autopayMandates.organisationId, org.id), eq(autopayMandates.status, 'active'), inArray(autopayMandates.contactExternalId, ids))),
  ]);
  const onAutopayIds = new Set(mandates.filter((m) => onAutopay([m])).map((m) => m.contact));
  const bySettings = new Map(settings.map((s) => [s.contactExternalId, s]));
  const segments = new Map(scores.map((s) => [s.contact, s.segment]));
  const unsubscribed = new Map<string, Set<string>>();
  for (const u of unsubs) {
    const set = unsubscribed.get(u.contact) ?? new Set<string>();
    set.add(u.address);
    unsubscribed.set(u.contact, set);
  }
  const byId = new Map(rows.map((r) => [r.externalId, r]));
  for (const id of ids) {
    const c = byId.get(id);
    const s = bySettings.get(id);
    out.set(id, {
      externalId: id,
      name: c?.name ?? 'Unknown customer',
      firstName: c?.firstName ?? null,
      emails: ledgerEmails(c?.emails),
      excluded: s?.excluded ?? false,
      pausedUntil: s?.pausedUntil ?? null,
      recipientsOverride: Array.isArray(s?.recipients) ? (s.recipients as unknown[]).filter((a): a is string => typeof a === 'string') : null,
      unsubscribed: unsubscribed.get(id) ?? new Set(),
      // A collector's group wins over the scoring segment.
      segment: s?.segment ?? segments.get(id) ?? null,
      autopay: onAutopayIds.has(id),
    });
  }
  return out;
}

export async function loadInvoiceHolds(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>): Promise<Map<string, InvoiceHold>> {
  const rows = await db
    .select({ id: reminderInvoiceHolds.invoiceExternalId, excluded: reminderInvoiceHolds.excluded, pausedUntil: reminderInvoiceHolds.pausedUntil })
    .from(reminderInvoiceHolds)
    .where(and(eq(reminderInvoiceHolds.firmId, org.firmId), eq(reminderInvoiceHolds.organisationId, org.id)));
  return new Map(rows.map((r) => [r.id, { excluded: r.excluded, pausedUntil: r.pausedUntil }]));
}

/**
 * Promises, disputes and payment plans (activities recorded by collectors, debtors and plans, with the conventions of
 * server/scoring/in-motion.ts): a promise holds through details.promisedDate; a dispute until a
 * later dispute.resolved for the same target; a plan until a later plan.ended.
 */
export async function loadActivityHolds(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>, today: CalendarDate): Promise<ActivityHold[]> {
  const rows = await db
    .select({ kind: activities.kind, invoiceId: activities.invoiceId, contactId: activities.contactId, details: activities.details, invoiceExternalId: invoices.externalId, contactExternalId: contacts.externalId })
    .from(activities)
    .leftJoin(invoices, eq(invoices.id, activities.invoiceId))
    .leftJoin(contacts, eq(contacts.id, activities.contactId))
    .where(
      and(
        eq(activities.firmId, org.firmId),
        eq(activities.organisationId, org.id),
        inArray(activities.kind, [PROMISE_RECORDED, INVOICE_DISPUTED, DISPUTE_RESOLVED, PLAN_CREATED, PLAN_ENDED]),
        or(sql`${activities.kind} <> ${PROMISE_RECORDED}`, sql`${activities.createdAt} >= ${addDays(today, -366)}::date`),
      ),
    )
    .orderBy(asc(activities.createdAt));
  return foldHolds(rows, today);
}


/** Activities in time order → the holds still live (later end events cancel earlier holds). */
export function foldHolds(rows: readonly { kind: string; details: unknown; invoiceExternalId: string | null; contactExternalId: string | null }[], _today: CalendarDate): ActivityHold[] {
  const live = new Map<string, ActivityHold>();
  for (const r of rows) {
    const details = (r.details ?? {}) as Record<string, unknown>;
    const invoiceExternalId = r.invoiceExternalId ?? null;
    const contactExternalId = invoiceExternalId ? null : (r.contactExternalId ?? (typeof details['contactExternalId'] === 'string' ? details['contactExternalId'] : null));
    if (!invoiceExternalId && !contactExternalId) continue;
    const target = invoiceExternalId ? `i:${invoiceExternalId}` : `c:${contactExternalId}`;
    switch (r.kind) {
      case PROMISE_RECORDED: {
        const until = details['promisedDate'] ?? details['until'];
        if (typeof until === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(until)) live.set(`promise|${target}`, { kind: 'promise', invoiceExternalId, contactExternalId, until });
        break;
      }
      case INVOICE_DISPUTED:
        live.set(`dispute|${target}`, { kind: 'dispute', invoiceExternalId, contactExternalId, until: null });
        break;
      case DISPUTE_RESOLVED:
        live.delete(`dispute|${target}`);
        break;
      case PLAN_CREATED:
        live.set(`plan|${target}`, { kind: 'plan', invoiceExternalId, contactExternalId, until: null });
        break;
      case PLAN_ENDED:
        live.delete(`plan|${target}`);
        break;
    }
  }
  return [...live.values()];
}

export async function loadExisting(db: Db, org: Pick<OrgInfo, 'id' | 'firmId' | 'timezone'>, invoiceExternalIds: readonly string[], today: CalendarDate): Promise<Map<string, ExistingSend>> {
  const out = new Map<string, ExistingSend>();
  const conds = [sql`(${reminderSends.subjectType} = 'customer' AND ${reminderSends.stepKey} = ${`day:${today}`})`];
  if (invoiceExternalIds.length) conds.push(and(eq(reminderSends.subjectType, 'invoice'), inArray(reminderSends.subjectId, [...invoiceExternalIds]))!);
  const parent = alias(reminderSends, 'parent');
  const rows = await db
    .select({
      subjectType: reminderSends.subjectType,
      subjectId: reminderSends.subjectId,
      stepKey: reminderSends.stepKey,
      status: reminderSends.status,
      skipReason: reminderSends.skipReason,
      sentAt: reminderSends.sentAt,
      updatedAt: reminderSends.updatedAt,
      parentStatus: parent.status,
      parentSentAt: parent.sentAt,
    })
    .from(reminderSends)
    .leftJoin(parent, eq(parent.id, reminderSends.parentId))
    .where(and(eq(reminderSends.firmId, org.firmId), eq(reminderSends.organisationId, org.id), or(...conds)));
  const day = (d: Date | null) => (d ? localClock(org.timezone, d).date : null);
  for (const r of rows) {
    // Went out: sent itself, or listed in a grouped email that was sent. A collector's "do not send" also lets the sequence go on.
    const passedOn =
      r.status === 'sent' ? day(r.sentAt ?? r.updatedAt) : r.status === 'grouped' && r.parentStatus === 'sent' ? day(r.parentSentAt) : r.status === 'skipped' && r.skipReason === 'rejected_by_collector' ? day(r.updatedAt) : null;
    out.set(sendKey(r.subjectType as 'invoice' | 'customer', r.subjectId, r.stepKey), { status: r.status as SendStatus, skipReason: r.skipReason, passedOn });
  }
  return out;
}

/**
 * Reminders each customer has today: sent today (local day), or claimed and still to go
 * (awaiting approval, claimed, sending, failed for now). A grouped email counts once (its
 * invoice rows do not); skips and permanent failures do not count.
 */
export async function loadCustomerToday(db: Db, org: Pick<OrgInfo, 'id' | 'firmId' | 'timezone'>, today: CalendarDate): Promise<Map<string, number>> {
  const since = zonedInstant(today, 0, org.timezone);
  const rows = await db
    .select({ contact: reminderSends.contactExternalId, n: sql<number>`count(*)::int` })
    .from(reminderSends)
    .where(
      and(
        eq(reminderSends.firmId, org.firmId),
        eq(reminderSends.organisationId, org.id),
        isNull(reminderSends.parentId),
        or(and(eq(reminderSends.status, 'sent'), gte(reminderSends.sentAt, since)), inArray(reminderSends.status, ['pending_approval', 'awaiting_client', 'claimed', 'sending', 'failed_temporary'])),
      ),
    )
    .groupBy(reminderSends.contactExternalId);
  return new Map(rows.map((r) => [r.contact, Number(r.n)]));
}

export interface PlanData {
  policies: Policy[];
  invoices: PlanInvoice[];
  customers: Map<string, PlanCustomer>;
  invoiceHolds: Map<string, InvoiceHold>;
  activityHolds: ActivityHold[];
  existing: Map<string, ExistingSend>;
  customerToday: Map<string, number>;
  /** A jurisdiction's contact limits for the organisation's country, and the customers' recent contacts (guardrails.ts). */
  contactRules: ContactRules | null;
  contactHistory: Map<string, Date[]>;
}

/**
 * When each customer was contacted in about the last month, for the contact guardrails: rows that
 * went out (sent) or are on their way (claimed, awaiting approval, sending, failed for now); a
 * grouped email counts once (its invoice rows do not), a letter's rows (one per invoice, one moment) once.
 */
export async function loadContactHistory(db: Db, org: Pick<OrgInfo, 'id' | 'firmId' | 'timezone'>, today: CalendarDate): Promise<Map<string, Date[]>> {
  const since = zonedInstant(addDays(today, -31), 0, org.timezone);
  const at = sql`coalesce(${reminderSends.sentAt}, ${reminderSends.claimedAt})`;
  const rows = await db
    .selectDistinct({ contact: reminderSends.contactExternalId, channel: reminderSends.channel, ms: sql<number>`(extract(epoch from ${at}) * 1000)::float8` })
    .from(reminderSends)
    .where(
      and(
        eq(reminderSends.firmId, org.firmId),
        eq(reminderSends.organisationId, org.id),
        isNull(reminderSends.parentId),
        inArray(reminderSends.status, ['sent', 'pending_approval', 'awaiting_client', 'claimed', 'sending', 'failed_temporary']),
        gte(at, since),
      ),
    );
  const out = new Map<string, Date[]>();
  for (const r of rows) out.set(r.contact, [...(out.get(r.contact) ?? []), new Date(Number(r.ms))]);
  return out;
}

export async function loadPlanData(db: Db, org: OrgInfo, today: CalendarDate): Promise<PlanData> {
  const open = await loadOpenInvoices(db, org);
  const withDue = open.filter((i) => i.dueDate);
  const contactRules = contactRulesFor(org.countryCode);
  const [policies, customers, invoiceHolds, activityHolds, existing, customerToday, contactHistory] = await Promise.all([
    loadPolicies(db, org.firmId, org.id),
    loadCustomers(
      db,
      org,
      withDue.map((i) => i.contactExternalId),
    ),
    loadInvoiceHolds(db, org),
    loadActivityHolds(db, org, today),
    loadExisting(
      db,
      org,
      withDue.map((i) => i.externalId),
      today,
    ),
    loadCustomerToday(db, org, today),
    contactRules ? loadContactHistory(db, org, today) : Promise.resolve(new Map<string, Date[]>()),
  ]);
  return { policies, invoices: withDue, customers, invoiceHolds, activityHolds, existing, customerToday, contactRules, contactHistory };
}

// ---- send time: the few rows one send needs, in as few round trips as possible ---------------------

export interface OrgWithSettings extends OrgInfo {
  settings: OrgSettings;
}

export async function loadOrgWithSettings(db: Db, organisationId: string): Promise<OrgWithSettings | null> {
  const [r] = await db
    .select({ o: { id: organisations.id, firmId: organisations.firmId, name: organisations.name, provider: organisations.provider, timezone: organisations.timezone, countryCode: organisations.countryCode, baseCurrency: organisations.baseCurrency, status: organisations.status }, s: reminderSettings })
    .from(organisations)
    .leftJoin(reminderSettings, eq(reminderSettings.organisationId, organisations.id))
    .where(eq(organisations.id, organisationId));
  if (!r) return null;
  // The window in force, as the run that claimed the send saw it (loadSettings): not the row's old columns.
  return { ...r.o, settings: settingsFrom(r.s, await sendingWindowOf(db, r.o.firmId, r.o.id)) };
}

export interface CustomerState extends PlanCustomer {
  /** contacts.id, when the ledger contact is synced. */
  contactId: string | null;
}

/** One customer's reminder state in one query (ledger contact, Arcus settings, unsubscribes). */
export async function loadCustomerState(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>, contactExternalId: string): Promise<CustomerState> {
  const rows = await queryRows<{ id: string | null; name: string | null; first_name: string | null; emails: unknown; excluded: boolean | null; paused_until: string | null; recipients: unknown; segment: string | null; unsubscribed: string[] | null }>(
    db,
    sql`SELECT c.id, c.name, c.first_name, c.emails, rc.excluded, rc.paused_until::text AS paused_until, rc.recipients, rc.segment,
          (SELECT array_agg(u.address) FROM reminder_unsubscribes u WHERE u.organisation_id = ${org.id}::uuid AND u.contact_external_id = x.ext) AS unsubscribed
        FROM (SELECT ${contactExternalId}::text AS ext) x
        LEFT JOIN contacts c ON c.organisation_id = ${org.id}::uuid AND c.firm_id = ${org.firmId}::uuid AND c.external_id = x.ext
        LEFT JOIN reminder_customers rc ON rc.organisation_id = ${org.id}::uuid AND rc.contact_external_id = x.ext`,
  );
  const r = rows[0];
  return {
    externalId: contactExternalId,
    contactId: r?.id ?? null,
    name: r?.name ?? 'Unknown customer',
    firstName: r?.first_name ?? null,
    emails: ledgerEmails(r?.emails),
    excluded: r?.excluded ?? false,
    pausedUntil: r?.paused_until ?? null,
    recipientsOverride: Array.isArray(r?.recipients) ? (r.recipients as unknown[]).filter((a): a is string => typeof a === 'string') : null,
    unsubscribed: new Set(r?.unsubscribed ?? []),
    segment: r?.segment ?? null,
  };
}

/** Several customers' reminder states in one query (a batch of sends, send-batch.ts); the same fields as `loadCustomerState`. */
export async function loadCustomerStates(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>, contactExternalIds: readonly string[]): Promise<Map<string, CustomerState>> {
  const ids = [...new Set(contactExternalIds)];
  const out = new Map<string, CustomerState>();
  if (ids.length === 0) return out;
  const rows = await queryRows<{ ext: string; id: string | null; name: string | null; first_name: string | null; emails: unknown; excluded: boolean | null; paused_until: string | null; recipients: unknown; segment: string | null; unsubscribed: string[] | null }>(
    db,
    sql`SELECT x.ext, c.id, c.name, c.first_name, c.emails, rc.excluded, rc.paused_until::text AS paused_until, rc.recipients, rc.segment,
          (SELECT array_agg(u.address) FROM reminder_unsubscribes u WHERE u.organisation_id = ${org.id}::uuid AND u.contact_external_id = x.ext) AS unsubscribed
        FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) AS x(ext)
        LEFT JOIN contacts c ON c.organisation_id = ${org.id}::uuid AND c.firm_id = ${org.firmId}::uuid AND c.external_id = x.ext
        LEFT JOIN reminder_customers rc ON rc.organisation_id = ${org.id}::uuid AND rc.contact_external_id = x.ext`,
  );
  for (const r of rows) {
    out.set(r.ext, {
      externalId: r.ext,
      contactId: r.id ?? null,
      name: r.name ?? 'Unknown customer',
      firstName: r.first_name ?? null,
      emails: ledgerEmails(r.emails),
      excluded: r.excluded ?? false,
      pausedUntil: r.paused_until ?? null,
      recipientsOverride: Array.isArray(r.recipients) ? (r.recipients as unknown[]).filter((a): a is string => typeof a === 'string') : null,
      unsubscribed: new Set(r.unsubscribed ?? []),
      segment: r.segment ?? null,
    });
  }
  return out;
}

/** Invoices by ledger id with their Arcus holds, in one query. */
export async function loadInvoicesWithHolds(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>, where: { externalIds: readonly string[] } | { openForContact: string }): Promise<{ invoices: PlanInvoice[]; holds: Map<string, InvoiceHold> }> {
  const conds = [eq(invoices.firmId, org.firmId), eq(invoices.organisationId, org.id)];
  if ('externalIds' in where) {
    if (where.externalIds.length === 0) return { invoices: [], holds: new Map() };
    conds.push(inArray(invoices.externalId, [...where.externalIds]));
  } else conds.push(eq(invoices.contactExternalId, where.openForContact), eq(invoices.status, 'authorised'), gt(invoices.amountDue, '0'));
  const rows = await db
    .select({ ...INVOICE_COLUMNS, excluded: reminderInvoiceHolds.excluded, pausedUntil: reminderInvoiceHolds.pausedUntil })
    .from(invoices)
    .leftJoin(reminderInvoiceHolds, and(eq(reminderInvoiceHolds.organisationId, invoices.organisationId), eq(reminderInvoiceHolds.invoiceExternalId, invoices.externalId)))
    .where(and(...conds))
    .orderBy(asc(invoices.dueDate), asc(invoices.number));
  const holds = new Map<string, InvoiceHold>();
  const out: PlanInvoice[] = [];
  for (const { excluded, pausedUntil, ...inv } of rows) {
    out.push(inv);
    if (excluded !== null) holds.set(inv.externalId, { excluded, pausedUntil });
  }
  return { invoices: out, holds };
}

/**
 * Promises, disputes and plans recorded since `since` (by the (firm, created_at) index): what
 * can have put a claim on hold after it was planned — holds older than the claim stopped the
 * planner from claiming it in the first place.
 */
export async function loadActivityHoldsSince(db: Db, org: Pick<OrgInfo, 'id' | 'firmId'>, since: Date, today: CalendarDate): Promise<ActivityHold[]> {
  const rows = await db
    .select({ kind: activities.kind, details: activities.details, invoiceExternalId: invoices.externalId, contactExternalId: contacts.externalId })
    .from(activities)
    .leftJoin(invoices, eq(invoices.id, activities.invoiceId))
    .leftJoin(contacts, eq(contacts.id, activities.contactId))
    .where(and(eq(activities.firmId, org.firmId), gte(activities.createdAt, since), eq(activities.organisationId, org.id), inArray(activities.kind, [PROMISE_RECORDED, INVOICE_DISPUTED, DISPUTE_RESOLVED, PLAN_CREATED, PLAN_ENDED])))
    .orderBy(asc(activities.createdAt));
  return foldHolds(rows, today);
}
