/**
 * Reminders in the client's loop (issue #17; docs/decisions/024-client-approvals.md). The
 * organisation's client-approval policy can hold "the first reminder to a customer who has never
 * had one" and "escalations" (steps after the first in the sequence). Decided when the send is
 * claimed and kept on the row (`needs_client_approval`): a policy changed later does not move rows
 * already claimed. Order as for write-backs: a step that needs a collector's approval waits as
 * `pending_approval` first and the collector's approval moves it to `awaiting_client`; a client
 * contact of the organisation approves it (→ `claimed`, queued, sent once by the usual lease) or
 * declines it with a comment (→ `skipped`, `declined_by_client`). Nobody at the firm decides for the
 * client: the routes hold `client.approve`.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { longDate } from '../../kernel/dates';
import { conflict, notFound } from '../../kernel/errors';
import type { Auth } from '../auth/current-user';
import { allowOrganisation } from '../auth/permissions';
import { type Db, queryRows } from '../db/client';
import { activities, contacts, reminderSends } from '../db/schema';
import { effectiveSettings } from '../settings/store';
import { localClock } from './local-time';
import type { PlannedSend } from './plan';
import { maskList } from './recipients';
import { formatMoney, formatTotals, minorOf, renderEmail } from './render';
import { isLanguage } from '../../kernel/locale';
import { loadCustomerLanguage } from './language';
import { statementForListed, templateFor } from './templates';
import { DEFAULT_SETTINGS } from './types';

export interface ReminderClientPolicy {
  firstReminders: boolean;
  reminderEscalations: boolean;
}

/** Whether this planned send waits for the client (pure): an escalation, or the first reminder the customer ever gets. */
export function reminderNeedsClient(send: Pick<PlannedSend, 'occurrence' | 'contactExternalId'>, policy: ReminderClientPolicy | null, everReminded: ReadonlySet<string>): boolean {
  if (!policy) return false;
  if (policy.reminderEscalations && send.occurrence.number > 1) return true;
  return policy.firstReminders && !everReminded.has(send.contactExternalId);
}

/**
 * The claim keys among `take` that wait for the client, for one organisation (one or two queries;
 * none when the organisation has no reminder rule). "Never had one": no reminder sent to the
 * customer, none on its way (claimed, sending) and none already waiting for someone's approval.
 */
export async function clientHeldSends(db: Db, scope: { firmId: string; organisationId: string }, take: readonly PlannedSend[], keyOf: (s: PlannedSend) => string): Promise<Set<string>> {
  const out = new Set<string>();
  if (!take.length) return out;
  // The organisation's own policy, else the firm default (docs/decisions/028).
  const row = (await effectiveSettings(db, scope.firmId, scope.organisationId)).clientApproval.value;
  if (!row.firstReminders && !row.reminderEscalations) return out;
  let ever = new Set<string>();
  if (row.firstReminders) {
    const contactsIn = [...new Set(take.map((s) => s.contactExternalId))];
    const had = await db
      .selectDistinct({ c: reminderSends.contactExternalId })
      .from(reminderSends)
      .where(
        and(
          eq(reminderSends.firmId, scope.firmId),
          eq(reminderSends.organisationId, scope.organisationId),
          inArray(reminderSends.contactExternalId, contactsIn),
          inArray(reminderSends.status, ['sent', 'sending', 'claimed', 'failed_temporary', 'pending_approval', 'awaiting_client']),
        ),
      );
    ever = new Set(had.map((h) => h.c));
  }
  for (const s of take) if (reminderNeedsClient(s, row, ever)) out.add(keyOf(s));
  return out;
}

/** What a client contact sees of one waiting reminder: words only. */
export interface ClientReminderItem {
  id: string;
  organisationName: string;
  customer: string;
  /** The addresses in full: they are the client's own customer's. */
  to: string;
  subject: string;
  invoices: { number: string; amountDue: string; dueOn: string | null }[];
  total: string;
  why: string;
  requestedOn: string;
}

interface Row {
  id: string;
  organisationId: string;
  organisationName: string;
  countryCode: string | null;
  timezone: string;
  contactExternalId: string;
  customer: string | null;
  firstName: string | null;
  recipients: string[];
  invoiceExternalIds: string[];
  templateId: string | null;
  stepOffset: number;
  stepNumber: number;
  subjectType: string;
  senderName: string | null;
  createdOn: string;
}

interface InvoiceRow {
  externalId: string;
  number: string;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  total: string;
  amountDue: string;
}

/** The reminders waiting for this client contact: their organisations only, oldest first, each with a preview in words. */
export async function listClientReminders(db: Db, auth: Auth, now: Date): Promise<ClientReminderItem[]> {
  const orgIds = auth.organisationIds ?? [];
  if (!orgIds.length) return [];
  const rows = await queryRows<Row>(
    db,
    sql`SELECT s.id, s.organisation_id AS "organisationId", o.name AS "organisationName", o.country_code AS "countryCode", o.timezone,
          s.contact_external_id AS "contactExternalId", c.name AS customer, c.first_name AS "firstName", s.recipients, s.invoice_external_ids AS "invoiceExternalIds",
          s.template_id::text AS "templateId", s.step_offset AS "stepOffset", s.step_number AS "stepNumber", s.subject_type AS "subjectType",
          rs.sender_name AS "senderName", to_char(s.claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "createdOn"
        FROM reminder_sends s
        JOIN organisations o ON o.id = s.organisation_id AND o.firm_id = s.firm_id
        LEFT JOIN contacts c ON c.organisation_id = s.organisation_id AND c.firm_id = s.firm_id AND c.external_id = s.contact_external_id
        LEFT JOIN reminder_settings rs ON rs.organisation_id = s.organisation_id
        WHERE s.firm_id = ${auth.firmId}::uuid AND s.status = 'awaiting_client'
          AND s.organisation_id IN (${sql.join(
            orgIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})
        ORDER BY s.claimed_at, s.id
        LIMIT 200`,
  );
  const out: ClientReminderItem[] = [];
  for (const r of rows) {
    const invs = r.invoiceExternalIds.length
      ? await queryRows<InvoiceRow>(
          db,
          sql`SELECT external_id AS "externalId", number, issue_date::text AS "issueDate", due_date::text AS "dueDate", currency, total::text AS total, amount_due::text AS "amountDue"
                FROM invoices WHERE firm_id = ${auth.firmId}::uuid AND organisation_id = ${r.organisationId}::uuid
                  AND external_id IN (${sql.join(
                    r.invoiceExternalIds.map((x) => sql`${x}`),
                    sql`, `,
                  )})
                ORDER BY due_date NULLS LAST, number`,
        )
      : [];
    const money = (amount: string, currency: string) => formatMoney(minorOf(amount, currency), currency, r.countryCode);
    // What the customer will receive: in its language (decision 041).
    const language = await loadCustomerLanguage(db, { id: r.organisationId, firmId: auth.firmId }, r.contactExternalId);
    const template = statementForListed(await templateFor(db, auth.firmId, r.templateId, r.stepOffset, r.subjectType === 'customer', language), invs, localClock(r.timezone, now).date);
    const customerName = r.customer ?? 'Your customer';
    const email = renderEmail(template, {
      organisation: { name: r.organisationName, countryCode: r.countryCode },
      language: isLanguage(template.language) ? template.language : 'en',
      settings: { ...DEFAULT_SETTINGS, senderName: r.senderName ?? '' },
      customer: { name: customerName, firstName: r.firstName, contactName: null },
      invoices: invs.map((i) => ({ number: i.number, issueDate: i.issueDate, dueDate: i.dueDate, currency: i.currency, total: i.total, amountDue: i.amountDue, url: null })),
      stepNumber: r.stepNumber,
      today: localClock(r.timezone, now).date,
      unsubscribeUrl: null,
      payLink: null,
    });
    out.push({
      id: r.id,
      organisationName: r.organisationName,
      customer: customerName,
      to: (r.recipients ?? []).join(', ') || 'no address yet',
      subject: email.subject,
      invoices: invs.map((i) => ({ number: i.number || 'Invoice without a number', amountDue: money(i.amountDue, i.currency), dueOn: i.dueDate ? longDate(i.dueDate) : null })),
      total: formatTotals(
        invs.map((i) => ({ currency: i.currency, minor: minorOf(i.amountDue, i.currency) })),
        r.countryCode,
      ),
      why: r.stepNumber > 1 ? `Reminder ${r.stepNumber} in the sequence: a firmer reminder than the ones before` : 'The first reminder this customer would get from us',
      requestedOn: longDate(r.createdOn),
    });
  }
  return out;
}

/** Whether `id` is a reminder send of this firm (so the client routes know which queue a decision is for). */
export async function isReminderSend(db: Db, firmId: string, id: string): Promise<boolean> {
  const [row] = await db
    .select({ id: reminderSends.id })
    .from(reminderSends)
    .where(and(eq(reminderSends.firmId, firmId), eq(reminderSends.id, id)));
  return Boolean(row);
}

/**
 * A client contact's decision on one waiting reminder. Another organisation's is 404 (as if it did
 * not exist); one no longer waiting is 409. Approving queues the send once; declining skips it (and
 * the invoice rows of a statement) with the comment.
 */
export async function decideReminderForClient(
  deps: { db: Db; enqueueSend(id: string, attempts: number): Promise<void>; now: () => Date },
  auth: Auth,
  id: string,
  decision: { approve: true } | { approve: false; comment: string },
): Promise<{ id: string; status: 'claimed' | 'skipped' }> {
  const { db } = deps;
  const [s] = await db.select({ organisationId: reminderSends.organisationId, status: reminderSends.status }).from(reminderSends).where(and(eq(reminderSends.firmId, auth.firmId), eq(reminderSends.id, id)));
  if (!s) throw notFound('There is nothing with this link waiting for you.');
  allowOrganisation(auth, s.organisationId, 'There is nothing with this link waiting for you.');
  const now = deps.now();
  const status = decision.approve ? ('claimed' as const) : ('skipped' as const);
  const comment = decision.approve ? null : decision.comment;
  const done = await db.transaction(async (tx) => {
    const [r] = await tx
      .update(reminderSends)
      .set({ status, skipReason: decision.approve ? null : 'declined_by_client', clientDecidedByUserId: auth.userId, clientDecidedAt: now, clientDecisionNote: comment, updatedAt: now })
      .where(and(eq(reminderSends.firmId, auth.firmId), eq(reminderSends.id, id), eq(reminderSends.status, 'awaiting_client')))
      .returning({ id: reminderSends.id, attempts: reminderSends.attempts, organisationId: reminderSends.organisationId, stepNumber: reminderSends.stepNumber, contactExternalId: reminderSends.contactExternalId, recipients: reminderSends.recipients, invoiceExternalIds: reminderSends.invoiceExternalIds });
    if (!r) return null;
    if (!decision.approve) {
      await tx
        .update(reminderSends)
        .set({ status: 'skipped', skipReason: 'declined_by_client', updatedAt: now })
        .where(and(eq(reminderSends.firmId, auth.firmId), eq(reminderSends.parentId, id), eq(reminderSends.status, 'grouped')));
    }
    const [contact] = await tx
      .select({ id: contacts.id, name: contacts.name })
      .from(contacts)
      .where(and(eq(contacts.firmId, auth.firmId), eq(contacts.organisationId, r.organisationId), eq(contacts.externalId, r.contactExternalId)));
    const what = `Reminder ${r.stepNumber} to ${contact?.name ?? 'the customer'} (${maskList((r.recipients as string[]) ?? [])})`;
    const who = `${auth.userName} (client contact)`;
    await tx.insert(activities).values({
      firmId: auth.firmId,
      organisationId: r.organisationId,
      actorUserId: auth.userId,
      actorType: 'user',
      kind: decision.approve ? 'reminder.client_approved' : 'reminder.client_declined',
      contactId: contact?.id ?? null,
      summary: decision.approve ? `Approved by ${who}: ${what}` : `Declined by ${who}: ${what} — “${comment}”`,
      details: { sendId: r.id, contactExternalId: r.contactExternalId, invoiceExternalIds: r.invoiceExternalIds },
      createdAt: now,
    });
    return r;
  });
  if (!done) throw conflict(s.status === 'awaiting_client' ? 'Someone decided this a moment ago.' : 'This was already decided.', 'already_decided');
  if (decision.approve) await deps.enqueueSend(done.id, done.attempts);
  return { id: done.id, status };
}
