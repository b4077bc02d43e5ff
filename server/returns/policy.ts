/**
 * The firm's returned-payment (NSF) fee policy, kept in firms.settings under `returnedPayments`
 * (other keys are left alone). Off by default; what is stored is parsed on every read, so a missing
 * or older value reads as the defaults (docs/decisions/046).
 */
import { eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { notFound } from '../../kernel/errors';
import type { Db } from '../db/client';
import { firms } from '../db/schema';
import { parseInput } from '../http/validate';
import { loadOverrides } from '../settings/store';
import { DEFAULT_FEE_POLICY, type ReturnedFeePolicy, ReturnedFeePolicySchema } from './core';

export const ReturnedFeePolicyPatchSchema = ReturnedFeePolicySchema.partial().strict();

export async function getReturnedFeePolicy(db: Db, firmId: string): Promise<ReturnedFeePolicy> {
  const [row] = await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId)).limit(1);
  if (!row) throw notFound('No such firm.');
  const parsed = ReturnedFeePolicySchema.safeParse((row.settings as { returnedPayments?: unknown } | null)?.returnedPayments ?? {});
  return parsed.success ? parsed.data : DEFAULT_FEE_POLICY;
}

/**
 * The policy in force for one organisation (docs/decisions/056): the firm's, with the
 * organisation's own fee — on or "no fee", amount, percentage, cap — where it overrides it
 * (a decision-028 settings group, `returnedPaymentFee`). Where it may be charged, how it is posted
 * and the account stay the firm's.
 */
export async function effectiveReturnedFeePolicy(db: Db, firmId: string, organisationId: string): Promise<ReturnedFeePolicy> {
  const firm = await getReturnedFeePolicy(db, firmId);
  const own = (await loadOverrides(db, firmId, [organisationId])).get(organisationId)?.returnedPaymentFee;
  return own ? { ...firm, ...own } : firm;
}

export async function updateReturnedFeePolicy(db: Db, firmId: string, patch: z.infer<typeof ReturnedFeePolicyPatchSchema>): Promise<ReturnedFeePolicy> {
  const merged = parseInput(ReturnedFeePolicySchema, { ...(await getReturnedFeePolicy(db, firmId)), ...patch });
  await db
    .update(firms)
    .set({ settings: sql`coalesce(${firms.settings}, '{}'::jsonb) || jsonb_build_object('returnedPayments', ${JSON.stringify(merged)}::jsonb)` })
    .where(eq(firms.id, firmId));
  return merged;
}
