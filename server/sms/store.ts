/**
 * Texts in the database: a customer's numbers and whether one may be texted, opt-outs, delivery
 * receipts and what debtors text back (docs/decisions/043). Firm-scoped throughout, except the
 * one narrow lookup a webhook needs before it knows its firm (`asSystem`: which firms texted this
 * number / sent this provider message id), after which it works under `withFirm`.
 *
 * Never logged: numbers, bodies, tokens. Log lines carry ids and codes.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { asSystem, withFirm } from '../db/firm-scope';
import { activities, contacts, smsMessages, smsOptOuts } from '../db/schema';
import type { DeliveryReceipt, InboundSms, SmsStatus } from '../../integrations/sms/provider';
import { keywordOf } from './keywords';
import { type CustomerPhone, customerPhones, displayPhone, maskPhone, smsNumber } from './phone';

export interface SmsScope {
  firmId: string;
  organisationId: string;
}

export type SmsTarget = { to: string; phones: CustomerPhone[] } | { reason: 'no_phone' | 'invalid_phone' | 'opted_out'; phones: CustomerPhone[] };

/** The customer's numbers, E.164 with the organisation's country. */
export async function loadCustomerPhones(db: Db, scope: SmsScope, contactExternalId: string, countryCode: string | null): Promise<CustomerPhone[]> {
  const [c] = await db
    .select({ phones: contacts.phones, raw: contacts.raw })
    .from(contacts)
    .where(and(eq(contacts.firmId, scope.firmId), eq(contacts.organisationId, scope.organisationId), eq(contacts.externalId, contactExternalId)));
  return c ? customerPhones(c.phones, c.raw, countryCode) : [];
}

export async function isOptedOut(db: Db, scope: SmsScope, number: string): Promise<boolean> {
  const [row] = await db
    .select({ n: smsOptOuts.number })
    .from(smsOptOuts)
    .where(and(eq(smsOptOuts.firmId, scope.firmId), eq(smsOptOuts.organisationId, scope.organisationId), eq(smsOptOuts.number, number)));
  return Boolean(row);
}

/** The number a text step goes to, or why none: no number, only invalid ones, or it replied STOP. */
export async function smsTarget(db: Db, scope: SmsScope, contactExternalId: string, countryCode: string | null): Promise<SmsTarget> {
  const phones = await loadCustomerPhones(db, scope, contactExternalId, countryCode);
  const pick = smsNumber(phones);
  if (!pick?.e164) return { reason: phones.some((p) => p.problem) ? 'invalid_phone' : 'no_phone', phones };
  if (await isOptedOut(db, scope, pick.e164)) return { reason: 'opted_out', phones };
  return { to: pick.e164, phones };
}

/** Record an opt-out (STOP), or remove it (START). Returns whether anything changed. */
export async function setOptOut(db: Db, scope: SmsScope, number: string, keyword: 'stop' | 'start', messageId: string | null, now: Date): Promise<boolean> {
  if (keyword === 'stop') {
    const rows = await db
      .insert(smsOptOuts)
      .values({ firmId: scope.firmId, organisationId: scope.organisationId, number, keyword: 'stop', messageId, createdAt: now })
      .onConflictDoNothing()
      .returning({ n: smsOptOuts.number });
    return rows.length > 0;
  }
  const rows = await db
    .delete(smsOptOuts)
    .where(and(eq(smsOptOuts.firmId, scope.firmId), eq(smsOptOuts.organisationId, scope.organisationId), eq(smsOptOuts.number, number)))
    .returning({ n: smsOptOuts.number });
  return rows.length > 0;
}

const STATUS_RANK: Record<string, number> = { sending: 0, queued: 1, sent: 2, delivered: 3, undelivered: 3, failed: 3 };

const STATUS_WORDS: Record<SmsStatus, string> = { queued: 'queued', sent: 'sent', delivered: 'delivered', undelivered: 'not delivered', failed: 'failed' };

/**
 * A delivery receipt: the message's status moves forward only (a late 'sent' after 'delivered' is
 * ignored); a failed or undelivered one is put on the customer's timeline. Returns false when no
 * firm has that message.
 */
export async function applyReceipt(db: Db, receipt: DeliveryReceipt, now: Date): Promise<'applied' | 'unchanged' | 'unknown'> {
  const owners = await asSystem(() =>
    queryRows<{ firm_id: string }>(db, sql`SELECT DISTINCT firm_id FROM sms_messages WHERE provider_message_id = ${receipt.providerMessageId} AND direction = 'out' LIMIT 2`),
  );
  const firmId = owners[0]?.firm_id;
  if (!firmId || owners.length > 1) return 'unknown';
  return withFirm(firmId, () =>
    db.transaction(async (tx) => {
      const [m] = await tx
        .select()
        .from(smsMessages)
        .where(and(eq(smsMessages.firmId, firmId), eq(smsMessages.providerMessageId, receipt.providerMessageId), eq(smsMessages.direction, 'out')))
        .for('update');
      if (!m) return 'unknown';
      if ((STATUS_RANK[receipt.status] ?? 0) <= (STATUS_RANK[m.status] ?? 0) && m.status !== 'sending') return 'unchanged';
      await tx
        .update(smsMessages)
        .set({ status: receipt.status, errorCode: receipt.errorCode, updatedAt: now })
        .where(and(eq(smsMessages.firmId, firmId), eq(smsMessages.id, m.id)));
      if (receipt.status === 'failed' || receipt.status === 'undelivered') {
        const [c] = m.contactExternalId
          ? await tx
              .select({ id: contacts.id })
              .from(contacts)
              .where(and(eq(contacts.organisationId, m.organisationId), eq(contacts.externalId, m.contactExternalId)))
          : [];
        await tx.insert(activities).values({
          firmId,
          organisationId: m.organisationId,
          actorType: 'system',
          kind: 'reminder.sms_failed',
          contactId: c?.id ?? null,
          summary: `Text message ${STATUS_WORDS[receipt.status]} to ${maskPhone(m.number)}${receipt.errorCode ? ` (carrier error ${receipt.errorCode})` : ''}`,
          details: { smsId: m.id, sendId: m.sendId, errorCode: receipt.errorCode, contactExternalId: m.contactExternalId },
          createdAt: now,
        });
      }
      return 'applied';
    }),
  );
}

export interface InboundResult {
  outcome: 'opted_out' | 'opted_in' | 'reply' | 'duplicate' | 'unknown_number';
  /** Organisations whose opt-out list changed. */
  organisations: number;
}

/**
 * A text a debtor sent. Which organisations know the number: every one that texted it (our
 * sent messages, one narrow system lookup). STOP and its synonyms opt the number out in each of
 * them (Twilio blocks the sender for that number anyway, so no organisation could reach it);
 * START / UNSTOP opt it back in; anything else is a reply, stored once on the timeline of the
 * customer last texted from that number.
 */
export async function receiveInbound(db: Db, providerName: string, msg: InboundSms, now: Date): Promise<InboundResult> {
  const keyword = keywordOf(msg.body);
  const texted = await asSystem(() =>
    queryRows<{ firm_id: string; organisation_id: string; contact_external_id: string | null; last: string }>(
      db,
      sql`SELECT firm_id, organisation_id, (array_agg(contact_external_id ORDER BY created_at DESC))[1] AS contact_external_id, max(created_at)::text AS last
          FROM sms_messages WHERE number = ${msg.from} AND direction = 'out'
          GROUP BY firm_id, organisation_id ORDER BY max(created_at) DESC LIMIT 50`,
    ),
  );
  if (texted.length === 0) return { outcome: 'unknown_number', organisations: 0 };
  const targets = keyword ? texted : texted.slice(0, 1);
  let changed = 0;
  let stored = 0;
  for (const t of targets) {
    const scope = { firmId: t.firm_id, organisationId: t.organisation_id };
    const done = await withFirm(t.firm_id, () =>
      db.transaction(async (tx) => {
        const [m] = await tx
          .insert(smsMessages)
          .values({
            firmId: t.firm_id,
            organisationId: t.organisation_id,
            contactExternalId: t.contact_external_id,
            direction: 'in',
            number: msg.from,
            ourNumber: msg.to,
            body: msg.body.slice(0, 1600),
            provider: providerName,
            providerMessageId: msg.providerMessageId,
            status: 'received',
            keyword,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoNothing()
          .returning({ id: smsMessages.id });
        if (!m) return { stored: false, changed: false };
        const db2 = tx as unknown as Db;
        const didChange = keyword ? await setOptOut(db2, scope, msg.from, keyword, m.id, now) : false;
        const [c] = t.contact_external_id
          ? await tx
              .select({ id: contacts.id })
              .from(contacts)
              .where(and(eq(contacts.organisationId, t.organisation_id), eq(contacts.externalId, t.contact_external_id)))
          : [];
        const masked = maskPhone(msg.from);
        await tx.insert(activities).values({
          firmId: t.firm_id,
          organisationId: t.organisation_id,
          actorType: 'system',
          kind: keyword === 'stop' ? 'sms.opted_out' : keyword === 'start' ? 'sms.opted_in' : 'sms.reply',
          contactId: c?.id ?? null,
          summary:
            keyword === 'stop'
              ? `${masked} replied STOP: no more text messages to this number`
              : keyword === 'start'
                ? `${masked} replied START: text messages may go to this number again`
                : `Text reply from ${masked}`,
          details: { smsId: m.id, contactExternalId: t.contact_external_id },
          createdAt: now,
        });
        return { stored: true, changed: didChange };
      }),
    );
    if (done.stored) stored++;
    if (done.changed) changed++;
  }
  if (stored === 0) return { outcome: 'duplicate', organisations: 0 };
  return { outcome: keyword === 'stop' ? 'opted_out' : keyword === 'start' ? 'opted_in' : 'reply', organisations: changed };
}

export interface SmsHistoryItem {
  id: string;
  direction: 'out' | 'in';
  /** "+44 7911 123456". */
  number: string;
  body: string;
  /** In words: "Delivered", "Not delivered (carrier error 30003)", "Received", "Opted out (STOP)". */
  status: string;
  failed: boolean;
  at: string;
}

const HISTORY_WORDS: Record<string, string> = { sending: 'Sending', queued: 'Queued', sent: 'Sent', delivered: 'Delivered', undelivered: 'Not delivered', failed: 'Failed', received: 'Received' };

/** A customer's texts, newest first, with whether each of its numbers is opted out. */
export async function customerSmsHistory(db: Db, scope: SmsScope, contactExternalId: string, limit = 50): Promise<{ messages: SmsHistoryItem[]; optedOut: string[] }> {
  const rows = await db
    .select()
    .from(smsMessages)
    .where(and(eq(smsMessages.firmId, scope.firmId), eq(smsMessages.organisationId, scope.organisationId), eq(smsMessages.contactExternalId, contactExternalId)))
    .orderBy(desc(smsMessages.createdAt))
    .limit(limit);
  const numbers = [...new Set(rows.map((r) => r.number))];
  const opted = numbers.length
    ? await db
        .select({ n: smsOptOuts.number })
        .from(smsOptOuts)
        .where(and(eq(smsOptOuts.firmId, scope.firmId), eq(smsOptOuts.organisationId, scope.organisationId), inArray(smsOptOuts.number, numbers)))
    : [];
  return {
    messages: rows.map((r) => ({
      id: r.id,
      direction: r.direction as 'out' | 'in',
      number: displayPhone(r.number),
      body: r.body,
      status: r.keyword === 'stop' ? 'Opted out (STOP)' : r.keyword === 'start' ? 'Opted back in (START)' : `${HISTORY_WORDS[r.status] ?? 'Unknown'}${r.errorCode ? ` (carrier error ${r.errorCode})` : ''}`,
      failed: r.status === 'failed' || r.status === 'undelivered',
      at: r.createdAt.toISOString(),
    })),
    optedOut: opted.map((o) => displayPhone(o.n)),
  };
}
