/**
 * The DNS records a client publishes so reminders can come from its own domain, and what a
 * lookup of them means. Pure: the lookups are done by `dns.ts` and handed in.
 *
 *   SPF    TXT at <domain>                      v=spf1 include:<Arcus's SPF domain> ~all
 *   DKIM   TXT at <selector>._domainkey.<domain> v=DKIM1; k=rsa; p=<public key>
 *   DMARC  TXT at _dmarc.<domain>                v=DMARC1; p=none
 *
 * Verified (docs/decisions/018-sender-identity.md): DKIM found with our key, an SPF record that
 * includes Arcus, and a DMARC record. Anything else and reminders go from the firm's address.
 */
import { createHash } from 'node:crypto';

export const RECORD_KINDS = ['spf', 'dkim', 'dmarc'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** `error`: the lookup itself failed (timeout, SERVFAIL) — neither found nor missing. */
export type RecordStatus = 'unchecked' | 'found' | 'missing' | 'mismatch' | 'error';

export interface DnsRecord {
  kind: RecordKind;
  type: 'TXT';
  /** Fully qualified name to publish at. */
  name: string;
  value: string;
}

/** What one TXT lookup gave: the records (each a list of character strings), none, or a failure. */
export type TxtLookup = { kind: 'records'; records: string[][] } | { kind: 'none' } | { kind: 'error' };

export interface RecordCheck {
  kind: RecordKind;
  status: RecordStatus;
}

/** The selector of a key: `arcus-` and 8 hex digits of its SHA-256, so two keys never share a name. */
export function selectorFor(publicKeyBase64: string): string {
  return `arcus-${createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex').slice(0, 8)}`;
}

/** The domain of an address, lower case, or null. */
export function domainOf(address: string | null | undefined): string | null {
  const m = /@([^@\s>]+)$/.exec((address ?? '').trim());
  const d = m?.[1]?.toLowerCase().replace(/\.$/, '') ?? null;
  return d && /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(d) ? d : null;
}

/** The domain Arcus's senders are listed under for SPF: `_spf.` + the domain of MAIL_FROM. */
export function spfIncludeFor(mailFrom: string): string {
  return `_spf.${domainOf(/<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom) ?? 'arcus.localhost'}`;
}

export function recordsFor(domain: string, key: { selector: string; publicKey: string }, spfInclude: string): DnsRecord[] {
  return [
    { kind: 'spf', type: 'TXT', name: domain, value: `v=spf1 include:${spfInclude} ~all` },
    { kind: 'dkim', type: 'TXT', name: `${key.selector}._domainkey.${domain}`, value: `v=DKIM1; k=rsa; p=${key.publicKey}` },
    { kind: 'dmarc', type: 'TXT', name: `_dmarc.${domain}`, value: 'v=DMARC1; p=none; adkim=r; aspf=r' },
  ];
}

/** A TXT record's character strings joined (a long DKIM key is split into 255-byte strings). */
const joined = (r: string[]) => r.join('').trim();

/** `k=v; k=v` tags (RFC 6376 3.2), whitespace inside values removed. */
export function tagList(value: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    tags.set(part.slice(0, i).trim().toLowerCase(), part.slice(i + 1).replace(/\s+/g, ''));
  }
  return tags;
}

export function checkSpf(lookup: TxtLookup, spfInclude: string): RecordStatus {
  if (lookup.kind === 'error') return 'error';
  if (lookup.kind === 'none') return 'missing';
  const spf = lookup.records.map(joined).filter((r) => /^v=spf1(\s|$)/i.test(r));
  if (spf.length === 0) return 'missing';
  // Two SPF records make SPF fail for every message (RFC 7208 4.5).
  if (spf.length > 1) return 'mismatch';
  const terms = spf[0]!.toLowerCase().split(/\s+/);
  return terms.some((t) => /^[+]?include:/.test(t) && t.replace(/^[+]?include:/, '') === spfInclude.toLowerCase()) ? 'found' : 'mismatch';
}

export function checkDkim(lookup: TxtLookup, publicKey: string): RecordStatus {
  if (lookup.kind === 'error') return 'error';
  if (lookup.kind === 'none') return 'missing';
  const keys = lookup.records.map(joined).map(tagList).filter((t) => t.has('p'));
  if (keys.length === 0) return 'missing';
  return keys.some((t) => t.get('p') === publicKey && (t.get('k') ?? 'rsa').toLowerCase() === 'rsa') ? 'found' : 'mismatch';
}

export function checkDmarc(lookup: TxtLookup): RecordStatus {
  if (lookup.kind === 'error') return 'error';
  if (lookup.kind === 'none') return 'missing';
  const dmarc = lookup.records.map(joined).filter((r) => /^v=DMARC1\s*(;|$)/i.test(r));
  if (dmarc.length === 0) return 'missing';
  return dmarc.length === 1 ? 'found' : 'mismatch';
}

/** The rule: every record found (DKIM with our key, SPF including Arcus, DMARC present). */
export function isVerified(checks: readonly RecordCheck[]): boolean {
  return RECORD_KINDS.every((k) => checks.find((c) => c.kind === k)?.status === 'found');
}

const NAMES: Record<RecordKind, string> = { spf: 'SPF', dkim: 'DKIM', dmarc: 'DMARC' };

/** One record's state in words for the screen. */
export function statusWords(kind: RecordKind, status: RecordStatus): string {
  const name = NAMES[kind];
  switch (status) {
    case 'unchecked':
      return 'Not checked yet.';
    case 'found':
      return `Found: the ${name} record is published.`;
    case 'missing':
      return `Not found: publish the ${name} record below.`;
    case 'mismatch':
      if (kind === 'dkim') return 'Found, but with a different key: publish the value below instead.';
      if (kind === 'spf') return 'An SPF record is published but does not include Arcus, or there are two: add the include to the one record.';
      return 'There is more than one DMARC record: keep only one.';
    case 'error':
      return 'The lookup failed. Try again in a few minutes.';
  }
}
