/**
 * Reminder settings that hold for every organisation of a firm, kept in firms.settings under
 * `reminders` (other keys are left alone). Parsed on every read, so a missing or older value
 * reads as the defaults.
 *
 * - `recheckLedger` (on by default): just before a run's reminders are claimed, their invoices
 *   are read again from the ledger and any that changed since the last sync is not chased
 *   (server/reminders/presend.ts).
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { firms } from '../db/schema';

export const ReminderFirmSettingsSchema = z.object({
  recheckLedger: z.boolean().default(true),
});
export type ReminderFirmSettings = z.infer<typeof ReminderFirmSettingsSchema>;

export const ReminderFirmSettingsPatchSchema = ReminderFirmSettingsSchema.partial().strict();
export type ReminderFirmSettingsPatch = z.infer<typeof ReminderFirmSettingsPatchSchema>;

export const DEFAULT_FIRM_SETTINGS: ReminderFirmSettings = ReminderFirmSettingsSchema.parse({});

export function firmSettingsFrom(stored: unknown): ReminderFirmSettings {
  const parsed = ReminderFirmSettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : { ...DEFAULT_FIRM_SETTINGS };
}

/** The firm's reminder settings; the defaults when the firm is not visible (another firm's scope). */
export async function loadReminderFirmSettings(db: Db, firmId: string): Promise<ReminderFirmSettings> {
  const [row] = await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId)).limit(1);
  return firmSettingsFrom((row?.settings as { reminders?: unknown } | null)?.reminders);
}

export async function updateReminderFirmSettings(db: Db, firmId: string, patch: ReminderFirmSettingsPatch): Promise<ReminderFirmSettings> {
  const merged = ReminderFirmSettingsSchema.parse({ ...(await loadReminderFirmSettings(db, firmId)), ...patch });
  // Merge into the jsonb so settings owned by other features survive.
  await db
    .update(firms)
    .set({ settings: sql`coalesce(${firms.settings}, '{}'::jsonb) || jsonb_build_object('reminders', ${JSON.stringify(merged)}::jsonb)` })
    .where(eq(firms.id, firmId));
  return merged;
}
