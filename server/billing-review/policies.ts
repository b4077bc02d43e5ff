/**
 * The firm's billing policies (the workbook's "billing policies"): payment terms, invoicing
 * frequency and whether a purchase order is needed, per customer type ('' = customers without a
 * type; a type is the customer's group in Arcus, reminder_customers.segment).
 */
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import type { Db } from '../db/client';
import { billingPolicies } from '../db/schema';
import { type BillingPolicy, FREQUENCIES, FREQUENCY_WORDS, type Frequency } from './checks';

export async function loadPolicies(db: Db, firmId: string): Promise<BillingPolicy[]> {
  const rows = await db.select().from(billingPolicies).where(eq(billingPolicies.firmId, firmId)).orderBy(asc(billingPolicies.customerType));
  return rows.map((r) => ({ customerType: r.customerType, termsDays: r.termsDays, frequency: r.frequency as Frequency, requiresPurchaseOrder: r.requiresPurchaseOrder }));
}

export const PolicySchema = z
  .object({
    customerType: z.string().trim().max(80, { message: 'Keep the customer type under 80 characters.' }),
    termsDays: z.number({ message: 'Enter the payment terms in days.' }).int({ message: 'Enter the payment terms as a whole number of days.' }).min(0, { message: 'Payment terms cannot be negative.' }).max(365, { message: 'Payment terms can be at most 365 days.' }),
    frequency: z.enum(FREQUENCIES, { message: 'Choose how often these customers are invoiced.' }),
    requiresPurchaseOrder: z.boolean().default(false),
  })
  .strict();
export type PolicyInput = z.infer<typeof PolicySchema>;

export interface PolicyView extends BillingPolicy {
  customerTypeText: string;
  frequencyText: string;
  summary: string;
}

export function policyView(p: BillingPolicy): PolicyView {
  const who = p.customerType === '' ? 'Customers without a type' : p.customerType;
  return {
    ...p,
    customerTypeText: who,
    frequencyText: FREQUENCY_WORDS[p.frequency],
    summary: `Due ${p.termsDays} day${p.termsDays === 1 ? '' : 's'} after the invoice date, invoiced ${FREQUENCY_WORDS[p.frequency].toLowerCase()}${p.requiresPurchaseOrder ? '; a purchase-order reference is needed' : ''}.`,
  };
}

export async function savePolicy(db: Db, auth: { firmId: string; userId: string }, input: PolicyInput, now: Date): Promise<PolicyView> {
  const values = { firmId: auth.firmId, customerType: input.customerType, termsDays: input.termsDays, frequency: input.frequency, requiresPurchaseOrder: input.requiresPurchaseOrder, updatedByUserId: auth.userId, updatedAt: now };
  await db
    .insert(billingPolicies)
    .values(values)
    .onConflictDoUpdate({ target: [billingPolicies.firmId, billingPolicies.customerType], set: { termsDays: values.termsDays, frequency: values.frequency, requiresPurchaseOrder: values.requiresPurchaseOrder, updatedByUserId: auth.userId, updatedAt: now } });
  return policyView({ customerType: input.customerType, termsDays: input.termsDays, frequency: input.frequency, requiresPurchaseOrder: input.requiresPurchaseOrder });
}

export async function deletePolicy(db: Db, firmId: string, customerType: string): Promise<void> {
  const gone = await db.delete(billingPolicies).where(and(eq(billingPolicies.firmId, firmId), eq(billingPolicies.customerType, customerType))).returning({ t: billingPolicies.customerType });
  if (gone.length === 0) throw notFound('There is no policy for that customer type. Reload the page.');
}
