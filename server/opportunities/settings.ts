/**
 * The firm's opportunity settings, in firms.settings under "opportunities" (other keys are left
 * alone): the limits that flag a client, the size bands of its peer groups and the proposal rule
 * — a tier by open invoice count, each with a fixed monthly fee. Amounts are decimal strings in the
 * firm's reporting currency (docs/decisions/037). This module is the pitch's own simple rule; fee
 * plans proper are server/fees/.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseAmount } from '../../kernel/money';
import type { Db } from '../db/client';
import { firms } from '../db/schema';
import type { SizeBand, Tier } from './core';

const Amount = z.string().regex(/^\d{1,12}(\.\d{1,4})?$/, { message: 'Enter an amount such as 250.00.' });
const Name = z.string().trim().min(1, { message: 'Enter a name.' }).max(60, { message: 'Use at most 60 characters.' });

export const OpportunitySettingsSchema = z
  .object({
    dsoAbove: z.number().min(0).max(1000),
    overduePctAbove: z.number().min(0).max(100),
    /** In order; the last has no upper limit (`below` null). */
    sizeBands: z.array(z.object({ name: Name, below: Amount.nullable() }).strict()).min(1).max(6),
    /** In order; the last has no upper limit (`maxOpenInvoices` null). */
    tiers: z.array(z.object({ name: Name, maxOpenInvoices: z.number().int().min(0).nullable(), monthlyFee: Amount }).strict()).min(1).max(6),
  })
  .strict();
export type OpportunitySettings = z.infer<typeof OpportunitySettingsSchema>;

export const DEFAULT_OPPORTUNITY_SETTINGS: OpportunitySettings = {
  dsoAbove: 45,
  overduePctAbove: 30,
  sizeBands: [
    { name: 'Small', below: '500000.00' },
    { name: 'Medium', below: '5000000.00' },
    { name: 'Large', below: null },
  ],
  tiers: [
    { name: 'Essentials', maxOpenInvoices: 50, monthlyFee: '250.00' },
    { name: 'Standard', maxOpenInvoices: 200, monthlyFee: '600.00' },
    { name: 'Complete', maxOpenInvoices: null, monthlyFee: '1200.00' },
  ],
};

export async function getOpportunitySettings(db: Db, firmId: string): Promise<OpportunitySettings> {
  const [row] = await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId));
  const stored = (row?.settings as { opportunities?: unknown } | null)?.opportunities;
  const parsed = OpportunitySettingsSchema.safeParse(stored);
  return parsed.success ? parsed.data : DEFAULT_OPPORTUNITY_SETTINGS;
}

export async function saveOpportunitySettings(db: Db, firmId: string, value: OpportunitySettings): Promise<OpportunitySettings> {
  // Merge into the jsonb so settings owned by other features survive.
  await db
    .update(firms)
    .set({ settings: sql`coalesce(${firms.settings}, '{}'::jsonb) || jsonb_build_object('opportunities', ${JSON.stringify(value)}::jsonb)` })
    .where(eq(firms.id, firmId));
  return value;
}

/** The size bands in minor units of the reporting currency. */
export function bandsIn(s: OpportunitySettings, currency: string): SizeBand[] {
  return s.sizeBands.map((b, i) => ({ name: b.name, below: i === s.sizeBands.length - 1 || b.below === null ? null : parseAmount(b.below, currency, true) }));
}

/** The tiers in minor units of the reporting currency. */
export function tiersIn(s: OpportunitySettings, currency: string): Tier[] {
  return s.tiers.map((t, i) => ({ name: t.name, maxOpenInvoices: i === s.tiers.length - 1 ? null : t.maxOpenInvoices, monthlyFee: parseAmount(t.monthlyFee, currency, true) }));
}
