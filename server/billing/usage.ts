/**
 * Metered usage (docs/decisions/019-app-store-billing.md): for each linked subscription with a
 * metered item, the number of client organisations the firm has connected is reported to the
 * App Store once per billing period, in the period's last days (REPORT_WINDOW_MS before its end),
 * so organisations connected during the period count.
 *
 * Once per period, whatever runs it how often: a row per (subscription, period end) is inserted
 * before the call (unique key), claimed with a lease, and the call carries an Idempotency-Key
 * derived from the subscription and the period — so two runs, a retry after a lost answer or a
 * worker that died between the call and the commit all make one usage record in Xero.
 */
import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { xeroDateTime } from '../../integrations/xero/app-store';
import type { Db } from '../db/client';
import { asSystem, withFirm } from '../db/firm-scope';
import { appStoreSubscriptions, appStoreUsageReports } from '../db/schema';
import { type BillingDeps, connectedCount, refreshSubscription } from './subscriptions';

/** Usage is reported in the last three days of a period. */
export const REPORT_WINDOW_MS = 3 * 86_400_000;
/** A claimed report whose worker went quiet this long is taken over. */
export const CLAIM_LEASE_MS = 5 * 60_000;

export interface UsageRunResult {
  /** Usage records sent now. */
  reported: number;
  /** Periods already reported (or being reported by another run). */
  skipped: number;
  failed: number;
}

export function usageIdempotencyKey(subscriptionId: string, periodEnd: Date): string {
  return `arcus-usage-${subscriptionId}-${periodEnd.getTime()}`.slice(0, 128);
}

async function claim(db: Db, firmId: string, id: string, now: Date): Promise<boolean> {
  const rows = await withFirm(firmId, () =>
    db
      .update(appStoreUsageReports)
      .set({ claimedAt: now, attempts: sql`${appStoreUsageReports.attempts} + 1` })
      .where(
        and(
          eq(appStoreUsageReports.id, id),
          eq(appStoreUsageReports.status, 'pending'),
          or(isNull(appStoreUsageReports.claimedAt), lt(appStoreUsageReports.claimedAt, new Date(now.getTime() - CLAIM_LEASE_MS))),
        ),
      )
      .returning({ id: appStoreUsageReports.id }),
  );
  return rows.length === 1;
}

/** Report the usage of every subscription whose period ends within the window. */
export async function reportUsage(deps: BillingDeps): Promise<UsageRunResult> {
  const result: UsageRunResult = { reported: 0, skipped: 0, failed: 0 };
  if (!deps.appStore) return result;
  const subs = await asSystem(() =>
    deps.db
      .select({ subscriptionId: appStoreSubscriptions.subscriptionId })
      .from(appStoreSubscriptions)
      .where(and(isNotNull(appStoreSubscriptions.firmId), isNotNull(appStoreSubscriptions.meteredItemId), sql`${appStoreSubscriptions.status} <> 'CANCELED'`)),
  );
  for (const { subscriptionId } of subs) {
    try {
      const outcome = await reportOne(deps, subscriptionId);
      if (outcome === 'reported') result.reported++;
      else if (outcome === 'skipped') result.skipped++;
    } catch (err) {
      result.failed++;
      deps.log.warn({ subscriptionId, err: err instanceof Error ? err.message : String(err) }, 'usage could not be reported to the App Store');
    }
  }
  return result;
}

async function reportOne(deps: BillingDeps, subscriptionId: string): Promise<'reported' | 'skipped' | 'not_due'> {
  const now = deps.now();
  // The period as the App Store says it now (periods roll over; the stored one may be old).
  const sub = await refreshSubscription(deps, subscriptionId);
  if (!sub?.firmId || !sub.meteredItemId || sub.status === 'CANCELED') return 'not_due';
  const end = sub.currentPeriodEnd;
  if (now.getTime() < end.getTime() - REPORT_WINDOW_MS || now.getTime() >= end.getTime()) return 'not_due';
  const firmId = sub.firmId;
  const quantity = await connectedCount(deps.db, firmId);
  await withFirm(firmId, () =>
    deps.db
      .insert(appStoreUsageReports)
      .values({ firmId, subscriptionId, subscriptionItemId: sub.meteredItemId!, periodEnd: end, quantity })
      .onConflictDoNothing({ target: [appStoreUsageReports.subscriptionId, appStoreUsageReports.periodEnd] }),
  );
  const [row] = await withFirm(firmId, () =>
    deps.db
      .select()
      .from(appStoreUsageReports)
      .where(and(eq(appStoreUsageReports.subscriptionId, subscriptionId), eq(appStoreUsageReports.periodEnd, end))),
  );
  if (!row || row.status === 'reported' || !(await claim(deps.db, firmId, row.id, now))) return 'skipped';
  try {
    // The quantity counted when the row was made: a retry reports the same number under the same key.
    const record = await deps.appStore!.postUsageRecord(subscriptionId, row.subscriptionItemId, { quantity: row.quantity, timestamp: xeroDateTime(now.getTime()) }, usageIdempotencyKey(subscriptionId, end));
    await withFirm(firmId, () =>
      deps.db
        .update(appStoreUsageReports)
        .set({ status: 'reported', reportedAt: deps.now(), usageRecordId: record.usageRecordId, lastError: null })
        .where(eq(appStoreUsageReports.id, row.id)),
    );
    deps.log.info({ subscriptionId, firmId, quantity: row.quantity }, 'usage reported to the App Store');
    return 'reported';
  } catch (err) {
    // Released for the next run (same key, so Xero keeps one record if the first call did land).
    await withFirm(firmId, () =>
      deps.db
        .update(appStoreUsageReports)
        .set({ claimedAt: null, lastError: (err instanceof Error ? err.message : String(err)).slice(0, 500) })
        .where(eq(appStoreUsageReports.id, row.id)),
    );
    throw err;
  }
}
