/**
 * The firm's collection policy — approval threshold, late fees and interest, early-payment
 * discounts, payment plans — kept in firms.settings under `collections` (other keys are left
 * alone). One zod schema with defaults: what is stored is parsed on every read, so a missing
 * or older value reads as the defaults. Amounts are decimal strings (exact), percentages too.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { firms } from '../db/schema';
import { numberToDecimalString } from '../../kernel/money';
import { invalidField, notFound } from '../../kernel/errors';
import { parseInput } from '../http/validate';

/** A decimal written as a string or a JSON number, kept as the string. */
const decimalText = (places: number, what: string) =>
  z.preprocess((v) => (typeof v === 'number' && Number.isFinite(v) ? numberToDecimalString(v) : v), z.string().trim().regex(new RegExp(`^\\d{1,13}(\\.\\d{1,${places}})?$`), { message: `Enter ${what}.` }));

const Amount = decimalText(2, 'an amount such as 25 or 12.50');
// A value that is no number at all has its own message (the regex's), not this one too.
const Percent = decimalText(4, 'a percentage such as 2 or 1.5').refine((s) => Number.isNaN(Number(s)) || Number(s) <= 100, { message: 'Enter a percentage of 100 or less.' });
const DiscountPercent = decimalText(2, 'a percentage such as 2 or 2.5').refine((s) => Number.isNaN(Number(s)) || Number(s) < 100, { message: 'Enter a percentage under 100.' });

export const LateFeePolicySchema = z.object({
  enabled: z.boolean().default(false),
  /** uk_statutory / eu_directive: the interest and compensation the law allows, from the rate table (server/collections/statutory.ts). */
  kind: z.enum(['flat', 'percentage', 'annual_rate', 'uk_statutory', 'eu_directive']).default('percentage'),
  /** Flat fee. */
  amount: Amount.default('0'),
  /** Percentage of the overdue amount. */
  percent: Percent.default('2'),
  /** Annual interest rate, accrued daily (simple, ACT/365) on the amount due. */
  annualRatePct: Percent.default('8'),
  graceDays: z.number().int().min(0).max(365).default(7),
  minimum: Amount.default('0'),
  /** Most charged per invoice, all fees together (null: no cap). */
  cap: Amount.nullable().default(null),
  post: z.enum(['invoice', 'line']).default('invoice'),
  period: z.enum(['once', 'monthly']).default('once'),
  accountCode: z.string().trim().min(1).max(40).nullable().default(null),
  minimumInvoiceDue: Amount.default('0'),
});

export const EarlyDiscountPolicySchema = z.object({
  enabled: z.boolean().default(false),
  ratePct: DiscountPercent.default('2'),
  /** Days from the issue date a payment earns the discount. */
  withinDays: z.number().int().min(0).max(365).default(10),
  minimumAmount: Amount.default('0'),
});

export const PlanPolicySchema = z.object({
  /** Post instalments to the ledger as invoices (crediting the covered invoices) by default. */
  postInvoices: z.boolean().default(false),
  maxInstalments: z.number().int().min(1).max(120).default(24),
  /** Days after an instalment's due date before it counts as missed. */
  missedGraceDays: z.number().int().min(0).max(90).default(5),
  /** Missed instalments that break the plan (reminders resume). */
  breakAfterMissed: z.number().int().min(1).max(12).default(2),
  /** Days before an instalment's due date its reminder is emailed. */
  reminderDaysBefore: z.number().int().min(0).max(30).default(3),
});

export const CollectionsPolicySchema = z.object({
  /** Write-backs moving more than this wait for approval (null: none do). */
  approvalThreshold: Amount.nullable().default(null),
  lateFees: LateFeePolicySchema.default(LateFeePolicySchema.parse({})),
  earlyDiscount: EarlyDiscountPolicySchema.default(EarlyDiscountPolicySchema.parse({})),
  plans: PlanPolicySchema.default(PlanPolicySchema.parse({})),
});
export type CollectionsPolicy = z.infer<typeof CollectionsPolicySchema>;

/** PUT body: any section, any field; merged over the current policy, then validated whole. */
export const CollectionsPolicyPatchSchema = z
  .object({
    approvalThreshold: Amount.nullable().optional(),
    lateFees: LateFeePolicySchema.partial().strict().optional(),
    earlyDiscount: EarlyDiscountPolicySchema.partial().strict().optional(),
    plans: PlanPolicySchema.partial().strict().optional(),
  })
  .strict();
export type CollectionsPolicyPatch = z.infer<typeof CollectionsPolicyPatchSchema>;

export const DEFAULT_POLICY: CollectionsPolicy = CollectionsPolicySchema.parse({});

/** Stored value → policy; fields that no longer validate fall back to their defaults. */
export function policyFrom(stored: unknown): CollectionsPolicy {
  const whole = CollectionsPolicySchema.safeParse(stored ?? {});
  if (whole.success) return whole.data;
  const s = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  const section = <T>(schema: z.ZodType<T>, value: unknown, fallback: T): T => {
    const parsed = schema.safeParse(value ?? {});
    return parsed.success ? parsed.data : fallback;
  };
  const threshold = CollectionsPolicySchema.shape.approvalThreshold.safeParse(s['approvalThreshold'] ?? null);
  return {
    approvalThreshold: threshold.success ? threshold.data : null,
    lateFees: section(LateFeePolicySchema, s['lateFees'], DEFAULT_POLICY.lateFees),
    earlyDiscount: section(EarlyDiscountPolicySchema, s['earlyDiscount'], DEFAULT_POLICY.earlyDiscount),
    plans: section(PlanPolicySchema, s['plans'], DEFAULT_POLICY.plans),
  };
}

export async function getCollectionsPolicy(db: Db, firmId: string): Promise<CollectionsPolicy> {
  const [row] = await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId)).limit(1);
  if (!row) throw notFound('No such firm.');
  return policyFrom((row.settings as { collections?: unknown } | null)?.collections);
}

export async function updateCollectionsPolicy(db: Db, firmId: string, patch: CollectionsPolicyPatch): Promise<CollectionsPolicy> {
  const current = await getCollectionsPolicy(db, firmId);
  const merged = {
    approvalThreshold: patch.approvalThreshold === undefined ? current.approvalThreshold : patch.approvalThreshold,
    lateFees: { ...current.lateFees, ...patch.lateFees },
    earlyDiscount: { ...current.earlyDiscount, ...patch.earlyDiscount },
    plans: { ...current.plans, ...patch.plans },
  };
  const p = parseInput(CollectionsPolicySchema, merged);
  if (p.lateFees.enabled && p.lateFees.kind === 'flat' && Number(p.lateFees.amount) === 0) throw invalidField('lateFees.amount', 'A flat fee must be more than zero.');
  // Merge into the jsonb so settings owned by other features survive.
  await db
    .update(firms)
    .set({ settings: sql`coalesce(${firms.settings}, '{}'::jsonb) || jsonb_build_object('collections', ${JSON.stringify(p)}::jsonb)` })
    .where(eq(firms.id, firmId));
  return p;
}
