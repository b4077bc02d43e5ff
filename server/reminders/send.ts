/**
 * Sending one claimed reminder — the `reminders.send` job's body.
 *
 *  1. lease the claim (only one worker at a time; a dead worker's lease runs out);
 *  2. if a dead worker was mid-send, ask the server whether its message arrived (same
 *     deterministic Message-ID) and, if so, only record it;
 *  3. re-check with fresh data: paid, credited, voided, paused, disputed, promised, on a plan,
 *     unsubscribed, no address → skipped with the reason;
 *  4. inside the organisation's sending window and under its daily limit, or give the claim
 *     back and come back later;
 *  5. render, store what is being sent and count the attempt, send over SMTP;
 *  6. mark sent, request its ledger notes (one `note` write-back per invoice, deduplicated by the
 *     send and invoice) and write the timeline activity in one transaction; the write-back
 *     engine writes the notes (server/writebacks/execute.ts).
 *
 * Temporary SMTP failures are retried with backoff (failed_temporary), up to MAX_SEND_ATTEMPTS;
 * permanent ones (5xx, refused recipients) are recorded as failed_permanent and shown.
 */
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { classifySmtpError, type OutgoingMessage, type SendReceipt } from '../../integrations/email/transport';
import type { CalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { activities, contacts, reminderSends } from '../db/schema';
import { FIRM_HEADER } from '../email/embedded';
import { type ReminderDiscount, reminderPayExtras, withLivePayLinks } from '../pay/reminder-extras';
import { maskPayTokens } from '../pay/url-at-rest';
import { type ChosenSender, chooseSender } from '../sender/choose';
import { loadSendingIdentity } from '../sender/store';
import { requestWritebacksIn } from '../writebacks/request';
import { leaseSend, releaseSend, reserveQuota, type SendRow, skipSend } from './claims';
import { mailAddress, type ReminderDeps } from './deps';
import { loadReminderFirmSettings } from './firm-settings';
import { type CustomerState, loadActivityHolds, loadActivityHoldsSince, loadCustomerState, loadInvoicesByExternalId, loadInvoicesWithHolds, loadOrgWithSettings, type OrgInfo, type OrgWithSettings } from './load';
import { inSendingWindow, localClock, nextDayWindowOpen, nextWindowOpen } from './local-time';
import { noteSummary, noteText, reminderNoteKey } from './note-text';
import { createCallStepTask, recoverSmsStep, sendSmsStep } from './phone-steps';
import { closedReason, customerBlock, indexHolds, invoiceBlock, isOpen, type PlanInvoice, recipientBlock, recipientsOf } from './plan';
import { maskList } from './recipients';
import { type RenderedEmail, renderEmail } from './render';
import { isLanguage } from '../../kernel/locale';
import { type CustomerLanguage, loadCustomerLanguage } from './language';
import { statementForListed, templateFor } from './templates';
import { LEASE_MS, MAX_SEND_ATTEMPTS, type SkipReason } from './types';
import { unsubscribeUrl } from './unsubscribe';
import { replyAddressFor } from '../replies/address';

export type SendResult =
  | { outcome: 'sent'; recovered: boolean; noteWritebackIds: string[] }
  | { outcome: 'skipped'; reason: SkipReason }
  | { outcome: 'failed_permanent'; error: string }
  | { outcome: 'not_claimable' }
  | { outcome: 'deferred'; until: Date | null; why: 'window' | 'daily_limit' }
  | { outcome: 'retry'; error: string };

export interface Evaluated {
  invoices: PlanInvoice[];
  customer: CustomerState;
  recipients: string[];
}

/** Margin for clocks and for activities written while the claim was being made. */
export const HOLD_LOOKBACK_MS = 5 * 60_000;

async function evaluate(deps: ReminderDeps, org: OrgInfo, row: SendRow, today: CalendarDate): Promise<Evaluated | { reason: SkipReason }> {
  const { db } = deps;
  let customer: CustomerState;
  let invoices: PlanInvoice[];
  if (row.subjectType === 'invoice') {
    // Three independent reads, issued together (each one statement, under the same firm scope):
    // a send waits for one round trip instead of three.
    // Holds older than the claim kept the planner from claiming; only newer ones can stop it now.
    const [state, holdRows, { invoices: found, holds: invoiceHolds }] = await Promise.all([
      loadCustomerState(db, org, row.contactExternalId),
      loadActivityHoldsSince(db, org, new Date(row.claimedAt.getTime() - HOLD_LOOKBACK_MS), today),
      loadInvoicesWithHolds(db, org, { externalIds: [row.subjectId] }),
    ]);
    customer = state;
    const holds = indexHolds(holdRows, today);
    const inv = found[0];
    if (!inv) return { reason: 'voided' };
    if (!isOpen(inv)) return { reason: closedReason(inv) };
    const block = invoiceBlock(inv.externalId, invoiceHolds, holds, today) ?? customerBlock(customer, holds, today);
    if (block) return { reason: block };
    invoices = [inv];
  } else {
    // A grouped email lists every overdue invoice, so every hold matters, not only new ones.
    const [state, holdRows] = await Promise.all([loadCustomerState(db, org, row.contactExternalId), loadActivityHolds(db, org, today)]);
    customer = state;
    const holds = indexHolds(holdRows, today);
    const children = await db
      .select({ id: reminderSends.subjectId })
      .from(reminderSends)
      .where(and(eq(reminderSends.parentId, row.id), eq(reminderSends.status, 'grouped')));
    const { invoices: triggers, holds: triggerHolds } = await loadInvoicesWithHolds(db, org, { externalIds: children.map((c) => c.id) });
    const live = triggers.filter((i) => isOpen(i) && !invoiceBlock(i.externalId, triggerHolds, holds, today));
    if (live.length === 0) {
      const first = triggers[0];
      if (!first) return { reason: 'voided' };
      return { reason: isOpen(first) ? (invoiceBlock(first.externalId, triggerHolds, holds, today) ?? 'closed') : closedReason(first) };
    }
    const block = customerBlock(customer, holds, today);
    if (block) return { reason: block };
    const liveIds = new Set(live.map((i) => i.externalId));
    const { invoices: open, holds: openHolds } = await loadInvoicesWithHolds(db, org, { openForContact: row.contactExternalId });
    // Checked against the ledger when claimed (presend.ts): an invoice already overdue then but left
    // off the statement (changed in the ledger since the last sync) stays off it.
    const claimedList = deps.ledger && (await loadReminderFirmSettings(db, org.firmId)).recheckLedger ? new Set(row.invoiceExternalIds) : null;
    const leftOff = (i: PlanInvoice) => claimedList !== null && !claimedList.has(i.externalId) && i.dueDate !== null && i.dueDate < row.plannedFor;
    invoices = open.filter((i) => liveIds.has(i.externalId) || (i.dueDate !== null && i.dueDate < today && !leftOff(i) && !invoiceBlock(i.externalId, openHolds, holds, today)));
  }
  // A text or call step checks the customer's number instead (phone-steps.ts).
  if (row.channel === 'sms' || row.channel === 'call') return { invoices, customer, recipients: [] };
  const choice = recipientsOf(customer);
  const rb = recipientBlock(choice);
  if (rb) return { reason: rb };
  return { invoices, customer, recipients: choice.to };
}

/** The contact and invoice rows a timeline activity points at (when the caller does not know them). */
async function timelineRefs(db: Db, org: OrgInfo, row: SendRow): Promise<{ contactId: string | null; invoiceId: string | null }> {
  const [contact] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.organisationId, row.organisationId), eq(contacts.externalId, row.contactExternalId)));
  const [inv] = row.subjectType === 'invoice' ? await loadInvoicesByExternalId(db, org, [row.subjectId]) : [];
  return { contactId: contact?.id ?? null, invoiceId: inv?.id ?? null };
}

export interface SentItem {
  row: SendRow;
  receipt: Pick<SendReceipt, 'rejected' | 'response'>;
  /** What the caller already knows (contact and invoice rows); null: read in the transaction. */
  refs: { contactId: string | null; invoiceId: string | null; invoices: readonly PlanInvoice[] } | null;
}

/**
 * Mark a leased send sent; request its ledger notes — one `note` write-back per invoice it
 * covers, keyed by (send, invoice) so a send recorded twice asks once — and record the timeline
 * activity, in one transaction. Returns the write-backs to queue once it has committed (a crash
 * before they are queued leaves them pending for the write-back sweep).
 */
export async function completeSent(deps: ReminderDeps, org: OrgInfo, row: SendRow, receipt: SentItem['receipt'], refs: SentItem['refs']): Promise<string[] | null> {
  const done = await completeSentMany(deps, org, [{ row, receipt, refs }]);
  return done.marked.length ? done.writebackIds : null;
}

/**
 * `completeSent` for many sends of one organisation at once (a batch, send-batch.ts): one
 * transaction — one UPDATE marks every row still `sending` sent, one multi-row request asks for
 * all their notes and writes all their timeline activities (`requestWritebacksIn`: three
 * statements however many). A row another worker finished meanwhile is left alone.
 */
export async function completeSentMany(deps: ReminderDeps, org: OrgInfo, items: readonly SentItem[]): Promise<{ marked: string[]; writebackIds: string[] }> {
  if (items.length === 0) return { marked: [], writebackIds: [] };
  const now = deps.now();
  const sentOn = localClock(org.timezone, now).date;
  return deps.db.transaction(async (tx) => {
    const done = await queryRows<{ id: string }>(
      tx as unknown as Db,
      sql`UPDATE reminder_sends r SET status = 'sent', sent_at = ${now.toISOString()}::timestamptz, lease_until = NULL, rejected = v.rejected, error = NULL, updated_at = ${now.toISOString()}::timestamptz
            FROM jsonb_to_recordset(${JSON.stringify(items.map((it) => ({ id: it.row.id, rejected: it.receipt.rejected })))}::jsonb) AS v(id uuid, rejected jsonb)
           WHERE r.id = v.id AND r.status = 'sending'
       RETURNING r.id`,
    );
    const marked = new Set(done.map((d) => d.id));
    const notes: Parameters<typeof requestWritebacksIn>[1][number][] = [];
    const timeline: (typeof activities.$inferInsert)[] = [];
    for (const { row, receipt, refs } of items) {
      if (!marked.has(row.id)) continue;
      const recipients = (Array.isArray(row.recipients) ? row.recipients : []) as string[];
      const delivered = recipients.filter((a) => !receipt.rejected.some((r) => r.toLowerCase() === a.toLowerCase()));
      const grouped = row.subjectType === 'customer';
      const text = noteText({ appUrl: deps.appUrl, sendId: row.id, stepNumber: row.stepNumber, recipients: delivered, grouped, invoiceCount: row.invoiceExternalIds.length, sentOn });
      const ids = refs ?? (await timelineRefs(tx as unknown as Db, org, row));
      const known = refs?.invoices ?? (await loadInvoicesByExternalId(tx as unknown as Db, org, row.invoiceExternalIds));
      const covered = new Map(known.map((i) => [i.externalId, i]));
      // The notes are requested in this transaction, beside the timeline entry, and queued after it commits.
      for (const invoiceExternalId of row.invoiceExternalIds) {
        const inv = covered.get(invoiceExternalId);
        notes.push({
          firmId: row.firmId,
          organisationId: row.organisationId,
          kind: 'note' as const,
          purpose: 'reminder',
          sourceKey: reminderNoteKey(row.id, invoiceExternalId),
          invoiceId: inv?.id ?? null,
          contactId: ids.contactId,
          contactExternalId: row.contactExternalId,
          request: { invoiceExternalId, text },
          requestedBy: 'system' as const,
          summary: noteSummary({ invoiceNumber: inv?.number ?? null, stepNumber: row.stepNumber, grouped }),
        });
      }
      timeline.push({
        firmId: row.firmId,
        organisationId: row.organisationId,
        actorType: 'system',
        kind: 'reminder.sent',
        contactId: ids.contactId,
        invoiceId: grouped ? null : ids.invoiceId,
        summary: `${grouped ? `Overdue statement (${row.invoiceExternalIds.length} invoices)` : `Reminder ${row.stepNumber}`} sent to ${maskList(delivered)}`,
        details: { sendId: row.id, stepNumber: row.stepNumber, contactExternalId: row.contactExternalId, invoiceExternalIds: row.invoiceExternalIds, subject: row.subjectLine, rejected: receipt.rejected.length },
        createdAt: now,
      });
    }
    if (marked.size === 0) return { marked: [], writebackIds: [] };
    const requested = await requestWritebacksIn(tx as unknown as Db, notes, now, timeline);
    return { marked: [...marked], writebackIds: requested.filter((r) => r.created && r.status === 'pending').map((r) => r.id) };
  });
}

export async function markFailed(deps: ReminderDeps, org: OrgInfo, row: SendRow, kind: 'temporary' | 'permanent', error: string): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    const rows = await tx
      .update(reminderSends)
      .set({ status: kind === 'permanent' ? 'failed_permanent' : 'failed_temporary', leaseUntil: null, error: error.slice(0, 1000), updatedAt: now })
      .where(and(eq(reminderSends.id, row.id), eq(reminderSends.status, 'sending')))
      .returning({ id: reminderSends.id });
    if (rows.length === 0 || kind === 'temporary') return;
    const [contact] = await tx
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.organisationId, row.organisationId), eq(contacts.externalId, row.contactExternalId)));
    await tx.insert(activities).values({
      firmId: row.firmId,
      organisationId: org.id,
      actorType: 'system',
      kind: 'reminder.failed',
      contactId: contact?.id ?? null,
      summary: `Reminder ${row.stepNumber} to ${maskList((row.recipients as string[]) ?? [])} could not be delivered`,
      details: { sendId: row.id, error: error.slice(0, 300), contactExternalId: row.contactExternalId },
      createdAt: now,
    });
  });
}

/** reminder_sends.handoff */
export const HandoffSchema = z.object({ at: z.string(), response: z.string(), rejected: z.array(z.string()) });

/** The mail server accepted the message: recorded at once, by itself, so a dead worker's successor does not send it again. */
export async function recordHandoff(db: Db, sendId: string, receipt: SendReceipt, now: Date): Promise<void> {
  const handoff: z.infer<typeof HandoffSchema> = { at: now.toISOString(), response: receipt.response.slice(0, 500), rejected: receipt.rejected };
  await db
    .update(reminderSends)
    .set({ handoff })
    .where(and(eq(reminderSends.id, sendId), eq(reminderSends.status, 'sending')));
}

/** What a batch reads once for all its messages (send-batch.ts): templates by step and language, the sender identity. */
export interface RenderCache {
  templates: Map<string, Promise<Awaited<ReturnType<typeof templateFor>>>>;
  identity?: Promise<Awaited<ReturnType<typeof loadSendingIdentity>>>;
  /** Customers' languages, read set-based for the batch (absent: one read per message). */
  languages?: Map<string, CustomerLanguage>;
  /** Early-payment discounts on offer for the batch's invoices (absent: one read per message). */
  discounts?: ReadonlyMap<string, ReminderDiscount>;
}

export interface PreparedEmail {
  email: RenderedEmail;
  sender: ChosenSender;
  unsubscribe: string;
}

/**
 * Everything a message needs, rendered: the step's template in the customer's language (else the
 * organisation's, else English, decision 041), the sender identity (the client's own address only
 * when its domain is verified, server/sender/), the pay extras and the listed invoices' live pay
 * links. The template, the identity and the pay extras are independent: read together.
 */
export async function prepareEmail(deps: ReminderDeps, org: OrgWithSettings, row: SendRow, checked: Evaluated, today: CalendarDate, cache?: RenderCache): Promise<PreparedEmail> {
  const { db } = deps;
  const { settings } = org;
  const grouped = row.subjectType === 'customer';
  const linkCtx = { appUrl: deps.payLinks?.appUrl ?? deps.appUrl, enqueueExecute: deps.payLinks?.enqueueExecute, linkKey: deps.payLinks?.linkKey };
  const language = async (): Promise<CustomerLanguage> => cache?.languages?.get(row.contactExternalId) ?? (await loadCustomerLanguage(db, org, row.contactExternalId));
  const template = async () => {
    const lang = await language();
    if (!cache) return templateFor(db, org.firmId, row.templateId, row.stepOffset, grouped, lang);
    const key = `${row.templateId ?? ''}|${row.stepOffset}|${grouped}|${lang.language}|${lang.organisation}`;
    let hit = cache.templates.get(key);
    if (!hit) {
      hit = templateFor(db, org.firmId, row.templateId, row.stepOffset, grouped, lang);
      cache.templates.set(key, hit);
    }
    return hit;
  };
  const identityOf = () => {
    if (!cache) return loadSendingIdentity(db, org.id, deps.senderKey);
    cache.identity ??= loadSendingIdentity(db, org.id, deps.senderKey);
    return cache.identity;
  };
  const [tpl, identity, { pay, listed }] = await Promise.all([
    template(),
    identityOf(),
    (async () => {
      const pay = await reminderPayExtras(db, { firmId: org.firmId, organisationId: org.id, grouped, contactExternalId: row.contactExternalId, invoices: checked.invoices, today }, linkCtx, cache?.discounts);
      const listed = await withLivePayLinks(db, { firmId: org.firmId, organisationId: org.id }, checked.invoices, linkCtx);
      return { pay, listed };
    })(),
  ]);
  if (identity?.keyProblem) deps.log.warn({ organisationId: org.id, sendId: row.id }, 'the sender domain key could not be opened: sending from the firm address');
  const sender = chooseSender({ mailFromAddress: mailAddress(deps.mailFrom), name: settings.senderName?.trim() || org.name, replyTo: settings.replyTo, identity: identity?.identity ?? null });
  const unsubscribe = unsubscribeUrl(deps.appUrl, deps.secret, row.id);
  const primary = checked.customer.emails.find((e) => e.primary && e.name)?.name ?? null;
  const email = renderEmail(statementForListed(tpl, checked.invoices, today), {
    payLink: pay.payLink,
    discountOffer: pay.discountOffer,
    organisation: { name: org.name, countryCode: org.countryCode },
    // Dates, amounts, the table and the footer in the language the template is written in.
    language: isLanguage(tpl.language) ? tpl.language : 'en',
    settings: identity?.logoPath ? { ...settings, logoUrl: `${deps.appUrl.replace(/\/+$/, '')}${identity.logoPath}` } : settings,
    footer: identity?.footer,
    customer: { name: checked.customer.name, firstName: checked.customer.firstName, contactName: primary },
    invoices: listed,
    stepNumber: row.stepNumber,
    today,
    unsubscribeUrl: unsubscribe,
  });
  return { email, sender, unsubscribe };
}

/** The message handed to the mail server: the same Message-ID on every attempt, Reply-To with the send's reply token. */
export function mailOf(deps: ReminderDeps, org: OrgInfo, row: SendRow, p: PreparedEmail & { recipients: string[] }): OutgoingMessage {
  return {
    messageId: row.messageId,
    from: p.sender.from,
    replyTo: replyAddressFor(row.replyToken, p.sender, deps.replyDomain) ?? p.sender.replyTo,
    dkim: p.sender.dkim,
    to: p.recipients,
    subject: p.email.subject,
    text: p.email.text,
    html: p.email.html,
    headers: {
      'List-Unsubscribe': `<${p.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Arcus-Send': row.id,
      ...(deps.embedded ? { [FIRM_HEADER]: org.firmId } : {}),
    },
  };
}

export async function sendReminder(deps: ReminderDeps, sendId: string): Promise<SendResult> {
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const lease = await leaseSend(deps.db, sendId, deps.now(), leaseMs);
  if (!lease) return { outcome: 'not_claimable' };
  deps.crash?.('send.after-lease');
  return sendLeased(deps, lease);
}

/**
 * The rest of `sendReminder` for a claim this worker has leased (also the batch's path for the
 * claims it does not send set-based: statements, texts, calls and taken-over sends; send-batch.ts).
 * `org` and `cache` let a batch share what it read once.
 */
export async function sendLeased(deps: ReminderDeps, lease: { row: SendRow; previous: string }, loaded?: { org: OrgWithSettings; cache?: RenderCache }): Promise<SendResult> {
  const { db } = deps;
  let { row } = lease;
  const org = loaded?.org ?? (await loadOrgWithSettings(db, row.organisationId));
  if (!org) return { outcome: 'not_claimable' };
  const { settings } = org;

  // A text a dead worker handed to the provider and recorded: only finish the record (phone-steps.ts).
  if (row.channel === 'sms' && lease.previous === 'sending') {
    const recovered = await recoverSmsStep(deps, org, row);
    if (recovered) return recovered;
  }
  // A worker died after the mail server accepted the message and it recorded so: only finish the record.
  const handoff = lease.previous === 'sending' ? HandoffSchema.safeParse(row.handoff) : null;
  if (handoff?.success) {
    const noteWritebackIds = (await completeSent(deps, org, row, { rejected: handoff.data.rejected, response: handoff.data.response }, null)) ?? [];
    for (const id of noteWritebackIds) await deps.enqueueWriteback(id);
    return { outcome: 'sent', recovered: true, noteWritebackIds };
  }
  // A worker died after it began the SMTP transaction: if the server has the message, only record it.
  if (lease.previous === 'sending' && row.attempts > 0 && deps.mailer.delivered && (await deps.mailer.delivered(row.messageId))) {
    const noteWritebackIds = (await completeSent(deps, org, row, { rejected: (row.rejected as string[]) ?? [], response: 'already delivered' }, null)) ?? [];
    for (const id of noteWritebackIds) await deps.enqueueWriteback(id);
    return { outcome: 'sent', recovered: true, noteWritebackIds };
  }

  const now = deps.now();
  const today = localClock(org.timezone, now).date;
  if (!settings.enabled) {
    await skipSend(db, row.id, 'disabled', now);
    return { outcome: 'skipped', reason: 'disabled' };
  }
  // Without a working connection Arcus cannot see payments: never chase on stale data.
  if (org.status !== 'active') {
    await skipSend(db, row.id, 'ledger_disconnected', now);
    return { outcome: 'skipped', reason: 'ledger_disconnected' };
  }
  const checked = await evaluate(deps, org, row, today);
  if ('reason' in checked) {
    await skipSend(db, row.id, checked.reason, now);
    return { outcome: 'skipped', reason: checked.reason };
  }
  if (row.channel === 'sms') return sendSmsStep(deps, org, row, checked);
  if (row.channel === 'call') return createCallStepTask(deps, org, row, checked);
  if (!inSendingWindow(settings, org.timezone, now)) {
    await releaseSend(db, row.id, now);
    return { outcome: 'deferred', until: nextWindowOpen(settings, org.timezone, now), why: 'window' };
  }
  if (!(await reserveQuota(db, row, today, settings.dailyLimit))) {
    await releaseSend(db, row.id, now);
    return { outcome: 'deferred', until: nextDayWindowOpen(settings, org.timezone, now), why: 'daily_limit' };
  }

  const { email, sender, unsubscribe } = await prepareEmail(deps, org, row, checked, today, loaded?.cache);
  const attempts = row.attempts + 1;
  const [stored] = await db
    .update(reminderSends)
    .set({ attempts, recipients: checked.recipients, invoiceExternalIds: checked.invoices.map((i) => i.externalId), subjectLine: email.subject, bodyText: maskPayTokens(email.text), bodyHtml: maskPayTokens(email.html), updatedAt: now })
    .where(and(eq(reminderSends.id, row.id), eq(reminderSends.status, 'sending')))
    .returning();
  if (!stored) return { outcome: 'not_claimable' };
  row = stored;
  deps.crash?.('send.before-smtp');

  let receipt: SendReceipt;
  try {
    receipt = await deps.mailer.send(mailOf(deps, org, row, { email, sender, unsubscribe, recipients: checked.recipients }));
  } catch (err) {
    const e = classifySmtpError(err);
    const giveUp = e.kind === 'permanent' || attempts >= MAX_SEND_ATTEMPTS;
    const message = e.kind === 'temporary' && giveUp ? `Gave up after ${attempts} attempts: ${e.message}` : e.message;
    await markFailed(deps, org, row, giveUp ? 'permanent' : 'temporary', message);
    deps.log.warn({ sendId: row.id, kind: e.kind, code: e.responseCode, attempts }, 'reminder not sent');
    return giveUp ? { outcome: 'failed_permanent', error: message } : { outcome: 'retry', error: message };
  }
  // Before anything else after the 250: one statement records the hand-off (see the README).
  deps.crash?.('send.before-handoff');
  await recordHandoff(db, row.id, receipt, deps.now());
  deps.crash?.('send.after-smtp');
  const noteWritebackIds = (await completeSent(deps, org, row, receipt, { contactId: checked.customer.contactId, invoiceId: row.subjectType === 'invoice' ? (checked.invoices[0]?.id ?? null) : null, invoices: checked.invoices })) ?? [];
  deps.crash?.('send.after-mark');
  for (const id of noteWritebackIds) await deps.enqueueWriteback(id);
  return { outcome: 'sent', recovered: false, noteWritebackIds };
}
