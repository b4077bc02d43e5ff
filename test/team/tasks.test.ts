/**
 * Tasks and the action plan over HTTP on PostgreSQL (docs/decisions/025): a task on an invoice,
 * assigned to someone and due, is in their My work and nobody else's; done and skipped with an
 * outcome are on the timeline once; a viewer gets 403, another firm's ids 404; an action-plan step
 * tied to a target counts in its progress. The clock is pinned (ARCUS_NOW).
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { activities, collectorTasks, invoices, memberships, targets, users } from '../../server/db/schema';
import { addDays } from '../../kernel/dates';
import { MONDAY, seedOrg } from '../reminders/seed';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';

type Client = ReturnType<typeof signedIn>;

describeWith('pg', 'tasks and the action plan', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;
  let orgId: string;
  let invoiceId: string;
  let targetId: string;
  const ids: Record<'admin' | 'cal' | 'cleo' | 'viewer', string> = { admin: '', cal: '', cleo: '', viewer: '' };
  let as: Record<'admin' | 'cal' | 'cleo' | 'viewer', Client>;
  let other: { orgId: string; invoiceId: string; taskId: string; targetId: string };

  beforeAll(async () => {
    database = await testDatabase();
    const db = database.db;
    const mine = await createFirm(database, 'admin');
    firmId = mine.firm.id;
    ids.admin = mine.user.id;
    for (const [key, role, name] of [
      ['cal', 'collector', 'Cal Collector'],
      ['cleo', 'collector', 'Cleo Collector'],
      ['viewer', 'viewer', 'Vic Viewer'],
    ] as const) {
      const [u] = await db.insert(users).values({ email: `${key}-${randomUUID()}@firm.example`, name, authProvider: 'test', authSubject: randomUUID() }).returning();
      await db.insert(memberships).values({ firmId, userId: u!.id, role });
      ids[key] = u!.id;
    }
    const org = await seedOrg(db, firmId, { timezone: 'Europe/London', contacts: [{ externalId: 'tk-c1', name: 'Harbour Bakery' }], invoices: [{ number: 'TK-1', due: -10, contact: 'tk-c1', amount: '300.00' }] });
    orgId = org.id;
    invoiceId = (await db.select({ id: invoices.id }).from(invoices).where(eq(invoices.organisationId, orgId)))[0]!.id;
    const [target] = await db
      .insert(targets)
      .values({ firmId, organisationId: orgId, metric: 'dso', baselineValue: '40', baselineDate: addDays(MONDAY, -30), goalKind: 'absolute', goalValue: '30', dueDate: addDays(MONDAY, 90) })
      .returning();
    targetId = target!.id;

    const otherFirm = await createFirm(database);
    const otherOrg = await seedOrg(db, otherFirm.firm.id, { timezone: 'Europe/London', contacts: [{ externalId: 'x', name: 'X' }], invoices: [{ number: 'X-1', due: -3, contact: 'x' }] });
    const [otherInvoice] = await db.select({ id: invoices.id }).from(invoices).where(eq(invoices.organisationId, otherOrg.id));
    const [otherTask] = await db.insert(collectorTasks).values({ firmId: otherFirm.firm.id, organisationId: otherOrg.id, contactExternalId: 'x', title: 'Theirs', dueOn: MONDAY }).returning();
    const [otherTarget] = await db
      .insert(targets)
      .values({ firmId: otherFirm.firm.id, organisationId: otherOrg.id, metric: 'dso', baselineValue: '40', baselineDate: addDays(MONDAY, -30), goalKind: 'absolute', goalValue: '30', dueDate: addDays(MONDAY, 90) })
      .returning();
    other = { orgId: otherOrg.id, invoiceId: otherInvoice!.id, taskId: otherTask!.id, targetId: otherTarget!.id };

    arcus = await startTestApp('tasks-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T10:00:00Z` });
    const session = (userId: string) => writeSession(database, arcus.config.sessionSecret, { userId, firmId });
    as = {
      admin: signedIn(`${arcus.url}/api`, await session(ids.admin)),
      cal: signedIn(`${arcus.url}/api`, await session(ids.cal)),
      cleo: signedIn(`${arcus.url}/api`, await session(ids.cleo)),
      viewer: signedIn(`${arcus.url}/api`, await session(ids.viewer)),
    };
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  const timeline = (kind: string) => database.db.select().from(activities).where(and(eq(activities.organisationId, orgId), eq(activities.kind, kind)));

  it('puts a task on an invoice into its assignee’s My work when due, and nobody else’s', async () => {
    const later = await as.admin('/tasks', { method: 'POST', body: { organisationId: orgId, kind: 'review', title: 'Review the statement', dueOn: addDays(MONDAY, 3), invoiceId, assigneeUserId: ids.cal } });
    expect(later.status).toBe(201);
    const due = await as.admin('/tasks', { method: 'POST', body: { organisationId: orgId, kind: 'call', title: 'Call about TK-1', dueOn: MONDAY, invoiceId, assigneeUserId: ids.cal } });
    expect(due.status).toBe(201);
    const [row] = await database.db.select().from(collectorTasks).where(eq(collectorTasks.id, due.body.id));
    expect(row).toMatchObject({ contactExternalId: 'tk-c1', invoiceId, kind: 'call', assignedUserId: ids.cal, createdByUserId: ids.admin, status: 'open' });

    const calWork = await as.cal('/my-work');
    expect(calWork.status).toBe(200);
    expect(calWork.body.followUps.map((t: { title: string; kindName: string; customerName: string }) => [t.kindName, t.title, t.customerName])).toEqual([['Call', 'Call about TK-1', 'Harbour Bakery']]);
    expect((await as.cleo('/my-work')).body.followUps).toEqual([]);
    expect((await as.admin('/my-work')).body.followUps).toEqual([]);

    // The customer's list shows both, with kinds in words and the assignee.
    const list = await as.admin(`/collector/follow-ups?organisationId=${orgId}&contactExternalId=tk-c1`);
    expect(list.body.followUps.map((f: { kindName: string; assignedName: string }) => [f.kindName, f.assignedName])).toEqual([
      ['Call', 'Cal Collector'],
      ['Review', 'Cal Collector'],
    ]);
  });

  it('defaults the assignee to the creator, refuses a viewer as assignee, and checks fields in words', async () => {
    const mineTask = await as.cleo('/tasks', { method: 'POST', body: { organisationId: orgId, kind: 'follow_up', title: 'Check remittance', dueOn: MONDAY, contactExternalId: 'tk-c1' } });
    expect(mineTask.status).toBe(201);
    expect((await as.cleo('/my-work')).body.followUps.map((t: { title: string }) => t.title)).toEqual(['Check remittance']);
    const toViewer = await as.admin('/tasks', { method: 'POST', body: { organisationId: orgId, kind: 'call', title: 'x', dueOn: MONDAY, contactExternalId: 'tk-c1', assigneeUserId: ids.viewer } });
    expect(toViewer.status).toBe(400);
    expect(toViewer.body.error.fields).toEqual([{ field: 'assigneeUserId', message: 'Choose a collector, a manager or an administrator of the firm.' }]);
    const bad = await as.admin('/tasks', { method: 'POST', body: { organisationId: orgId, kind: 'chat', title: '', dueOn: 'soon' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual([
      { field: 'kind', message: 'Choose a call, a review or a follow-up.' },
      { field: 'title', message: 'Say what is to be done.' },
      { field: 'dueOn', message: 'Choose the due date from the calendar.' },
      { field: 'contactExternalId', message: 'Choose the customer, the invoice or the target this task is for.' },
    ]);
    const past = await as.admin('/tasks', { method: 'POST', body: { organisationId: orgId, kind: 'call', title: 'x', dueOn: addDays(MONDAY, -1), contactExternalId: 'tk-c1' } });
    expect(past.body.error.fields).toEqual([{ field: 'dueOn', message: 'Choose a due date between 23 November 2026 and 23 November 2027.' }]);
  });

  it('records done and skipped with their outcome on the timeline once', async () => {
    const [call] = await database.db.select().from(collectorTasks).where(and(eq(collectorTasks.firmId, firmId), eq(collectorTasks.title, 'Call about TK-1')));
    const [review] = await database.db.select().from(collectorTasks).where(and(eq(collectorTasks.firmId, firmId), eq(collectorTasks.title, 'Review the statement')));
    for (let i = 0; i < 2; i++) {
      const r = await as.cal(`/tasks/${call!.id}/done`, { method: 'POST', body: { outcome: 'Paying Friday' } });
      expect(r.body).toEqual({ id: call!.id, status: 'done', changed: i === 0 });
    }
    expect((await as.cal(`/tasks/${review!.id}/skip`, { method: 'POST', body: {} })).body.error.fields).toEqual([{ field: 'outcome', message: 'Say why it is skipped.' }]);
    expect((await as.cal(`/tasks/${review!.id}/skip`, { method: 'POST', body: { outcome: 'Paid in full' } })).body.changed).toBe(true);
    expect((await as.cal(`/tasks/${review!.id}/done`, { method: 'POST', body: {} })).body.changed).toBe(false);
    expect((await timeline('follow_up.done')).map((a) => a.summary)).toEqual(['Call done: Call about TK-1 — Paying Friday']);
    expect((await timeline('task.skipped')).map((a) => a.summary)).toEqual(['Review skipped: Review the statement — Paid in full']);
    const [after] = await database.db.select().from(collectorTasks).where(eq(collectorTasks.id, review!.id));
    expect(after).toMatchObject({ status: 'skipped', outcome: 'Paid in full', doneByUserId: ids.cal });
    expect((await as.cal('/my-work')).body.followUps).toEqual([]);
  });

  it('refuses a viewer (403) and answers 404 for another firm’s ids', async () => {
    const body = { organisationId: orgId, kind: 'call', title: 'Viewer call', dueOn: MONDAY, contactExternalId: 'tk-c1' };
    expect((await as.viewer('/tasks', { method: 'POST', body })).status).toBe(403);
    expect((await as.viewer(`/tasks/${other.taskId}/done`, { method: 'POST', body: {} })).status).toBe(403);
    expect((await as.viewer(`/targets/${targetId}/owner`, { method: 'PUT', body: { userId: ids.cal } })).status).toBe(403);
    expect((await as.cal(`/targets/${targetId}/owner`, { method: 'PUT', body: { userId: ids.cal } })).status).toBe(403);
    expect((await as.viewer(`/organisations/${orgId}/action-plan`)).status).toBe(200);

    expect((await as.admin('/tasks', { method: 'POST', body: { ...body, organisationId: other.orgId, contactExternalId: 'x' } })).status).toBe(404);
    expect((await as.admin('/tasks', { method: 'POST', body: { ...body, invoiceId: other.invoiceId, contactExternalId: undefined } })).status).toBe(404);
    expect((await as.admin('/tasks', { method: 'POST', body: { ...body, targetId: other.targetId, contactExternalId: undefined } })).status).toBe(404);
    expect((await as.admin(`/tasks/${other.taskId}/done`, { method: 'POST', body: {} })).status).toBe(404);
    expect((await as.admin(`/tasks/${other.taskId}`, { method: 'PATCH', body: { assigneeUserId: ids.cal } })).status).toBe(404);
    expect((await as.admin(`/organisations/${other.orgId}/action-plan`)).status).toBe(404);
    expect((await as.admin(`/targets/${other.targetId}/owner`, { method: 'PUT', body: { userId: ids.cal } })).status).toBe(404);
    const [theirs] = await database.db.select().from(collectorTasks).where(eq(collectorTasks.id, other.taskId));
    expect(theirs!.status).toBe('open');
  });

  it('counts a step tied to a target in the target’s progress, with its owner', async () => {
    expect((await as.admin(`/targets/${targetId}/owner`, { method: 'PUT', body: { userId: ids.cleo } })).status).toBe(200);
    const a = await as.admin('/tasks', { method: 'POST', body: { organisationId: orgId, kind: 'review', title: 'Tighten credit terms', dueOn: addDays(MONDAY, 14), targetId, assigneeUserId: ids.cleo } });
    const b = await as.admin('/tasks', { method: 'POST', body: { organisationId: orgId, kind: 'call', title: 'Call the top ten debtors', dueOn: MONDAY, targetId } });
    expect([a.status, b.status]).toEqual([201, 201]);
    // Reassign the second step to Cal: it is due today, so it is in Cal's My work, on the plan.
    expect((await as.admin(`/tasks/${b.body.id}`, { method: 'PATCH', body: { assigneeUserId: ids.cal } })).status).toBe(200);
    expect((await as.cal('/my-work')).body.followUps.map((t: { title: string; customerName: string; contactExternalId: string | null }) => [t.title, t.customerName, t.contactExternalId])).toEqual([['Call the top ten debtors', 'Action plan', null]]);

    const before = (await as.admin(`/organisations/${orgId}/action-plan`)).body;
    const t0 = before.targets.find((t: { id: string }) => t.id === targetId);
    expect(t0).toMatchObject({ metricName: 'DSO', owner: { userId: ids.cleo, name: 'Cleo Collector' }, stepsDone: 0, stepsTotal: 2, goal: 30 });
    expect(t0.steps.map((s: { title: string; assigneeName: string; kindName: string }) => [s.title, s.kindName, s.assigneeName])).toEqual([
      ['Call the top ten debtors', 'Call', 'Cal Collector'],
      ['Tighten credit terms', 'Review', 'Cleo Collector'],
    ]);

    await as.cal(`/tasks/${b.body.id}/done`, { method: 'POST', body: { outcome: 'Seven agreed dates' } });
    const after = (await as.admin(`/organisations/${orgId}/action-plan`)).body.targets.find((t: { id: string }) => t.id === targetId);
    expect([after.stepsDone, after.stepsTotal]).toEqual([1, 2]);
    expect(after.steps[0]).toMatchObject({ status: 'done', outcome: 'Seven agreed dates' });
    // The step's line is on the organisation's timeline, not on a customer.
    const [line] = (await timeline('follow_up.done')).filter((x) => x.summary.includes('top ten'));
    expect(line).toMatchObject({ contactId: null, summary: 'Call done: Call the top ten debtors — Seven agreed dates' });
    // No person-facing field carries a key.
    expect(JSON.stringify(after)).not.toMatch(/"(on_track|behind|no_data|follow_up|review|call)"/);
  });
});
