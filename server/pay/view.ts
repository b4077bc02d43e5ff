/**
 * Reading a pay link: the token's row (unknown or revoked → null), and what the debtor sees —
 * the organisation, the customer, and the link's invoices (one invoice, or the customer's open
 * invoices for a statement) with what is processing and any early-payment discount. Every query
 * is scoped by the link's firm and organisation.
 */
import type { Language } from '../../kernel/locale';
import { loadCustomerLanguage } from '../reminders/language';
import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { type CalendarDate, todayIn } from '../../kernel/dates';
import { invoiceColumns } from '../collections/common';
import { type Db, queryRows } from '../db/client';
import { contacts, discountOffers, invoices, organisations, payLinks } from '../db/schema';
import type { PayableInvoice } from './amounts';
import { hashToken, sameHash } from './link-tokens';

export interface LinkRow {
  id: string;
  firmId: string;
  organisationId: string;
  scope: 'invoice' | 'statement';
  invoiceId: string | null;
  contactExternalId: string;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function isToken(token: string): boolean {
  return TOKEN.test(token);
}

/**
 * The link a presented token names: found by the token's SHA-256 (the derived token's, or a
 * legacy token's — link-tokens.ts), the stored hash then compared in constant time.
 */
export async function findLink(db: Db, token: string): Promise<LinkRow | null> {
  if (!isToken(token)) return null;
  const hash = hashToken(token);
  const [row] = await db
    .select({ id: payLinks.id, firmId: payLinks.firmId, organisationId: payLinks.organisationId, scope: payLinks.scope, invoiceId: payLinks.invoiceId, contactExternalId: payLinks.contactExternalId, tokenHash: payLinks.tokenHash, legacyTokenHash: payLinks.legacyTokenHash })
    .from(payLinks)
    .where(and(or(eq(payLinks.tokenHash, hash), eq(payLinks.legacyTokenHash, hash)), isNull(payLinks.revokedAt)))
    .limit(1);
  if (!row) return null;
  const { tokenHash, legacyTokenHash, ...link } = row;
  if (!sameHash(tokenHash, hash) && !sameHash(legacyTokenHash, hash)) return null;
  return { ...link, scope: link.scope === 'invoice' ? 'invoice' : 'statement' };
}

export interface LinkView {
  link: LinkRow;
  org: { id: string; name: string; timezone: string; countryCode: string | null; provider: 'xero' | 'quickbooks' };
  customer: { name: string; contactId: string | null; email: string | null };
  /** The customer's language (decision 041): the pay page is shown in it first (absent: English). */
  language?: Language;
  today: CalendarDate;
  invoices: (PayableInvoice & { contactId: string | null; onlineUrl: string | null })[];
}

export async function loadLinkView(db: Db, link: LinkRow, now: Date): Promise<LinkView | null> {
  const [org] = await db
    .select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone, countryCode: organisations.countryCode, provider: organisations.provider })
    .from(organisations)
    .where(and(eq(organisations.id, link.organisationId), eq(organisations.firmId, link.firmId)));
  if (!org) return null;
  const today = todayIn(org.timezone, now);
  const { language } = await loadCustomerLanguage(db, { id: org.id, firmId: link.firmId }, link.contactExternalId);
  const [contact] = await db
    .select({ id: contacts.id, name: contacts.name, emails: contacts.emails })
    .from(contacts)
    .where(and(eq(contacts.firmId, link.firmId), eq(contacts.organisationId, link.organisationId), eq(contacts.externalId, link.contactExternalId)));

  const scope =
    link.scope === 'invoice' && link.invoiceId
      ? [eq(invoices.id, link.invoiceId)]
      : [eq(invoices.contactExternalId, link.contactExternalId), eq(invoices.status, 'authorised'), gt(invoices.amountDue, '0')];
  const rows = await db
    .select(invoiceColumns)
    .from(invoices)
    .where(and(eq(invoices.firmId, link.firmId), eq(invoices.organisationId, link.organisationId), ...scope))
    .orderBy(asc(invoices.dueDate), asc(invoices.issueDate), asc(invoices.number));
  const ids = rows.map((r) => r.id);

  const offers = ids.length
    ? await db
        .select({ id: discountOffers.id, invoiceId: discountOffers.invoiceId, rateBp: discountOffers.rateBp, discount: discountOffers.discount, currency: discountOffers.currency, expiresOn: discountOffers.expiresOn })
        .from(discountOffers)
        .where(and(eq(discountOffers.firmId, link.firmId), eq(discountOffers.organisationId, link.organisationId), eq(discountOffers.status, 'offered'), inArray(discountOffers.invoiceId, ids)))
    : [];
  const offerBy = new Map(offers.map((o) => [o.invoiceId, o]));

  // Paid (or credited) through a pay link but not yet seen in the ledger by a sync.
  const processing = ids.length
    ? await queryRows<{ invoice_id: string; amount: string }>(
        db,
        sql`SELECT w.invoice_id, sum(w.amount)::text AS amount
            FROM writebacks w JOIN invoices i ON i.id = w.invoice_id
            WHERE w.firm_id = ${link.firmId} AND w.organisation_id = ${link.organisationId}
              AND w.invoice_id IN (${sql.join(
                ids.map((id) => sql`${id}::uuid`),
                sql`, `,
              )})
              AND (w.source_key LIKE 'payment:%' OR w.source_key LIKE 'discount:%')
              AND w.status NOT IN ('failed', 'rejected', 'cancelled')
              AND (w.confirmed_at IS NULL OR i.synced_at < w.confirmed_at)
            GROUP BY w.invoice_id`,
      )
    : [];
  const processingBy = new Map(processing.map((p) => [p.invoice_id, p.amount]));

  // The ledger's own online invoice, read when the pay link was written into the ledger.
  const online = ids.length
    ? await queryRows<{ invoice_id: string; url: string }>(
        db,
        sql`SELECT invoice_id, result->'sent'->>'onlineUrl' AS url FROM writebacks
            WHERE firm_id = ${link.firmId} AND organisation_id = ${link.organisationId} AND kind = 'pay_link' AND status = 'confirmed'
              AND result->'sent'->>'onlineUrl' ~ '^https?://'
              AND invoice_id IN (${sql.join(
                ids.map((id) => sql`${id}::uuid`),
                sql`, `,
              )})`,
      )
    : [];
  const onlineBy = new Map(online.map((o) => [o.invoice_id, o.url]));

  const emails = Array.isArray(contact?.emails) ? (contact.emails as { address?: unknown; primary?: unknown }[]) : [];
  const email = emails.find((e) => e.primary && typeof e.address === 'string')?.address ?? emails.find((e) => typeof e.address === 'string')?.address ?? null;
  return {
    link,
    org,
    customer: { name: contact?.name ?? 'Customer', contactId: contact?.id ?? null, email: typeof email === 'string' ? email : null },
    language,
    today,
    invoices: rows.map((r) => {
      const o = offerBy.get(r.id);
      return { ...r, onlineUrl: onlineBy.get(r.id) ?? null, processing: processingBy.get(r.id) ?? '0', offer: o ? { id: o.id, rateBp: o.rateBp, discount: o.discount, currency: o.currency, expiresOn: o.expiresOn } : null };
    }),
  };
}
