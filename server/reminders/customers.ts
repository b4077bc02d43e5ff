/**
 * A customer's reminder state (firm-scoped): recipients from the ledger and Arcus's override,
 * unsubscribed addresses, exclusion and pause, group, open invoices with their holds, and the
 * reminder timeline. Arcus data is keyed by the ledger's ids, so resyncs never reset it.
 */
import { and, asc, desc, eq, ilike, inArray, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { isCalendarDate } from '../../kernel/dates';
import { effectiveLanguage, LANGUAGES, organisationLanguage } from '../../kernel/locale';
import type { Db } from '../db/client';
import { contacts, invoices, organisations, reminderCustomers, reminderInvoiceHolds, reminderSends, reminderUnsubscribes } from '../db/schema';
import { notFound } from '../../kernel/errors';
import { loadActivityHolds, loadCustomers, loadInvoiceHolds, loadOpenInvoices } from './load';
import { localClock } from './local-time';
import { customerBlock, indexHolds, invoiceBlock, recipientsOf } from './plan';
import { isEmailAddress, ledgerEmails, ledgerRecipients, normaliseAddress } from './recipients';
import { formatMoney, minorOf } from './render';
import { SKIP_REASONS, skipReasonText } from './types';

const dateString = z.string().refine(isCalendarDate, 'Enter a date.');

export const CustomerInputSchema = z
  .object({
    excluded: z.boolean(),
    pausedUntil: dateString.nullable(),
    pauseReason: z.string().trim().max(300).nullable(),
    segment: z.string().trim().max(60).nullable(),
    recipients: z.array(z.string().trim().refine(isEmailAddress, 'Each recipient must be an email address.')).max(20).nullable(),
    /** The customer's language for reminders and the pay page; null = the organisation's (decision 041). */
    language: z.enum(LANGUAGES, { error: 'Choose one of the languages offered.' }).nullable(),
  })
  .partial()
  .strict();

export const InvoiceHoldInputSchema = z
  .object({
    excluded: z.boolean(),
    pausedUntil: dateString.nullable(),
    reason: z.string().trim().max(300).nullable(),
  })
  .partial()
  .strict();

async function ownOrganisation(db: Db, firmId: string, organisationId: string) {
  const [o] = await db
    .select({ id: organisations.id, firmId: organisations.firmId, name: organisations.name, timezone: organisations.timezone, countryCode: organisations.countryCode, provider: organisations.provider, language: organisations.language })
    .from(organisations)
    .where(and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)));
  if (!o) throw notFound('No such organisation.');
  return o;
}

export async function searchCustomers(db: Db, params: { firmId: string; organisationId: string; q: string; limit: number }) {
  await ownOrganisation(db, params.firmId, params.organisationId);
  const conds = [eq(contacts.firmId, params.firmId), eq(contacts.organisationId, params.organisationId), eq(contacts.isCustomer, true)];
  if (params.q) conds.push(ilike(contacts.name, `%${params.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`));
  const rows = await db
    .select({
      externalId: contacts.externalId,
      name: contacts.name,
      open: sql<number>`(SELECT count(*)::int FROM invoices i WHERE i.organisation_id = ${contacts.organisationId} AND i.contact_external_id = ${contacts.externalId} AND i.status = 'authorised' AND i.amount_due > 0)`,
    })
    .from(contacts)
    .where(and(...conds))
    .orderBy(desc(sql`(SELECT count(*) FROM invoices i WHERE i.organisation_id = ${contacts.organisationId} AND i.contact_external_id = ${contacts.externalId} AND i.status = 'authorised' AND i.amount_due > 0)`), asc(contacts.name))
    .limit(params.limit);
  return rows;
}

export async function customerDetail(db: Db, params: { firmId: string; organisationId: string; contactExternalId: string; now: Date }) {
  const org = await ownOrganisation(db, params.firmId, params.organisationId);
  const [contact] = await db
    .select({ id: contacts.id, name: contacts.name, emails: contacts.emails })
    .from(contacts)
    .where(and(eq(contacts.firmId, params.firmId), eq(contacts.organisationId, org.id), eq(contacts.externalId, params.contactExternalId)));
  if (!contact) throw notFound('No such customer.');
  const today = localClock(org.timezone, params.now).date;
  const scope = { id: org.id, firmId: params.firmId };
  const [customers, open, holds, activityHolds, settings, unsubs, timeline] = await Promise.all([
    loadCustomers(db, scope, [params.contactExternalId]),
    loadOpenInvoices(db, scope, [params.contactExternalId]),
    loadInvoiceHolds(db, scope),
    loadActivityHolds(db, scope, today),
    db
      .select()
      .from(reminderCustomers)
      .where(and(eq(reminderCustomers.organisationId, org.id), eq(reminderCustomers.contactExternalId, params.contactExternalId))),
    db
      .select({ address: reminderUnsubscribes.address, source: reminderUnsubscribes.source, at: reminderUnsubscribes.createdAt })
      .from(reminderUnsubscribes)
      .where(and(eq(reminderUnsubscribes.organisationId, org.id), eq(reminderUnsubscribes.contactExternalId, params.contactExternalId))),
    db
      .select()
      .from(reminderSends)
      .where(and(eq(reminderSends.firmId, params.firmId), eq(reminderSends.organisationId, org.id), eq(reminderSends.contactExternalId, params.contactExternalId), ne(reminderSends.status, 'grouped'), sql`${reminderSends.skipReason} IS DISTINCT FROM 'superseded'`))
      .orderBy(desc(sql`coalesce(${reminderSends.sentAt}, ${reminderSends.updatedAt})`))
      .limit(200),
  ]);
  const customer = customers.get(params.contactExternalId)!;
  const hl = indexHolds(activityHolds, today);
  const numbers = new Map<string, string>();
  const allIds = [...new Set(timeline.flatMap((t) => t.invoiceExternalIds))];
  if (allIds.length) {
    for (const r of await db
      .select({ id: invoices.externalId, number: invoices.number })
      .from(invoices)
      .where(and(eq(invoices.organisationId, org.id), inArray(invoices.externalId, allIds))))
      numbers.set(r.id, r.number);
  }
  const s = settings[0];
  const choice = recipientsOf(customer);
  return {
    organisation: org,
    customer: { externalId: params.contactExternalId, name: contact.name, contactId: contact.id },
    ledgerRecipients: ledgerRecipients(ledgerEmails(contact.emails)),
    ledgerEmails: ledgerEmails(contact.emails).map((e) => e.address),
    settings: { excluded: s?.excluded ?? false, pausedUntil: s?.pausedUntil ?? null, pauseReason: s?.pauseReason ?? null, segment: s?.segment ?? null, recipients: (s?.recipients as string[] | null) ?? null, language: effectiveLanguage(s?.language, null, null) === s?.language ? s.language : null },
    /** What the customer's reminders are written in: its own, else the organisation's (decision 041). */
    language: { organisation: organisationLanguage(org.language, org.countryCode), effective: effectiveLanguage(s?.language, org.language, org.countryCode) },
    segment: customer.segment,
    recipients: choice.to,
    recipientSource: choice.source,
    unsubscribed: unsubs.map((u) => ({ ...u, at: u.at.toISOString() })),
    block: customerBlock(customer, hl, today),
    openInvoices: open.map((i) => {
      const h = holds.get(i.externalId);
      const block = invoiceBlock(i.externalId, holds, hl, today);
      return {
        externalId: i.externalId,
        number: i.number,
        dueDate: i.dueDate,
        amountDue: formatMoney(minorOf(i.amountDue, i.currency), i.currency, org.countryCode),
        excluded: h?.excluded ?? false,
        pausedUntil: h?.pausedUntil ?? null,
        block,
        blockText: block ? SKIP_REASONS[block] : null,
      };
    }),
    timeline: timeline.map((t) => ({
      id: t.id,
      status: t.status,
      stepNumber: t.stepNumber,
      subjectType: t.subjectType,
      invoices: t.invoiceExternalIds.map((i) => numbers.get(i) ?? i),
      subjectLine: t.subjectLine,
      recipients: (t.recipients as string[]) ?? [],
      skipText: t.skipReason ? skipReasonText(t.skipReason, org.provider) : null,
      error: t.error,
      at: (t.sentAt ?? t.updatedAt).toISOString(),
    })),
  };
}

export async function saveCustomer(db: Db, params: { firmId: string; organisationId: string; contactExternalId: string; input: z.infer<typeof CustomerInputSchema>; now: Date }) {
  const org = await ownOrganisation(db, params.firmId, params.organisationId);
  const [contact] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.firmId, params.firmId), eq(contacts.organisationId, org.id), eq(contacts.externalId, params.contactExternalId)));
  if (!contact) throw notFound('No such customer.');
  const set = { ...params.input, recipients: params.input.recipients === undefined ? undefined : params.input.recipients?.length ? params.input.recipients : null, segment: params.input.segment === '' ? null : params.input.segment, updatedAt: params.now };
  await db
    .insert(reminderCustomers)
    .values({ firmId: params.firmId, organisationId: org.id, contactExternalId: params.contactExternalId, ...set })
    .onConflictDoUpdate({ target: [reminderCustomers.organisationId, reminderCustomers.contactExternalId], set });
}

export async function saveInvoiceHold(db: Db, params: { firmId: string; organisationId: string; invoiceExternalId: string; input: z.infer<typeof InvoiceHoldInputSchema>; now: Date }) {
  const org = await ownOrganisation(db, params.firmId, params.organisationId);
  const [inv] = await db
    .select({ id: invoices.id })
    .from(invoices)
    .where(and(eq(invoices.firmId, params.firmId), eq(invoices.organisationId, org.id), eq(invoices.externalId, params.invoiceExternalId)));
  if (!inv) throw notFound('No such invoice.');
  const set = { ...params.input, updatedAt: params.now };
  await db
    .insert(reminderInvoiceHolds)
    .values({ firmId: params.firmId, organisationId: org.id, invoiceExternalId: params.invoiceExternalId, ...set })
    .onConflictDoUpdate({ target: [reminderInvoiceHolds.organisationId, reminderInvoiceHolds.invoiceExternalId], set });
}

export async function resubscribe(db: Db, params: { firmId: string; organisationId: string; contactExternalId: string; address: string }) {
  await ownOrganisation(db, params.firmId, params.organisationId);
  await db
    .delete(reminderUnsubscribes)
    .where(
      and(
        eq(reminderUnsubscribes.firmId, params.firmId),
        eq(reminderUnsubscribes.organisationId, params.organisationId),
        eq(reminderUnsubscribes.contactExternalId, params.contactExternalId),
        eq(reminderUnsubscribes.address, normaliseAddress(params.address)),
      ),
    );
}
