/**
 * Saved cards and the debtor's autopay choice, from the pay page (a pay-link token names the
 * customer). A card is saved on the provider's hosted page (Stripe Checkout in setup mode, which
 * confirms a SetupIntent with the card holder present; the sandbox's own page): a `pending`
 * saved_payment_methods row first, then `active` once the provider says the card is saved — from
 * whichever arrives first, the debtor's return or the `setup_intent.succeeded` webhook, by one
 * guarded UPDATE. A newer card replaces the older; a charge waiting to be retried is brought
 * forward to today so the new card is tried at once. Runs in the link's firm scope.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { PaymentProviderError } from '../../integrations/payments/provider';
import { type CalendarDate, todayIn } from '../../kernel/dates';
import { conflict, DomainError, invalidField } from '../../kernel/errors';
import { type Db, queryRows } from '../db/client';
import { activities, autopayMandates, chargeAttempts, paymentPlans, savedPaymentMethods } from '../db/schema';
import { payUrl } from '../pay/links';
import type { LinkView } from '../pay/view';
import { type AutopayChoice, type AutopaySummary, brandName, cardExpired, cardText, pausedBy } from './core';
import { pauseMandate, resumeMandate } from './pause';

export type { AutopayChoice, AutopaySummary, CardView } from './core';

const customerOf = (view: LinkView) => and(eq(savedPaymentMethods.firmId, view.link.firmId), eq(savedPaymentMethods.organisationId, view.org.id), eq(savedPaymentMethods.contactExternalId, view.link.contactExternalId));

/** The customer's active cards, newest first. */
export async function activeCards(db: Db, firmId: string, organisationId: string, contactExternalId: string, provider: string | null) {
  return db
    .select()
    .from(savedPaymentMethods)
    .where(
      and(
        eq(savedPaymentMethods.firmId, firmId),
        eq(savedPaymentMethods.organisationId, organisationId),
        eq(savedPaymentMethods.contactExternalId, contactExternalId),
        eq(savedPaymentMethods.status, 'active'),
        provider ? eq(savedPaymentMethods.provider, provider) : undefined,
      ),
    )
    .orderBy(desc(savedPaymentMethods.savedAt), desc(savedPaymentMethods.createdAt));
}

/** What the pay page shows: saved cards (brand •••• last4, expiry) and the autopay choices this customer has. */
export async function autopaySummary(db: Db, view: LinkView, provider: PaymentProvider | null): Promise<AutopaySummary> {
  const cards = await activeCards(db, view.link.firmId, view.org.id, view.link.contactExternalId, provider?.name ?? null);
  const mandates = await db
    .select()
    .from(autopayMandates)
    .where(and(eq(autopayMandates.firmId, view.link.firmId), eq(autopayMandates.organisationId, view.org.id), eq(autopayMandates.contactExternalId, view.link.contactExternalId), ne(autopayMandates.status, 'cancelled')));
  const plans = await db
    .select({ id: paymentPlans.id, frequency: paymentPlans.frequency, total: paymentPlans.total, currency: paymentPlans.currency })
    .from(paymentPlans)
    .where(and(eq(paymentPlans.firmId, view.link.firmId), eq(paymentPlans.organisationId, view.org.id), eq(paymentPlans.contactExternalId, view.link.contactExternalId), eq(paymentPlans.status, 'active')))
    .orderBy(asc(paymentPlans.createdAt));
  // Paused: say who paused it — the debtor, the organisation (a collector), or failed payments (decision 056).
  const state = (m: (typeof mandates)[number] | undefined): AutopayChoice['state'] => {
    if (!m) return 'off';
    const by = pausedBy(m);
    if (by) return by === 'customer' ? 'paused_by_you' : by === 'collector' ? 'paused_by_organisation' : 'paused';
    return m.failingSince ? 'retrying' : 'on';
  };
  const STATUS: Record<AutopayChoice['state'], string> = { off: 'Off', on: 'On', retrying: 'On — a payment failed and will be tried again', paused: 'Paused after failed payments', paused_by_you: 'Paused by you', paused_by_organisation: `Paused by ${view.org.name}` };
  const status = (m: (typeof mandates)[number] | undefined) => STATUS[state(m)];
  const inv = mandates.find((m) => m.scope === 'invoices');
  const choices: AutopayChoice[] = [
    ...plans.map((p) => {
      const m = mandates.find((x) => x.scope === 'plan' && x.planId === p.id);
      return { scope: 'plan' as const, planId: p.id, label: `Your ${p.frequency} payment plan instalments`, on: m?.status === 'active', statusText: status(m), state: state(m), frequency: p.frequency };
    }),
    { scope: 'invoices', planId: null, label: 'Future invoices, on their due date', on: inv?.status === 'active', statusText: status(inv), state: state(inv), frequency: null },
  ];
  return {
    available: Boolean(provider?.cards),
    cards: cards.map((c) => ({ id: c.id, text: cardText(c), brand: c.brand ?? 'card', brandText: c.brand && brandName(c.brand) !== 'Card' ? brandName(c.brand) : null, last4: c.last4 ?? '', expiry: c.expMonth && c.expYear ? `${String(c.expMonth).padStart(2, '0')}/${c.expYear}` : '', expired: cardExpired(c, view.today) })),
    choices,
  };
}

function providerFailure(err: unknown): never {
  if (err instanceof PaymentProviderError) {
    const busy = err.status >= 500;
    throw new DomainError(busy ? 'upstream_failed' : 'validation_failed', busy ? 'The payment service is not answering. Please try again in a few minutes.' : 'Your card could not be saved. Please try again.', { code: 'payment_provider_error', cause: err });
  }
  throw err;
}

/** Opens the provider's hosted card page for the link's customer. */
export async function startCardSetup(deps: { db: Db; provider: PaymentProvider | null; appUrl: string }, view: LinkView, token: string): Promise<{ setupId: string; url: string }> {
  const cards = deps.provider?.cards;
  if (!deps.provider || !cards) throw conflict('Saving a card is not available for this organisation.', 'cards_unavailable');
  const [known] = await deps.db
    .select({ customerId: savedPaymentMethods.providerCustomerId })
    .from(savedPaymentMethods)
    .where(and(customerOf(view), eq(savedPaymentMethods.provider, deps.provider.name), isNotNull(savedPaymentMethods.providerCustomerId)))
    .orderBy(desc(savedPaymentMethods.createdAt))
    .limit(1);
  const id = randomUUID();
  const page = payUrl(deps.appUrl, token);
  let session: Awaited<ReturnType<typeof cards.setupCard>>;
  try {
    session = await cards.setupCard({
      idempotencyKey: id,
      customerId: known?.customerId ?? null,
      customerName: view.customer.name,
      customerEmail: view.customer.email,
      successUrl: `${page}?card=${id}`,
      cancelUrl: `${page}?card=cancelled`,
      metadata: { savedMethodId: id, organisationId: view.org.id },
    });
  } catch (err) {
    providerFailure(err);
  }
  await deps.db.insert(savedPaymentMethods).values({ id, firmId: view.link.firmId, organisationId: view.org.id, contactExternalId: view.link.contactExternalId, payLinkId: view.link.id, provider: deps.provider.name, providerCustomerId: session.customerId, setupRef: session.setupRef, status: 'pending' });
  return { setupId: id, url: session.url };
}

export type SetupOutcome = 'saved' | 'already_saved' | 'open' | 'expired' | 'not_found';

/**
 * Completes a card setup once: the provider's word that the card is saved, then pending → active
 * (one guarded UPDATE), older cards replaced, a charge waiting for its retry brought to today.
 */
export async function completeCardSetup(deps: { db: Db; provider: PaymentProvider; now(): Date }, ref: { id: string } | { setupRef: string }): Promise<{ outcome: SetupOutcome; id: string | null }> {
  const where = 'id' in ref ? eq(savedPaymentMethods.id, ref.id) : and(eq(savedPaymentMethods.provider, deps.provider.name), eq(savedPaymentMethods.setupRef, ref.setupRef));
  const [row] = await deps.db.select().from(savedPaymentMethods).where(where);
  if (!row || row.provider !== deps.provider.name || !deps.provider.cards) return { outcome: 'not_found', id: row?.id ?? null };
  if (row.status !== 'pending') return { outcome: row.status === 'expired' ? 'expired' : 'already_saved', id: row.id };
  const state = await deps.provider.cards.retrieveCardSetup(row.setupRef);
  const now = deps.now();
  if (state.status === 'expired') {
    await deps.db
      .update(savedPaymentMethods)
      .set({ status: 'expired', updatedAt: now })
      .where(and(eq(savedPaymentMethods.id, row.id), eq(savedPaymentMethods.firmId, row.firmId), eq(savedPaymentMethods.status, 'pending')));
    return { outcome: 'expired', id: row.id };
  }
  if (state.status !== 'complete' || !state.card) return { outcome: 'open', id: row.id };
  const card = state.card;
  const saved = await deps.db.transaction(async (tx) => {
    const [done] = await tx
      .update(savedPaymentMethods)
      .set({ status: 'active', providerMethodId: card.methodId, providerCustomerId: state.customerId ?? row.providerCustomerId, brand: card.brand, last4: card.last4, expMonth: card.expMonth, expYear: card.expYear, savedAt: now, updatedAt: now })
      .where(and(eq(savedPaymentMethods.id, row.id), eq(savedPaymentMethods.firmId, row.firmId), eq(savedPaymentMethods.status, 'pending')))
      .returning();
    if (!done) return null;
    await tx
      .update(savedPaymentMethods)
      .set({ status: 'replaced', updatedAt: now })
      .where(
        and(
          eq(savedPaymentMethods.firmId, row.firmId),
          eq(savedPaymentMethods.organisationId, row.organisationId),
          eq(savedPaymentMethods.contactExternalId, row.contactExternalId),
          eq(savedPaymentMethods.status, 'active'),
          ne(savedPaymentMethods.id, row.id),
        ),
      );
    await tx.insert(activities).values({ firmId: row.firmId, organisationId: row.organisationId, actorType: 'debtor', kind: 'autopay.card_saved', summary: `The customer saved a card for payments: ${cardText(done)}`, details: { savedMethodId: row.id, provider: row.provider }, createdAt: now });
    return done;
  });
  if (!saved) return { outcome: 'already_saved', id: row.id };
  await bringRetriesForward(deps.db, row, now);
  return { outcome: 'saved', id: row.id };
}

/** A new card: retries waiting on a later day run today instead (the organisation's today). */
async function bringRetriesForward(db: Db, row: { firmId: string; organisationId: string; contactExternalId: string }, now: Date): Promise<void> {
  const [org] = await queryRows<{ timezone: string }>(db, sql`SELECT timezone FROM organisations WHERE id = ${row.organisationId}::uuid AND firm_id = ${row.firmId}::uuid`);
  if (!org) return;
  const today: CalendarDate = todayIn(org.timezone, now);
  await db
    .update(chargeAttempts)
    .set({ scheduledOn: today, updatedAt: now })
    .where(
      and(
        eq(chargeAttempts.firmId, row.firmId),
        eq(chargeAttempts.organisationId, row.organisationId),
        eq(chargeAttempts.contactExternalId, row.contactExternalId),
        eq(chargeAttempts.status, 'scheduled'),
        gt(chargeAttempts.attemptNo, 1),
        gt(chargeAttempts.scheduledOn, today),
      ),
    );
}

export const AutopayInput = z
  .object({
    scope: z.enum(['invoices', 'plan'], { message: 'Choose what autopay should pay.' }),
    planId: z.uuid({ message: 'Choose the payment plan again.' }).nullable().optional(),
    on: z.boolean({ message: 'Choose on or off.' }),
    /** With on: pause (true) the live mandate, or turn a paused one back on (false / absent) — decision 056. */
    paused: z.boolean({ message: 'Choose paused or not.' }).optional(),
  })
  .strict();

/** The debtor turns autopay on or off for future invoices or a payment plan. On needs a saved card. */
export async function setAutopay(deps: { db: Db; provider: PaymentProvider | null; now(): Date }, view: LinkView, input: z.infer<typeof AutopayInput>, actor: 'debtor' | 'collector' = 'debtor'): Promise<{ on: boolean; paused?: boolean }> {
  const firmId = view.link.firmId;
  const now = deps.now();
  const planId = input.scope === 'plan' ? (input.planId ?? null) : null;
  if (input.scope === 'plan') {
    if (!planId) throw invalidField('planId', 'Choose the payment plan again.');
    const [p] = await deps.db
      .select({ id: paymentPlans.id })
      .from(paymentPlans)
      .where(and(eq(paymentPlans.firmId, firmId), eq(paymentPlans.organisationId, view.org.id), eq(paymentPlans.contactExternalId, view.link.contactExternalId), eq(paymentPlans.id, planId), eq(paymentPlans.status, 'active')));
    if (!p) throw invalidField('planId', 'That payment plan is not active any more. Reload the page.');
  }
  const live = and(
    eq(autopayMandates.firmId, firmId),
    eq(autopayMandates.organisationId, view.org.id),
    eq(autopayMandates.contactExternalId, view.link.contactExternalId),
    eq(autopayMandates.scope, input.scope),
    planId ? eq(autopayMandates.planId, planId) : sql`${autopayMandates.planId} IS NULL`,
    ne(autopayMandates.status, 'cancelled'),
  );
  const what = input.scope === 'plan' ? 'payment plan instalments' : 'invoices as they fall due';
  if (!input.on) {
    const off = await deps.db.update(autopayMandates).set({ status: 'cancelled', cancelledAt: now, updatedAt: now }).where(live).returning({ id: autopayMandates.id });
    if (off.length) {
      // Planned charges are not made.
      await deps.db
        .update(chargeAttempts)
        .set({ status: 'abandoned', updatedAt: now })
        .where(and(eq(chargeAttempts.firmId, firmId), inArray(chargeAttempts.mandateId, off.map((o) => o.id)), eq(chargeAttempts.status, 'scheduled')));
      await deps.db.insert(activities).values({ firmId, organisationId: view.org.id, actorType: actor === 'debtor' ? 'debtor' : 'user', kind: 'autopay.off', summary: `${actor === 'debtor' ? 'The customer' : 'A collector'} turned autopay off for ${what}`, details: { mandateIds: off.map((o) => o.id), contactExternalId: view.link.contactExternalId }, createdAt: now });
    }
    return { on: false };
  }
  const cards = await activeCards(deps.db, firmId, view.org.id, view.link.contactExternalId, deps.provider?.name ?? null);
  if (!deps.provider?.cards) throw conflict('Autopay is not available for this organisation.', 'cards_unavailable');
  if (cards.length === 0) throw conflict('Save a card first, then turn autopay on.', 'no_saved_card');
  const [existing] = await deps.db.select().from(autopayMandates).where(live);
  const scope = { firmId, organisationId: view.org.id, contactExternalId: view.link.contactExternalId };
  const pauser = actor === 'debtor' ? ({ kind: 'debtor' } as const) : null;
  if (input.paused === true) {
    // Paused by the debtor (decision 056): no charge until turned back on.
    if (!existing) throw conflict('Autopay is not on, so there is nothing to pause.', 'autopay_off');
    if (existing.status === 'active' && pauser) await pauseMandate(deps.db, scope, existing.id, pauser, now);
    return { on: true, paused: true };
  }
  if (existing?.status === 'active') return { on: true };
  if (existing) {
    // Paused (by the debtor, or after failed payments): on again with the card on file, the waiting
    // retries carried on or given up cleanly (server/autopay/pause.ts).
    await resumeMandate(deps.db, { ...scope, timezone: view.org.timezone }, existing.id, pauser ?? { kind: 'debtor' }, now);
  } else {
    await deps.db
      .insert(autopayMandates)
      .values({ firmId, organisationId: view.org.id, contactExternalId: view.link.contactExternalId, scope: input.scope, planId, status: 'active', startsOn: view.today, createdBy: actor, createdAt: now, updatedAt: now })
      .onConflictDoNothing();
  }
  if (existing) return { on: true };
  await deps.db.insert(activities).values({ firmId, organisationId: view.org.id, actorType: actor === 'debtor' ? 'debtor' : 'user', kind: 'autopay.on', summary: `${actor === 'debtor' ? 'The customer' : 'A collector'} turned autopay on for ${what} (${cardText(cards[0]!)})`, details: { contactExternalId: view.link.contactExternalId, scope: input.scope, planId }, createdAt: now });
  return { on: true };
}

/** Whose card setup a provider event names (a system lookup: the webhook is signed; the id came from us). */
export async function savedMethodFirm(db: Db, id: string): Promise<string | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await db.select({ firmId: savedPaymentMethods.firmId }).from(savedPaymentMethods).where(eq(savedPaymentMethods.id, id)).limit(1);
  return row?.firmId ?? null;
}
