/**
 * App Store subscriptions on Arcus's side (docs/decisions/019-app-store-billing.md).
 *
 * - A SUBSCRIPTION webhook event only says that a subscription changed: each event is stored once
 *   (`app_store_events`, keyed by the event's identity); an event not yet processed makes Arcus
 *   read the subscription from the App Store API and store what it says. A redelivered event that
 *   was processed changes nothing; one whose processing failed (the API did not answer) is
 *   processed on the redelivery.
 * - Linking: the subscription names the Xero organisation that bought Arcus (`organisationId`).
 *   It belongs to the firm that has that organisation connected (not disconnected). Until one
 *   has, it waits unlinked; a firm that connects the organisation later claims it (on its next
 *   connect or when its Billing card is read).
 *
 * Webhooks name the application, never a firm, so the event store and the subscription lookups
 * are system queries (docs/decisions/007), kept to exact keys.
 */
import { and, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { type AppStoreClient, type AppStoreSubscription, parseXeroDateTime } from '../../integrations/xero/app-store';
import { LedgerError } from '../../integrations/ledger/errors';
import type { Db } from '../db/client';
import { asSystem } from '../db/firm-scope';
import { appStoreEvents, appStoreSubscriptions, organisations } from '../db/schema';
import type { Logger } from '../logger';
import { planFor } from './plans';

export interface BillingDeps {
  db: Db;
  log: Logger;
  /** The App Store API client; null when this process has no Xero app credentials. */
  appStore: AppStoreClient | null;
  now: () => Date;
}

/** A SUBSCRIPTION event as the webhook receiver parsed it. */
export interface SubscriptionEvent {
  eventId: string;
  /** The subscription's id (`resourceId`). */
  subscriptionId: string;
  payload: unknown;
}

export type SubscriptionRow = typeof appStoreSubscriptions.$inferSelect;

function fromApi(s: AppStoreSubscription) {
  // The plan in force: an active one, else the first.
  const plan = s.plans.find((p) => p.status === 'ACTIVE') ?? s.plans[0];
  const metered = s.plans.flatMap((p) => p.subscriptionItems).find((i) => i.product.type === 'METERED' && i.status !== 'CANCELED');
  return {
    xeroOrganisationId: s.organisationId,
    status: s.status,
    planName: plan?.name ?? '',
    meteredItemId: metered?.id ?? null,
    startDate: new Date(parseXeroDateTime(s.startDate)!),
    currentPeriodEnd: new Date(parseXeroDateTime(s.currentPeriodEnd)!),
    endDate: s.endDate ? new Date(parseXeroDateTime(s.endDate)!) : null,
    testMode: s.testMode ?? false,
  };
}

/** The firm that has this Xero organisation connected, if exactly one has. */
async function firmOfXeroOrganisation(db: Db, xeroOrganisationId: string): Promise<string | null> {
  const rows = await asSystem(() =>
    db
      .selectDistinct({ firmId: organisations.firmId })
      .from(organisations)
      .where(and(eq(organisations.provider, 'xero'), eq(organisations.externalId, xeroOrganisationId), ne(organisations.status, 'disconnected')))
      .limit(2),
  );
  return rows.length === 1 ? rows[0]!.firmId : null;
}

/** Read the subscription from the App Store API and store what it says (linking it to a firm if it can). */
export async function refreshSubscription(deps: BillingDeps, subscriptionId: string): Promise<SubscriptionRow | null> {
  if (!deps.appStore) throw new Error('the Xero App Store API is not configured on this process');
  let api: AppStoreSubscription;
  try {
    api = await deps.appStore.getSubscription(subscriptionId);
  } catch (err) {
    if (err instanceof LedgerError && err.code === 'not_found') {
      deps.log.warn({ subscriptionId }, 'the App Store has no such subscription');
      return null;
    }
    throw err;
  }
  const facts = fromApi(api);
  const plan = planFor(facts.planName);
  if (!plan.known) deps.log.warn({ subscriptionId, plan: facts.planName.slice(0, 100) }, 'unknown App Store plan: the most restrictive plan’s limits apply');
  const now = deps.now();
  const [existing] = await asSystem(() => deps.db.select({ firmId: appStoreSubscriptions.firmId, xeroOrganisationId: appStoreSubscriptions.xeroOrganisationId }).from(appStoreSubscriptions).where(eq(appStoreSubscriptions.subscriptionId, api.id)));
  // A subscription stays with its firm; a new one (or one whose firm never connected) is linked by its organisation.
  const firmId = existing?.firmId && existing.xeroOrganisationId === facts.xeroOrganisationId ? existing.firmId : await firmOfXeroOrganisation(deps.db, facts.xeroOrganisationId);
  const linked = firmId && firmId !== existing?.firmId ? { linkedAt: now } : {};
  const [row] = await asSystem(() =>
    deps.db
      .insert(appStoreSubscriptions)
      .values({ subscriptionId: api.id, firmId, ...facts, refreshedAt: now, ...linked })
      .onConflictDoUpdate({ target: appStoreSubscriptions.subscriptionId, set: { firmId, ...facts, refreshedAt: now, updatedAt: now, ...linked } })
      .returning(),
  );
  deps.log.info({ subscriptionId: api.id, firmId, status: facts.status, linked: Boolean(firmId) }, 'App Store subscription read');
  return row ?? null;
}

export interface EventsResult {
  received: number;
  /** Events processed now (new, or stored earlier but not yet processed). */
  processed: number;
}

/**
 * Store each event once and process the ones not processed yet: one API read per subscription.
 * Throws when the API cannot be read, so the receiver answers 5xx and Xero delivers again.
 */
export async function handleSubscriptionEvents(deps: BillingDeps, events: SubscriptionEvent[]): Promise<EventsResult> {
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
  if (unique.length === 0) return { received: 0, processed: 0 };
  await asSystem(() =>
    deps.db
      .insert(appStoreEvents)
      .values(unique.map((e) => ({ eventId: e.eventId, subscriptionId: e.subscriptionId, payload: e.payload as object })))
      .onConflictDoNothing({ target: appStoreEvents.eventId }),
  );
  if (!deps.appStore) {
    // Kept unprocessed: a process with the App Store configured processes them on Xero's next delivery.
    deps.log.warn({ events: unique.length }, 'App Store subscription events stored, but this process cannot read the App Store API');
    return { received: unique.length, processed: 0 };
  }
  const open = await asSystem(() =>
    deps.db
      .select({ eventId: appStoreEvents.eventId, subscriptionId: appStoreEvents.subscriptionId })
      .from(appStoreEvents)
      .where(and(inArray(appStoreEvents.eventId, unique.map((e) => e.eventId)), isNull(appStoreEvents.processedAt))),
  );
  const bySubscription = new Map<string, string[]>();
  for (const e of open) bySubscription.set(e.subscriptionId, [...(bySubscription.get(e.subscriptionId) ?? []), e.eventId]);
  let processed = 0;
  for (const [subscriptionId, eventIds] of bySubscription) {
    const row = await refreshSubscription(deps, subscriptionId);
    // Only events still open are marked: a concurrent delivery of the same event counts once.
    const done = await asSystem(() =>
      deps.db
        .update(appStoreEvents)
        .set({ processedAt: deps.now(), firmId: row?.firmId ?? null })
        .where(and(inArray(appStoreEvents.eventId, eventIds), isNull(appStoreEvents.processedAt)))
        .returning({ id: appStoreEvents.id }),
    );
    processed += done.length;
  }
  return { received: unique.length, processed };
}

/** Claim the unlinked subscriptions of the Xero organisations this firm has connected. */
export async function linkFirmSubscriptions(db: Db, firmId: string, now: Date): Promise<number> {
  const rows = await asSystem(() =>
    db
      .update(appStoreSubscriptions)
      .set({ firmId, linkedAt: now, updatedAt: now })
      .where(
        and(
          isNull(appStoreSubscriptions.firmId),
          inArray(
            appStoreSubscriptions.xeroOrganisationId,
            db
              .select({ id: organisations.externalId })
              .from(organisations)
              .where(and(eq(organisations.firmId, firmId), eq(organisations.provider, 'xero'), ne(organisations.status, 'disconnected'))),
          ),
          // Only when no other firm also has that organisation connected (connect refuses that; history may not).
          sql`(SELECT count(DISTINCT o.firm_id) FROM organisations o WHERE o.provider = 'xero' AND o.external_id = ${appStoreSubscriptions.xeroOrganisationId} AND o.status <> 'disconnected') = 1`,
        ),
      )
      .returning({ id: appStoreSubscriptions.id }),
  );
  return rows.length;
}

/**
 * The firm's subscription in force: one in good standing or past due before a cancelled one,
 * then the most recently started. Null: the firm did not buy Arcus in the App Store.
 */
export async function firmSubscription(db: Db, firmId: string): Promise<SubscriptionRow | null> {
  const rows = await asSystem(() =>
    db
      .select()
      .from(appStoreSubscriptions)
      .where(eq(appStoreSubscriptions.firmId, firmId))
      .orderBy(sql`CASE WHEN ${appStoreSubscriptions.status} = 'CANCELED' THEN 1 ELSE 0 END`, desc(appStoreSubscriptions.startDate))
      .limit(1),
  );
  return rows[0] ?? null;
}

/** Client organisations the firm has connected now (anything not disconnected counts). */
export async function connectedCount(db: Db, firmId: string): Promise<number> {
  const [row] = await asSystem(() =>
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(organisations)
      .where(and(eq(organisations.firmId, firmId), ne(organisations.status, 'disconnected'))),
  );
  return Number(row?.n ?? 0);
}
