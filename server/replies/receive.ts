/**
 * One inbound message, from the SMTP listener or the Mailgun webhook: find whose it is, store it
 * once, classify it, and pause the customer's reminders while its suggestion waits.
 *
 *  1. read it (read-mail.ts, pure);
 *  2. find the firm, as the system, by one narrow lookup each, in this order: the reply token it
 *     was addressed to (reply+<token>@…) → a Message-ID it answers (In-Reply-To, References: our
 *     reminders' `<reminder.<send id>@…>` and our answers' `<reply.<id>@…>`; for a bounce, the
 *     bounced message's) → the sender's address, when exactly one organisation has a customer with
 *     it (a verified sender domain it was sent to narrows that to its organisation);
 *  3. then, firm-scoped: insert it, unique by (firm, Message-ID) — a redelivery stores nothing;
 *     its attachments; a bounce marks its failed addresses bad (data quality); an auto-reply is
 *     kept but is never a person's answer; a person's answer is triaged and, unless it is an
 *     out-of-office, waits for a collector with the customer's reminders paused.
 *
 * No address or body reaches a log line: only ids, kinds and outcomes.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { todayIn } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { asSystem, withFirm } from '../db/firm-scope';
import { activities, bouncedAddresses, replies, replyAttachments } from '../db/schema';
import type { Logger } from '../logger';
import { maskAddress } from '../reminders/recipients';
import { pauseForReply } from './pause';
import { type InboundFacts, readMail } from './read-mail';
import { TRIAGE_WORDS, triage, triageSentence } from './triage';

export interface ReceiveDeps {
  db: Db;
  log: Logger;
  now: () => Date;
}

export interface Owner {
  firmId: string;
  organisationId: string;
  contactExternalId: string | null;
  sendId: string | null;
  invoiceExternalIds: string[];
  matchedBy: 'token' | 'thread' | 'sender';
}

export type ReceiveResult =
  | { outcome: 'stored'; replyId: string; firmId: string; kind: 'human' | 'auto_reply' | 'bounce'; label: string | null }
  | { outcome: 'duplicate'; firmId: string }
  | { outcome: 'unmatched' };

const SEND_ID = /^reminder\.([0-9a-f-]{36})@/i;
const ANSWER_ID = /^reply\.([0-9a-f-]{36})@/i;

interface SendOwnerRow {
  firm_id: string;
  organisation_id: string;
  contact_external_id: string;
  id: string;
  invoice_external_ids: string[] | null;
}

async function sendOwner(db: Db, where: ReturnType<typeof sql>): Promise<SendOwnerRow | null> {
  const rows = await asSystem(() =>
    queryRows<SendOwnerRow>(db, sql`SELECT firm_id, organisation_id, contact_external_id, id, invoice_external_ids FROM reminder_sends WHERE ${where} LIMIT 1`),
  );
  return rows[0] ?? null;
}

const fromSend = (r: SendOwnerRow, matchedBy: Owner['matchedBy']): Owner => ({
  firmId: r.firm_id,
  organisationId: r.organisation_id,
  contactExternalId: r.contact_external_id,
  sendId: r.id,
  invoiceExternalIds: r.invoice_external_ids ?? [],
  matchedBy,
});

/** Whose message this is: the narrow system lookups, in the documented order. */
export async function findOwner(db: Db, facts: InboundFacts): Promise<Owner | null> {
  for (const token of facts.replyTokens) {
    const r = await sendOwner(db, sql`reply_token = ${token}`);
    if (r) return fromSend(r, 'token');
  }
  const ids = [...facts.thread, ...(facts.bounce?.originalMessageId ? [facts.bounce.originalMessageId] : [])];
  for (const id of ids) {
    const send = SEND_ID.exec(id)?.[1];
    if (send) {
      const r = await sendOwner(db, sql`id = ${send}::uuid`);
      if (r) return fromSend(r, 'thread');
    }
    if (ANSWER_ID.test(id)) {
      const rows = await asSystem(() =>
        queryRows<{ firm_id: string; organisation_id: string; contact_external_id: string | null; send_id: string | null; invoice_external_ids: string[] }>(
          db,
          sql`SELECT firm_id, organisation_id, contact_external_id, send_id, invoice_external_ids FROM replies WHERE message_id = ${id} AND direction = 'out' LIMIT 1`,
        ),
      );
      const r = rows[0];
      if (r) return { firmId: r.firm_id, organisationId: r.organisation_id, contactExternalId: r.contact_external_id, sendId: r.send_id, invoiceExternalIds: r.invoice_external_ids, matchedBy: 'thread' };
    }
  }
  if (!facts.fromAddress || facts.bounce) return null;
  // The sender: a customer's address in exactly one organisation (narrowed by a verified sender domain it was sent to).
  const domains = [...new Set(facts.to.map((a) => a.split('@')[1] ?? '').filter(Boolean))];
  const rows = await asSystem(() =>
    queryRows<{ firm_id: string; organisation_id: string; external_id: string; by_domain: boolean }>(
      db,
      sql`SELECT c.firm_id, c.organisation_id, c.external_id,
                 EXISTS (SELECT 1 FROM sender_identities s WHERE s.organisation_id = c.organisation_id AND s.verified_at IS NOT NULL AND lower(s.domain) = ANY(${domains}::text[])) AS by_domain
            FROM contacts c
           WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.emails) = 'array' THEN c.emails ELSE '[]'::jsonb END) e WHERE lower(e->>'address') = ${facts.fromAddress})
           LIMIT 20`,
    ),
  );
  const narrowed = rows.some((r) => r.by_domain) ? rows.filter((r) => r.by_domain) : rows;
  const orgs = new Set(narrowed.map((r) => r.organisation_id));
  if (orgs.size !== 1) return null;
  const contactsFound = new Set(narrowed.map((r) => r.external_id));
  const first = narrowed[0]!;
  return { firmId: first.firm_id, organisationId: first.organisation_id, contactExternalId: contactsFound.size === 1 ? first.external_id : null, sendId: null, invoiceExternalIds: [], matchedBy: 'sender' };
}

export async function receiveParsed(deps: ReceiveDeps, mail: ParsedMail, envelopeTo: readonly string[] = []): Promise<ReceiveResult> {
  return receiveFacts(deps, readMail(mail, envelopeTo));
}

export async function receiveFacts(deps: ReceiveDeps, facts: InboundFacts): Promise<ReceiveResult> {
  const owner = await findOwner(deps.db, facts);
  if (!owner) {
    deps.log.info({ bounce: Boolean(facts.bounce), auto: Boolean(facts.autoReply) }, 'an inbound message matched no reminder or customer and was not kept');
    return { outcome: 'unmatched' };
  }
  const result = await withFirm(owner.firmId, () => store(deps, owner, facts));
  deps.log.info({ firmId: owner.firmId, organisationId: owner.organisationId, matchedBy: owner.matchedBy, outcome: result.outcome, ...(result.outcome === 'stored' ? { replyId: result.replyId, kind: result.kind, label: result.label } : {}) }, 'inbound reply');
  return result;
}

async function store(deps: ReceiveDeps, owner: Owner, facts: InboundFacts): Promise<ReceiveResult> {
  const { db } = deps;
  const now = deps.now();
  const [org] = await queryRows<{ timezone: string }>(db, sql`SELECT timezone FROM organisations WHERE id = ${owner.organisationId}::uuid`);
  const timezone = org?.timezone ?? 'UTC';
  const kind = facts.bounce ? 'bounce' : facts.autoReply ? 'auto_reply' : 'human';
  const written = facts.date && facts.date.getTime() <= now.getTime() + 86_400_000 ? facts.date : now;
  const t = kind === 'human' ? triage({ subject: facts.subject, text: facts.text, sentOn: todayIn(timezone, written) }) : null;
  const waits = t !== null && t.label !== 'out_of_office';
  const [contact] = owner.contactExternalId ? await queryRows<{ id: string }>(db, sql`SELECT id FROM contacts WHERE organisation_id = ${owner.organisationId}::uuid AND external_id = ${owner.contactExternalId} LIMIT 1`) : [];

  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(replies)
      .values({
        firmId: owner.firmId,
        organisationId: owner.organisationId,
        contactExternalId: owner.contactExternalId,
        contactId: contact?.id ?? null,
        sendId: owner.sendId,
        direction: 'in',
        kind,
        matchedBy: owner.matchedBy,
        messageId: facts.messageId,
        inReplyTo: facts.inReplyTo,
        fromAddress: facts.fromAddress,
        fromName: facts.fromName,
        toAddress: facts.to.join(', ').slice(0, 2000),
        subject: facts.subject.slice(0, 1000),
        bodyText: facts.text.slice(0, 100_000),
        invoiceExternalIds: owner.invoiceExternalIds,
        triage: t ? { ...t, refused: facts.refused, autoReply: null } : { autoReply: facts.autoReply, bounce: facts.bounce, refused: facts.refused },
        status: waits ? 'suggested' : 'none',
        receivedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: replies.id });
    const row = inserted[0];
    if (!row) return { outcome: 'duplicate' as const, firmId: owner.firmId };
    if (facts.attachments.length) {
      await tx.insert(replyAttachments).values(facts.attachments.map((a) => ({ firmId: owner.firmId, replyId: row.id, filename: a.filename, contentType: a.contentType, size: a.size, contentBase64: a.content.toString('base64') })));
    }
    if (facts.bounce) {
      for (const address of facts.bounce.failed) {
        await tx
          .insert(bouncedAddresses)
          .values({ firmId: owner.firmId, organisationId: owner.organisationId, address, status: facts.bounce.status, bouncedAt: now })
          .onConflictDoUpdate({ target: [bouncedAddresses.organisationId, bouncedAddresses.firmId, bouncedAddresses.address], set: { status: facts.bounce.status, bouncedAt: now } });
      }
    }
    if (waits && owner.contactExternalId) await pauseForReply(tx as unknown as Db, { firmId: owner.firmId, organisationId: owner.organisationId, contactExternalId: owner.contactExternalId }, todayIn(timezone, now));
    const summary =
      kind === 'bounce'
        ? `A reminder could not be delivered to ${facts.bounce!.failed.map(maskAddress).join(', ') || 'an address'}: the address is marked bad`
        : kind === 'auto_reply'
          ? `Automatic reply from ${maskAddress(facts.fromAddress)} (not an answer)`
          : `Reply from ${maskAddress(facts.fromAddress)}: ${t ? triageSentence(t) : TRIAGE_WORDS.other}${waits ? ' — reminders paused until a collector looks at it' : ''}`;
    await tx.insert(activities).values({
      firmId: owner.firmId,
      organisationId: owner.organisationId,
      actorType: 'debtor',
      kind: kind === 'bounce' ? 'reply.bounced' : 'reply.received',
      contactId: contact?.id ?? null,
      summary,
      details: { replyId: row.id, contactExternalId: owner.contactExternalId, label: t?.label ?? null },
      createdAt: now,
    });
    return { outcome: 'stored' as const, replyId: row.id, firmId: owner.firmId, kind, label: t?.label ?? null };
  });
}

/** Used by the conversation: is this address bad for the organisation? */
export async function bouncedFor(db: Db, organisationId: string): Promise<Set<string>> {
  const rows = await db.select({ address: bouncedAddresses.address }).from(bouncedAddresses).where(and(eq(bouncedAddresses.organisationId, organisationId)));
  return new Set(rows.map((r) => r.address));
}
