/**
 * One organisation's collections assessment, in order: payment-plan instalment statuses (misses,
 * breaks, completions), late fees and interest, early-payment discounts (apply, withdraw, offer),
 * and instalment reminders. Every step is idempotent (write-back source keys, guarded updates), so
 * a re-run or an overlap changes nothing twice. Run by the `collections.assess` job
 * (jobs/collections/jobs.ts), once per organisation per local day and after each completed sync.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { organisations } from '../db/schema';
import type { CollectionsDeps } from './common';
import { type DiscountRun, runDiscounts } from './discounts';
import { type AssessResult, assessLateFeesForOrganisation } from './late-fees';
import { type InstalmentMail, type PlanUpdate, sendInstalmentReminders, updatePlans } from './plans';

export interface Assessment {
  organisationId: string;
  plans: PlanUpdate[];
  fees: AssessResult;
  discounts: DiscountRun;
  reminders: { sent: string[]; skipped: { id: string; reason: string }[] };
}

/** The organisations the hourly tick assesses: every active one, with its zone (its "today"). */
export async function activeOrganisations(db: Db): Promise<{ id: string; timezone: string }[]> {
  return db.select({ id: organisations.id, timezone: organisations.timezone }).from(organisations).where(eq(organisations.status, 'active'));
}

/** Assess one organisation; null when it is gone or not active (nothing is done then). */
export async function assessOrganisation(deps: CollectionsDeps & { mail: InstalmentMail }, organisationId: string): Promise<Assessment | null> {
  const [org] = await deps.db.select({ id: organisations.id, firmId: organisations.firmId, status: organisations.status }).from(organisations).where(eq(organisations.id, organisationId));
  if (org?.status !== 'active') return null;
  const plans = await updatePlans(deps, org.firmId, org.id);
  const fees = await assessLateFeesForOrganisation(deps, org.firmId, org.id);
  const discounts = await runDiscounts(deps, org.firmId, org.id);
  const reminders = await sendInstalmentReminders(deps, org.firmId, org.id);
  return { organisationId: org.id, plans, fees, discounts, reminders };
}
