/**
 * What the collection services share: the organisation and its "today", open invoices as
 * minor units, which invoices Arcus itself created (fee and instalment invoices are never
 * charged fees or offered discounts), whether an invoice is disputed or on a plan (the
 * in-motion activities of server/scoring/in-motion.ts). Amounts, money words and source keys
 * are the pure rules of rules.ts.
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { invoices, organisations, writebacks } from '../db/schema';
import { type CalendarDate, todayIn } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import { notFound } from '../../kernel/errors';
import type { MotionKind } from '../scoring/in-motion';
import { loadMotionIndex } from '../scoring/in-motion-load';
import type { RequestDeps } from '../writebacks/request';
import { minor } from './rules';

/** What services that request write-backs need. */
export type CollectionsDeps = RequestDeps & { now?: () => Date };

export interface OrgRow {
  id: string;
  firmId: string;
  name: string;
  timezone: string;
  provider: 'xero' | 'quickbooks';
  status: string;
}

export async function loadOrg(db: Db, firmId: string, organisationId: string): Promise<OrgRow> {
  const [o] = await db
    .select({ id: organisations.id, firmId: organisations.firmId, name: organisations.name, timezone: organisations.timezone, provider: organisations.provider, status: organisations.status })
    .from(organisations)
    .where(and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)));
  if (!o) throw notFound('No such organisation.');
  return o;
}

export function orgToday(org: Pick<OrgRow, 'timezone'>, now: Date = new Date()): CalendarDate {
  return todayIn(org.timezone, now);
}

export interface OpenInvoice {
  id: string;
  externalId: string;
  number: string;
  contactId: string | null;
  contactExternalId: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  total: Minor;
  amountDue: Minor;
  status: string;
}

/** The invoice columns a collections or pay-page summary reads (one list for both). */
export const invoiceColumns = {
  id: invoices.id,
  externalId: invoices.externalId,
  number: invoices.number,
  contactId: invoices.contactId,
  contactExternalId: invoices.contactExternalId,
  issueDate: invoices.issueDate,
  dueDate: invoices.dueDate,
  currency: invoices.currency,
  total: invoices.total,
  amountDue: invoices.amountDue,
  status: invoices.status,
};

function toOpen(r: { total: string; amountDue: string } & Omit<OpenInvoice, 'total' | 'amountDue'>): OpenInvoice {
  return { ...r, total: minor(r.total), amountDue: minor(r.amountDue) };
}

/** Authorised invoices still owing, optionally one customer's or a given set. */
export async function loadOpenInvoices(db: Db, org: Pick<OrgRow, 'id' | 'firmId'>, where: { contactExternalId?: string; ids?: readonly string[]; overdueBefore?: CalendarDate } = {}): Promise<OpenInvoice[]> {
  const conds = [eq(invoices.firmId, org.firmId), eq(invoices.organisationId, org.id), eq(invoices.status, 'authorised'), sql`${invoices.amountDue} > 0`];
  if (where.contactExternalId !== undefined) conds.push(eq(invoices.contactExternalId, where.contactExternalId));
  if (where.ids) conds.push(inArray(invoices.id, where.ids.length ? [...where.ids] : ['00000000-0000-0000-0000-000000000000']));
  if (where.overdueBefore) conds.push(isNotNull(invoices.dueDate), sql`${invoices.dueDate} < ${where.overdueBefore}::date`);
  const rows = await db
    .select(invoiceColumns)
    .from(invoices)
    .where(and(...conds))
    .orderBy(invoices.dueDate, invoices.issueDate, invoices.number);
  return rows.map(toOpen);
}

export async function loadInvoice(db: Db, firmId: string, organisationId: string, invoiceId: string): Promise<OpenInvoice> {
  const [r] = await db
    .select(invoiceColumns)
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), eq(invoices.organisationId, organisationId), eq(invoices.id, invoiceId)));
  if (!r) throw notFound('No such invoice.');
  return toOpen(r);
}

/** External ids of the invoices Arcus created in this organisation (fee and instalment invoices). */
export async function arcusCreatedInvoices(db: Db, org: Pick<OrgRow, 'id' | 'firmId'>): Promise<Set<string>> {
  const rows = await db
    .select({ externalId: writebacks.externalId })
    .from(writebacks)
    .where(and(eq(writebacks.firmId, org.firmId), eq(writebacks.organisationId, org.id), inArray(writebacks.kind, ['late_fee', 'plan_invoice']), isNotNull(writebacks.externalId), sql`coalesce(${writebacks.request}->>'mode', 'invoice') = 'invoice'`));
  return new Set(rows.map((r) => r.externalId!));
}

/** Per invoice id, the in-motion states that stop fees and offers: disputed or on a plan. */
export async function heldInvoices(db: Db, org: Pick<OrgRow, 'id' | 'firmId'>, list: readonly OpenInvoice[], now: Date, today: CalendarDate): Promise<Map<string, MotionKind>> {
  const out = new Map<string, MotionKind>();
  if (list.length === 0) return out;
  const index = await loadMotionIndex(db, { firmId: org.firmId, organisationIds: [org.id], now, today });
  for (const inv of list) {
    const m = index.motionsOf({ organisationId: org.id, contactId: inv.contactId, contactExternalId: inv.contactExternalId, invoiceId: inv.id });
    const hold = m.find((x) => x.kind === 'disputed') ?? m.find((x) => x.kind === 'on_plan');
    if (hold) out.set(inv.id, hold.kind);
  }
  return out;
}

