/**
 * An in-process SMTP server (smtp-server + mailparser) on 127.0.0.1: embedded mode sends to it
 * and shows what it received in the demo mailbox; the tests capture mail with it. A message is
 * answered 250 only after `onMessage` has stored it, so "the server said 250" means "it is
 * there". Recipients on the reserved `.invalid` domain (RFC 2606), or any that `rejectRecipient`
 * names, get a permanent 550 — how the demo and the tests show a bad address.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  parsed: ParsedMail;
  size: number;
}

export interface SmtpCaptureOptions {
  onMessage(mail: ReceivedMail): Promise<void>;
  /** A reason to refuse this recipient (550, or the given 4xx/5xx code), or null to accept. */
  rejectRecipient?(address: string): string | { code: number; message: string } | null;
  host?: string;
  port?: number;
  /** Told when `onMessage` failed (the sender only hears a generic 451). */
  onError?(err: unknown): void;
  /** Largest message accepted, in bytes (default 10 MB). */
  maxSize?: number;
}

export interface SmtpCapture {
  port: number;
  url: string;
  close(): Promise<void>;
}

export function invalidDomainRule(address: string): string | null {
  return /\.invalid$/i.test(address.trim()) ? 'Mailbox unavailable: the domain does not exist' : null;
}

type SmtpErr = Error & { responseCode?: number };

function smtpError(message: string, responseCode: number): SmtpErr {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpCapture(options: SmtpCaptureOptions): Promise<SmtpCapture> {
  const maxSize = options.maxSize ?? 10 * 1024 * 1024;
  const reject = options.rejectRecipient ?? invalidDomainRule;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: maxSize,
    banner: 'Arcus embedded SMTP',
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const reason = reject(address.address);
      if (typeof reason === 'string') return callback(smtpError(reason, 550));
      if (reason) return callback(smtpError(reason.message, reason.code));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxSize) chunks.push(c);
      });
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return callback(smtpError('Message too large', 552));
        const raw = Buffer.concat(chunks);
        const mailFrom = session.envelope.mailFrom;
        simpleParser(raw)
          .then((parsed) =>
            options.onMessage({
              envelopeFrom: mailFrom ? mailFrom.address : '',
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              parsed,
              size: raw.length,
            }),
          )
          .then(
            () => callback(),
            (err: unknown) => {
              // The reply travels back to the sender (and from there into API answers): no error text in it.
              options.onError?.(err);
              callback(smtpError('Could not store the message; try again later', 451));
            },
          );
      });
    },
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject2) => {
    server.once('error', reject2);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject2);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
