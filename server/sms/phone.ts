/**
 * A customer's phone numbers, as the ledger gave them, made E.164 with the organisation's country
 * (libphonenumber-js, the metadata of Google's libphonenumber). Pure.
 *
 * Sources: `contacts.phones` (`[{ type, number }]` from the mappers) and, when that is empty, the
 * ledger's raw contact (Xero `Phones[]` with `PhoneCountryCode` / `PhoneAreaCode` /
 * `PhoneNumber`, QuickBooks `PrimaryPhone` / `Mobile` `.FreeFormNumber`). A number that does not
 * parse, or is not a valid number for its country, is a data-quality problem: shown, and the SMS
 * step skipped with that reason. The mobile number is texted when there is one.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export interface CustomerPhone {
  /** As the ledger has it (for people; never logged). */
  raw: string;
  /** 'mobile' | 'default' | 'fax' | 'ddi' | … as the ledger says, lower case. */
  type: string;
  e164: string | null;
  /** Why it is not usable, in words; null when it is. */
  problem: string | null;
  /** libphonenumber's line type when it knows it. */
  lineType: 'mobile' | 'fixed' | 'other' | 'unknown';
}

export function normalisePhone(raw: string, countryCode: string | null): { e164: string; lineType: CustomerPhone['lineType'] } | { problem: string } {
  const text = raw.trim();
  if (!text) return { problem: 'The number is empty' };
  const country = countryCode && /^[A-Z]{2}$/i.test(countryCode) ? (countryCode.toUpperCase() as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(text.startsWith('00') ? `+${text.slice(2)}` : text, country);
  if (!parsed) return { problem: country ? 'The number cannot be read as a phone number' : 'The number has no country code and the organisation has no country' };
  if (!parsed.isValid()) return { problem: 'The number is not a valid phone number for its country' };
  const t = parsed.getType();
  const lineType = t === 'MOBILE' ? 'mobile' : t === 'FIXED_LINE' ? 'fixed' : t === 'FIXED_LINE_OR_MOBILE' ? 'other' : t ? 'other' : 'unknown';
  return { e164: parsed.number, lineType };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

/** The ledger's numbers: the normalised `phones` column, else the raw Xero / QuickBooks contact. */
export function ledgerPhones(phones: unknown, raw: unknown): { type: string; number: string }[] {
  const out: { type: string; number: string }[] = [];
  for (const p of Array.isArray(phones) ? (phones as Record<string, unknown>[]) : []) {
    const n = str(p?.['number']);
    if (n) out.push({ type: str(p['type']).toLowerCase() || 'default', number: n });
  }
  if (out.length > 0 || !raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  for (const p of Array.isArray(r['Phones']) ? (r['Phones'] as Record<string, unknown>[]) : []) {
    const n = str(p?.['PhoneNumber']);
    if (!n) continue;
    const cc = str(p['PhoneCountryCode']).replace(/^\+/, '');
    const area = str(p['PhoneAreaCode']);
    out.push({ type: str(p['PhoneType']).toLowerCase() || 'default', number: cc ? `+${cc} ${area} ${n}` : `${area} ${n}` });
  }
  for (const [key, type] of [
    ['Mobile', 'mobile'],
    ['PrimaryPhone', 'default'],
    ['AlternatePhone', 'other'],
  ] as const) {
    const n = str((r[key] as Record<string, unknown> | undefined)?.['FreeFormNumber']);
    if (n) out.push({ type, number: n });
  }
  return out;
}

export function customerPhones(phones: unknown, raw: unknown, countryCode: string | null): CustomerPhone[] {
  const seen = new Set<string>();
  const out: CustomerPhone[] = [];
  for (const p of ledgerPhones(phones, raw)) {
    if (p.type === 'fax') continue;
    const n = normalisePhone(p.number, countryCode);
    if ('e164' in n) {
      if (seen.has(n.e164)) continue;
      seen.add(n.e164);
      out.push({ raw: p.number, type: p.type, e164: n.e164, problem: null, lineType: n.lineType });
    } else out.push({ raw: p.number, type: p.type, e164: null, problem: n.problem, lineType: 'unknown' });
  }
  return out;
}

/** The number to text: a mobile (by the ledger's type, then by the number's own), else the first valid one. */
export function smsNumber(phones: readonly CustomerPhone[]): CustomerPhone | null {
  const valid = phones.filter((p) => p.e164);
  return valid.find((p) => p.type === 'mobile') ?? valid.find((p) => p.lineType === 'mobile') ?? valid.find((p) => p.lineType !== 'fixed') ?? null;
}

/** "+44 7700 900123" for people (the task's words, the customer page). */
export function displayPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/** "+44 •••••••456": the timeline's and the logs' form (a debtor's number is never written out in full there). */
export function maskPhone(e164: string): string {
  const p = parsePhoneNumberFromString(e164);
  const national = p ? String(p.nationalNumber) : e164.replace(/\D/g, '');
  const head = p ? `+${p.countryCallingCode} ` : '';
  return `${head}${'•'.repeat(Math.max(0, national.length - 3))}${national.slice(-3)}`;
}
