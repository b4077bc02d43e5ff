/**
 * The collector's log over HTTP (no ledger on this server: the notes stay in the outbox): a note
 * and a call with a next step are on the timeline and the follow-ups at once, with one ledger
 * note queued per invoice; "Mark contacted" queues its note too; a bad call form is refused on its
 * field; a follow-up is marked done once; a viewer gets 403 and another firm's ids 404.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { activities, collectorTasks, invoices, memberships, writebacks } from '../../server/db/schema';
import type { Arcus } from '../../root/runtime';
import { apiClient, emptyDemoFirm, startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { MONDAY, seedOrg } from '../reminders/seed';

describeWith('pg', 'The collector’s log API', () => {
  let arcus: Arcus;
  let database: Database;
  let call: ReturnType<typeof apiClient>;
  let csrf: string;
  let demo: { firmId: string; userId: string };
  let orgId: string;
  let invoiceIds: Record<string, string>;
  let other: { orgId: string; invoiceId: string; followUpId: string };

  beforeAll(async () => {
    database = await testDatabase();
    demo = await emptyDemoFirm(database.db);
    const org = await seedOrg(database.db, demo.firmId, {
      timezone: 'Europe/London',
      contacts: [{ externalId: 'log-c1', name: 'Bayside Cafe' }],
      invoices: [
        { number: 'LOG-1', due: -20, contact: 'log-c1', amount: '500.00' },
        { number: 'LOG-2', due: -5, contact: 'log-c1', amount: '80.00' },
        { number: 'LOG-3', due: -40, contact: 'log-c1', amount: '90.00', status: 'paid' },
      ],
    });
    orgId = org.id;
    const rows = await database.db.select({ id: invoices.id, number: invoices.number }).from(invoices).where(eq(invoices.organisationId, org.id));
    invoiceIds = Object.fromEntries(rows.map((i) => [i.number, i.id]));
    // Another firm's customer, invoice and follow-up, which this firm must never reach.
    const otherFirm = await createFirm(database);
    const otherOrg = await seedOrg(database.db, otherFirm.firm.id, { timezone: 'Europe/London', contacts: [{ externalId: 'x', name: 'X' }], invoices: [{ number: 'X-1', due: -3, contact: 'x' }] });
    const [otherInvoice] = await database.db.select({ id: invoices.id }).from(invoices).where(eq(invoices.organisationId, otherOrg.id));
    const [task] = await database.db.insert(collectorTasks).values({ firmId: otherFirm.firm.id, organisationId: otherOrg.id, contactExternalId: 'x', title: 'Their follow-up', dueOn: MONDAY }).returning();
    other = { orgId: otherOrg.id, invoiceId: otherInvoice!.id, followUpId: task!.id };
    arcus = await startTestApp('collector-log-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T10:00:00Z` });
    call = apiClient(arcus.url);
    const first = (await call('/api/session')).body.csrfToken;
    const signedIn = await call('/api/auth/demo', { method: 'POST', csrf: first });
    expect(signedIn.status).toBe(200);
    csrf = signedIn.body.csrfToken;
  }, 60_000);
  afterAll(async () => {
    await arcus?.close();
  });

  const post = (p: string, body: unknown) => call(p, { method: 'POST', body, csrf });
  const notesOn = async (invoiceId: string) => database.db.select().from(writebacks).where(and(eq(writebacks.invoiceId, invoiceId), eq(writebacks.kind, 'note')));

  it('refuses a call form field by field, in words, and stores nothing', async () => {
    const base = { organisationId: orgId, contactExternalId: 'log-c1' };
    const refused = async (path: string, body: unknown) => {
      const r = await post(path, { ...base, ...(body as object) });
      expect(r.status).toBe(400);
      return r.body.error.fields;
    };
    // Every problem at once, each on its field.
    expect(await refused('/api/collector/call', { summary: 'x'.repeat(1001), followUpOn: '2026-11-30' })).toEqual([
      { field: 'outcome', message: 'Choose what happened on the call.' },
      { field: 'summary', message: 'Keep the summary under 1,000 characters.' },
      { field: 'nextStep', message: 'Say what the next step is.' },
    ]);
    expect(await refused('/api/collector/call', { outcome: 'reached', nextStep: 'Send a statement' })).toEqual([{ field: 'followUpOn', message: 'Choose the day to follow up.' }]);
    expect(await refused('/api/collector/call', { outcome: 'reached', nextStep: 'Send a statement', followUpOn: '2026-11-22' })).toEqual([{ field: 'followUpOn', message: 'Choose a follow-up date between 23 November 2026 and 23 November 2027.' }]);
    expect(await refused('/api/collector/note', { text: '   ' })).toEqual([{ field: 'text', message: 'Write the note.' }]);
    expect(await database.db.select().from(collectorTasks).where(eq(collectorTasks.firmId, demo.firmId))).toHaveLength(0);
    expect(await database.db.select().from(activities).where(and(eq(activities.organisationId, orgId), eq(activities.kind, 'call.logged')))).toHaveLength(0);
  });

  it('records a note and a call on an invoice: on the timeline and the follow-ups at once, a ledger note queued for each', async () => {
    const target = { organisationId: orgId, contactExternalId: 'log-c1', invoiceId: invoiceIds['LOG-1'] };
    const note = await post('/api/collector/note', { ...target, text: 'Spoke to their bookkeeper', requestKey: randomUUID() });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ notes: 1, created: true, followUpId: null });
    const logged = await post('/api/collector/call', { ...target, outcome: 'promised_to_pay', summary: 'Paying on Friday', nextStep: 'Check the payment arrived', followUpOn: '2026-11-27' });
    expect(logged.status).toBe(201);
    expect(logged.body.followUpId).toEqual(expect.any(String));

    const timeline = await call(`/api/activities?organisationId=${orgId}&invoiceId=${invoiceIds['LOG-1']}`);
    expect(timeline.body.activities.map((a: { summary: string }) => a.summary)).toEqual(expect.arrayContaining(['Note: Spoke to their bookkeeper', 'Call — promised to pay: Paying on Friday · Next: Check the payment arrived by 2026-11-27']));
    const followUps = await call(`/api/collector/follow-ups?organisationId=${orgId}&contactExternalId=log-c1`);
    expect(followUps.status).toBe(200);
    expect(followUps.body.followUps).toMatchObject([{ id: logged.body.followUpId, title: 'Check the payment arrived', dueOn: '2026-11-27', invoiceNumber: 'LOG-1', assignedName: 'Dana Demo', status: 'open' }]);
    const notes = await notesOn(invoiceIds['LOG-1']!);
    expect(notes.map((n) => n.noteText).sort()).toEqual(['Arcus: call by Dana Demo, promised to pay: Paying on Friday — next: Check the payment arrived by 2026-11-27', 'Arcus: note by Dana Demo: Spoke to their bookkeeper']);

    // Done once: the second time changes nothing and adds nothing to the timeline.
    const done = await post(`/api/collector/follow-ups/${logged.body.followUpId}/done`, {});
    expect(done.body).toEqual({ id: logged.body.followUpId, status: 'done', changed: true });
    const again = await post(`/api/collector/follow-ups/${logged.body.followUpId}/done`, {});
    expect(again.body.changed).toBe(false);
    expect((await call(`/api/collector/follow-ups?organisationId=${orgId}&contactExternalId=log-c1`)).body.followUps).toEqual([]);
    const doneEntries = await database.db.select().from(activities).where(and(eq(activities.organisationId, orgId), eq(activities.kind, 'follow_up.done')));
    expect(doneEntries.map((a) => a.summary)).toEqual(['Follow-up done: Check the payment arrived']);
  });

  it('"Mark contacted" on a customer queues a ledger note on each of its open invoices', async () => {
    const r = await post('/api/worklist/contacted', { organisationId: orgId, contactExternalId: 'log-c1' });
    expect(r.status).toBe(201);
    expect(r.body.notes).toBe(2);
    for (const n of ['LOG-1', 'LOG-2']) expect((await notesOn(invoiceIds[n]!)).filter((w) => w.noteText === 'Arcus: contacted by Dana Demo')).toHaveLength(1);
    expect(await notesOn(invoiceIds['LOG-3']!)).toHaveLength(0);
  });

  it('another firm’s organisation, invoice or follow-up is not found, and stays as it was', async () => {
    const viaOrg = await post('/api/collector/note', { organisationId: other.orgId, contactExternalId: 'x', text: 'probe' });
    expect(viaOrg.status).toBe(404);
    const viaInvoice = await post('/api/collector/call', { organisationId: orgId, contactExternalId: 'log-c1', invoiceId: other.invoiceId, outcome: 'reached' });
    expect(viaInvoice.status).toBe(404);
    expect((await post('/api/worklist/contacted', { organisationId: orgId, contactExternalId: 'log-c1', invoiceId: other.invoiceId })).status).toBe(404);
    expect((await post(`/api/collector/follow-ups/${other.followUpId}/done`, {})).status).toBe(404);
    expect((await call(`/api/collector/follow-ups?organisationId=${other.orgId}&status=all`)).body.followUps).toEqual([]);
    const [task] = await database.db.select().from(collectorTasks).where(eq(collectorTasks.id, other.followUpId));
    expect(task).toMatchObject({ status: 'open', doneAt: null });
    expect(await notesOn(other.invoiceId)).toHaveLength(0);
  });

  it('a viewer reads the log but cannot write to it', async () => {
    await database.db.update(memberships).set({ role: 'viewer' }).where(and(eq(memberships.firmId, demo.firmId), eq(memberships.userId, demo.userId)));
    try {
      const target = { organisationId: orgId, contactExternalId: 'log-c1', invoiceId: invoiceIds['LOG-2'] };
      expect((await post('/api/collector/note', { ...target, text: 'viewer note' })).status).toBe(403);
      expect((await post('/api/collector/call', { ...target, outcome: 'no_answer' })).status).toBe(403);
      expect((await post('/api/worklist/contacted', target)).status).toBe(403);
      const open = await database.db.insert(collectorTasks).values({ firmId: demo.firmId, organisationId: orgId, contactExternalId: 'log-c1', title: 'Viewer cannot close this', dueOn: MONDAY }).returning();
      expect((await post(`/api/collector/follow-ups/${open[0]!.id}/done`, {})).status).toBe(403);
      expect((await call(`/api/collector/follow-ups?organisationId=${orgId}`)).body.followUps.map((f: { title: string }) => f.title)).toEqual(['Viewer cannot close this']);
      expect((await notesOn(invoiceIds['LOG-2']!)).filter((w) => w.noteText?.includes('viewer note'))).toHaveLength(0);
    } finally {
      await database.db.update(memberships).set({ role: 'admin' }).where(and(eq(memberships.firmId, demo.firmId), eq(memberships.userId, demo.userId)));
    }
  });
});
