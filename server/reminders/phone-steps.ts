/**
 * Text and call steps of a sequence (issue #20, docs/decisions/043) — `reminders.send` for a claim
 * whose channel is `sms` or `call`. The claim is the same `reminder_sends` row as an email's
 * (planned, claimed once per (subject, step), leased); only what happens at the end differs.
 *
 * SMS: fresh stop checks (the email's), the customer's number (E.164 with the organisation's
 * country; none, invalid or opted out → skipped with that reason), the sending window and the
 * daily limit, the text rendered from the step's message (merge fields; "Reply STOP to opt out"
 * added when missing). Then, exactly as far as the provider allows:
 *  1. one `sms_messages` row per send (unique (firm, send)) is written before the provider call;
 *  2. the provider's answer (its message id) is recorded on that row by one UPDATE at once;
 *  3. the send becomes `sent` and the timeline entry is written in one transaction.
 * A worker that dies after (2) leaves a row its successor only finishes recording. One that dies
 * between the provider's 201 and (2) — a single-statement window — leads to a second send on the
 * retry: Twilio's Messages API has no idempotency key (decision 043 says so).
 *
 * Call: a task (kind call) for the customer's collector, else the organisation's owner, due that
 * local day, with the script rendered and the customer's numbers in words; the task and the
 * send's `sent` are one transaction, and the task's unique (firm, send) key makes it once per step.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { CalendarDate } from '../../kernel/dates';
import { SmsProviderError } from '../../integrations/sms/provider';
import { type Db, queryRows } from '../db/client';
import { activities, collectorTasks, reminderPolicies, reminderSends, smsMessages } from '../db/schema';
import { reminderPayExtras, withLivePayLinks } from '../pay/reminder-extras';
import { maskPayTokens } from '../pay/url-at-rest';
import { countSegments } from '../../kernel/sms-segments';
import { type CustomerPhone, displayPhone, maskPhone } from '../sms/phone';
import { loadCustomerPhones, setOptOut, smsTarget } from '../sms/store';
import { releaseSend, reserveQuota, type SendRow, skipSend } from './claims';
import type { ReminderDeps } from './deps';
import type { CustomerState, OrgWithSettings } from './load';
import { inSendingWindow, localClock, nextDayWindowOpen, nextWindowOpen } from './local-time';
import { renderTemplate } from './merge';
import type { PlanInvoice } from './plan';
import { mergeValues } from './render';
import type { SendResult } from './send';
import { MAX_SEND_ATTEMPTS, type Step } from './types';

export const DEFAULT_SMS_TEXT =
  '{{organisation.name}}: {{#invoice.number}}invoice {{invoice.number}} ({{invoice.amount_due}}) is {{invoice.status}}.{{/invoice.number}}{{#payment_link}} Pay: {{payment_link}}{{/payment_link}}';
export const DEFAULT_CALL_SCRIPT =
  'Hello {{contact.first_name}}, this is {{organisation.signature}} calling about invoice {{invoice.number}} for {{invoice.amount_due}}, {{invoice.status}}. Ask when it will be paid and note any promise or dispute.';
const STOP_LINE = 'Reply STOP to opt out.';

/** A sms/call step's message as the policy has it now (found by the step's offset, unique in a policy); null: the built-in one. */
async function stepMessage(db: Db, row: SendRow): Promise<string | null> {
  if (!row.policyId) return null;
  const [p] = await db.select({ steps: reminderPolicies.steps }).from(reminderPolicies).where(eq(reminderPolicies.id, row.policyId));
  const step = ((p?.steps ?? []) as Step[]).find((s) => s.offsetDays === row.stepOffset);
  return step?.message?.trim() || null;
}

/** The text of an SMS step, with the opt-out line added when the message has none. */
export function smsText(rendered: string): string {
  const text = rendered.replace(/\s+/g, ' ').trim();
  return /\bSTOP\b/.test(text) ? text : `${text} ${STOP_LINE}`.trim();
}

/** "Mobile +44 7911 123456; Office +44 20 7946 0018 (not a valid number)". */
export function phonesInWords(phones: readonly CustomerPhone[]): string {
  if (phones.length === 0) return 'No phone number in the ledger';
  const label = (t: string) => (t === 'mobile' ? 'Mobile' : t === 'default' ? 'Phone' : t === 'ddi' ? 'Direct line' : `${t.charAt(0).toUpperCase()}${t.slice(1)}`);
  return phones.map((p) => (p.e164 ? `${label(p.type)} ${displayPhone(p.e164)}` : `${label(p.type)} ${p.raw} (${p.problem?.toLowerCase() ?? 'not a valid number'})`)).join('; ');
}

interface Checked {
  invoices: PlanInvoice[];
  customer: CustomerState;
}

async function render(deps: ReminderDeps, org: OrgWithSettings, row: SendRow, checked: Checked, today: CalendarDate, source: string): Promise<string> {
  const grouped = row.subjectType === 'customer';
  const linkCtx = { appUrl: deps.payLinks?.appUrl ?? deps.appUrl, enqueueExecute: deps.payLinks?.enqueueExecute, linkKey: deps.payLinks?.linkKey };
  const pay = await reminderPayExtras(deps.db, { firmId: org.firmId, organisationId: org.id, grouped, contactExternalId: row.contactExternalId, invoices: checked.invoices, today }, linkCtx);
  const listed = await withLivePayLinks(deps.db, { firmId: org.firmId, organisationId: org.id }, checked.invoices, linkCtx);
  const primary = checked.customer.emails.find((e) => e.primary && e.name)?.name ?? null;
  const values = mergeValues({
    payLink: pay.payLink,
    discountOffer: pay.discountOffer,
    organisation: { name: org.name, countryCode: org.countryCode },
    settings: org.settings,
    customer: { name: checked.customer.name, firstName: checked.customer.firstName, contactName: primary },
    invoices: listed,
    stepNumber: row.stepNumber,
    today,
    unsubscribeUrl: null,
  });
  return renderTemplate(source, values, 'text');
}

async function timelineContact(db: Db, org: OrgWithSettings, contactExternalId: string): Promise<string | null> {
  const rows = await queryRows<{ id: string }>(db, sql`SELECT id FROM contacts WHERE organisation_id = ${org.id}::uuid AND external_id = ${contactExternalId} LIMIT 1`);
  return rows[0]?.id ?? null;
}

/** A leased SMS claim a dead worker had already handed to the provider (its id recorded): finish the record; null otherwise. */
export async function recoverSmsStep(deps: ReminderDeps, org: OrgWithSettings, row: SendRow): Promise<SendResult | null> {
  const [prior] = await deps.db.select().from(smsMessages).where(and(eq(smsMessages.firmId, org.firmId), eq(smsMessages.sendId, row.id)));
  return prior?.providerMessageId ? completeSms(deps, org, row, prior.id, prior.number, true) : null;
}

/** Send a leased SMS claim. `checked`: the email path's fresh stop checks, already passed. */
export async function sendSmsStep(deps: ReminderDeps, org: OrgWithSettings, row: SendRow, checked: Checked): Promise<SendResult> {
  const { db } = deps;
  const now = deps.now();
  const today = localClock(org.timezone, now).date;
  const scope = { firmId: org.firmId, organisationId: org.id };
  const recovered = await recoverSmsStep(deps, org, row);
  if (recovered) return recovered;
  const target = await smsTarget(db, scope, row.contactExternalId, org.countryCode);
  if ('reason' in target) {
    await skipSend(db, row.id, target.reason, now);
    return { outcome: 'skipped', reason: target.reason };
  }
  const provider = deps.sms?.provider;
  if (!provider) {
    await skipSend(db, row.id, 'channel_unavailable', now);
    return { outcome: 'skipped', reason: 'channel_unavailable' };
  }
  if (!inSendingWindow(org.settings, org.timezone, now)) {
    await releaseSend(db, row.id, now);
    return { outcome: 'deferred', until: nextWindowOpen(org.settings, org.timezone, now), why: 'window' };
  }
  if (!(await reserveQuota(db, row, today, org.settings.dailyLimit))) {
    await releaseSend(db, row.id, now);
    return { outcome: 'deferred', until: nextDayWindowOpen(org.settings, org.timezone, now), why: 'daily_limit' };
  }
  const body = smsText(await render(deps, org, row, checked, today, (await stepMessage(db, row)) ?? DEFAULT_SMS_TEXT));
  const segments = countSegments(body).segments;
  const attempts = row.attempts + 1;
  // The message row exists before the provider is called: one per send, whoever gets here.
  const smsId = await db.transaction(async (tx) => {
    await tx
      .update(reminderSends)
      .set({ attempts, recipients: [target.to], invoiceExternalIds: checked.invoices.map((i) => i.externalId), subjectLine: 'Text message', bodyText: maskPayTokens(body), updatedAt: now })
      .where(and(eq(reminderSends.id, row.id), eq(reminderSends.status, 'sending')));
    await tx
      .insert(smsMessages)
      .values({ firmId: org.firmId, organisationId: org.id, contactExternalId: row.contactExternalId, sendId: row.id, direction: 'out', number: target.to, body: maskPayTokens(body), segments, provider: provider.name, status: 'sending', createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [smsMessages.firmId, smsMessages.sendId], targetWhere: sql`send_id IS NOT NULL`, set: { number: target.to, body: maskPayTokens(body), segments, updatedAt: now } });
    const [m] = await tx.select({ id: smsMessages.id }).from(smsMessages).where(and(eq(smsMessages.firmId, org.firmId), eq(smsMessages.sendId, row.id)));
    return m!.id;
  });
  deps.crash?.('send.before-smtp');
  try {
    const sent = await provider.send({ to: target.to, body, idempotencyKey: smsId, statusCallbackUrl: deps.sms?.statusCallbackUrl ?? null });
    deps.crash?.('send.before-handoff');
    // The hand-off, by itself, before anything else.
    await db
      .update(smsMessages)
      .set({ providerMessageId: sent.providerMessageId, status: sent.status, segments: sent.segments ?? segments, updatedAt: deps.now() })
      .where(and(eq(smsMessages.firmId, org.firmId), eq(smsMessages.id, smsId)));
  } catch (err) {
    if (!(err instanceof SmsProviderError)) throw err;
    return failSms(deps, org, row, smsId, target.to, err, attempts);
  }
  deps.crash?.('send.after-smtp');
  return completeSms(deps, org, row, smsId, target.to, false);
}

async function completeSms(deps: ReminderDeps, org: OrgWithSettings, row: SendRow, smsId: string, to: string, recovered: boolean): Promise<SendResult> {
  const now = deps.now();
  const contactId = await timelineContact(deps.db, org, row.contactExternalId);
  await deps.db.transaction(async (tx) => {
    const done = await tx
      .update(reminderSends)
      .set({ status: 'sent', sentAt: now, leaseUntil: null, error: null, updatedAt: now })
      .where(and(eq(reminderSends.id, row.id), eq(reminderSends.status, 'sending')))
      .returning({ id: reminderSends.id });
    if (done.length === 0) return;
    await tx.update(reminderSends).set({ status: 'sent', sentAt: now, updatedAt: now }).where(and(eq(reminderSends.parentId, row.id), eq(reminderSends.status, 'grouped')));
    await tx.insert(activities).values({
      firmId: org.firmId,
      organisationId: org.id,
      actorType: 'system',
      kind: 'reminder.sms_sent',
      contactId,
      summary: `Text reminder ${row.stepNumber} sent to ${maskPhone(to)}`,
      details: { sendId: row.id, smsId, stepNumber: row.stepNumber, contactExternalId: row.contactExternalId, invoiceExternalIds: row.invoiceExternalIds },
      createdAt: now,
    });
  });
  return { outcome: 'sent', recovered, noteWritebackIds: [] };
}

async function failSms(deps: ReminderDeps, org: OrgWithSettings, row: SendRow, smsId: string, to: string, err: SmsProviderError, attempts: number): Promise<SendResult> {
  const { db } = deps;
  const now = deps.now();
  const scope = { firmId: org.firmId, organisationId: org.id };
  deps.log.warn({ sendId: row.id, kind: err.kind, code: err.providerCode, status: err.httpStatus, attempts }, 'text reminder not sent');
  if (err.kind === 'temporary' && attempts < MAX_SEND_ATTEMPTS) {
    await db.update(reminderSends).set({ status: 'failed_temporary', leaseUntil: null, error: err.message, updatedAt: now }).where(and(eq(reminderSends.id, row.id), eq(reminderSends.status, 'sending')));
    await db.update(smsMessages).set({ status: 'sending', errorCode: err.providerCode, error: err.message, updatedAt: now }).where(and(eq(smsMessages.firmId, org.firmId), eq(smsMessages.id, smsId)));
    return { outcome: 'retry', error: err.message };
  }
  await db.update(smsMessages).set({ status: 'failed', errorCode: err.providerCode, error: err.message, updatedAt: now }).where(and(eq(smsMessages.firmId, org.firmId), eq(smsMessages.id, smsId)));
  if (err.kind === 'opted_out') {
    // The provider already blocks this number: Arcus records the opt-out so it stops trying.
    await setOptOut(db, scope, to, 'stop', null, now);
    await skipSend(db, row.id, 'opted_out', now);
    return { outcome: 'skipped', reason: 'opted_out' };
  }
  if (err.kind === 'invalid_number') {
    await skipSend(db, row.id, 'invalid_phone', now);
    return { outcome: 'skipped', reason: 'invalid_phone' };
  }
  const message = err.kind === 'temporary' ? `Gave up after ${attempts} attempts: ${err.message}` : err.message;
  const contactId = await timelineContact(db, org, row.contactExternalId);
  await db.transaction(async (tx) => {
    const rows = await tx
      .update(reminderSends)
      .set({ status: 'failed_permanent', leaseUntil: null, error: message, updatedAt: now })
      .where(and(eq(reminderSends.id, row.id), eq(reminderSends.status, 'sending')))
      .returning({ id: reminderSends.id });
    if (rows.length === 0) return;
    await tx.insert(activities).values({
      firmId: org.firmId,
      organisationId: org.id,
      actorType: 'system',
      kind: 'reminder.failed',
      contactId,
      summary: `Text reminder ${row.stepNumber} to ${maskPhone(to)} could not be sent`,
      details: { sendId: row.id, smsId, error: message, contactExternalId: row.contactExternalId },
      createdAt: now,
    });
  });
  return { outcome: 'failed_permanent', error: message };
}

/** Who calls: the customer's collector, else the organisation's owner, else nobody yet (the task is still listed on the customer). */
async function callAssignee(db: Db, org: OrgWithSettings, contactExternalId: string): Promise<string | null> {
  const rows = await queryRows<{ user_id: string }>(
    db,
    sql`SELECT user_id FROM (
          SELECT user_id, 1 AS rank FROM customer_assignments WHERE firm_id = ${org.firmId}::uuid AND organisation_id = ${org.id}::uuid AND contact_external_id = ${contactExternalId}
          UNION ALL
          SELECT user_id, 2 AS rank FROM organisation_owners WHERE firm_id = ${org.firmId}::uuid AND organisation_id = ${org.id}::uuid
        ) a ORDER BY rank LIMIT 1`,
  );
  return rows[0]?.user_id ?? null;
}

/** A call step: one task with the script and the customer's numbers, due today, once per step. */
export async function createCallStepTask(deps: ReminderDeps, org: OrgWithSettings, row: SendRow, checked: Checked): Promise<SendResult> {
  const { db } = deps;
  const now = deps.now();
  const today = localClock(org.timezone, now).date;
  const scope = { firmId: org.firmId, organisationId: org.id };
  const [phones, assignee, message] = await Promise.all([loadCustomerPhones(db, scope, row.contactExternalId, org.countryCode), callAssignee(db, org, row.contactExternalId), stepMessage(db, row)]);
  const script = (await render(deps, org, row, checked, today, message ?? DEFAULT_CALL_SCRIPT)).trim();
  const numbers = phonesInWords(phones);
  const lead = checked.invoices[0];
  const title = `Call ${checked.customer.name}${lead ? ` about invoice ${lead.number}${checked.invoices.length > 1 ? ` and ${checked.invoices.length - 1} more` : ''}` : ''}`;
  await db.transaction(async (tx) => {
    const done = await tx
      .update(reminderSends)
      .set({ status: 'sent', sentAt: now, leaseUntil: null, error: null, attempts: row.attempts + 1, subjectLine: title, bodyText: maskPayTokens(script), invoiceExternalIds: checked.invoices.map((i) => i.externalId), updatedAt: now })
      .where(and(eq(reminderSends.id, row.id), eq(reminderSends.status, 'sending')))
      .returning({ id: reminderSends.id });
    if (done.length === 0) return;
    await tx.update(reminderSends).set({ status: 'sent', sentAt: now, updatedAt: now }).where(and(eq(reminderSends.parentId, row.id), eq(reminderSends.status, 'grouped')));
    const task = await tx
      .insert(collectorTasks)
      .values({
        firmId: org.firmId,
        organisationId: org.id,
        contactId: checked.customer.contactId,
        contactExternalId: row.contactExternalId,
        invoiceId: row.subjectType === 'invoice' ? (lead?.id ?? null) : null,
        kind: 'call',
        title,
        script: `${maskPayTokens(script)}\n\nNumbers: ${numbers}`,
        sendId: row.id,
        dueOn: today,
        assignedUserId: assignee,
        status: 'open',
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: collectorTasks.id });
    if (task.length === 0) return;
    await tx.insert(activities).values({
      firmId: org.firmId,
      organisationId: org.id,
      actorType: 'system',
      kind: 'reminder.call_task',
      contactId: checked.customer.contactId,
      summary: `Reminder ${row.stepNumber}: a call is due today`,
      details: { sendId: row.id, taskId: task[0]!.id, stepNumber: row.stepNumber, contactExternalId: row.contactExternalId },
      createdAt: now,
    });
  });
  return { outcome: 'sent', recovered: false, noteWritebackIds: [] };
}
