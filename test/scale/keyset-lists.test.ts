/**
 * Keyset paging of the activities timeline and the reminders outbox (decision 045): walking the
 * pages by `nextCursor` returns exactly the rows of the whole list in its order — with timestamps
 * tied to the microsecond (broken by id) and microseconds a millisecond clock would lose — and
 * the numbered (offset) pages still agree with it.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { activities, reminderSends } from '../../server/db/schema';
import { listOutbox } from '../../server/reminders/outbox';
import { activityTimelinePage } from '../../server/writebacks/manage';
import { seedOrganisation } from '../analytics/seed';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith('pg', 'keyset paging of the timeline and the outbox', () => {
  let database: Database;
  let firmId: string;
  let orgId: string;

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database)).firm.id;
    orgId = (await seedOrganisation(database.db, firmId, { name: 'Keyset Ltd' })).id;
    const other = await seedOrganisation(database.db, firmId, { name: 'Elsewhere Ltd' });
    // 23 activities over 9 distinct instants (ties), some a few microseconds apart.
    const instants = Array.from({ length: 9 }, (_, i) => `2026-03-0${1 + (i % 3)} 10:00:00.${String(100000 + i * 7).slice(0, 6)}+00`);
    await database.db.insert(activities).values(
      Array.from({ length: 23 }, (_, i) => ({ firmId, organisationId: i === 5 ? other.id : orgId, actorType: 'system', kind: 'test.event', summary: `Event ${i}`, createdAt: new Date(0) })),
    );
    // Set the microsecond timestamps in SQL (a JavaScript Date holds milliseconds only).
    const rows = await database.pool!.query<{ id: string }>('SELECT id FROM activities WHERE firm_id = $1 ORDER BY summary', [firmId]);
    for (const [i, r] of rows.rows.entries()) await database.pool!.query('UPDATE activities SET created_at = $1 WHERE id = $2', [instants[i % instants.length], r.id]);
    // 17 sends: some sent (sent_at), some waiting (updated_at only), with equal instants.
    await database.db.insert(reminderSends).values(
      Array.from({ length: 17 }, (_, i) => ({
        id: randomUUID(),
        firmId,
        organisationId: orgId,
        subjectType: 'invoice',
        subjectId: `inv-${i}`,
        stepKey: 'step-1',
        contactExternalId: `c-${i % 4}`,
        status: i % 3 === 0 ? 'sent' : 'claimed',
        plannedFor: '2026-03-01',
        messageId: `m-${i}`,
        claimedAt: new Date('2026-03-01T09:00:00Z'),
        updatedAt: new Date(0),
      })),
    );
    const sends = await database.pool!.query<{ id: string }>('SELECT id FROM reminder_sends WHERE firm_id = $1 ORDER BY subject_id', [firmId]);
    for (const [i, r] of sends.rows.entries()) {
      const at = instants[i % 5];
      await database.pool!.query(i % 3 === 0 ? 'UPDATE reminder_sends SET sent_at = $1, updated_at = $1::timestamptz + interval \'1 hour\' WHERE id = $2' : 'UPDATE reminder_sends SET updated_at = $1 WHERE id = $2', [at, r.id]);
    }
  });

  it('walks the activities timeline by cursor to exactly the whole list', async () => {
    const whole = await activityTimelinePage(database.db, firmId, { organisationId: orgId, limit: 1000 });
    expect(whole.activities).toHaveLength(22);
    expect(whole.nextCursor).toBeNull();
    const walked: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 30; i++) {
      const page = await activityTimelinePage(database.db, firmId, { organisationId: orgId, limit: 4, cursor });
      walked.push(...page.activities.map((a) => a.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(walked).toEqual(whole.activities.map((a) => a.id));
    await expect(activityTimelinePage(database.db, firmId, { organisationId: orgId, cursor: 'bogus' })).rejects.toThrow(/Reload the list/);
  });

  it('walks the outbox by cursor to exactly the whole list, and the numbered pages agree', async () => {
    const whole = await listOutbox(database.db, { firmId, organisationId: orgId, filter: 'all', limit: 200, offset: 0 });
    expect(whole.items).toHaveLength(17);
    const walked: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 30; i++) {
      const page = await listOutbox(database.db, { firmId, organisationId: orgId, filter: 'all', limit: 3, offset: 0, cursor });
      walked.push(...page.items.map((s) => s.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(walked).toEqual(whole.items.map((s) => s.id));
    const third = await listOutbox(database.db, { firmId, organisationId: orgId, filter: 'all', limit: 3, offset: 6 });
    expect(third.items.map((s) => s.id)).toEqual(walked.slice(6, 9));
  });
});
