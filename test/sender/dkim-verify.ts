/**
 * Test support: an SMTP server that keeps each message's raw bytes, and a DKIM verifier written
 * from RFC 6376 (relaxed/relaxed, rsa-sha256) with node:crypto — independent of nodemailer's
 * signer, so a signature it accepts is one a receiving server would accept.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface RawCapture {
  url: string;
  messages: { raw: Buffer; to: string[] }[];
  close(): Promise<void>;
}

export async function startRawCapture(): Promise<RawCapture> {
  const messages: RawCapture['messages'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({ raw: Buffer.concat(chunks), to: session.envelope.rcptTo.map((r) => r.address) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}?pool=false`, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Header fields in order, each with its folded lines as received. */
export function headerFields(raw: Buffer): { name: string; field: string }[] {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return text
    .slice(0, end)
    .split(/\r\n(?![ \t])/)
    .map((field) => ({ name: field.slice(0, field.indexOf(':')).trim().toLowerCase(), field }));
}

/** One header's value, unfolded. */
export function header(raw: Buffer, name: string): string | null {
  const f = headerFields(raw).find((h) => h.name === name.toLowerCase());
  return f ? f.field.slice(f.field.indexOf(':') + 1).replace(/\r\n/g, '').trim() : null;
}

function tags(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).replace(/\s+/g, ''));
  }
  return out;
}

/** RFC 6376 3.4.2. */
function relaxedHeader(field: string): string {
  const i = field.indexOf(':');
  return `${field.slice(0, i).trim().toLowerCase()}:${field
    .slice(i + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim()}`;
}

/** RFC 6376 3.4.4. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? `${lines.join('\r\n')}\r\n` : '';
}

export interface DkimResult {
  domain: string;
  selector: string;
  signedHeaders: string[];
  bodyHashOk: boolean;
  signatureOk: boolean;
}

/** Verify the message's DKIM-Signature against a public key given as the DNS record's `p=`. */
export function verifyDkim(raw: Buffer, publicKeyBase64: string): DkimResult {
  const fields = headerFields(raw);
  const sig = fields.find((f) => f.name === 'dkim-signature');
  if (!sig) throw new Error('no DKIM-Signature');
  const t = tags(sig.field.slice(sig.field.indexOf(':') + 1));
  if (t.get('a') !== 'rsa-sha256' || t.get('c') !== 'relaxed/relaxed') throw new Error(`unexpected a=${t.get('a')} c=${t.get('c')}`);
  const text = raw.toString('latin1');
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  const bodyHash = createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
  const signed = (t.get('h') ?? '').split(':').map((h) => h.trim().toLowerCase());
  // Each name in h= takes the next instance of that header from the bottom (RFC 6376 5.4.2).
  const used = new Map<string, number>();
  const lines: string[] = [];
  for (const name of signed) {
    const instances = fields.filter((f) => f.name === name);
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    const f = instances[instances.length - 1 - n];
    if (f) lines.push(`${relaxedHeader(f.field)}\r\n`);
  }
  lines.push(relaxedHeader(sig.field.replace(/(;\s*b=)[^;]*/, '$1')));
  const key = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
  const signatureOk = verify('RSA-SHA256', Buffer.from(lines.join(''), 'latin1'), key, Buffer.from(t.get('b') ?? '', 'base64'));
  return { domain: t.get('d') ?? '', selector: t.get('s') ?? '', signedHeaders: signed, bodyHashOk: bodyHash === t.get('bh'), signatureOk };
}
