/**
 * The statutory reference-rate table a firm uses: the built-in rows (server/collections/statutory.ts)
 * with the firm's own rows over them (`statutory_rates`, migration 0045) — an administrator corrects a
 * built-in day or adds a new rate; deleting a firm row brings the built-in one back. Firm-scoped.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { statutoryRates } from '../db/schema';
import { invalidField, notFound } from '../../kernel/errors';
import { parseInput } from '../http/validate';
import { BUILT_IN_RATES, cleanRate, type Jurisdiction, JURISDICTIONS, mergeRates, type RateRow, STATUTORY } from './statutory';

export const RateInputSchema = z
  .object({
    jurisdiction: z.enum(JURISDICTIONS, { message: 'Choose the UK or the EU.' }),
    effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Enter the day the rate took effect.' }),
    rate: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string({ message: 'Enter the rate as a percentage such as 4.75.' })),
  })
  .strict();
export type RateInput = z.infer<typeof RateInputSchema>;

export const RateKeySchema = z.object({ jurisdiction: z.enum(JURISDICTIONS, { message: 'Choose the UK or the EU.' }), effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Enter the day the rate took effect.' }) });

export interface RateView extends RateRow {
  rateName: string;
  origin: 'built_in' | 'edited' | 'added';
  /** Words for the origin. */
  originText: string;
}

const ORIGIN_TEXT = { built_in: 'Built in', edited: 'Corrected by your firm', added: 'Added by your firm' } as const;

/** The table the firm's assessments use (built-in rows with the firm's over them). */
export async function loadRateTable(db: Db, firmId: string): Promise<RateRow[]> {
  const own = await db.select().from(statutoryRates).where(eq(statutoryRates.firmId, firmId));
  return mergeRates(
    BUILT_IN_RATES,
    own.map((r) => ({ jurisdiction: r.jurisdiction as Jurisdiction, effectiveFrom: r.effectiveFrom, rate: r.rate })),
  );
}

export async function listRates(db: Db, firmId: string): Promise<RateView[]> {
  const own = await db.select().from(statutoryRates).where(eq(statutoryRates.firmId, firmId));
  return mergeRates(
    BUILT_IN_RATES,
    own.map((r) => ({ jurisdiction: r.jurisdiction as Jurisdiction, effectiveFrom: r.effectiveFrom, rate: r.rate })),
  ).map((r) => ({ ...r, rateName: STATUTORY[r.jurisdiction].rateName, originText: ORIGIN_TEXT[r.origin] }));
}

function validDay(text: string): boolean {
  const t = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === text;
}

/** Set the rate that took effect on a day (a correction of a built-in row, or a new row). */
export async function setRate(db: Db, firmId: string, body: unknown, userId: string | null, now: Date): Promise<RateView[]> {
  const input = parseInput(RateInputSchema, body);
  if (!validDay(input.effectiveFrom) || input.effectiveFrom < '1998-11-01') throw invalidField('effectiveFrom', 'Enter a real day, on or after 1 November 1998.');
  const rate = cleanRate(input.rate);
  if (rate === null) throw invalidField('rate', 'Enter the rate as a percentage under 100 with at most 4 decimal places, such as 4.75.');
  await db
    .insert(statutoryRates)
    .values({ firmId, jurisdiction: input.jurisdiction, effectiveFrom: input.effectiveFrom, rate, updatedByUserId: userId, updatedAt: now })
    .onConflictDoUpdate({ target: [statutoryRates.firmId, statutoryRates.jurisdiction, statutoryRates.effectiveFrom], set: { rate, updatedByUserId: userId, updatedAt: now } });
  return listRates(db, firmId);
}

/** Remove the firm's row for a day (a built-in row on that day applies again). */
export async function deleteRate(db: Db, firmId: string, query: unknown): Promise<RateView[]> {
  const key = parseInput(RateKeySchema, query);
  const gone = await db
    .delete(statutoryRates)
    .where(and(eq(statutoryRates.firmId, firmId), eq(statutoryRates.jurisdiction, key.jurisdiction), eq(statutoryRates.effectiveFrom, key.effectiveFrom)))
    .returning({ day: statutoryRates.effectiveFrom });
  if (gone.length === 0) throw notFound('Your firm has no rate of its own on that day; built-in rates can be corrected but not removed.');
  return listRates(db, firmId);
}
