/**
 * What an inbound message says about itself, pure (from mailparser's ParsedMail, which the SMTP
 * listener and the Mailgun webhook both produce): its ids and thread, who wrote it, the reply
 * tokens it was addressed to, whether it is an auto-reply (RFC 3834 and the common vendor headers)
 * or a delivery status notification (RFC 3464: multipart/report; report-type=delivery-status,
 * with the failed recipients and the Message-ID of the message that bounced), and which
 * attachments may be kept (size-limited, type-checked by name, declared type and first bytes).
 */
import { createHash } from 'node:crypto';
import type { ParsedMail } from 'mailparser';

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_ATTACHMENTS = 10;

/** Types a reply may bring (remittance advices, statements, photos); everything else is refused. */
const ALLOWED: Record<string, { ext: string[]; magic?: number[][] }> = {
  'application/pdf': { ext: ['pdf'], magic: [[0x25, 0x50, 0x44, 0x46]] },
  'image/png': { ext: ['png'], magic: [[0x89, 0x50, 0x4e, 0x47]] },
  'image/jpeg': { ext: ['jpg', 'jpeg'], magic: [[0xff, 0xd8, 0xff]] },
  'image/gif': { ext: ['gif'], magic: [[0x47, 0x49, 0x46, 0x38]] },
  'text/plain': { ext: ['txt'] },
  'text/csv': { ext: ['csv'] },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { ext: ['xlsx'], magic: [[0x50, 0x4b, 0x03, 0x04]] },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { ext: ['docx'], magic: [[0x50, 0x4b, 0x03, 0x04]] },
};

export interface KeptAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface RefusedAttachment {
  filename: string;
  /** In words. */
  reason: string;
}

export interface Bounce {
  /** Recipients the report says failed (Action: failed), lower case. */
  failed: string[];
  /** The Status code of the first failure, e.g. 5.1.1. */
  status: string | null;
  /** The bounced message's Message-ID (bare), when the report carries its headers. */
  originalMessageId: string | null;
}

export interface InboundFacts {
  messageId: string;
  inReplyTo: string | null;
  /** In-Reply-To then References, bare, newest first, without duplicates. */
  thread: string[];
  fromAddress: string;
  fromName: string | null;
  to: string[];
  subject: string;
  text: string;
  date: Date | null;
  replyTokens: string[];
  /** Why it is an auto-reply (the header that says so), or null. */
  autoReply: string | null;
  bounce: Bounce | null;
  attachments: KeptAttachment[];
  refused: RefusedAttachment[];
}

export const bare = (id: string | null | undefined): string | null => (id ? id.trim().replace(/^<|>$/g, '').trim() || null : null);

const TOKEN = /^reply\+([a-z0-9]{16,64})@/i;

export function replyTokenOf(address: string): string | null {
  return TOKEN.exec(address.trim())?.[1]?.toLowerCase() ?? null;
}

function header(mail: ParsedMail, name: string): string | null {
  const v = mail.headers.get(name);
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'value' in v && typeof (v as { value: unknown }).value === 'string') return (v as { value: string }).value;
  if (typeof v === 'object' && 'text' in v) return String((v as { text: unknown }).text);
  return String(v);
}

function addresses(v: ParsedMail['to']): string[] {
  const list = Array.isArray(v) ? v : v ? [v] : [];
  return list.flatMap((a) => a.value.map((x) => (x.address ?? '').toLowerCase())).filter(Boolean);
}

/** RFC 3834 (Auto-Submitted), Microsoft/others' X-Autoreply / X-Autorespond / X-Auto-Response-Suppress, Precedence. */
export function autoReplyReason(mail: ParsedMail): string | null {
  const auto = header(mail, 'auto-submitted');
  if (auto && auto.trim().toLowerCase() !== 'no') return `Auto-Submitted: ${auto.trim()}`;
  for (const h of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) if (header(mail, h) !== null) return `${h} header`;
  const precedence = header(mail, 'precedence')?.trim().toLowerCase();
  if (precedence && ['bulk', 'auto_reply', 'junk', 'list'].includes(precedence)) return `Precedence: ${precedence}`;
  const suppress = header(mail, 'x-auto-response-suppress');
  if (suppress && /\b(all|oof|autoreply)\b/i.test(suppress) && /^(automatic reply|auto|out of office|abwesenheit|réponse automatique|respuesta automática|automatisch antwoord)/i.test(mail.subject ?? '')) {
    return 'X-Auto-Response-Suppress with an automatic subject';
  }
  return null;
}

function reportFields(text: string): Map<string, string>[] {
  // A delivery-status body: per-message fields, then one block per recipient, separated by blank lines.
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split(/\n\s*\n/)
    .map((block) => {
      const m = new Map<string, string>();
      for (const line of block.split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) m.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      return m;
    })
    .filter((m) => m.size > 0);
}

export function bounceOf(mail: ParsedMail): Bounce | null {
  const ct = header(mail, 'content-type') ?? '';
  const params = (mail.headers.get('content-type') as { params?: Record<string, string> } | undefined)?.params ?? {};
  const isReport = /multipart\/report/i.test(ct) && /delivery-status/i.test(params['report-type'] ?? ct);
  const status = mail.attachments.find((a) => /^message\/(delivery-status|global-delivery-status)$/i.test(a.contentType));
  if (!isReport && !status) return null;
  const failed: string[] = [];
  let code: string | null = null;
  // mailparser keeps message/delivery-status as an attachment or folds it into the text part.
  const statusText = status ? status.content.toString('utf8') : (mail.text ?? '');
  for (const f of reportFields(statusText)) {
    const action = f.get('action')?.toLowerCase();
    const rcpt = f.get('final-recipient') ?? f.get('original-recipient');
    if (!rcpt || (action && action !== 'failed')) continue;
    const address = rcpt.replace(/^[a-z0-9-]+;\s*/i, '').trim().toLowerCase();
    if (address && !failed.includes(address)) failed.push(address);
    code ??= f.get('status') ?? null;
  }
  const original = mail.attachments.find((a) => /^(message\/rfc822|text\/rfc822-headers|message\/global|message\/global-headers)$/i.test(a.contentType));
  const originalMessageId = original ? bare(/^message-id:\s*(<[^>]+>)/im.exec(original.content.toString('utf8'))?.[1]) : null;
  return { failed, status: code, originalMessageId };
}

function startsWith(buf: Buffer, magic: number[]): boolean {
  return magic.every((b, i) => buf[i] === b);
}

export function checkAttachments(list: ParsedMail['attachments']): { kept: KeptAttachment[]; refused: RefusedAttachment[] } {
  const kept: KeptAttachment[] = [];
  const refused: RefusedAttachment[] = [];
  for (const a of list) {
    // The parts of a delivery report are read above, not kept as files.
    if (/^(message|text\/rfc822-headers)/i.test(a.contentType)) continue;
    const filename = [...(a.filename ?? 'attachment')].map((ch) => (ch === '/' || ch === '\\' || ch.charCodeAt(0) < 32 ? '_' : ch)).join('').slice(0, 200);
    const type = a.contentType.toLowerCase();
    const rule = ALLOWED[type];
    const ext = filename.toLowerCase().split('.').pop() ?? '';
    if (!rule) refused.push({ filename, reason: 'This kind of file is not kept.' });
    else if (!rule.ext.includes(ext)) refused.push({ filename, reason: 'The file name does not match its kind.' });
    else if (rule.magic && !rule.magic.some((m) => startsWith(a.content, m))) refused.push({ filename, reason: 'The file is not what its name says.' });
    else if (a.size > MAX_ATTACHMENT_BYTES || a.content.length > MAX_ATTACHMENT_BYTES) refused.push({ filename, reason: 'The file is larger than 5 MB.' });
    else if (kept.length >= MAX_ATTACHMENTS) refused.push({ filename, reason: `Only the first ${MAX_ATTACHMENTS} files are kept.` });
    else kept.push({ filename, contentType: type, size: a.content.length, content: a.content });
  }
  return { kept, refused };
}

/** Text of an HTML-only message, roughly (tags dropped, breaks kept). */
function htmlText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .trim();
}

export function readMail(mail: ParsedMail, envelopeTo: readonly string[] = []): InboundFacts {
  const from = mail.from?.value[0];
  const to = [...new Set([...envelopeTo.map((a) => a.toLowerCase()), ...addresses(mail.to), ...addresses(mail.cc)])];
  const refs = Array.isArray(mail.references) ? mail.references : mail.references ? mail.references.split(/\s+/) : [];
  const thread = [...new Set([bare(mail.inReplyTo), ...refs.map(bare).reverse()].filter((x): x is string => Boolean(x)))];
  const text = mail.text ?? (typeof mail.html === 'string' ? htmlText(mail.html) : '');
  // No Message-ID (it happens): one made from the content, so a redelivery is still recognised.
  const messageId = bare(mail.messageId) ?? `missing.${createHash('sha256').update(`${from?.address ?? ''}|${mail.subject ?? ''}|${mail.date?.toISOString() ?? ''}|${text}`).digest('hex').slice(0, 32)}@arcus.invalid`;
  const { kept, refused } = checkAttachments(mail.attachments);
  return {
    messageId,
    inReplyTo: bare(mail.inReplyTo),
    thread,
    fromAddress: (from?.address ?? '').toLowerCase(),
    fromName: from?.name || null,
    to,
    subject: mail.subject ?? '',
    text: text.replaceAll('\u0000', ''),
    date: mail.date ?? null,
    replyTokens: [...new Set(to.map(replyTokenOf).filter((t): t is string => t !== null))],
    autoReply: autoReplyReason(mail),
    bounce: bounceOf(mail),
    attachments: kept,
    refused,
  };
}
