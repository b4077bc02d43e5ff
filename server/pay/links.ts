/**
 * Pay links: one random token per invoice and one per customer statement, in `pay_links`
 * (32 random bytes, base64url; never derived from ids). Idempotent: asking again returns the
 * same link. When an invoice's link is first created a `pay_link` write-back is requested so the
 * link is written into the ledger (Xero `Url`, QuickBooks customer memo).
 */
import { randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { invoices, payLinks } from '../db/schema';
import { requestWriteback } from '../writebacks/request';
import { publicBase } from './env';

export interface PayLink {
  token: string;
  url: string;
}

export interface LinkContext {
  appUrl: string | null;
  enqueueExecute(writebackId: string): Promise<void>;
}

/** Without an enqueuer a new link's write-back stays pending until the write-back sweep queues it. */
function context(ctx?: Partial<LinkContext>): LinkContext {
  return { appUrl: ctx?.appUrl ?? null, enqueueExecute: ctx?.enqueueExecute ?? (async () => undefined) };
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function payUrl(appUrl: string, token: string): string {
  return `${appUrl.replace(/\/+$/, '')}/pay/${token}`;
}

/**
 * The invoice's pay link (created on first call). Throws when APP_URL cannot be built or the
 * invoice is not the firm's; returns null for such cases via `tryEnsurePayLink`.
 */
export async function ensurePayLink(db: Db, input: { firmId: string; organisationId: string; invoiceId: string }, ctx?: Partial<LinkContext>): Promise<PayLink> {
  const c = context(ctx);
  const base = publicBase(c.appUrl);
  if (!base) throw new Error('APP_URL is not an absolute http(s) URL: pay links cannot be built');
  const [inv] = await db
    .select({ id: invoices.id, externalId: invoices.externalId, number: invoices.number, contactExternalId: invoices.contactExternalId, contactId: invoices.contactId })
    .from(invoices)
    .where(and(eq(invoices.id, input.invoiceId), eq(invoices.firmId, input.firmId), eq(invoices.organisationId, input.organisationId)));
  if (!inv) throw new Error('no such invoice in this firm and organisation');

  const inserted = await db
    .insert(payLinks)
    .values({ firmId: input.firmId, organisationId: input.organisationId, scope: 'invoice', invoiceId: inv.id, contactExternalId: inv.contactExternalId, token: newToken() })
    .onConflictDoNothing({ target: [payLinks.organisationId, payLinks.invoiceId] })
    .returning({ token: payLinks.token });
  let token = inserted[0]?.token;
  if (!token) {
    const [row] = await db
      .select({ id: payLinks.id, token: payLinks.token, revokedAt: payLinks.revokedAt })
      .from(payLinks)
      .where(and(eq(payLinks.firmId, input.firmId), eq(payLinks.organisationId, input.organisationId), eq(payLinks.invoiceId, inv.id)));
    if (!row) throw new Error('pay link conflict without a row');
    token = row.token;
    if (row.revokedAt) {
      // A revoked link stays dead; asking again issues a fresh token on the same row.
      token = newToken();
      await db.update(payLinks).set({ token, revokedAt: null }).where(and(eq(payLinks.id, row.id), eq(payLinks.firmId, input.firmId)));
    }
    return { token, url: payUrl(base, token) };
  }

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
      request: { url },
      requestedBy: 'system',
      noteText: null,
      summary: `Pay link for invoice ${inv.number || inv.externalId} written to the ledger`,
    },
  );
  return { token, url };
}

/** The customer's statement link (all open invoices), created on first call. */
export async function ensureStatementLink(db: Db, input: { firmId: string; organisationId: string; contactExternalId: string }, ctx?: Partial<LinkContext>): Promise<PayLink> {
  const c = context(ctx);
  const base = publicBase(c.appUrl);
  if (!base) throw new Error('APP_URL is not an absolute http(s) URL: pay links cannot be built');
  // No unique index covers statement links (invoice_id is null): serialise per customer instead.
  const token = await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`pay_links:${input.organisationId}:${input.contactExternalId}`}))`);
    const [row] = await tx
      .select({ token: payLinks.token })
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
    if (row) return row.token;
    const [created] = await tx
      .insert(payLinks)
      .values({ firmId: input.firmId, organisationId: input.organisationId, scope: 'statement', invoiceId: null, contactExternalId: input.contactExternalId, token: newToken() })
      .returning({ token: payLinks.token });
    return created!.token;
  });
  return { token, url: payUrl(base, token) };
}

/** For callers that must never fail (reminder sends): the link, or null when it cannot be made. */
export async function tryEnsureLink(fn: () => Promise<PayLink>): Promise<PayLink | null> {
  try {
    return await fn();
  } catch {
    return null;
  }
}
