/**
 * Email in embedded mode (no SMTP_URL): an in-process SMTP server on a free 127.0.0.1 port
 * stores every message it accepts in `mailbox_messages` (the demo mailbox page), and Arcus
 * sends to it through the same nodemailer path as production. Because the server answers 250
 * only after the row is stored, it can also say whether a Message-ID already arrived.
 */
import { eq } from 'drizzle-orm';
import { type SmtpCapture, startSmtpCapture } from '../../integrations/email/smtp-server';
import { type Mailer, smtpMailer } from '../../integrations/email/transport';
import type { Db } from '../db/client';
import { mailboxMessages } from '../db/schema';
import { describeError, type Logger } from '../logger';
import { asSystem } from '../db/firm-scope';

/** Set on messages sent in embedded mode only, so the demo mailbox can show each firm its own mail. */
export const FIRM_HEADER = 'x-arcus-firm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEPT_HEADERS = ['date', 'message-id', 'reply-to', 'list-unsubscribe', 'list-unsubscribe-post', 'x-arcus-send', FIRM_HEADER];

export function bareMessageId(id: string | null | undefined): string | null {
  if (!id) return null;
  return id.trim().replace(/^<|>$/g, '') || null;
}

function headerText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'text' in v && typeof (v as { text: unknown }).text === 'string') return (v as { text: string }).text;
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

export interface EmbeddedMail {
  mailer: Mailer;
  smtp: SmtpCapture;
  close(): Promise<void>;
}

export async function delivered(db: Db, messageId: string): Promise<boolean> {
  const id = bareMessageId(messageId);
  if (!id) return false;
  // The embedded SMTP server stands in for the outside world's mail server: it answers as the system.
  const rows = await asSystem(() => db.select({ id: mailboxMessages.id }).from(mailboxMessages).where(eq(mailboxMessages.messageId, id)).limit(1));
  return rows.length > 0;
}

/** Text PostgreSQL stores: a message may carry NULs and unpaired surrogates, which `text` refuses. */
function storable(s: string): string {
  return s.replaceAll('\u0000', '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export async function startEmbeddedMail(db: Db, log: Logger): Promise<EmbeddedMail> {
  const smtp = await startSmtpCapture({
    async onMessage(mail) {
      // Raw header lines: mailparser folds List-* headers into one structured 'list' entry.
      const headers: Record<string, string> = {};
      for (const h of mail.parsed.headerLines) {
        if (!KEPT_HEADERS.includes(h.key)) continue;
        headers[h.key] = storable(h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
      }
      const date = mail.parsed.headers.get('date');
      if (date !== undefined && !headers['date']) headers['date'] = headerText(date);
      const firm = headers[FIRM_HEADER]?.trim();
      const to = mail.parsed.to;
      // Received mail is stored as the system: a message may name no firm.
      await asSystem(() => db.insert(mailboxMessages).values({
        firmId: firm && UUID.test(firm) ? firm : null,
        messageId: bareMessageId(mail.parsed.messageId),
        envelopeFrom: mail.envelopeFrom,
        envelopeTo: mail.envelopeTo,
        fromText: storable(mail.parsed.from?.text ?? ''),
        toText: storable(Array.isArray(to) ? to.map((t) => t.text).join(', ') : (to?.text ?? '')),
        subject: storable(mail.parsed.subject ?? ''),
        text: storable(mail.parsed.text ?? ''),
        html: typeof mail.parsed.html === 'string' ? storable(mail.parsed.html) : null,
        headers,
        size: mail.size,
      }));
    },
    onError(err) {
      log.error({ err: describeError(err) }, 'the embedded SMTP server could not store a message');
    },
  });
  log.info({ port: smtp.port }, 'Demo mailbox ready: emails Arcus sends appear at /mailbox');
  const mailer = smtpMailer(smtp.url, { delivered: (id) => delivered(db, id) });
  return {
    mailer,
    smtp,
    async close() {
      await mailer.close();
      await smtp.close();
    },
  };
}
