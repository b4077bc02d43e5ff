/**
 * Sender identity per organisation, firm-scoped in every query: the from address, footer and
 * logo (here), the sender name and reply-to (reminder_settings), the domain's DKIM key and the
 * last DNS check. A new domain gets a new key and starts unverified.
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import type { Db } from '../db/client';
import { organisations, senderIdentities } from '../db/schema';
import { saveSettings } from '../reminders/config-store';
import { loadSettings } from '../reminders/load';
import { isEmailAddress } from '../reminders/recipients';
import type { SendingIdentity } from './choose';
import { lookupTxt, type TxtResolver } from './dns';
import { generateDkimKey, openDkimKey, sealDkimKey } from './keys';
import { checkLogo } from './logo';
import { checkDkim, checkDmarc, checkSpf, type DnsRecord, domainOf, isVerified, type RecordCheck, type RecordKind, type RecordStatus, recordsFor, spfIncludeFor, statusWords } from './records';

export interface SenderEnv {
  /** TOKEN_ENCRYPTION_KEY: seals the DKIM private keys. */
  key: Buffer;
  /** MAIL_FROM: the firm's address unverified domains fall back to, and the SPF include's domain. */
  mailFrom: string;
  resolver: TxtResolver;
}

const optionalAddress = z
  .string()
  .trim()
  .max(254)
  .nullable()
  .refine((v) => v === null || v === '' || isEmailAddress(v), 'Enter an email address, or leave it empty.');

export const SenderIdentityInputSchema = z
  .object({
    senderName: z.string().trim().max(120).nullable(),
    fromAddress: z
      .string()
      .trim()
      .max(254)
      .nullable()
      .refine((v) => v === null || v === '' || (isEmailAddress(v) && domainOf(v) !== null), 'Enter an address on the client’s own domain, like accounts@client.example.'),
    replyTo: optionalAddress,
    footer: z.string().max(1000),
  })
  .partial()
  .strict();
export type SenderIdentityInput = z.infer<typeof SenderIdentityInputSchema>;

export const LogoInputSchema = z.object({ logo: z.string().min(1, 'Choose a PNG or JPEG image.').max(400_000, 'The logo is larger than 256 KB: choose a smaller image.') }).strict();

export interface SenderRecordView extends DnsRecord {
  status: RecordStatus;
  statusText: string;
}

export interface SenderIdentityView {
  organisationId: string;
  organisationName: string;
  senderName: string | null;
  fromAddress: string | null;
  replyTo: string | null;
  footer: string;
  /** Path of the uploaded logo on this server, or null. */
  logoPath: string | null;
  domain: string | null;
  records: SenderRecordView[];
  checkedAt: Date | null;
  verified: boolean;
  /** How reminders go out now, in words. */
  sendingAs: string;
}

export const logoPath = (key: string) => `/brand/logo/${key}`;

async function ownOrganisation(db: Db, firmId: string, organisationId: string) {
  const [o] = await db
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .where(and(eq(organisations.id, organisationId), eq(organisations.firmId, firmId)));
  if (!o) throw notFound('No such organisation.');
  return o;
}

type Row = typeof senderIdentities.$inferSelect;

async function loadRow(db: Db, organisationId: string): Promise<Row | null> {
  const [row] = await db.select().from(senderIdentities).where(eq(senderIdentities.organisationId, organisationId));
  return row ?? null;
}

function statusOf(row: Row, kind: RecordKind): RecordStatus {
  return (kind === 'spf' ? row.spfStatus : kind === 'dkim' ? row.dkimStatus : row.dmarcStatus) as RecordStatus;
}

/** Verified by the last check, for the address it holds now. */
function rowVerified(row: Row | null): boolean {
  return Boolean(row?.verifiedAt && row.fromAddress && row.domain && domainOf(row.fromAddress) === row.domain && (['spf', 'dkim', 'dmarc'] as const).every((k) => statusOf(row, k) === 'found'));
}

export async function getSenderIdentity(db: Db, firmId: string, organisationId: string, env: Pick<SenderEnv, 'mailFrom'>): Promise<SenderIdentityView> {
  const org = await ownOrganisation(db, firmId, organisationId);
  const settings = await loadSettings(db, organisationId);
  const row = await loadRow(db, organisationId);
  const include = spfIncludeFor(env.mailFrom);
  const records =
    row?.domain && row.dkimSelector && row.dkimPublicKey
      ? recordsFor(row.domain, { selector: row.dkimSelector, publicKey: row.dkimPublicKey }, include).map((r) => {
          const status = statusOf(row, r.kind);
          return { ...r, status, statusText: statusWords(r.kind, status) };
        })
      : [];
  const verified = rowVerified(row);
  const name = settings.senderName?.trim() || org.name;
  const firmAddress = /<([^>]+)>/.exec(env.mailFrom)?.[1] ?? env.mailFrom;
  const replies = settings.replyTo ?? row?.fromAddress ?? null;
  const sendingAs = verified
    ? `Reminders go from ${name} <${row!.fromAddress}>, signed for ${row!.domain}.`
    : `Reminders go from ${name} <${firmAddress}>${replies ? `, and replies go to ${replies}` : ''}. They will come from the client’s own address once its domain is verified.`;
  return {
    organisationId: org.id,
    organisationName: org.name,
    senderName: settings.senderName,
    fromAddress: row?.fromAddress ?? null,
    replyTo: settings.replyTo,
    footer: row?.footer ?? '',
    logoPath: row?.logoKey ? logoPath(row.logoKey) : null,
    domain: row?.domain ?? null,
    records,
    checkedAt: row?.checkedAt ?? null,
    verified,
    sendingAs,
  };
}

export async function saveSenderIdentity(db: Db, firmId: string, organisationId: string, input: SenderIdentityInput, env: SenderEnv, now: Date): Promise<SenderIdentityView> {
  await ownOrganisation(db, firmId, organisationId);
  if (input.senderName !== undefined || input.replyTo !== undefined) {
    await saveSettings(db, firmId, organisationId, { ...(input.senderName !== undefined ? { senderName: input.senderName || null } : {}), ...(input.replyTo !== undefined ? { replyTo: input.replyTo ?? '' } : {}) }, now);
  }
  const row = await loadRow(db, organisationId);
  const fromAddress = input.fromAddress === undefined ? (row?.fromAddress ?? null) : input.fromAddress || null;
  const domain = domainOf(fromAddress);
  const patch: Partial<typeof senderIdentities.$inferInsert> = { fromAddress, footer: input.footer ?? row?.footer ?? '', updatedAt: now };
  if (domain && domain !== row?.domain) {
    // A new domain: a key of its own, and nothing is verified until it is checked.
    const key = generateDkimKey();
    Object.assign(patch, {
      domain,
      dkimSelector: key.selector,
      dkimPublicKey: key.publicKey,
      dkimPrivateKeyEnc: sealDkimKey(env.key, organisationId, domain, key.privateKeyPem),
      spfStatus: 'unchecked',
      dkimStatus: 'unchecked',
      dmarcStatus: 'unchecked',
      checkedAt: null,
      verifiedAt: null,
    });
  }
  await db
    .insert(senderIdentities)
    .values({ organisationId, firmId, ...patch, createdAt: now })
    .onConflictDoUpdate({ target: senderIdentities.organisationId, set: patch });
  return getSenderIdentity(db, firmId, organisationId, env);
}

/** "Check now": look the three records up, record found/missing per record and when. */
export async function checkSenderDomain(db: Db, firmId: string, organisationId: string, env: SenderEnv, now: Date): Promise<SenderIdentityView> {
  await ownOrganisation(db, firmId, organisationId);
  const row = await loadRow(db, organisationId);
  if (!row?.domain || !row.dkimSelector || !row.dkimPublicKey) throw notFound('Enter the client’s from address first: its domain is what gets checked.');
  const [spf, dkim, dmarc] = await Promise.all([lookupTxt(env.resolver, row.domain), lookupTxt(env.resolver, `${row.dkimSelector}._domainkey.${row.domain}`), lookupTxt(env.resolver, `_dmarc.${row.domain}`)]);
  const checks: RecordCheck[] = [
    { kind: 'spf', status: checkSpf(spf, spfIncludeFor(env.mailFrom)) },
    { kind: 'dkim', status: checkDkim(dkim, row.dkimPublicKey) },
    { kind: 'dmarc', status: checkDmarc(dmarc) },
  ];
  const status = (k: RecordKind) => checks.find((c) => c.kind === k)!.status;
  await db
    .update(senderIdentities)
    .set({ spfStatus: status('spf'), dkimStatus: status('dkim'), dmarcStatus: status('dmarc'), checkedAt: now, verifiedAt: isVerified(checks) ? (row.verifiedAt ?? now) : null, updatedAt: now })
    .where(and(eq(senderIdentities.organisationId, organisationId), eq(senderIdentities.domain, row.domain)));
  return getSenderIdentity(db, firmId, organisationId, env);
}

export async function saveLogo(db: Db, firmId: string, organisationId: string, base64: string, env: Pick<SenderEnv, 'mailFrom'>, now: Date): Promise<SenderIdentityView> {
  await ownOrganisation(db, firmId, organisationId);
  const { bytes, type } = checkLogo(base64);
  const patch = { logoKey: randomBytes(16).toString('hex'), logoType: type, logoData: bytes.toString('base64'), updatedAt: now };
  await db
    .insert(senderIdentities)
    .values({ organisationId, firmId, ...patch, createdAt: now })
    .onConflictDoUpdate({ target: senderIdentities.organisationId, set: patch });
  return getSenderIdentity(db, firmId, organisationId, env);
}

export async function deleteLogo(db: Db, firmId: string, organisationId: string, env: Pick<SenderEnv, 'mailFrom'>, now: Date): Promise<SenderIdentityView> {
  await ownOrganisation(db, firmId, organisationId);
  await db.update(senderIdentities).set({ logoKey: null, logoType: null, logoData: null, updatedAt: now }).where(eq(senderIdentities.organisationId, organisationId));
  return getSenderIdentity(db, firmId, organisationId, env);
}

/** The firm a public logo key belongs to (a narrow lookup, run as the system). */
export async function firmOfLogo(db: Db, key: string): Promise<string | null> {
  if (!/^[0-9a-f]{32}$/.test(key)) return null;
  const [r] = await db.select({ firmId: senderIdentities.firmId }).from(senderIdentities).where(eq(senderIdentities.logoKey, key));
  return r?.firmId ?? null;
}

export async function logoByKey(db: Db, key: string): Promise<{ type: string; bytes: Buffer } | null> {
  const [r] = await db.select({ type: senderIdentities.logoType, data: senderIdentities.logoData }).from(senderIdentities).where(eq(senderIdentities.logoKey, key));
  return r?.type && r.data ? { type: r.type, bytes: Buffer.from(r.data, 'base64') } : null;
}

/** The uploaded logo's path for an organisation (pay page, emails), or null. */
export async function logoPathOf(db: Db, organisationId: string): Promise<string | null> {
  const [r] = await db.select({ key: senderIdentities.logoKey }).from(senderIdentities).where(eq(senderIdentities.organisationId, organisationId));
  return r?.key ? logoPath(r.key) : null;
}

/**
 * What sending needs: the identity with its private key opened — null (fall back) when there is
 * none; an unopenable key counts as unverified (`keyProblem`, for the log, never the key).
 */
export async function loadSendingIdentity(db: Db, organisationId: string, key: Buffer | undefined): Promise<{ identity: SendingIdentity; footer: string; logoPath: string | null; keyProblem: boolean } | null> {
  const row = await loadRow(db, organisationId);
  if (!row) return null;
  const verified = rowVerified(row);
  let privateKeyPem: string | null = null;
  let keyProblem = false;
  if (verified && row.dkimPrivateKeyEnc && row.domain) {
    try {
      if (!key) throw new Error('no key');
      privateKeyPem = openDkimKey(key, organisationId, row.domain, row.dkimPrivateKeyEnc);
    } catch {
      keyProblem = true;
    }
  }
  return {
    identity: { fromAddress: row.fromAddress, domain: row.domain, selector: row.dkimSelector, verified: verified && privateKeyPem !== null, privateKeyPem },
    footer: row.footer,
    logoPath: row.logoKey ? logoPath(row.logoKey) : null,
    keyProblem,
  };
}
