/**
 * Data-quality checks on an organisation's customers and invoices, each finding with a link
 * to fix it in the ledger. Pure; the route loads contacts and invoices without due dates.
 *
 * - email: none, or one that does not look like local@domain.tld;
 * - phone: none, or one with fewer than 7 or more than 15 digits, or letters;
 * - address: none with a street line or a city; and, for an organisation that sends letters, none
 *   complete enough to post one to (a street or PO box line, a town or city, and a postcode where
 *   the country has them: `postalAddress`, also what blocks a letter in server/letters/);
 * - likely duplicates: the same normalised name (lower case, accents and punctuation
 *   stripped, "&" read as "and", legal suffixes such as Ltd / Limited / LLC / Inc dropped,
 *   spaces collapsed) or the same email address;
 * - invoices without a due date (they are treated as due on their issue date).
 */
import { contactLink, invoiceLink, type LedgerLinkTarget } from './ledger-links';

export type FindingKind = 'missing_email' | 'invalid_email' | 'bounced_email' | 'missing_phone' | 'invalid_phone' | 'missing_address' | 'invalid_address' | 'duplicate_name' | 'duplicate_email' | 'missing_due_date';

export interface Finding {
  kind: FindingKind;
  subject: 'contact' | 'invoice';
  id: string | null;
  externalId: string;
  name: string;
  detail: string;
  link: string;
}

export interface CheckedContact {
  id: string | null;
  externalId: string;
  name: string;
  emails: unknown;
  phones: unknown;
  addresses: unknown;
}

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;

export function isValidEmail(address: string): boolean {
  const a = address.trim();
  return a.length <= 254 && EMAIL.test(a) && !a.split('@')[0]!.includes('..') && !a.startsWith('.') && !a.split('@')[0]!.endsWith('.');
}

export function isValidPhone(number: string): boolean {
  const n = number.trim();
  if (/[A-Za-z]/.test(n.replace(/\b(ext|x)\.?\s*\d+$/i, ''))) return false;
  const digits = n.replace(/\b(ext|x)\.?\s*\d+$/i, '').replace(/\D/g, '');
  return digits.length >= 7 && digits.length <= 15;
}

const LEGAL_SUFFIXES = new Set(['ltd', 'limited', 'llc', 'inc', 'incorporated', 'corp', 'corporation', 'co', 'company', 'plc', 'pty', 'pte', 'gmbh', 'sa', 'sarl', 'bv', 'ag', 'lp', 'llp', 'the']);

export function normaliseName(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9\s]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  while (words.length > 1 && LEGAL_SUFFIXES.has(words[words.length - 1]!)) words.pop();
  while (words.length > 1 && words[0] === 'the') words.shift();
  return words.join(' ');
}

function strings(list: unknown, key: string): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[key] : undefined)).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
}

function hasAddress(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  return list.some((a) => a && typeof a === 'object' && ['line1', 'city'].some((k) => typeof (a as Record<string, unknown>)[k] === 'string' && ((a as Record<string, string>)[k] ?? '').trim() !== ''));
}

/** Countries (ISO codes or names as ledgers write them) whose addresses have no postcode. */
const NO_POSTCODE = new Set(['hk', 'hong kong', 'ae', 'united arab emirates', 'qa', 'qatar', 'fj', 'fiji', 'bs', 'bahamas', 'jm', 'jamaica']);

export type PostalAddress = { ok: true; lines: string[]; address: { line1: string; city: string; region: string; postalCode: string; country: string } } | { ok: false; reason: string };

/**
 * The address a letter can be posted to: the ledger's postal (PO box) address when complete, else
 * any complete one. Complete: a street or PO box line, a town or city, and a postcode (unless the
 * country has none). Otherwise the reason, in words, about the most complete address there is.
 */
export function postalAddress(list: unknown): PostalAddress {
  const all = (Array.isArray(list) ? list : [])
    .filter((a): a is Record<string, unknown> => !!a && typeof a === 'object')
    .map((a) => {
      const f = (k: string) => (typeof a[k] === 'string' ? (a[k] as string).trim() : '');
      return { type: f('type').toUpperCase(), line1: f('line1'), city: f('city'), region: f('region'), postalCode: f('postalCode'), country: f('country') };
    })
    .filter((a) => a.line1 || a.city || a.postalCode);
  if (all.length === 0) return { ok: false, reason: 'The customer has no postal address' };
  const problem = (a: (typeof all)[number]): string | null =>
    !a.line1 ? 'The postal address has no street or PO box line' : !a.city ? 'The postal address has no town or city' : !a.postalCode && !NO_POSTCODE.has(a.country.toLowerCase()) ? 'The postal address has no postcode' : null;
  const ordered = [...all.filter((a) => a.type === 'POBOX'), ...all.filter((a) => a.type !== 'POBOX')];
  const good = ordered.find((a) => problem(a) === null);
  if (!good) return { ok: false, reason: problem(ordered.sort((a, b) => score(b) - score(a))[0]!)! };
  const { type: _type, ...address } = good;
  const lines = [good.line1, good.city, [good.region, good.postalCode].filter(Boolean).join(' '), good.country].filter(Boolean);
  return { ok: true, lines, address };
}

function score(a: { line1: string; city: string; postalCode: string }): number {
  return (a.line1 ? 4 : 0) + (a.city ? 2 : 0) + (a.postalCode ? 1 : 0);
}

/** `bounced`: addresses a delivery status notification said are bad (server/replies/), lower case. */
/** `postal`: the organisation sends letters (a reminder step of channel letter): also check each address can be posted to. */
export function checkContacts(contacts: readonly CheckedContact[], provider: LedgerLinkTarget, bounced: ReadonlySet<string> = new Set(), opts: { postal?: boolean } = {}): Finding[] {
  const findings: Finding[] = [];
  const add = (c: CheckedContact, kind: FindingKind, detail: string) => findings.push({ kind, subject: 'contact', id: c.id, externalId: c.externalId, name: c.name, detail, link: contactLink(provider, c.externalId) });
  const byName = new Map<string, CheckedContact[]>();
  const byEmail = new Map<string, CheckedContact[]>();
  for (const c of contacts) {
    const emails = strings(c.emails, 'address');
    if (emails.length === 0) add(c, 'missing_email', 'No email address');
    for (const e of emails) if (!isValidEmail(e)) add(c, 'invalid_email', `Invalid email address “${e}”`);
    for (const e of emails) if (bounced.has(e.trim().toLowerCase())) add(c, 'bounced_email', `Email to “${e}” bounced: the address does not accept mail`);
    const phones = strings(c.phones, 'number');
    if (phones.length === 0) add(c, 'missing_phone', 'No phone number');
    for (const p of phones) if (!isValidPhone(p)) add(c, 'invalid_phone', `Invalid phone number “${p}”`);
    if (!hasAddress(c.addresses)) add(c, 'missing_address', 'No postal address');
    else if (opts.postal) {
      const postal = postalAddress(c.addresses);
      if (!postal.ok) add(c, 'invalid_address', `${postal.reason}: a letter cannot be posted`);
    }
    const key = normaliseName(c.name);
    if (key) byName.set(key, [...(byName.get(key) ?? []), c]);
    for (const e of new Set(emails.filter(isValidEmail).map((x) => x.trim().toLowerCase()))) byEmail.set(e, [...(byEmail.get(e) ?? []), c]);
  }
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    for (const c of group) add(c, 'duplicate_name', `Likely the same customer as ${group.filter((o) => o !== c).map((o) => `“${o.name}”`).join(', ')}`);
  }
  for (const [email, group] of byEmail) {
    if (group.length < 2) continue;
    for (const c of group) add(c, 'duplicate_email', `Shares ${email} with ${group.filter((o) => o !== c).map((o) => `“${o.name}”`).join(', ')}`);
  }
  return findings;
}

export interface UndatedInvoice {
  id: string;
  externalId: string;
  number: string;
  customerName: string;
  issueDate: string;
}

export function checkInvoices(list: readonly UndatedInvoice[], provider: LedgerLinkTarget): Finding[] {
  return list.map((inv) => ({
    kind: 'missing_due_date',
    subject: 'invoice',
    id: inv.id,
    externalId: inv.externalId,
    name: `Invoice ${inv.number || inv.externalId} (${inv.customerName})`,
    detail: `No due date: treated as due on its issue date ${inv.issueDate}`,
    link: invoiceLink(provider, inv.externalId),
  }));
}

export const FINDING_LABELS: Record<FindingKind, string> = {
  missing_email: 'Missing email',
  invalid_email: 'Invalid email',
  bounced_email: 'Email bounced',
  missing_phone: 'Missing phone',
  invalid_phone: 'Invalid phone',
  missing_address: 'Missing address',
  invalid_address: 'Incomplete postal address',
  duplicate_name: 'Likely duplicate (name)',
  duplicate_email: 'Likely duplicate (email)',
  missing_due_date: 'Invoice without due date',
};
