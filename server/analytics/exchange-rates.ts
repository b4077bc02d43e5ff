/**
 * Rates the firm keeps for converting each organisation's base currency into its reporting
 * currency. The rate used for a period is the latest one dated on or before the period's end;
 * without one the organisation is shown in its own currency and left out of the totals.
 */
import { and, asc, desc, eq, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { exchangeRates, firms } from '../db/schema';
import type { CalendarDate } from '../../kernel/dates';
import { isCalendarDate } from '../../kernel/dates';
import { invalidField, notFound } from '../../kernel/errors';
import { CurrencyCodeSchema } from './firm-settings';

export const RateSchema = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,10})?$/, { message: 'Enter a rate such as 1.08 (at most 10 decimal places).' })
  .refine((v) => /[1-9]/.test(v), { message: 'Enter a rate greater than zero.' });

export const ExchangeRateInputSchema = z
  .object({
    currency: CurrencyCodeSchema,
    rateToReporting: RateSchema,
    asOf: z.string().refine(isCalendarDate, { message: 'Enter the date the rate applies from.' }),
  })
  .strict();
export type ExchangeRateInput = z.infer<typeof ExchangeRateInputSchema>;

export interface ExchangeRateRow {
  id: string;
  currency: string;
  reportingCurrency: string;
  rateToReporting: string;
  asOf: CalendarDate;
}

const columns = { id: exchangeRates.id, currency: exchangeRates.currency, reportingCurrency: exchangeRates.reportingCurrency, rateToReporting: exchangeRates.rateToReporting, asOf: exchangeRates.asOf };

export async function listExchangeRates(db: Db, firmId: string): Promise<ExchangeRateRow[]> {
  return db.select(columns).from(exchangeRates).where(eq(exchangeRates.firmId, firmId)).orderBy(asc(exchangeRates.currency), desc(exchangeRates.asOf));
}

async function reportingCurrencyOf(db: Db, firmId: string): Promise<string> {
  const rows = await db.select({ c: firms.reportingCurrency }).from(firms).where(eq(firms.id, firmId)).limit(1);
  if (!rows[0]) throw notFound('No such firm.');
  return rows[0].c;
}

/** Sets the rate of `currency` to the firm's reporting currency as of a day (replacing that day's rate). */
export async function upsertExchangeRate(db: Db, firmId: string, input: ExchangeRateInput): Promise<ExchangeRateRow> {
  const reportingCurrency = await reportingCurrencyOf(db, firmId);
  if (input.currency === reportingCurrency) throw invalidField('currency', `${input.currency} is the reporting currency; it needs no rate.`);
  const [row] = await db
    .insert(exchangeRates)
    .values({ firmId, reportingCurrency, ...input })
    .onConflictDoUpdate({
      target: [exchangeRates.firmId, exchangeRates.currency, exchangeRates.reportingCurrency, exchangeRates.asOf],
      set: { rateToReporting: input.rateToReporting, updatedAt: new Date() },
    })
    .returning(columns);
  return row!;
}

export async function deleteExchangeRate(db: Db, firmId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(exchangeRates)
    .where(and(eq(exchangeRates.firmId, firmId), eq(exchangeRates.id, id)))
    .returning({ id: exchangeRates.id });
  return rows.length > 0;
}

export interface ResolvedRate {
  rate: string;
  asOf: CalendarDate;
}

/** For each currency, the latest rate to `reportingCurrency` dated on or before `asOf`. */
export async function resolveRates(db: Db, firmId: string, reportingCurrency: string, asOf: CalendarDate): Promise<Map<string, ResolvedRate>> {
  const rows = await db
    .select({ currency: exchangeRates.currency, rate: exchangeRates.rateToReporting, asOf: exchangeRates.asOf })
    .from(exchangeRates)
    .where(and(eq(exchangeRates.firmId, firmId), eq(exchangeRates.reportingCurrency, reportingCurrency), lte(exchangeRates.asOf, asOf)))
    .orderBy(asc(exchangeRates.currency), desc(exchangeRates.asOf));
  const out = new Map<string, ResolvedRate>();
  for (const r of rows) if (!out.has(r.currency)) out.set(r.currency, { rate: r.rate, asOf: r.asOf });
  return out;
}

/** Demo default: rates to USD for the sandbox companies' currencies, set once per demo firm. */
export const DEMO_RATES_TO_USD: Record<string, string> = { GBP: '1.2700', EUR: '1.0850', AUD: '0.6600', NZD: '0.6000', CAD: '0.7300' };
const DEMO_RATES_AS_OF = '2020-01-01';

export async function seedDemoExchangeRates(db: Db, firmId: string): Promise<void> {
  const marker = await db.select({ settings: firms.settings, reportingCurrency: firms.reportingCurrency }).from(firms).where(eq(firms.id, firmId)).limit(1);
  const row = marker[0];
  if (!row || (row.settings as { demoRatesSeeded?: boolean } | null)?.demoRatesSeeded || row.reportingCurrency !== 'USD') return;
  await db.transaction(async (tx) => {
    for (const [currency, rate] of Object.entries(DEMO_RATES_TO_USD)) {
      await tx.insert(exchangeRates).values({ firmId, currency, reportingCurrency: 'USD', rateToReporting: rate, asOf: DEMO_RATES_AS_OF }).onConflictDoNothing();
    }
    await tx
      .update(firms)
      .set({ settings: sql`coalesce(${firms.settings}, '{}'::jsonb) || '{"demoRatesSeeded": true}'::jsonb` })
      .where(eq(firms.id, firmId));
  });
}
