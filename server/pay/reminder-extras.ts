/**
 * What a reminder email adds from pay links: the Arcus pay link (the invoice's own link for a
 * single-invoice email, the customer's statement link for a grouped one) and the early-payment
 * discount still on offer for a listed invoice. Never fails a send: anything missing → null.
 */
import { and, eq, gte, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { discountOffers } from '../db/schema';
import type { CalendarDate } from '../../kernel/dates';
import { ensurePayLink, ensureStatementLink, invoiceLinkUrls, type LinkContext, tryEnsureLink } from './links';
import { isMaskedPayUrl } from './url-at-rest';

export interface ReminderDiscount {
  expiresOn: CalendarDate;
  rateBp: number;
  amount: string;
  currency: string;
}

/**
 * The invoices with their own pay link again where the synced Url holds it without its token (the
 * ledger gives back the link Arcus wrote; it is kept hidden at rest): the email's "View & pay"
 * links. Without the pay-link key such invoices go without a link.
 */
export async function withLivePayLinks<T extends { id: string; url: string | null }>(db: Db, p: { firmId: string; organisationId: string }, list: readonly T[], ctx?: Partial<LinkContext>): Promise<T[]> {
  const hidden = list.filter((i) => isMaskedPayUrl(i.url)).map((i) => i.id);
  if (hidden.length === 0 || !ctx?.linkKey) return [...list];
  const live = await invoiceLinkUrls(db, { ...p, invoiceIds: hidden }, { appUrl: ctx.appUrl ?? null, linkKey: ctx.linkKey }).catch(() => new Map<string, string>());
  return list.map((i) => (isMaskedPayUrl(i.url) ? { ...i, url: live.get(i.id) ?? null } : i));
}

/** The early-payment discounts still on offer for these invoices (by invoice id), in one query: a batch of sends reads them once. */
export async function loadDiscountOffers(db: Db, p: { firmId: string; organisationId: string; today: CalendarDate }, invoiceIds: readonly string[]): Promise<Map<string, ReminderDiscount>> {
  const ids = [...new Set(invoiceIds)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length === 0) return new Map();
  try {
    const offers = await db
      .select({ invoiceId: discountOffers.invoiceId, rateBp: discountOffers.rateBp, discount: discountOffers.discount, currency: discountOffers.currency, expiresOn: discountOffers.expiresOn })
      .from(discountOffers)
      .where(and(eq(discountOffers.firmId, p.firmId), eq(discountOffers.organisationId, p.organisationId), eq(discountOffers.status, 'offered'), gte(discountOffers.expiresOn, p.today), inArray(discountOffers.invoiceId, ids)));
    const out = new Map<string, ReminderDiscount>();
    for (const o of offers) if (!out.has(o.invoiceId)) out.set(o.invoiceId, { expiresOn: o.expiresOn, rateBp: o.rateBp, amount: o.discount, currency: o.currency });
    return out;
  } catch {
    return new Map();
  }
}

export async function reminderPayExtras(
  db: Db,
  p: { firmId: string; organisationId: string; grouped: boolean; contactExternalId: string; invoices: readonly { id: string; currency: string }[]; today: CalendarDate },
  ctx?: Partial<LinkContext>,
  offers?: ReadonlyMap<string, ReminderDiscount>,
): Promise<{ payLink: string | null; discountOffer: ReminderDiscount | null }> {
  const first = p.invoices[0];
  const linkKey = ctx?.linkKey;
  // Without the pay-link key no link can be derived: the email goes without one.
  const link = !linkKey
    ? null
    : !p.grouped && p.invoices.length === 1 && first
      ? await tryEnsureLink(() => ensurePayLink(db, { firmId: p.firmId, organisationId: p.organisationId, invoiceId: first.id }, { ...ctx, linkKey }))
      : await tryEnsureLink(() => ensureStatementLink(db, { firmId: p.firmId, organisationId: p.organisationId, contactExternalId: p.contactExternalId }, { ...ctx, linkKey }));
  let discountOffer: ReminderDiscount | null = null;
  const ids = p.invoices.map((i) => i.id).filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length && offers) {
    // Read for a whole batch of sends beforehand (loadDiscountOffers).
    const o = p.invoices.map((i) => offers.get(i.id)).find((x) => x !== undefined);
    if (o) discountOffer = o;
  } else if (ids.length) {
    try {
      const offers = await db
        .select({ invoiceId: discountOffers.invoiceId, rateBp: discountOffers.rateBp, discount: discountOffers.discount, currency: discountOffers.currency, expiresOn: discountOffers.expiresOn })
        .from(discountOffers)
        .where(and(eq(discountOffers.firmId, p.firmId), eq(discountOffers.organisationId, p.organisationId), eq(discountOffers.status, 'offered'), gte(discountOffers.expiresOn, p.today), inArray(discountOffers.invoiceId, ids)));
      const byInvoice = new Map(offers.map((o) => [o.invoiceId, o]));
      const o = p.invoices.map((i) => byInvoice.get(i.id)).find((x) => x !== undefined);
      if (o) discountOffer = { expiresOn: o.expiresOn, rateBp: o.rateBp, amount: o.discount, currency: o.currency };
    } catch {
      discountOffer = null;
    }
  }
  return { payLink: link?.url ?? null, discountOffer };
}
