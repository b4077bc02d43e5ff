/**
 * Who a reminder goes to: the ledger contact's primary address plus those marked for invoices
 * (or the first address when none is marked), unless Arcus overrides the list for the customer;
 * minus unsubscribed addresses. Pure. Addresses never reach a log line (see server/logger.ts).
 */
export interface LedgerEmail {
  address: string;
  name?: string | null;
  primary?: boolean;
  includeInEmails?: boolean;
}

const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

export function normaliseAddress(value: string): string {
  return value.trim().toLowerCase();
}

export function ledgerEmails(value: unknown): LedgerEmail[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is LedgerEmail => typeof e === 'object' && e !== null && typeof (e as LedgerEmail).address === 'string');
}

/** The ledger's own recipients, before overrides and unsubscribes. */
export function ledgerRecipients(emails: readonly LedgerEmail[]): string[] {
  const valid = emails.filter((e) => isEmailAddress(e.address.trim()));
  const marked = valid.filter((e) => e.primary || e.includeInEmails);
  const chosen = marked.length ? marked : valid.slice(0, 1);
  return dedupe(chosen.map((e) => e.address.trim()));
}

function dedupe(list: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of list) {
    const k = normaliseAddress(a);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}

export interface RecipientChoice {
  to: string[];
  /** Every address there was has unsubscribed. */
  allUnsubscribed: boolean;
  source: 'ledger' | 'arcus';
}

export function chooseRecipients(params: { emails: readonly LedgerEmail[]; override: readonly string[] | null; unsubscribed: ReadonlySet<string> }): RecipientChoice {
  const source = params.override?.length ? 'arcus' : 'ledger';
  const base = source === 'arcus' ? dedupe(params.override!.map((a) => a.trim()).filter(isEmailAddress)) : ledgerRecipients(params.emails);
  const to = base.filter((a) => !params.unsubscribed.has(normaliseAddress(a)));
  return { to, allUnsubscribed: base.length > 0 && to.length === 0, source };
}

/** 'ap@…' — what notes, activities and logs may say about a debtor's address. */
export function maskAddress(address: string): string {
  const at = address.indexOf('@');
  if (at <= 0) return '…';
  return `${address.slice(0, Math.min(at, 12))}@…`;
}

export function maskList(addresses: readonly string[], max = 2): string {
  if (addresses.length === 0) return 'nobody';
  const shown = addresses.slice(0, max).map(maskAddress).join(', ');
  return addresses.length > max ? `${shown} +${addresses.length - max}` : shown;
}

/** Any email addresses inside a text (an SMTP reply often echoes the recipient) masked, for logs. */
export function maskEmails(text: string): string {
  return text.replace(/[^\s<>()"',;:[\]]+@[^\s<>()"',;:[\]]+/g, (m) => maskAddress(m));
}
