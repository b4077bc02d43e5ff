/**
 * Billing (under /api; firm administrators only): what the firm bought in the Xero App Store.
 *
 *   GET  /billing           plan, status in words, limits, connected clients, usage reported
 *   POST /billing/refresh   read the firm's subscription from the App Store again now
 *
 * Everything a person reads is words and numbers (no App Store ids or status values). See
 * docs/decisions/019-app-store-billing.md.
 */
import { Router } from 'express';
import { desc, eq } from 'drizzle-orm';
import { type CalendarDate, longDate } from '../../kernel/dates';
import { unavailable } from '../../kernel/errors';
import { allow } from '../auth/permissions';
import { bannerFor, limitInWords, planFor, statusInWords } from '../billing/plans';
import { type BillingDeps, connectedCount, firmSubscription, linkFirmSubscriptions, refreshSubscription } from '../billing/subscriptions';
import { appStoreUsageReports } from '../db/schema';

export interface BillingView {
  /** False: the firm did not buy Arcus in the Xero App Store (no limits apply here). */
  subscribed: boolean;
  plan: string | null;
  status: string | null;
  /** Colour only: good standing, or new connections blocked. */
  standing: 'good' | 'blocked' | null;
  banner: string | null;
  /** Set when the App Store's plan is not one Arcus knows (the most restrictive limits apply). */
  planWarning: string | null;
  limit: string | null;
  maxClients: number | null;
  connectedClients: number;
  /** "Renews on 7 December 2026". */
  period: string | null;
  usage: { period: string; clients: number; reported: string }[];
}

const day = (d: Date) => longDate(d.toISOString().slice(0, 10) as CalendarDate);

async function view(deps: BillingDeps, firmId: string): Promise<BillingView> {
  const now = deps.now();
  await linkFirmSubscriptions(deps.db, firmId, now);
  const [sub, connected] = await Promise.all([firmSubscription(deps.db, firmId), connectedCount(deps.db, firmId)]);
  if (!sub) return { subscribed: false, plan: null, status: null, standing: null, banner: null, planWarning: null, limit: null, maxClients: null, connectedClients: connected, period: null, usage: [] };
  const plan = planFor(sub.planName);
  const reports = await deps.db.select().from(appStoreUsageReports).where(eq(appStoreUsageReports.subscriptionId, sub.subscriptionId)).orderBy(desc(appStoreUsageReports.periodEnd)).limit(12);
  return {
    subscribed: true,
    plan: plan.name,
    status: statusInWords(sub, now),
    standing: sub.status === 'ACTIVE' ? 'good' : 'blocked',
    banner: bannerFor(sub, now),
    planWarning: plan.known ? null : `Arcus does not recognise the plan “${plan.name}”, so it applies the limits of its smallest plan (${limitInWords(plan).toLowerCase()}). Contact Arcus support if this is wrong.`,
    limit: limitInWords(plan),
    maxClients: plan.maxOrganisations,
    connectedClients: connected,
    period: sub.status === 'CANCELED' ? null : `Renews on ${day(sub.currentPeriodEnd)}`,
    usage: reports.map((r) => ({
      period: `Period ending ${day(r.periodEnd)}`,
      clients: r.quantity,
      reported: r.status === 'reported' && r.reportedAt ? `Reported on ${day(r.reportedAt)}` : 'Not reported yet',
    })),
  };
}

export function billingRoutes(deps: BillingDeps): Router {
  const r = Router();
  r.get('/billing', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json(await view(deps, auth.firmId));
  });
  r.post('/billing/refresh', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const sub = await firmSubscription(deps.db, auth.firmId);
    if (sub) {
      if (!deps.appStore) throw unavailable('Arcus cannot reach the Xero App Store from this server, so the subscription could not be read again.');
      try {
        await refreshSubscription(deps, sub.subscriptionId);
      } catch (err) {
        deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'the App Store subscription could not be read');
        throw unavailable('The Xero App Store did not answer. Try again in a few minutes.');
      }
    }
    res.json(await view(deps, auth.firmId));
  });
  return r;
}
