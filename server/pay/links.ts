/**
 * Pay links: one per invoice and one per customer statement, in `pay_links`. The token is not
 * stored: it is an HMAC of the row's id and a random salt under the pay-link key
 * (link-tokens.ts), re-derived whenever the link is shown; the row keeps the salt and the
 * token's SHA-256. Idempotent: asking again returns the same link. When an invoice's link is first
 * created a `pay_link` write-back is requested so the link is written into the ledger (Xero
 * `Url`, QuickBooks customer memo).
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { notFound } from '../../kernel/errors';
import type { Db } from '../db/client';
import { contacts, invoices, organisations, payLinks } from '../db/schema';
import { requestWriteback } from '../writebacks/request';
import { publicBase } from './env';
import { deriveToken, hashToken, newSalt, sameHash } from './link-tokens';

export interface PayLink {
  token: string;
  url: string;
}

export interface LinkContext {
  appUrl: string | null;
  enqueueExecute(writebackId: string): Promise<void>;
  /** The pay-link key (config.payLinkKey): tokens are derived under it. */
  linkKey: Buffer;
}

/** What callers pass: the key is required, the rest has defaults. */
export type LinkOptions = Partial<LinkContext> & Pick<LinkContext, 'linkKey'>;

/** Without an enqueuer a new link's write-back stays pending until the write-back sweep queues it. */
function context(ctx: LinkOptions): LinkContext {
  return { appUrl: ctx.appUrl ?? null, enqueueExecute: ctx.enqueueExecute ?? (async () => undefined), linkKey: ctx.linkKey };
}

export function payUrl(appUrl: string, token: string): string {
  return `${appUrl.replace(/\/+$/, '')}/pay/${token}`;
}

/** A link row's token columns, as `linkToken` needs them. */
export interface LinkTokenRow {
  id: string;
  firmId: string;
  tokenSalt: string | null;
  tokenHash: string | null;
  legacyTokenHash: string | null;
  revokedAt: Date | null;
}

export const linkTokenColumns = {
  id: payLinks.id,
  firmId: payLinks.firmId,
  tokenSalt: payLinks.tokenSalt,
  tokenHash: payLinks.tokenHash,
  legacyTokenHash: payLinks.legacyTokenHash,
  revokedAt: payLinks.revokedAt,
};

/** A fresh salt and the token it gives for a row id. */
function issue(key: Buffer, id: string): { salt: string; token: string; hash: string } {
  const salt = newSalt();
  const token = deriveToken(key, id, salt);
  return { salt, token, hash: hashToken(token) };
}

/**
 * The token of an existing link row, derived from its salt. A row made before migration 0016 (no
 * salt), or whose hash another key made, gets a fresh salt: its old token's hash moves to
 * `legacy_token_hash` (when that is free), so links already sent keep working. `revive` (asking for
 * the link again) gives a revoked link a fresh token and un-revokes it: a revoked token stays dead.
 * Each change is one guarded UPDATE; a concurrent change is re-read.
 */
export async function linkToken(db: Db, key: Buffer, first: LinkTokenRow, opts: { revive: boolean }): Promise<string> {
  let row = first;
  for (let tries = 0; tries < 5; tries++) {
    if (row.revokedAt && opts.revive) {
      const n = issue(key, row.id);
      const done = await db
        .update(payLinks)
        .set({ tokenSalt: n.salt, tokenHash: n.hash, legacyTokenHash: null, revokedAt: null })
        .where(and(eq(payLinks.id, row.id), eq(payLinks.firmId, row.firmId), sql`${payLinks.revokedAt} IS NOT NULL`))
        .returning({ id: payLinks.id });
      if (done.length) return n.token;
    } else {
      if (row.tokenSalt) {
        const token = deriveToken(key, row.id, row.tokenSalt);
        if (sameHash(row.tokenHash, hashToken(token))) return token;
      }
      const n = issue(key, row.id);
      const done = await db
        .update(payLinks)
        .set({ tokenSalt: n.salt, tokenHash: n.hash, legacyTokenHash: sql`coalesce(${payLinks.legacyTokenHash}, ${payLinks.tokenHash})` })
        .where(and(eq(payLinks.id, row.id), eq(payLinks.firmId, row.firmId), row.tokenSalt === null ? isNull(payLinks.tokenSalt) : eq(payLinks.tokenSalt, row.tokenSalt)))
        .returning({ id: payLinks.id });
      if (done.length) return n.token;
    }
    const [again] = await db.select(linkTokenColumns).from(payLinks).where(and(eq(payLinks.id, row.id), eq(payLinks.firmId, row.firmId)));
    if (!again) throw notFound('No such pay link.', 'pay_link_not_found');
    row = again;
  }
  throw new Error('pay link token kept changing under us');
}

/**
 * The URL of a link row, derived again (a stored copy keeps none): undefined when the firm has no
 * such link, null when APP_URL cannot be built. A write-back writing the link into the ledger asks.
 */
export async function payLinkUrl(db: Db, input: { firmId: string; linkId: string }, ctx: { appUrl: string | null; linkKey: Buffer }): Promise<string | null | undefined> {
  const [row] = await db.select(linkTokenColumns).from(payLinks).where(and(eq(payLinks.id, input.linkId), eq(payLinks.firmId, input.firmId)));
  if (!row) return undefined;
  const base = publicBase(ctx.appUrl);
  if (!base) return null;
  return payUrl(base, await linkToken(db, ctx.linkKey, row, { revive: false }));
}

/** The live links of these invoices, by invoice id (none is created): for re-showing a link whose stored copy was hidden. */
export async function invoiceLinkUrls(db: Db, input: { firmId: string; organisationId: string; invoiceIds: readonly string[] }, ctx: { appUrl: string | null; linkKey: Buffer }): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const base = publicBase(ctx.appUrl);
  if (!base || input.invoiceIds.length === 0) return out;
  const rows = await db
    .select({ ...linkTokenColumns, invoiceId: payLinks.invoiceId })
    .from(payLinks)
    .where(and(eq(payLinks.firmId, input.firmId), eq(payLinks.organisationId, input.organisationId), inArray(payLinks.invoiceId, [...input.invoiceIds]), isNull(payLinks.revokedAt)));
  for (const row of rows) if (row.invoiceId) out.set(row.invoiceId, payUrl(base, await linkToken(db, ctx.linkKey, row, { revive: false })));
  return out;
}

/**
 * The invoice's pay link (created on first call). Throws when APP_URL cannot be built or the
 * invoice is not the firm's; returns null for such cases via `tryEnsurePayLink`.
 */
export async function ensurePayLink(db: Db, input: { firmId: string; organisationId: string; invoiceId: string }, ctx: LinkOptions): Promise<PayLink> {
  const c = context(ctx);
  const base = publicBase(c.appUrl);
  if (!base) throw new Error('APP_URL is not an absolute http(s) URL: pay links cannot be built');
  const [inv] = await db
    .select({ id: invoices.id, externalId: invoices.externalId, number: invoices.number, contactExternalId: invoices.contactExternalId, contactId: invoices.contactId })
    .from(invoices)
    .where(and(eq(invoices.id, input.invoiceId), eq(invoices.firmId, input.firmId), eq(invoices.organisationId, input.organisationId)));
  if (!inv) throw notFound('No such invoice in this organisation.', 'invoice_not_found');

  const id = randomUUID();
  const fresh = issue(c.linkKey, id);
  const inserted = await db
    .insert(payLinks)
    .values({ id, firmId: input.firmId, organisationId: input.organisationId, scope: 'invoice', invoiceId: inv.id, contactExternalId: inv.contactExternalId, tokenSalt: fresh.salt, tokenHash: fresh.hash })
    .onConflictDoNothing({ target: [payLinks.organisationId, payLinks.invoiceId] })
    .returning({ id: payLinks.id });
  if (!inserted.length) {
    const [row] = await db
      .select(linkTokenColumns)
      .from(payLinks)
      .where(and(eq(payLinks.firmId, input.firmId), eq(payLinks.organisationId, input.organisationId), eq(payLinks.invoiceId, inv.id)));
    if (!row) throw new Error('pay link conflict without a row');
    const token = await linkToken(db, c.linkKey, row, { revive: true });
    return { token, url: payUrl(base, token) };
  }

  const token = fresh.token;
  const url = payUrl(base, token);
  await requestWriteback(
    { db, enqueueExecute: c.enqueueExecute },
    {
      firmId: input.firmId,
      organisationId: input.organisationId,
      kind: 'pay_link',
      purpose: 'pay_link',
      sourceKey: `pay_link:${inv.id}`,
      invoiceId: inv.id,
      invoiceExternalId: inv.externalId,
      contactId: inv.contactId,
      contactExternalId: inv.contactExternalId,
      request: { payLinkId: id },
      requestedBy: 'system',
      noteText: null,
      summary: `Pay link for invoice ${inv.number || inv.externalId} written to the ledger`,
    },
  );
  return { token, url };
}

/** The customer's statement link (all open invoices), created on first call. */
export async function ensureStatementLink(db: Db, input: { firmId: string; organisationId: string; contactExternalId: string }, ctx: LinkOptions): Promise<PayLink> {
  const c = context(ctx);
  const base = publicBase(c.appUrl);
  if (!base) throw new Error('APP_URL is not an absolute http(s) URL: pay links cannot be built');
  await assertCustomerOf(db, input);
  // No unique index covers statement links (invoice_id is null): serialise per customer instead.
  const token = await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`pay_links:${input.organisationId}:${input.contactExternalId}`}))`);
    const [row] = await tx
      .select(linkTokenColumns)
      .from(payLinks)
      .where(
        and(
          eq(payLinks.firmId, input.firmId),
          eq(payLinks.organisationId, input.organisationId),
          eq(payLinks.scope, 'statement'),
          eq(payLinks.contactExternalId, input.contactExternalId),
          isNull(payLinks.invoiceId),
          isNull(payLinks.revokedAt),
        ),
      )
      .limit(1);
    if (row) return linkToken(tx, c.linkKey, row, { revive: false });
    const id = randomUUID();
    const fresh = issue(c.linkKey, id);
    await tx
      .insert(payLinks)
      .values({ id, firmId: input.firmId, organisationId: input.organisationId, scope: 'statement', invoiceId: null, contactExternalId: input.contactExternalId, tokenSalt: fresh.salt, tokenHash: fresh.hash });
    return fresh.token;
  });
  return { token, url: payUrl(base, token) };
}

/**
 * The organisation must be the firm's and the customer the organisation's (a contact row, or an
 * invoice naming it): the link row's foreign keys do not check either across firms.
 */
async function assertCustomerOf(db: Db, input: { firmId: string; organisationId: string; contactExternalId: string }): Promise<void> {
  const [org] = await db
    .select({ id: organisations.id })
    .from(organisations)
    .where(and(eq(organisations.id, input.organisationId), eq(organisations.firmId, input.firmId)));
  if (!org) throw notFound('No such organisation.', 'organisation_not_found');
  const [contact] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.firmId, input.firmId), eq(contacts.organisationId, org.id), eq(contacts.externalId, input.contactExternalId)))
    .limit(1);
  if (contact) return;
  const [invoice] = await db
    .select({ id: invoices.id })
    .from(invoices)
    .where(and(eq(invoices.firmId, input.firmId), eq(invoices.organisationId, org.id), eq(invoices.contactExternalId, input.contactExternalId)))
    .limit(1);
  if (!invoice) throw notFound('No such customer in this organisation.', 'customer_not_found');
}

/** For callers that must never fail (reminder sends): the link, or null when it cannot be made. */
export async function tryEnsureLink(fn: () => Promise<PayLink>): Promise<PayLink | null> {
  try {
    return await fn();
  } catch {
    return null;
  }
}
