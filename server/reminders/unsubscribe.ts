/**
 * Unsubscribe links: APP_URL/u/<send id>.<signature>, an HMAC-SHA256 (SESSION_SECRET) of the
 * send id, cut to 128 bits. Following the link and confirming (or a mail client's RFC 8058
 * one-click POST) records every address that send went to as unsubscribed for that customer —
 * Arcus data, so a resync never brings them back.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { activities, contacts, organisations, reminderSends, reminderUnsubscribes } from '../db/schema';
import { maskList, normaliseAddress } from './recipients';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function sign(secret: string, id: string): string {
  return createHmac('sha256', secret).update(`arcus-unsubscribe:${id}`).digest().subarray(0, 16).toString('base64url');
}

export function unsubscribeToken(secret: string, sendId: string): string {
  return `${sendId}.${sign(secret, sendId)}`;
}

export function unsubscribeUrl(appUrl: string, secret: string, sendId: string): string {
  return `${appUrl.replace(/\/+$/, '')}/u/${unsubscribeToken(secret, sendId)}`;
}

/** The send id a token names, or null when it is malformed or forged. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  const [id, sig] = token.split('.');
  if (!id || !sig || !UUID.test(id)) return null;
  const want = Buffer.from(sign(secret, id));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got) ? id : null;
}

export interface UnsubscribeTarget {
  sendId: string;
  firmId: string;
  organisationId: string;
  organisationName: string;
  contactExternalId: string;
  recipients: string[];
  /** Already unsubscribed, every one of them. */
  done: boolean;
}

export async function findUnsubscribeTarget(db: Db, sendId: string): Promise<UnsubscribeTarget | null> {
  const [row] = await db
    .select({ firmId: reminderSends.firmId, organisationId: reminderSends.organisationId, organisationName: organisations.name, contactExternalId: reminderSends.contactExternalId, recipients: reminderSends.recipients })
    .from(reminderSends)
    .innerJoin(organisations, eq(organisations.id, reminderSends.organisationId))
    .where(eq(reminderSends.id, sendId));
  if (!row) return null;
  const recipients = (Array.isArray(row.recipients) ? row.recipients : []).filter((a): a is string => typeof a === 'string');
  const existing = await db
    .select({ address: reminderUnsubscribes.address })
    .from(reminderUnsubscribes)
    .where(and(eq(reminderUnsubscribes.organisationId, row.organisationId), eq(reminderUnsubscribes.contactExternalId, row.contactExternalId)));
  const have = new Set(existing.map((e) => e.address));
  return { sendId, ...row, recipients, done: recipients.length > 0 && recipients.every((a) => have.has(normaliseAddress(a))) };
}

/** Record the target's addresses as unsubscribed (idempotent); returns how many were new. */
export async function unsubscribe(db: Db, target: UnsubscribeTarget, params: { source: 'link' | 'staff'; now: Date; actorUserId?: string | null }): Promise<number> {
  if (target.recipients.length === 0) return 0;
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(reminderUnsubscribes)
      .values(target.recipients.map((a) => ({ firmId: target.firmId, organisationId: target.organisationId, contactExternalId: target.contactExternalId, address: normaliseAddress(a), source: params.source, createdAt: params.now })))
      .onConflictDoNothing()
      .returning({ id: reminderUnsubscribes.id });
    if (inserted.length > 0) {
      const [contact] = await tx
        .select({ id: contacts.id })
        .from(contacts)
        .where(and(eq(contacts.organisationId, target.organisationId), eq(contacts.externalId, target.contactExternalId)));
      await tx.insert(activities).values({
        firmId: target.firmId,
        organisationId: target.organisationId,
        actorType: params.source === 'link' ? 'debtor' : 'user',
        actorUserId: params.actorUserId ?? null,
        kind: 'reminder.unsubscribed',
        contactId: contact?.id ?? null,
        summary: `${maskList(target.recipients)} unsubscribed from payment reminders`,
        details: { sendId: target.sendId, contactExternalId: target.contactExternalId, count: inserted.length },
        createdAt: params.now,
      });
    }
    return inserted.length;
  });
}
