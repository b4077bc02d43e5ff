/**
 * The plans Arcus sells in the Xero App Store, and what a subscription allows — pure, no I/O
 * (docs/decisions/019-app-store-billing.md).
 *
 * A plan is matched by the name the App Store gives it (case and spaces ignored). A name this
 * table does not know gets the most restrictive plan's limits (and the caller logs a warning):
 * a typo in the App Store listing must not give away an unlimited plan.
 *
 * Grace rule: nothing already connected is ever cut off. A subscription that is past due or
 * cancelled (or in a state Arcus does not know) blocks *new* connections and shows a banner;
 * existing organisations keep syncing and collecting until someone disconnects them.
 */
import { type CalendarDate, longDate } from '../../kernel/dates';

export interface Plan {
  key: 'starter' | 'practice' | 'unlimited';
  /** As the subscriber sees it. */
  name: string;
  /** Connected client organisations allowed; null: no limit. */
  maxOrganisations: number | null;
}

export const PLANS: readonly Plan[] = [
  { key: 'starter', name: 'Starter', maxOrganisations: 10 },
  { key: 'practice', name: 'Practice', maxOrganisations: 50 },
  { key: 'unlimited', name: 'Unlimited', maxOrganisations: null },
];

/** The most restrictive plan: what an unknown plan name gets. */
export const MOST_RESTRICTIVE: Plan = PLANS[0]!;

export interface ResolvedPlan extends Plan {
  /** False when the App Store's plan name is not in the table (limits of the most restrictive plan). */
  known: boolean;
}

const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

export function planFor(appStoreName: string): ResolvedPlan {
  const plan = PLANS.find((p) => norm(p.name) === norm(appStoreName));
  return plan ? { ...plan, known: true } : { ...MOST_RESTRICTIVE, name: appStoreName.trim() || MOST_RESTRICTIVE.name, known: false };
}

export type SubscriptionStatus = 'ACTIVE' | 'PAST_DUE' | 'CANCELED';

/** What Arcus knows of a firm's subscription (from the last read of the App Store API). */
export interface SubscriptionFacts {
  status: string;
  planName: string;
  currentPeriodEnd: Date;
  endDate: Date | null;
}

const utcDay = (d: Date): CalendarDate => d.toISOString().slice(0, 10) as CalendarDate;

/** The status in words (never the App Store's enum value). */
export function statusInWords(s: SubscriptionFacts, now: Date): string {
  switch (s.status) {
    case 'ACTIVE':
      return 'Active';
    case 'PAST_DUE':
      return 'Payment overdue';
    case 'CANCELED':
      return s.endDate && s.endDate.getTime() > now.getTime() ? `Cancelled, ends on ${longDate(utcDay(s.endDate))}` : 'Cancelled';
    default:
      return 'Not active';
  }
}

/** The plan's limit in words: "Up to 10 connected clients" / "Unlimited connected clients". */
export function limitInWords(plan: Plan): string {
  return plan.maxOrganisations === null ? 'Unlimited connected clients' : `Up to ${plan.maxOrganisations} connected clients`;
}

export function limitReachedSentence(plan: Plan): string {
  return `Your plan allows ${plan.maxOrganisations} connected ${plan.maxOrganisations === 1 ? 'client' : 'clients'}; disconnect one or change plan to connect more.`;
}

/**
 * A banner for a subscription that is not in good standing (null when it is): why, and that
 * nothing connected is cut off.
 */
export function bannerFor(s: SubscriptionFacts, now: Date): string | null {
  switch (s.status) {
    case 'ACTIVE':
      return null;
    case 'PAST_DUE':
      return 'The payment for your Arcus subscription in the Xero App Store is overdue. Your connected clients keep working, but no more can be connected until the payment goes through.';
    case 'CANCELED':
      return s.endDate && s.endDate.getTime() > now.getTime()
        ? `Your Arcus subscription in the Xero App Store was cancelled and ends on ${longDate(utcDay(s.endDate))}. Your connected clients keep working, but no more can be connected unless you subscribe again.`
        : 'Your Arcus subscription in the Xero App Store was cancelled. Your connected clients keep working, but no more can be connected unless you subscribe again.';
    default:
      return 'Your Arcus subscription in the Xero App Store is not active. Your connected clients keep working, but no more can be connected until it is.';
  }
}

/**
 * Whether one more organisation may be connected: null when it may, else the sentence that
 * says why not. No subscription: no App Store limits (a firm billed another way, the demo).
 */
export function connectRefusal(s: SubscriptionFacts | null, connected: number, now: Date): string | null {
  if (!s) return null;
  if (s.status !== 'ACTIVE') {
    if (s.status === 'PAST_DUE') return 'Your Xero App Store payment for Arcus is overdue, so no more clients can be connected until it goes through; your connected clients keep working.';
    return bannerFor(s, now) ?? 'Your Arcus subscription is not active, so no more clients can be connected.';
  }
  const plan = planFor(s.planName);
  if (plan.maxOrganisations !== null && connected >= plan.maxOrganisations) return limitReachedSentence(plan);
  return null;
}
