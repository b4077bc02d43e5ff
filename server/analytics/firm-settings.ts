/**
 * Per-firm analytics settings: the reporting currency (firms.reporting_currency) and the
 * needs-help thresholds, kept in firms.settings under `needsHelp` (other keys are left alone).
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { firms, organisations } from '../db/schema';
import { DEFAULT_HELP_THRESHOLDS, type HelpThresholds } from '../domain/metrics';
import { notFound } from '../../kernel/errors';

export const CurrencyCodeSchema = z.string().regex(/^[A-Z]{3}$/, { message: 'Enter a three-letter currency code such as USD.' });

/** ISO 4217 codes in use (the runtime's list), so a typo cannot become the reporting currency. */
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
export const ReportingCurrencySchema = CurrencyCodeSchema.refine((c) => KNOWN_CURRENCIES.has(c), { message: 'Choose a currency from the list.' });

/** Offered as reporting currencies besides those of the firm's organisations. */
export const COMMON_CURRENCIES = ['USD', 'EUR', 'GBP', 'AUD', 'NZD', 'CAD', 'ZAR', 'SGD', 'HKD', 'JPY', 'CHF', 'SEK', 'NOK', 'DKK', 'INR'] as const;

const ThresholdsSchema = z.object({
  dsoIncreasePct: z.number().min(0).max(1000),
  ceiBelow: z.number().min(0).max(100),
  past60SharePct: z.number().min(0).max(100),
});

export const FirmSettingsPatchSchema = z
  .object({
    reportingCurrency: ReportingCurrencySchema.optional(),
    needsHelp: ThresholdsSchema.partial().strict().optional(),
  })
  .strict();
export type FirmSettingsPatch = z.infer<typeof FirmSettingsPatchSchema>;

export interface AnalyticsSettings {
  reportingCurrency: string;
  needsHelp: HelpThresholds;
  defaults: HelpThresholds;
}

function thresholdsFrom(settings: unknown): HelpThresholds {
  const stored = (settings as { needsHelp?: unknown } | null)?.needsHelp;
  const parsed = ThresholdsSchema.partial().safeParse(stored ?? {});
  return { ...DEFAULT_HELP_THRESHOLDS, ...(parsed.success ? parsed.data : {}) };
}

export async function getAnalyticsSettings(db: Db, firmId: string): Promise<AnalyticsSettings> {
  const rows = await db.select({ reportingCurrency: firms.reportingCurrency, settings: firms.settings }).from(firms).where(eq(firms.id, firmId)).limit(1);
  const row = rows[0];
  if (!row) throw notFound('No such firm.');
  return { reportingCurrency: row.reportingCurrency, needsHelp: thresholdsFrom(row.settings), defaults: { ...DEFAULT_HELP_THRESHOLDS } };
}

export async function updateAnalyticsSettings(db: Db, firmId: string, patch: FirmSettingsPatch): Promise<AnalyticsSettings> {
  const current = await getAnalyticsSettings(db, firmId);
  const set: Partial<typeof firms.$inferInsert> = {};
  if (patch.reportingCurrency) set.reportingCurrency = patch.reportingCurrency;
  if (patch.needsHelp) {
    const merged = { ...current.needsHelp, ...patch.needsHelp };
    // Merge into the jsonb so settings owned by other features survive.
    set.settings = sql`coalesce(${firms.settings}, '{}'::jsonb) || jsonb_build_object('needsHelp', ${JSON.stringify(merged)}::jsonb)`;
  }
  if (Object.keys(set).length > 0) await db.update(firms).set(set).where(eq(firms.id, firmId));
  return getAnalyticsSettings(db, firmId);
}

export interface CurrencyChoices {
  /** The base currencies of the firm's organisations (and the current reporting currency), sorted. */
  inOrganisations: string[];
  /** Common currencies not in the first list. */
  common: string[];
}

/** The currencies the reporting-currency picker offers. */
export async function currencyChoices(db: Db, firmId: string, reportingCurrency: string): Promise<CurrencyChoices> {
  const rows = await db.selectDistinct({ c: organisations.baseCurrency }).from(organisations).where(eq(organisations.firmId, firmId));
  const inOrganisations = [...new Set([...rows.map((r) => r.c), reportingCurrency])].sort();
  return { inOrganisations, common: COMMON_CURRENCIES.filter((c) => !inOrganisations.includes(c)) };
}
