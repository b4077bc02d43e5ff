/**
 * The sending window a run claims by is the one a send checks: the firm's default (or the
 * organisation's override, docs/decisions/028), not the window columns an organisation's settings
 * row kept from before. The firm opens its window at 08:00; the organisation's row still says
 * 09:00. At 08:30 the run claims the overdue reminder and the send delivers it then, instead of
 * deferring it to 09:00 by the old columns.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { firms, reminderSends, reminderSettings } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { loadOrgWithSettings, loadSettings } from '../../server/reminders/load';
import { zonedInstant } from '../../server/reminders/local-time';
import { setDefault } from '../../server/settings/store';
import { memoryDatabase } from '../support/db';
import { type Capture, Driver, startCapture } from './harness';
import { DEFAULT_CONTACTS, MONDAY, seedOrg } from './seed';

describe('Reminders: the window in force at send time', () => {
  let database: Database;
  let capture: Capture;
  const t = zonedInstant(MONDAY, 8 * 60 + 30, 'Europe/London').getTime();

  beforeAll(async () => {
    database = await memoryDatabase();
    capture = await startCapture({ now: () => new Date(t) });
  }, 180_000);
  afterAll(async () => {
    await capture?.close();
    await database?.close();
  });

  it('sends at 08:30 when the firm’s window opens at 08:00, whatever the organisation’s old row says', async () => {
    const db = database.db;
    const [firm] = await db.insert(firms).values({ name: 'Early firm' }).returning();
    const org = await seedOrg(db, firm!.id, { perInvoice: true, timezone: 'Europe/London', contacts: DEFAULT_CONTACTS, invoices: [{ number: 'E-1', due: -8, contact: 'c-north' }] });
    await db.update(reminderSettings).set({ windowStartMinute: 9 * 60, windowEndMinute: 17 * 60 }).where(eq(reminderSettings.organisationId, org.id));
    await setDefault(db, firm!.id, 'sendingWindow', { startMinute: 8 * 60, endMinute: 18 * 60, businessDays: [1, 2, 3, 4, 5] });

    // Both readers see the firm's window.
    expect((await loadSettings(db, org.id)).windowStartMinute).toBe(480);
    expect((await loadOrgWithSettings(db, org.id))!.settings.windowStartMinute).toBe(480);

    const driver = new Driver({ db, log: createLogger('silent'), env: { mailer: capture.mailer, mailFrom: 'Arcus <r@arcus.test>', appUrl: 'https://arcus.test', secret: 'window-secret-window-secret-window!', embedded: true, now: () => new Date(t) } });
    await driver.tick([org.id]);
    expect(capture.messages.map((m) => m.subject)).toEqual(['Reminder: invoice E-1 is overdue']);
    const rows = await db.select({ status: reminderSends.status }).from(reminderSends).where(eq(reminderSends.organisationId, org.id));
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(1);
  });
});
