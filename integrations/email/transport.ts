/**
 * Outgoing email over SMTP with nodemailer (SMTP_URL, pooled connections). A failure is
 * classified once, from the SMTP reply code and nodemailer's error code, never from message
 * text: 5xx and a refused envelope are permanent (bad address, rejected recipient); 4xx,
 * connection, timeout and authentication problems are temporary and retried with backoff.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

export interface OutgoingMessage {
  /** '<…@…>': deterministic per claimed send, so every attempt is the same message. */
  messageId: string;
  from: string;
  replyTo?: string | null;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** Files sent with the message (the monthly client report's PDF). */
  attachments?: { filename: string; content: Buffer; contentType: string }[];
  /** Sign with this domain's DKIM key (nodemailer's built-in DKIM signing, relaxed/relaxed, rsa-sha256). */
  dkim?: { domainName: string; keySelector: string; privateKey: string } | null;
}

export interface SendReceipt {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's final reply, e.g. '250 OK: queued'. */
  response: string;
}

export interface Mailer {
  send(message: OutgoingMessage): Promise<SendReceipt>;
  /**
   * Whether the server already holds a message with this Message-ID. Only servers Arcus can ask
   * (the embedded one, test capture servers) implement it; see server/reminders/README.md.
   */
  delivered?(messageId: string): Promise<boolean>;
  close(): Promise<void>;
}

export class MailError extends Error {
  override name = 'MailError';
  constructor(
    readonly kind: 'temporary' | 'permanent',
    message: string,
    readonly responseCode: number | null = null,
    readonly rejected: string[] = [],
  ) {
    super(message);
  }
}

const addr = (a: string | { address: string }) => (typeof a === 'string' ? a : a.address);

/** nodemailer's error → MailError, by reply code and error code. */
export function classifySmtpError(err: unknown): MailError {
  if (err instanceof MailError) return err;
  const e = (err ?? {}) as { code?: string; responseCode?: number; response?: string; rejected?: (string | { address: string })[]; message?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const rejected = (e.rejected ?? []).map(addr);
  const reply = (e.response ?? e.message ?? 'SMTP failure').toString().slice(0, 300);
  if (code !== null && code >= 500) return new MailError('permanent', `The mail server refused the message (${code}): ${reply}`, code, rejected);
  if (code !== null && code >= 400) return new MailError('temporary', `The mail server deferred the message (${code}): ${reply}`, code, rejected);
  if (e.code === 'EENVELOPE') return new MailError('permanent', `The mail server refused every recipient: ${reply}`, code, rejected);
  return new MailError('temporary', `Sending failed (${e.code ?? 'error'}): ${reply}`, code, rejected);
}

/** A mailer over nodemailer's SMTP transport. */
export function smtpMailer(options: string | SMTPTransport.Options, extra: { delivered?: (messageId: string) => Promise<boolean>; pool?: boolean } = {}): Mailer {
  // A URL's own query (e.g. ?pool=false) wins over these defaults.
  const base = typeof options === 'string' ? { url: options } : options;
  const transport = nodemailer.createTransport({ pool: extra.pool ?? true, maxConnections: 5, maxMessages: Number.POSITIVE_INFINITY, ...base } as SMTPTransport.Options);
  return {
    async send(m) {
      try {
        const info = await transport.sendMail({
          messageId: m.messageId,
          from: m.from,
          replyTo: m.replyTo ?? undefined,
          to: m.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
          headers: m.headers,
          ...(m.attachments?.length ? { attachments: m.attachments } : {}),
          ...(m.dkim ? { dkim: m.dkim } : {}),
        });
        return { messageId: info.messageId || m.messageId, accepted: info.accepted.map(addr), rejected: info.rejected.map(addr), response: info.response };
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    delivered: extra.delivered,
    async close() {
      transport.close();
    },
  };
}
