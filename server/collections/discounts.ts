/**
 * Early-payment discounts by policy, run after each sync/assessment:
 *   1. apply — an offered discount whose invoice the synced payments (all dated on or before
 *      the offer's last day) have brought down to the discount or less gets a `credit_note`
 *      write-back (purpose early_payment_discount, source key `discount:<offerId>`) allocated
 *      to the invoice for what is left, and the offer is marked applied. The pay page applies
 *      discounts paid through a pay link with the same source key, so the two never both do;
 *   2. withdraw — offers past their last day (in the organisation's calendar) are withdrawn
 *      (a payment dated in time that is synced up to LATE_SYNC_DAYS later still earns it);
 *   3. offer — open invoices issued inside the window, owing at least the minimum, not
 *      disputed/on a plan and not created by Arcus, get one `discount_offers` row each.
 */
import { and, asc, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { discountOffers, invoices, paymentAllocations, payments } from '../db/schema';
import { discountToApply, offerDiscount } from '../domain/collections/discounts';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { requestWriteback } from '../writebacks/request';
import type { WritebackStatus } from '../writebacks/types';
import { arcusCreatedInvoices, type CollectionsDeps, heldInvoices, loadOpenInvoices, loadOrg, type OrgRow, orgToday } from './common';
import { effectiveCollectionsPolicy } from '../settings/store';
import { dayText, decimal, discountSourceKey, invoiceName, minor, money } from './rules';

/** Days after expiry a withdrawn offer is still applied when a payment dated in time arrives late. */
export const LATE_SYNC_DAYS = 7;

export interface DiscountRun {
  offered: number;
  withdrawn: number;
  applied: { offerId: string; writebackId: string; status: WritebackStatus; amount: string }[];
}

/** Create offers for eligible open invoices (idempotent: one offer per invoice, ever). */
export async function offerDiscounts(db: Db, org: OrgRow, today: CalendarDate, now: Date): Promise<number> {
  const policy = (await effectiveCollectionsPolicy(db, org.firmId, org.id)).earlyDiscount;
  if (!policy.enabled) return 0;
  const rules = { ratePct: policy.ratePct, withinDays: policy.withinDays, minimumAmount: minor(policy.minimumAmount) };
  const open = (await loadOpenInvoices(db, org)).filter((i) => i.issueDate >= addDays(today, -policy.withinDays) && i.issueDate <= today);
  if (open.length === 0) return 0;
  const arcus = await arcusCreatedInvoices(db, org);
  const held = await heldInvoices(db, org, open, now, today);
  const rows = [];
  for (const inv of open) {
    if (arcus.has(inv.externalId) || held.has(inv.id)) continue;
    const o = offerDiscount({ issueDate: inv.issueDate, amountDue: inv.amountDue }, rules, today);
    if ('none' in o) continue;
    rows.push({ firmId: org.firmId, organisationId: org.id, invoiceId: inv.id, rateBp: o.rateBp, discount: decimal(o.discount), currency: inv.currency, expiresOn: o.expiresOn });
  }
  if (rows.length === 0) return 0;
  const inserted = await db.insert(discountOffers).values(rows).onConflictDoNothing().returning({ id: discountOffers.id });
  return inserted.length;
}

/** Offers past their last day are withdrawn. */
export async function withdrawExpired(db: Db, org: Pick<OrgRow, 'id' | 'firmId'>, today: CalendarDate): Promise<number> {
  const rows = await db
    .update(discountOffers)
    .set({ status: 'withdrawn', updatedAt: new Date() })
    .where(and(eq(discountOffers.firmId, org.firmId), eq(discountOffers.organisationId, org.id), eq(discountOffers.status, 'offered'), lt(discountOffers.expiresOn, today)))
    .returning({ id: discountOffers.id });
  return rows.length;
}

/** Apply offers whose invoices were paid in time (from synced payments). */
export async function applyPaidDiscounts(deps: CollectionsDeps, org: OrgRow, today: CalendarDate): Promise<DiscountRun['applied']> {
  const { db } = deps;
  const offers = await db
    .select({ id: discountOffers.id, invoiceId: discountOffers.invoiceId, discount: discountOffers.discount, expiresOn: discountOffers.expiresOn, currency: discountOffers.currency, rateBp: discountOffers.rateBp, inv: invoices })
    .from(discountOffers)
    .innerJoin(invoices, and(eq(invoices.id, discountOffers.invoiceId), eq(invoices.organisationId, discountOffers.organisationId)))
    .where(
      and(
        eq(discountOffers.firmId, org.firmId),
        eq(discountOffers.organisationId, org.id),
        // A payment made in time but synced after the offer was withdrawn still earns it, for a while.
        or(eq(discountOffers.status, 'offered'), and(eq(discountOffers.status, 'withdrawn'), gte(discountOffers.expiresOn, addDays(today, -LATE_SYNC_DAYS)))),
        eq(invoices.status, 'authorised'),
        sql`${invoices.amountDue} > 0`,
      ),
    );
  if (offers.length === 0) return [];
  const received = await db
    .select({ invoiceExternalId: paymentAllocations.invoiceExternalId, date: paymentAllocations.date, amount: paymentAllocations.amount })
    .from(paymentAllocations)
    .innerJoin(payments, eq(payments.id, paymentAllocations.paymentId))
    .where(and(eq(paymentAllocations.firmId, org.firmId), eq(paymentAllocations.organisationId, org.id), eq(payments.status, 'authorised'), inArray(paymentAllocations.invoiceExternalId, offers.map((o) => o.inv.externalId))))
    .orderBy(asc(paymentAllocations.date));
  const byInvoice = new Map<string, { date: string; amount: number }[]>();
  for (const r of received) byInvoice.set(r.invoiceExternalId, [...(byInvoice.get(r.invoiceExternalId) ?? []), { date: r.date, amount: minor(r.amount) }]);
  const out: DiscountRun['applied'] = [];
  for (const o of offers) {
    const credit = discountToApply({ discount: minor(o.discount), expiresOn: o.expiresOn }, { amountDue: minor(o.inv.amountDue), payments: byInvoice.get(o.inv.externalId) ?? [] });
    if (credit <= 0) continue;
    const amount = decimal(credit);
    const shown = money(credit, o.inv.currency);
    const pct = decimal(o.rateBp).replace(/\.?0+$/, '');
    const r = await requestWriteback(deps, {
      firmId: org.firmId,
      organisationId: org.id,
      kind: 'credit_note',
      purpose: 'early_payment_discount',
      sourceKey: discountSourceKey(o.id),
      invoiceId: o.inv.id,
      invoiceExternalId: o.inv.externalId,
      contactId: o.inv.contactId,
      contactExternalId: o.inv.contactExternalId,
      amount,
      currency: o.inv.currency,
      request: {
        contactExternalId: o.inv.contactExternalId,
        date: today,
        reference: `Early-payment discount on ${invoiceName(o.inv)}`,
        currency: o.inv.currency,
        lines: [{ description: `Early-payment discount (${pct}%) on ${invoiceName(o.inv)}, paid by ${dayText(o.expiresOn)}`, amount }],
        allocateTo: { invoiceExternalId: o.inv.externalId, amount },
      },
      noteText: `Early-payment discount of ${shown} credited by Arcus (paid by ${dayText(o.expiresOn)})`,
      requestedBy: 'system',
      summary: `Early-payment discount of ${shown} on ${invoiceName(o.inv)}`,
    });
    await db
      .update(discountOffers)
      .set({ status: 'applied', writebackId: r.id, updatedAt: new Date() })
      .where(and(eq(discountOffers.id, o.id), inArray(discountOffers.status, ['offered', 'withdrawn'])));
    out.push({ offerId: o.id, writebackId: r.id, status: r.status, amount });
  }
  return out;
}

/** The whole discount pass for one organisation: apply, then withdraw, then offer. */
export async function runDiscounts(deps: CollectionsDeps, firmId: string, organisationId: string): Promise<DiscountRun> {
  const now = deps.now?.() ?? new Date();
  const org = await loadOrg(deps.db, firmId, organisationId);
  const today = orgToday(org, now);
  const applied = await applyPaidDiscounts(deps, org, today);
  const withdrawn = await withdrawExpired(deps.db, org, today);
  const offered = org.status === 'active' ? await offerDiscounts(deps.db, org, today, now) : 0;
  return { offered, withdrawn, applied };
}

export interface OfferView {
  id: string;
  invoiceId: string;
  invoiceNumber: string;
  contactExternalId: string;
  rateBp: number;
  discount: string;
  currency: string;
  expiresOn: string;
  status: string;
  writebackId: string | null;
  amountDue: string;
}

export async function listOffers(db: Db, firmId: string, organisationId: string): Promise<OfferView[]> {
  await loadOrg(db, firmId, organisationId);
  const rows = await db
    .select({ o: discountOffers, number: invoices.number, contactExternalId: invoices.contactExternalId, amountDue: invoices.amountDue })
    .from(discountOffers)
    .innerJoin(invoices, eq(invoices.id, discountOffers.invoiceId))
    .where(and(eq(discountOffers.firmId, firmId), eq(discountOffers.organisationId, organisationId)))
    .orderBy(asc(discountOffers.expiresOn));
  return rows.map((r) => ({
    id: r.o.id,
    invoiceId: r.o.invoiceId,
    invoiceNumber: r.number,
    contactExternalId: r.contactExternalId,
    rateBp: r.o.rateBp,
    discount: decimal(minor(r.o.discount)),
    currency: r.o.currency,
    expiresOn: r.o.expiresOn,
    status: r.o.status,
    writebackId: r.o.writebackId,
    amountDue: decimal(minor(r.amountDue)),
  }));
}
