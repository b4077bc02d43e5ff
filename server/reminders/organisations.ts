/** The Reminders page's organisation list: each organisation's reminder status and counts. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { organisations, reminderDailyCounts, reminderSends, reminderSettings } from '../db/schema';
import { loadSettings } from './load';
import { inSendingWindow, localClock, minuteText, nextWindowOpen } from './local-time';

export async function organisationSummaries(db: Db, firmId: string, now: Date) {
  const orgs = await db
    .select({ id: organisations.id, name: organisations.name, provider: organisations.provider, timezone: organisations.timezone, status: organisations.status, countryCode: organisations.countryCode })
    .from(organisations)
    .where(eq(organisations.firmId, firmId))
    .orderBy(organisations.name);
  if (orgs.length === 0) return [];
  const ids = orgs.map((o) => o.id);
  const counts = await db
    .select({ organisationId: reminderSends.organisationId, status: reminderSends.status, n: sql<number>`count(*)::int` })
    .from(reminderSends)
    .where(and(eq(reminderSends.firmId, firmId), inArray(reminderSends.organisationId, ids), inArray(reminderSends.status, ['pending_approval', 'awaiting_client', 'claimed', 'sending', 'failed_temporary', 'failed_permanent', 'sent'])))
    .groupBy(reminderSends.organisationId, reminderSends.status);
  const out = [];
  for (const o of orgs) {
    const settings = await loadSettings(db, o.id);
    const today = localClock(o.timezone, now).date;
    const [day] = await db
      .select({ count: reminderDailyCounts.count })
      .from(reminderDailyCounts)
      .where(and(eq(reminderDailyCounts.organisationId, o.id), eq(reminderDailyCounts.day, today)));
    const c = (s: string) => counts.find((x) => x.organisationId === o.id && x.status === s)?.n ?? 0;
    const open = nextWindowOpen(settings, o.timezone, now);
    out.push({
      ...o,
      enabled: settings.enabled,
      window: `${minuteText(settings.windowStartMinute)}–${minuteText(settings.windowEndMinute)}`,
      businessDays: settings.businessDays,
      dailyLimit: settings.dailyLimit,
      inWindow: inSendingWindow(settings, o.timezone, now),
      nextWindow: open?.toISOString() ?? null,
      today,
      sentToday: day?.count ?? 0,
      counts: { sent: c('sent'), pendingApproval: c('pending_approval'), awaitingClient: c('awaiting_client'), queued: c('claimed') + c('sending') + c('failed_temporary'), failed: c('failed_permanent') },
    });
  }
  return out;
}

/** Every active organisation with reminders switched on, across firms (the `reminders.tick` job runs each). */
export async function organisationsWithReminders(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: organisations.id })
    .from(organisations)
    .innerJoin(reminderSettings, eq(reminderSettings.organisationId, organisations.id))
    .where(and(eq(organisations.status, 'active'), eq(reminderSettings.enabled, true)));
  return rows.map((r) => r.id);
}
