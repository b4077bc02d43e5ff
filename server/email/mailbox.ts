/** The demo mailbox (embedded mode): messages the in-process SMTP server received, per firm. */
import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { mailboxMessages } from '../db/schema';

export interface MailboxSummary {
  id: string;
  receivedAt: string;
  from: string;
  to: string;
  subject: string;
  preview: string;
}

export async function listMailbox(db: Db, firmId: string, params: { limit: number; offset: number }): Promise<{ total: number; messages: MailboxSummary[] }> {
  const where = eq(mailboxMessages.firmId, firmId);
  const [rows, [total]] = await Promise.all([
    db
      .select({ id: mailboxMessages.id, receivedAt: mailboxMessages.receivedAt, from: mailboxMessages.fromText, to: mailboxMessages.toText, subject: mailboxMessages.subject, text: mailboxMessages.text })
      .from(mailboxMessages)
      .where(where)
      .orderBy(desc(mailboxMessages.receivedAt), desc(mailboxMessages.id))
      .limit(params.limit)
      .offset(params.offset),
    db.select({ n: count() }).from(mailboxMessages).where(where),
  ]);
  return {
    total: Number(total?.n ?? 0),
    messages: rows.map((r) => ({ id: r.id, receivedAt: r.receivedAt.toISOString(), from: r.from, to: r.to, subject: r.subject, preview: r.text.replace(/\s+/g, ' ').trim().slice(0, 160) })),
  };
}

export async function getMailboxMessage(db: Db, firmId: string, id: string) {
  const [row] = await db
    .select()
    .from(mailboxMessages)
    .where(and(eq(mailboxMessages.firmId, firmId), eq(mailboxMessages.id, id)));
  if (!row) return null;
  return {
    id: row.id,
    receivedAt: row.receivedAt.toISOString(),
    messageId: row.messageId,
    from: row.fromText,
    to: row.toText,
    envelopeTo: row.envelopeTo,
    subject: row.subject,
    text: row.text,
    html: row.html,
    headers: row.headers as Record<string, string>,
    size: row.size,
  };
}
