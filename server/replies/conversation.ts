/**
 * A customer's conversation and the collector's decisions on replies (firm-scoped; the caller's
 * firm is set on the request):
 *
 * - `getConversation`: our reminders and answers and the customer's replies, oldest first, in words;
 * - `listWaitingReplies`: replies whose suggestion waits for a collector (My work);
 * - `decideReply`: confirm (a promise → `promise.recorded` today with the date read or corrected;
 *   a dispute → `invoice.disputed` today — the collector actions of server/writebacks/collector-actions.ts)
 *   or dismiss; either lifts the reply's pause once nothing else of the customer waits;
 * - `answerReply`: a collector's answer, sent from the same identity as the reminders, threaded
 *   (In-Reply-To / References the reply, Reply-To the reminder's reply address), kept as 'out'.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { isCalendarDate, longDate } from '../../kernel/dates';
import { conflict, invalidField, notFound, unavailable } from '../../kernel/errors';
import type { Mailer } from '../../integrations/email/transport';
import { type Db, queryRows } from '../db/client';
import { replies, replyAttachments, reminderSends } from '../db/schema';
import { loadOrgWithSettings } from '../reminders/load';
import { mailAddress, mailDomain } from '../reminders/deps';
import { chooseSender } from '../sender/choose';
import { loadSendingIdentity } from '../sender/store';
import { markDisputed, recordPromise } from '../writebacks/collector-actions';
import type { RequestDeps } from '../writebacks/request';
import { replyAddressFor } from './address';
import { liftReplyPause } from './pause';
import { TRIAGE_WORDS, type Triage, type TriageLabel } from './triage';

export interface ConversationItem {
  id: string;
  at: string;
  /** 'ours' (a reminder or an answer) or 'theirs'. */
  side: 'ours' | 'theirs';
  /** "Reminder", "Our answer", "Reply", "Automatic reply", "Delivery failure". */
  kindName: string;
  from: string;
  subject: string;
  text: string;
  suggestion: { name: string; why: string[]; promiseDate: string | null; promiseDateWords: string | null; remittance: string | null } | null;
  /** "Waiting for a collector", "Confirmed", "Dismissed", or null. */
  statusName: string | null;
  waiting: boolean;
  attachments: { id: string; filename: string; size: number }[];
  refusedAttachments: string[];
}

const KIND_NAME: Record<string, string> = { human: 'Reply', auto_reply: 'Automatic reply', bounce: 'Delivery failure', answer: 'Our answer' };
const STATUS_NAME: Record<string, string | null> = { none: null, suggested: 'Waiting for a collector', confirmed: 'Confirmed', dismissed: 'Dismissed' };

type StoredTriage = Partial<Triage> & { refused?: { filename: string; reason: string }[] };

function suggestionOf(t: StoredTriage | null): ConversationItem['suggestion'] {
  if (!t?.label) return null;
  const r = t.remittance;
  const remittance = r ? [r.amount && `amount ${r.amount}`, r.reference && `reference ${r.reference}`, r.paidOn && `paid on ${longDate(r.paidOn)}`, r.method && `by ${r.method}`].filter(Boolean).join(', ') || null : null;
  const name = t.label === 'promise' && t.promiseDate ? `Promise to pay by ${longDate(t.promiseDate)}` : TRIAGE_WORDS[t.label];
  return { name, why: t.why ?? [], promiseDate: t.promiseDate ?? null, promiseDateWords: t.promiseDateWords ?? null, remittance };
}

export async function getConversation(db: Db, firmId: string, organisationId: string, contactExternalId: string): Promise<{ items: ConversationItem[] }> {
  const [sends, rows] = await Promise.all([
    db
      .select({ id: reminderSends.id, sentAt: reminderSends.sentAt, subject: reminderSends.subjectLine, text: reminderSends.bodyText, stepNumber: reminderSends.stepNumber })
      .from(reminderSends)
      .where(and(eq(reminderSends.firmId, firmId), eq(reminderSends.organisationId, organisationId), eq(reminderSends.contactExternalId, contactExternalId), eq(reminderSends.status, 'sent')))
      .orderBy(desc(reminderSends.sentAt))
      .limit(50),
    db
      .select()
      .from(replies)
      .where(and(eq(replies.firmId, firmId), eq(replies.organisationId, organisationId), eq(replies.contactExternalId, contactExternalId)))
      .orderBy(desc(replies.receivedAt))
      .limit(200),
  ]);
  const files = rows.length
    ? await db
        .select({ id: replyAttachments.id, replyId: replyAttachments.replyId, filename: replyAttachments.filename, size: replyAttachments.size })
        .from(replyAttachments)
        .where(and(eq(replyAttachments.firmId, firmId), inArray(replyAttachments.replyId, rows.map((r) => r.id))))
    : [];
  const items: ConversationItem[] = [
    ...sends.map((s) => ({
      id: s.id,
      at: (s.sentAt ?? new Date(0)).toISOString(),
      side: 'ours' as const,
      kindName: 'Reminder',
      from: 'Arcus',
      subject: s.subject ?? '',
      // The unsubscribe link carries the send's id: shown as words.
      text: (s.text ?? '').replace(/https?:\/\/\S+\/u\/\S+/g, '(unsubscribe link)'),
      suggestion: null,
      statusName: null,
      waiting: false,
      attachments: [],
      refusedAttachments: [],
    })),
    ...rows.map((r) => {
      const t = (r.triage ?? null) as StoredTriage | null;
      return {
        id: r.id,
        at: r.receivedAt.toISOString(),
        side: r.direction === 'out' ? ('ours' as const) : ('theirs' as const),
        kindName: KIND_NAME[r.kind] ?? 'Reply',
        from: r.direction === 'out' ? 'Arcus' : r.fromName ? `${r.fromName} <${r.fromAddress}>` : r.fromAddress,
        subject: r.subject,
        text: r.bodyText,
        suggestion: r.kind === 'human' ? suggestionOf(t) : null,
        statusName: STATUS_NAME[r.status] ?? null,
        waiting: r.status === 'suggested',
        attachments: files.filter((f) => f.replyId === r.id).map((f) => ({ id: f.id, filename: f.filename, size: f.size })),
        refusedAttachments: (t?.refused ?? []).map((x) => `${x.filename}: ${x.reason}`),
      };
    }),
  ];
  // Same instant (a pinned clock, a batch): reminders first, then replies in the order they were stored.
  const stored = new Map(rows.map((r) => [r.id, r.createdAt.getTime()]));
  items.sort((a, b) => a.at.localeCompare(b.at) || (stored.get(a.id) ?? 0) - (stored.get(b.id) ?? 0));
  return { items };
}

export interface WaitingReply {
  id: string;
  organisationId: string;
  organisationName: string;
  contactExternalId: string | null;
  /** The customer page's id (contacts.id), when the customer is synced. */
  contactId: string | null;
  customerName: string;
  receivedAt: string;
  subject: string;
  excerpt: string;
  suggestion: NonNullable<ConversationItem['suggestion']>;
  /** Whether Confirm records something (a promise or a dispute) or only acknowledges. */
  records: 'promise' | 'dispute' | null;
}

/**
 * My work's share of the waiting replies: those of customers assigned to this person, and — for a
 * manager or an administrator — those of customers nobody is assigned to, so no reply waits unseen.
 */
export function repliesForPerson<T extends { organisationId: string; contactExternalId: string | null }>(
  replies: readonly T[],
  assignees: ReadonlyMap<string, string>,
  person: { userId: string; takesUnassigned: boolean },
): T[] {
  return replies.filter((r) => {
    const assignee = r.contactExternalId === null ? undefined : assignees.get(`${r.organisationId}|${r.contactExternalId}`);
    return assignee === undefined ? person.takesUnassigned : assignee === person.userId;
  });
}

export async function listWaitingReplies(db: Db, firmId: string, organisationIds: readonly string[] | null): Promise<WaitingReply[]> {
  const rows = await queryRows<{ id: string; organisation_id: string; organisation_name: string; contact_external_id: string | null; contact_id: string | null; customer_name: string | null; received_at: Date; subject: string; body_text: string; triage: StoredTriage | null }>(
    db,
    sql`SELECT r.id, r.organisation_id, o.name AS organisation_name, r.contact_external_id, c.id AS contact_id, c.name AS customer_name, r.received_at, r.subject, left(r.body_text, 400) AS body_text, r.triage
          FROM replies r
          JOIN organisations o ON o.id = r.organisation_id
          LEFT JOIN contacts c ON c.organisation_id = r.organisation_id AND c.external_id = r.contact_external_id
         WHERE r.firm_id = ${firmId}::uuid AND r.status = 'suggested'
         ORDER BY r.received_at ASC
         LIMIT 200`,
  );
  return rows
    .filter((r) => organisationIds === null || organisationIds.includes(r.organisation_id))
    .map((r) => ({
      id: r.id,
      organisationId: r.organisation_id,
      organisationName: r.organisation_name,
      contactExternalId: r.contact_external_id,
      contactId: r.contact_id,
      customerName: r.customer_name ?? 'A customer not yet synced',
      receivedAt: new Date(r.received_at).toISOString(),
      subject: r.subject,
      excerpt: r.body_text.replace(/\s+/g, ' ').trim().slice(0, 240),
      suggestion: suggestionOf(r.triage) ?? { name: TRIAGE_WORDS.other, why: [], promiseDate: null, promiseDateWords: null, remittance: null },
      records: r.triage?.label === 'promise' ? 'promise' : r.triage?.label === 'dispute' ? 'dispute' : null,
    }));
}

export const DecideSchema = z
  .object({
    decision: z.enum(['confirm', 'dismiss'], { message: 'Choose whether to confirm or dismiss the suggestion.' }),
    /** A promise's date, when the collector corrects it or none was read. */
    date: z.string().refine(isCalendarDate, { message: 'Choose the date the customer promised to pay by.' }).optional(),
  })
  .strict();

export async function decideReply(deps: RequestDeps, auth: { firmId: string; userId: string }, id: string, input: z.infer<typeof DecideSchema>): Promise<{ id: string; statusName: string; recorded: string | null }> {
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const [reply] = await db.select().from(replies).where(and(eq(replies.firmId, auth.firmId), eq(replies.id, id)));
  if (reply?.direction !== 'in') throw notFound('This reply does not exist. Reload the page and try again.');
  if (reply.status !== 'suggested') throw conflict('This reply was already dealt with.', 'already_decided');
  const t = (reply.triage ?? {}) as StoredTriage;
  const label = (t.label ?? 'other') as TriageLabel;
  const date = input.date ?? t.promiseDate ?? null;
  if (input.decision === 'confirm' && label === 'promise' && !date) throw invalidField('date', 'Choose the date the customer promised to pay by: none was read from the reply.');
  if (input.decision === 'confirm' && (label === 'promise' || label === 'dispute') && !reply.contactExternalId) throw conflict('This reply is not linked to a customer yet, so nothing can be recorded.', 'no_customer');
  // Taken first, so two collectors confirming at once record it once.
  const taken = await db
    .update(replies)
    .set({ status: input.decision === 'confirm' ? 'confirmed' : 'dismissed', decidedByUserId: auth.userId, decidedAt: now })
    .where(and(eq(replies.firmId, auth.firmId), eq(replies.id, id), eq(replies.status, 'suggested')))
    .returning({ id: replies.id });
  if (taken.length === 0) throw conflict('This reply was already dealt with.', 'already_decided');
  let recorded: string | null = null;
  try {
    if (input.decision === 'confirm' && label === 'promise') {
      await recordPromise(deps, auth, { organisationId: reply.organisationId, contactExternalId: reply.contactExternalId!, date: date!, note: 'From the customer’s reply' });
      recorded = `Promise to pay by ${longDate(date!)} recorded`;
    } else if (input.decision === 'confirm' && label === 'dispute') {
      await markDisputed(deps, auth, { organisationId: reply.organisationId, contactExternalId: reply.contactExternalId!, reason: `From the customer’s reply: ${(t.why ?? [])[0] ?? reply.subject}`.slice(0, 500) });
      recorded = 'Dispute recorded: reminders stay paused until it is resolved';
    }
  } catch (err) {
    await db.update(replies).set({ status: 'suggested', decidedByUserId: null, decidedAt: null }).where(and(eq(replies.firmId, auth.firmId), eq(replies.id, id)));
    throw err;
  }
  if (reply.contactExternalId) await liftReplyPause(db, { firmId: auth.firmId, organisationId: reply.organisationId, contactExternalId: reply.contactExternalId });
  return { id, statusName: input.decision === 'confirm' ? 'Confirmed' : 'Dismissed', recorded };
}

export const AnswerSchema = z.object({ text: z.string().trim().min(1, { message: 'Write the answer.' }).max(10_000, { message: 'The answer is too long (10,000 characters at most).' }) }).strict();

export interface AnswerDeps {
  db: Db;
  mailer: Mailer;
  mailFrom: string;
  senderKey?: Buffer;
  replyDomain: string | null;
  now: () => Date;
}

export async function answerReply(deps: AnswerDeps, auth: { firmId: string; userId: string }, id: string, input: z.infer<typeof AnswerSchema>): Promise<{ id: string; messageId: string }> {
  const { db } = deps;
  const [reply] = await db.select().from(replies).where(and(eq(replies.firmId, auth.firmId), eq(replies.id, id)));
  if (reply?.direction !== 'in' || reply.kind !== 'human') throw notFound('This reply does not exist. Reload the page and try again.');
  if (!reply.fromAddress) throw conflict('This reply has no address to answer.', 'no_address');
  const org = await loadOrgWithSettings(db, reply.organisationId);
  if (!org) throw notFound('No such organisation.');
  const identity = await loadSendingIdentity(db, org.id, deps.senderKey);
  const sender = chooseSender({ mailFromAddress: mailAddress(deps.mailFrom), name: org.settings.senderName?.trim() || org.name, replyTo: org.settings.replyTo, identity: identity?.identity ?? null });
  const [send] = reply.sendId ? await db.select({ token: reminderSends.replyToken }).from(reminderSends).where(eq(reminderSends.id, reply.sendId)) : [];
  const outId = randomUUID();
  const messageId = `reply.${outId}@${mailDomain(deps.mailFrom)}`;
  const subject = /^re:/i.test(reply.subject) ? reply.subject : `Re: ${reply.subject}`;
  const now = deps.now();
  await db.insert(replies).values({
    id: outId,
    firmId: auth.firmId,
    organisationId: reply.organisationId,
    contactExternalId: reply.contactExternalId,
    contactId: reply.contactId,
    sendId: reply.sendId,
    direction: 'out',
    kind: 'answer',
    messageId,
    inReplyTo: reply.messageId,
    fromAddress: '',
    toAddress: reply.fromAddress,
    subject,
    bodyText: input.text,
    invoiceExternalIds: reply.invoiceExternalIds,
    authorUserId: auth.userId,
    receivedAt: now,
  });
  try {
    await deps.mailer.send({
      messageId: `<${messageId}>`,
      from: sender.from,
      replyTo: replyAddressFor(send?.token, sender, deps.replyDomain) ?? sender.replyTo,
      dkim: sender.dkim,
      to: [reply.fromAddress],
      subject,
      text: input.text,
      html: `<p>${input.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>')}</p>`,
      headers: { 'In-Reply-To': `<${reply.messageId}>`, References: `<${reply.messageId}>` },
    });
  } catch {
    await db.delete(replies).where(and(eq(replies.firmId, auth.firmId), eq(replies.id, outId)));
    throw unavailable('The answer could not be sent. Try again in a moment.', 'mail_unavailable');
  }
  return { id: outId, messageId };
}

/** One attachment's bytes, for download. */
export async function getAttachment(db: Db, firmId: string, id: string): Promise<{ filename: string; contentType: string; content: Buffer } | null> {
  const [a] = await db.select().from(replyAttachments).where(and(eq(replyAttachments.firmId, firmId), eq(replyAttachments.id, id)));
  return a ? { filename: a.filename, contentType: a.contentType, content: Buffer.from(a.contentBase64, 'base64') } : null;
}

