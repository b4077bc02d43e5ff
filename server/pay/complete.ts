/**
 * Completing a checkout, exactly once, from whichever arrives first: the provider's webhook or
 * the debtor's return to the pay page. The provider is asked for the session's state (paid, and
 * for exactly the amount and currency we opened it with); the checkout moves open → completed by
 * one guarded UPDATE; then each allocation becomes a `payment` write-back (source key
 * `payment:<checkout>:<invoice>`) and each discount a `credit_note` write-back allocated to the
 * invoice (source key `discount:<offer>`), the offer marked applied. Requests are deduplicated by
 * source key, so a repeat (a second arrival, or a crash after the UPDATE) re-requests safely and
 * creates nothing twice. Nothing here writes to the ledger: the write-back engine does.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { PaymentProvider } from '../../integrations/payments/provider';
import type { Db } from '../db/client';
import { activities, checkouts, discountOffers, invoices, organisations } from '../db/schema';
import { todayIn } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import type { Logger } from '../logger';
import { formatMoney, minorOf } from '../reminders/render';
import { requestWriteback } from '../writebacks/request';

export interface CompleteDeps {
  db: Db;
  provider: PaymentProvider;
  enqueueExecute(writebackId: string): Promise<void>;
  now(): Date;
  log?: Logger;
}

export type CompleteOutcome = 'completed' | 'already_completed' | 'open' | 'expired' | 'failed' | 'not_found';

export interface CompleteResult {
  outcome: CompleteOutcome;
  checkoutId: string | null;
  writebackIds: string[];
}

const StoredAllocation = z.object({
  invoiceId: z.uuid(),
  invoiceExternalId: z.string().min(1),
  number: z.string(),
  amount: z.string(),
  discount: z.string().nullable(),
  offerId: z.uuid().nullable(),
});
const StoredAllocations = z.array(StoredAllocation);

type CheckoutRow = typeof checkouts.$inferSelect;

export async function completeCheckout(deps: CompleteDeps, ref: { checkoutId: string } | { sessionId: string }): Promise<CompleteResult> {
  const where = 'checkoutId' in ref ? eq(checkouts.id, ref.checkoutId) : and(eq(checkouts.provider, deps.provider.name), eq(checkouts.providerSessionId, ref.sessionId));
  const [row] = await deps.db.select().from(checkouts).where(where);
  if (!row) return { outcome: 'not_found', checkoutId: null, writebackIds: [] };
  if (row.provider !== deps.provider.name) return { outcome: 'failed', checkoutId: row.id, writebackIds: [] };
  if (row.status === 'completed') return { outcome: 'already_completed', checkoutId: row.id, writebackIds: await requestWritebacks(deps, row) };
  if (row.status !== 'open' || !row.providerSessionId) return { outcome: row.status === 'expired' ? 'expired' : row.status === 'failed' ? 'failed' : 'open', checkoutId: row.id, writebackIds: [] };

  const state = await deps.provider.retrieveCheckout(row.providerSessionId);
  const now = deps.now();
  if (!state.paid) {
    if (state.status !== 'expired') return { outcome: 'open', checkoutId: row.id, writebackIds: [] };
    await deps.db
      .update(checkouts)
      .set({ status: 'expired', updatedAt: now })
      .where(and(eq(checkouts.id, row.id), eq(checkouts.status, 'open')));
    return { outcome: 'expired', checkoutId: row.id, writebackIds: [] };
  }
  if (state.currency !== row.currency.toUpperCase() || toMinor(state.amountTotal, 4, true) !== toMinor(row.amount, 4, true)) {
    // Never book money we did not ask for: a person must look at it.
    await deps.db
      .update(checkouts)
      .set({ status: 'failed', providerPaymentId: state.paymentId, updatedAt: now })
      .where(and(eq(checkouts.id, row.id), eq(checkouts.status, 'open')));
    deps.log?.error({ checkoutId: row.id, expected: `${row.amount} ${row.currency}`, got: `${state.amountTotal} ${state.currency}` }, 'checkout paid with an unexpected amount; not booked');
    return { outcome: 'failed', checkoutId: row.id, writebackIds: [] };
  }

  const completed = await deps.db.transaction(async (tx) => {
    const [done] = await tx
      .update(checkouts)
      .set({ status: 'completed', completedAt: now, providerPaymentId: state.paymentId ?? row.providerPaymentId, updatedAt: now })
      .where(and(eq(checkouts.id, row.id), eq(checkouts.status, 'open')))
      .returning();
    if (!done) return null;
    await tx.insert(activities).values({
      firmId: done.firmId,
      organisationId: done.organisationId,
      actorType: 'debtor',
      kind: 'payment.received',
      summary: `Paid ${done.amount} ${done.currency} online through the pay link`,
      details: { checkoutId: done.id, provider: done.provider, providerPaymentId: done.providerPaymentId, amount: done.amount, currency: done.currency },
      createdAt: now,
    });
    return done;
  });
  if (!completed) {
    const [again] = await deps.db.select().from(checkouts).where(eq(checkouts.id, row.id));
    return { outcome: again?.status === 'completed' ? 'already_completed' : 'failed', checkoutId: row.id, writebackIds: again?.status === 'completed' ? await requestWritebacks(deps, again) : [] };
  }
  return { outcome: 'completed', checkoutId: row.id, writebackIds: await requestWritebacks(deps, completed) };
}

/** One payment write-back per allocation and one credit note per discount; idempotent by source key. */
async function requestWritebacks(deps: CompleteDeps, row: CheckoutRow): Promise<string[]> {
  const allocations = StoredAllocations.parse(row.allocations);
  if (allocations.length === 0) return [];
  const [org] = await deps.db
    .select({ timezone: organisations.timezone, countryCode: organisations.countryCode })
    .from(organisations)
    .where(and(eq(organisations.id, row.organisationId), eq(organisations.firmId, row.firmId)));
  if (!org) return [];
  const invs = await deps.db
    .select({ id: invoices.id, contactId: invoices.contactId, contactExternalId: invoices.contactExternalId, currency: invoices.currency })
    .from(invoices)
    .where(
      and(
        eq(invoices.firmId, row.firmId),
        eq(invoices.organisationId, row.organisationId),
        inArray(
          invoices.id,
          allocations.map((a) => a.invoiceId),
        ),
      ),
    );
  const invBy = new Map(invs.map((i) => [i.id, i]));
  // The day the money arrived, in the organisation's zone: stable across repeats.
  const date = todayIn(org.timezone, row.completedAt ?? deps.now());
  const reqDeps = { db: deps.db, enqueueExecute: deps.enqueueExecute };
  const money = (amount: string) => formatMoney(minorOf(amount, row.currency), row.currency, org.countryCode);
  const ids: string[] = [];
  for (const a of allocations) {
    const inv = invBy.get(a.invoiceId);
    if (!inv) continue;
    const label = a.number || a.invoiceExternalId;
    const paid = await requestWriteback(reqDeps, {
      firmId: row.firmId,
      organisationId: row.organisationId,
      kind: 'payment',
      purpose: 'payment',
      sourceKey: `payment:${row.id}:${a.invoiceId}`,
      invoiceId: a.invoiceId,
      invoiceExternalId: a.invoiceExternalId,
      contactId: inv.contactId,
      contactExternalId: inv.contactExternalId,
      amount: a.amount,
      currency: row.currency,
      request: { invoiceExternalId: a.invoiceExternalId, amount: a.amount, date, reference: `Arcus pay link ${row.providerPaymentId ?? row.id}`.slice(0, 255), checkoutId: row.id },
      noteText: `Arcus: ${money(a.amount)} paid online through the pay link on ${date} (${row.provider} ${row.providerPaymentId ?? row.id}).`,
      requestedBy: 'debtor',
      summary: `Payment of ${money(a.amount)} for invoice ${label} received through the pay link`,
    });
    ids.push(paid.id);
    if (!a.discount || !a.offerId) continue;
    const credit = await requestWriteback(reqDeps, {
      firmId: row.firmId,
      organisationId: row.organisationId,
      kind: 'credit_note',
      purpose: 'early_payment_discount',
      sourceKey: `discount:${a.offerId}`,
      invoiceId: a.invoiceId,
      invoiceExternalId: a.invoiceExternalId,
      contactId: inv.contactId,
      contactExternalId: inv.contactExternalId,
      amount: a.discount,
      currency: row.currency,
      request: {
        contactExternalId: inv.contactExternalId,
        date,
        reference: `Early payment discount ${label}`.slice(0, 255),
        currency: row.currency,
        lines: [{ description: `Early payment discount on invoice ${label}`, amount: a.discount }],
        allocateTo: { invoiceExternalId: a.invoiceExternalId, amount: a.discount },
      },
      noteText: `Arcus: early payment discount of ${money(a.discount)} credited (paid through the pay link on ${date}).`,
      requestedBy: 'debtor',
      // The offer was made by the firm's policy and honoured by paying in time: nothing left to approve.
      preApproved: true,
      summary: `Early payment discount of ${money(a.discount)} credited to invoice ${label}`,
    });
    ids.push(credit.id);
    await deps.db
      .update(discountOffers)
      .set({ status: 'applied', writebackId: credit.id, updatedAt: deps.now() })
      .where(and(eq(discountOffers.id, a.offerId), eq(discountOffers.firmId, row.firmId), eq(discountOffers.status, 'offered')));
  }
  return ids;
}

/** Marks a provider's expired session's checkout expired (webhook `checkout.session.expired`). */
export async function expireCheckout(db: Db, provider: string, sessionId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(checkouts)
    .set({ status: 'expired', updatedAt: now })
    .where(and(eq(checkouts.provider, provider), eq(checkouts.providerSessionId, sessionId), eq(checkouts.status, 'open')))
    .returning({ id: checkouts.id });
  return rows.length > 0;
}
