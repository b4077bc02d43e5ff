/**
 * The same claim / lease / daily-limit / send / skip statements on PGlite (embedded mode's
 * database, PostgreSQL 18 in-process): a run, a send, a permanent failure, a stop and a
 * second run that sends nothing twice.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { firms, invoices, reminderDailyCounts, reminderSends } from '../../server/db/schema';
import { addDays } from '../../kernel/dates';
import { createLogger } from '../../server/logger';
import { zonedInstant } from '../../server/reminders/local-time';
import { type Capture, Driver, startCapture } from './harness';
import { DEFAULT_CONTACTS, MONDAY, seedOrg } from './seed';
import { memoryDatabase } from '../support/db';

describe('Reminders on PGlite', () => {
  let database: Database;
  let capture: Capture;
  let t = zonedInstant(MONDAY, 600, 'Europe/London').getTime();

  beforeAll(async () => {
    database = await memoryDatabase();
    capture = await startCapture({ now: () => new Date(t) });
  }, 180_000);
  afterAll(async () => {
    await capture?.close();
    await database?.close();
  });

  it('claims, leases, counts, sends, fails and stops exactly as on PostgreSQL', async () => {
    const db = database.db;
    const [firm] = await db.insert(firms).values({ name: 'PGlite firm' }).returning();
    const org = await seedOrg(db, firm!.id, { perInvoice: true,
      timezone: 'Europe/London',
      contacts: DEFAULT_CONTACTS,
      invoices: [
        { number: 'L-1', due: -8, contact: 'c-north' },
        { number: 'L-2', due: 0, contact: 'c-bayside' },
        { number: 'L-3', due: -1, contact: 'c-bad' },
        { number: 'L-4', due: 3, contact: 'c-north' },
      ],
      settings: { dailyLimit: 3 },
    });
    const driver = new Driver({ db, log: createLogger('silent'), env: { mailer: capture.mailer, mailFrom: 'Arcus <r@arcus.test>', appUrl: 'https://arcus.test', secret: 'pglite-secret-pglite-secret-pglite!', embedded: true, now: () => new Date(t) } });
    await driver.tick([org.id]);
    await driver.tick([org.id]);
    expect(capture.messages.map((m) => m.subject).sort()).toEqual(['Invoice L-2 is due today', 'Reminder: invoice L-1 is overdue']);
    const rows = await db.select().from(reminderSends).where(eq(reminderSends.organisationId, org.id));
    const by = (n: string) => rows.filter((r) => r.subjectId.endsWith(n) && r.status !== 'skipped');
    expect(by('L-3')[0]).toMatchObject({ status: 'failed_permanent' });
    expect(by('L-4')).toEqual([]); // limit 3: L-1, L-3 and L-2 counted; L-4's −3 step waits
    const [count] = await db.select().from(reminderDailyCounts).where(eq(reminderDailyCounts.organisationId, org.id));
    expect(count!.count).toBe(3);
    // The next day L-4 goes; paid L-1 stops.
    await db.update(invoices).set({ status: 'paid', amountDue: '0', amountPaid: '1250.00' }).where(eq(invoices.number, 'L-1'));
    t = zonedInstant(addDays(MONDAY, 1), 600, 'Europe/London').getTime();
    await driver.tick([org.id]);
    expect(capture.messages.map((m) => m.subject).sort()).toEqual(['Invoice L-2 is due today', 'Invoice L-4 is due on 26 Nov 2026', 'Reminder: invoice L-1 is overdue']);
  });
});
