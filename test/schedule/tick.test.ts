import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { nextNightlyRun, syncSlotMinute } from '../../server/sync/nightly';
import { runScheduleTick } from '../../server/sync/schedule';
import type { Database } from '../../server/db/client';
import { organisations } from '../../server/db/schema';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const NOW = new Date('2026-11-23T03:00:00Z');

describeWith('pg', 'the schedule tick', () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabase();
  });

  async function org(firmId: string, fields: Partial<typeof organisations.$inferInsert>): Promise<string> {
    const id: string = randomUUID();
    await database.db.insert(organisations).values({ id, firmId, provider: 'xero', externalId: randomUUID(), name: `Org ${id.slice(0, 6)}`, baseCurrency: 'GBP', timezone: 'Europe/London', syncSlotMinute: syncSlotMinute(id), ...fields });
    return id;
  }

  it('enqueues due active organisations only, and moves each to its next local night', async () => {
    const { firm } = await createFirm(database);
    const due = await org(firm.id, { nextSyncAt: new Date(NOW.getTime() - 60_000) });
    const dueAuckland = await org(firm.id, { nextSyncAt: new Date(NOW.getTime() - 3_600_000), timezone: 'Pacific/Auckland' });
    const later = await org(firm.id, { nextSyncAt: new Date(NOW.getTime() + 60_000) });
    const reauth = await org(firm.id, { nextSyncAt: new Date(NOW.getTime() - 60_000), status: 'needs_reauth' });
    const gone = await org(firm.id, { nextSyncAt: new Date(NOW.getTime() - 60_000), status: 'disconnected' });
    const unscheduled = await org(firm.id, { nextSyncAt: null });
    const mine = [due, dueAuckland, later, reauth, gone, unscheduled];

    const asked: string[] = [];
    const result = await runScheduleTick(database.db, async (id) => asked.push(id), { now: NOW, limit: 10_000 });
    const ours = asked.filter((id) => mine.includes(id));
    expect(ours.sort()).toEqual([due, dueAuckland].sort());
    expect(result.enqueued).toEqual(expect.arrayContaining([due, dueAuckland]));

    const rows = new Map((await database.db.select().from(organisations).where(inArray(organisations.id, mine))).map((r) => [r.id, r]));
    const d = rows.get(due)!;
    expect(d.nextSyncAt!.toISOString()).toBe(nextNightlyRun('Europe/London', d.syncSlotMinute, NOW).toISOString());
    expect(d.nextSyncAt!.getTime()).toBeGreaterThan(NOW.getTime());
    const a = rows.get(dueAuckland)!;
    expect(a.nextSyncAt!.toISOString()).toBe(nextNightlyRun('Pacific/Auckland', a.syncSlotMinute, NOW).toISOString());
    expect(rows.get(later)!.nextSyncAt!.getTime()).toBe(NOW.getTime() + 60_000);
    expect(rows.get(reauth)!.nextSyncAt!.getTime()).toBe(NOW.getTime() - 60_000);
    // An active organisation without a next run gets one, without an immediate sync.
    expect(rows.get(unscheduled)!.nextSyncAt).not.toBeNull();

    // A second tick at the same moment finds nothing of ours due.
    const again: string[] = [];
    await runScheduleTick(database.db, async (id) => again.push(id), { now: NOW, limit: 10_000 });
    expect(again.filter((id) => mine.includes(id))).toEqual([]);
  });

  it('bounds a tick: the rest goes on the next one, oldest first', async () => {
    const { firm } = await createFirm(database);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await org(firm.id, { nextSyncAt: new Date(NOW.getTime() - (i + 1) * 1000 - 10 * 86_400_000) }));
    const first: string[] = [];
    await runScheduleTick(database.db, async (id) => first.push(id), { now: NOW, limit: 5 });
    expect(first).toHaveLength(5);
    // The most overdue go first.
    expect(first).toEqual(ids.slice(-5).reverse());
    const second: string[] = [];
    await runScheduleTick(database.db, async (id) => second.push(id), { now: NOW, limit: 5 });
    expect(second).toHaveLength(5);
    expect(second.some((id) => first.includes(id))).toBe(false);
    const third: string[] = [];
    await runScheduleTick(database.db, async (id) => third.push(id), { now: NOW, limit: 5 });
    expect(third.filter((id) => ids.includes(id))).toHaveLength(2);
    const left = await database.db.select().from(organisations).where(eq(organisations.firmId, firm.id));
    expect(left.every((o) => o.nextSyncAt!.getTime() > NOW.getTime())).toBe(true);
  });
});
