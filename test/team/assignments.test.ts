/**
 * Assignment and My work through the API on PostgreSQL (docs/decisions/023-assignment-and-my-work.md),
 * the clock pinned to the scoring fixture's day: each rule assigns exactly the customers it says
 * (expected sets worked out from the invoices by plain SQL, not by the code under test), bulk
 * reassignment, owners, and My work showing only the caller's customers from two organisations in
 * the worklist's order, with their due follow-ups, promises due today and broken promises.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import { type Database, queryRows } from '../../server/db/client';
import { activities, collectorTasks, customerAssignments, memberships, users } from '../../server/db/schema';
import { PROMISE_RECORDED } from '../../server/scoring/in-motion';
import { getWorklist } from '../../server/scoring/worklist';
import { startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';
import { buildFixture, NOW, type ScoringFixture, TODAY } from '../scoring/fixture';

type Client = ReturnType<typeof signedIn>;

describeWith('pg', 'assignment and My work', () => {
  let database: Database;
  let arcus: Arcus;
  let fx: ScoringFixture;
  const ids: Record<'manager' | 'cal' | 'cleo' | 'viewer', string> = { manager: '', cal: '', cleo: '', viewer: '' };
  let as: Record<'admin' | 'manager' | 'cal' | 'cleo' | 'viewer', Client>;

  /** Who each customer of an organisation is assigned to, by external id. */
  async function assignedIn(organisationId: string): Promise<Record<string, string>> {
    const rows = await database.db.select().from(customerAssignments).where(and(eq(customerAssignments.firmId, fx.firmId), eq(customerAssignments.organisationId, organisationId)));
    return Object.fromEntries(rows.map((r) => [r.contactExternalId, r.userId]));
  }

  /** Open balance per customer straight from the invoices (cents), largest first. */
  async function balances(organisationId: string): Promise<{ ext: string; cents: number }[]> {
    const rows = await queryRows<{ ext: string; cents: string }>(
      database.db,
      sql`SELECT contact_external_id AS ext, round(sum(CASE WHEN settled_on IS NULL THEN amount_due ELSE 0 END) * 100)::bigint::text AS cents
          FROM invoices WHERE organisation_id = ${organisationId} AND status NOT IN ('draft', 'voided', 'deleted') GROUP BY 1`,
    );
    return rows.map((r) => ({ ext: r.ext, cents: Number(r.cents) })).sort((a, b) => b.cents - a.cents);
  }

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    const db = database.db;
    for (const [key, role, name] of [
      ['manager', 'manager', 'Mia Manager'],
      ['cal', 'collector', 'Cal Collector'],
      ['cleo', 'collector', 'Cleo Collector'],
      ['viewer', 'viewer', 'Vic Viewer'],
    ] as const) {
      const [u] = await db.insert(users).values({ email: `${key}-${randomUUID()}@firm.example`, name, authProvider: 'test', authSubject: randomUUID() }).returning();
      await db.insert(memberships).values({ firmId: fx.firmId, userId: u!.id, role });
      ids[key] = u!.id;
    }
    arcus = await startTestApp('assignments-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    const session = (userId: string) => writeSession(database, arcus.config.sessionSecret, { userId, firmId: fx.firmId });
    as = {
      admin: signedIn(`${arcus.url}/api`, await session(fx.userId)),
      manager: signedIn(`${arcus.url}/api`, await session(ids.manager)),
      cal: signedIn(`${arcus.url}/api`, await session(ids.cal)),
      cleo: signedIn(`${arcus.url}/api`, await session(ids.cleo)),
      viewer: signedIn(`${arcus.url}/api`, await session(ids.viewer)),
    };
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  it('refuses assignment to collectors and viewers (403), and checks the rule field by field', async () => {
    const rule = { rule: 'all', organisationId: fx.orgA.id, userId: ids.cal };
    for (const who of [as.cal, as.viewer]) {
      const res = await who('/assignments/rules', { method: 'POST', body: rule });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe('Only a manager or an administrator can assign work.');
    }
    expect((await as.cal('/assignments/reassign', { method: 'POST', body: { fromUserId: ids.cal, toUserId: ids.cleo } })).status).toBe(403);
    expect((await as.cal('/team-queues')).status).toBe(403);
    // A viewer may not be assigned customers; an unknown rule and a negative amount are refused in words.
    const viewer = await as.manager('/assignments/rules', { method: 'POST', body: { ...rule, userId: ids.viewer } });
    expect(viewer.status).toBe(400);
    expect(viewer.body.error.fields).toEqual([{ field: 'userId', message: 'Choose a collector, a manager or an administrator of your firm.' }]);
    const bad = await as.manager('/assignments/rules', { method: 'POST', body: { rule: 'amount', organisationId: fx.orgB.id, minAmount: -1, userId: ids.cal } });
    expect(bad.body.error.fields).toEqual([{ field: 'minAmount', message: 'The minimum balance cannot be negative.' }]);
    const unknown = await as.manager('/assignments/rules', { method: 'POST', body: { rule: 'by_mood', organisationId: fx.orgB.id } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).not.toMatch(/by_mood|round_robin|chronic_late/);
    expect(await assignedIn(fx.orgA.id)).toEqual({});
  });

  it('assigns by organisation, by segment, by amount and round-robin, exactly as specified', async () => {
    // By organisation: every customer of Harbour Supplies to Cal.
    const all = await as.manager('/assignments/rules', { method: 'POST', body: { rule: 'all', organisationId: fx.orgA.id, userId: ids.cal } });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ assigned: 4, byUser: [{ userId: ids.cal, customers: 4 }] });
    expect(await assignedIn(fx.orgA.id)).toEqual({ prompt: ids.cal, chronic: ids.cal, steady: ids.cal, newbie: ids.cal });

    // By segment: the chronically late payer only, to Cleo; the others stay Cal's.
    const segment = await as.manager('/assignments/rules', { method: 'POST', body: { rule: 'segment', organisationId: fx.orgA.id, segment: 'chronic_late', userId: ids.cleo } });
    expect(segment.body.assigned).toBe(1);
    expect(await assignedIn(fx.orgA.id)).toEqual({ prompt: ids.cal, chronic: ids.cleo, steady: ids.cal, newbie: ids.cal });

    // By amount: Latecomers' customers whose balance is at least the middle one's (equal counts).
    const b = await balances(fx.orgB.id);
    expect(b).toHaveLength(3);
    expect(b[0]!.cents).toBeGreaterThan(b[1]!.cents);
    expect(b[1]!.cents).toBeGreaterThan(b[2]!.cents);
    const amount = await as.manager('/assignments/rules', { method: 'POST', body: { rule: 'amount', organisationId: fx.orgB.id, minAmount: b[1]!.cents / 100, userId: ids.cleo } });
    expect(amount.body.assigned).toBe(2);
    expect(await assignedIn(fx.orgB.id)).toEqual({ [b[0]!.ext]: ids.cleo, [b[1]!.ext]: ids.cleo });

    // Round-robin over Cal then Cleo, largest balance first: Cal, Cleo, Cal.
    const rr = await as.manager('/assignments/rules', { method: 'POST', body: { rule: 'round_robin', organisationId: fx.orgB.id, userIds: [ids.cal, ids.cleo] } });
    expect(rr.body).toEqual({ assigned: 3, byUser: [{ userId: ids.cal, customers: 2 }, { userId: ids.cleo, customers: 1 }] });
    expect(await assignedIn(fx.orgB.id)).toEqual({ [b[0]!.ext]: ids.cal, [b[1]!.ext]: ids.cleo, [b[2]!.ext]: ids.cal });
  });

  it('reassigns in bulk, and sets an organisation owner (a manager or an administrator only)', async () => {
    const moved = await as.manager('/assignments/reassign', { method: 'POST', body: { fromUserId: ids.cleo, toUserId: ids.cal, organisationId: fx.orgB.id } });
    expect(moved.body).toEqual({ moved: 1 });
    expect(Object.values(await assignedIn(fx.orgB.id))).toEqual([ids.cal, ids.cal, ids.cal]);
    // Harbour's chronic payer (in another organisation) stayed Cleo's.
    expect((await assignedIn(fx.orgA.id)).chronic).toBe(ids.cleo);
    const same = await as.manager('/assignments/reassign', { method: 'POST', body: { fromUserId: ids.cal, toUserId: ids.cal } });
    expect(same.body.error.fields).toEqual([{ field: 'toUserId', message: 'Choose someone else to take the customers over.' }]);

    const collector = await as.manager(`/organisations/${fx.orgA.id}/owner`, { method: 'PUT', body: { userId: ids.cal } });
    expect(collector.body.error.fields[0].message).toBe('An organisation’s owner is a manager or an administrator of your firm.');
    expect((await as.manager(`/organisations/${fx.orgA.id}/owner`, { method: 'PUT', body: { userId: ids.manager } })).status).toBe(200);
    expect((await as.manager(`/organisations/${fx.otherOrgId}/owner`, { method: 'PUT', body: { userId: ids.manager } })).status).toBe(404);
    const overview = await as.viewer('/assignments');
    expect(overview.status).toBe(200);
    const harbour = overview.body.organisations.find((o: { id: string }) => o.id === fx.orgA.id);
    expect(harbour).toMatchObject({ name: 'Harbour Supplies', owner: { userId: ids.manager, name: 'Mia Manager' }, customers: 4 });
    expect(harbour.assigned).toEqual([
      { userId: ids.cal, name: 'Cal Collector', customers: 3 },
      { userId: ids.cleo, name: 'Cleo Collector', customers: 1 },
    ]);
    expect(overview.body.members.map((m: { name: string; roleName: string }) => `${m.name} (${m.roleName})`)).toContain('Mia Manager (Manager)');
  });

  it('My work: only the caller’s customers, from two organisations, ranked as the worklist ranks them; follow-ups and promises', async () => {
    const db = database.db;
    // Cal: Harbour's steady and newbie are given to Cleo, leaving Cal prompt (A) and all three of B.
    await db.update(customerAssignments).set({ userId: ids.cleo }).where(and(eq(customerAssignments.organisationId, fx.orgA.id), sql`${customerAssignments.contactExternalId} IN ('steady', 'newbie')`));
    const everything = await getWorklist(db, { firmId: fx.firmId, userId: fx.userId, role: 'admin' }, { now: NOW });
    const contactOf = (ext: string) => everything.customers.find((c) => c.contactExternalId === ext)!.contactId;
    const task = (title: string, dueOn: string, ext: string, userId: string, status = 'open') => ({ firmId: fx.firmId, organisationId: ext.startsWith('slow') ? fx.orgB.id : fx.orgA.id, contactExternalId: ext, title, dueOn, assignedUserId: userId, status });
    await db.insert(collectorTasks).values([
      task('Call back about the March invoices', TODAY, 'slow-1', ids.cal),
      task('Send the statement again', addDays(TODAY, -2), 'prompt', ids.cal),
      task('Not yet: next week', addDays(TODAY, 1), 'slow-2', ids.cal),
      task('Already done', addDays(TODAY, -1), 'slow-2', ids.cal, 'done'),
      task('Cleo’s, not Cal’s', TODAY, 'chronic', ids.cleo),
    ]);
    const promise = (ext: string, promisedDate: string, daysAgo: number) => ({
      id: randomUUID(),
      firmId: fx.firmId,
      organisationId: ext.startsWith('slow') ? fx.orgB.id : fx.orgA.id,
      actorType: 'user',
      kind: PROMISE_RECORDED,
      contactId: contactOf(ext),
      summary: 'Promised to pay',
      details: { promisedDate },
      createdAt: new Date(NOW.getTime() - daysAgo * 86_400_000),
    });
    await db.insert(activities).values([
      promise('slow-1', TODAY, 2),
      // Broken: the date passed and the invoices are still open.
      promise('slow-3', addDays(TODAY, -3), 6),
      // slow-2's earlier promise was broken, but a later one is still live: neither shows.
      promise('slow-2', addDays(TODAY, -5), 9),
      promise('slow-2', addDays(TODAY, 4), 1),
      // Cleo's customer: not in Cal's work.
      promise('chronic', TODAY, 1),
    ]);

    const mine = await as.cal('/my-work?limit=50');
    expect(mine.status).toBe(200);
    const expected = (await getWorklist(db, { firmId: fx.firmId, userId: fx.userId, role: 'admin' }, { now: NOW })).customers
      .filter((c) => ['prompt', 'slow-1', 'slow-2', 'slow-3'].includes(c.contactExternalId))
      .map((c) => `${c.organisationName}: ${c.name}`);
    const got = mine.body.worklist.customers.map((c: { organisationName: string; name: string }) => `${c.organisationName}: ${c.name}`);
    expect(got).toEqual(expected);
    expect(new Set(mine.body.worklist.customers.map((c: { organisationId: string }) => c.organisationId))).toEqual(new Set([fx.orgA.id, fx.orgB.id]));
    expect(mine.body.worklist.customers.map((c: { rank: number }) => c.rank)).toEqual([1, 2, 3, 4]);
    expect(mine.body.worklist.totalCustomers).toBe(4);

    expect(mine.body.followUps.map((t: { title: string; daysOverdue: number; customerName: string }) => [t.title, t.daysOverdue, t.customerName])).toEqual([
      ['Send the statement again', 2, 'Prompt Payers Inc'],
      ['Call back about the March invoices', 0, 'Slow One'],
    ]);
    expect(mine.body.promisesDueToday.map((p: { customerName: string }) => p.customerName)).toEqual(['Slow One']);
    expect(mine.body.brokenPromises).toEqual([expect.objectContaining({ customerName: 'Slow Three', promisedDate: addDays(TODAY, -3), invoiceNumber: null })]);
    // Only an administrator approves write-backs.
    expect(mine.body.approvalsWaiting).toBeNull();
    expect(typeof (await as.admin('/my-work')).body.approvalsWaiting).toBe('number');

    // Paged like the worklist.
    const second = await as.cal('/my-work?limit=2&offset=2');
    expect(second.body.worklist.customers.map((c: { rank: number }) => c.rank)).toEqual([3, 4]);

    // The team's queues (managers): Cal's and Cleo's load.
    const queues = await as.manager('/team-queues');
    expect(queues.status).toBe(200);
    const cal = queues.body.queues.find((q: { userId: string }) => q.userId === ids.cal);
    const cleo = queues.body.queues.find((q: { userId: string }) => q.userId === ids.cleo);
    expect(cal).toMatchObject({ name: 'Cal Collector', roleName: 'Collector', customers: 4, tasksDue: 2 });
    expect(cleo).toMatchObject({ customers: 3, tasksDue: 1 });
    const calValue = mine.body.worklist.customers.reduce((s: number, c: { value: number }) => s + c.value, 0);
    expect(cal.value).toBeCloseTo(calValue, 1);
    expect(JSON.stringify(queues.body)).not.toMatch(/"collector"|"manager"/);
  });
});
