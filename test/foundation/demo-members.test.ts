/**
 * The demo signs in as its administrator, its collector or a person at its first client (issue #15:
 * "a demo collector and a demo client contact to sign in as"): each gets the role the team table
 * gives it, the client contact only the first client organisation, and a role the demo does not
 * have is refused in words.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { seedOrg } from '../scoring/seed';
import { apiClient, emptyDemoFirm, startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith('pg', 'demo sign-in as each kind of member', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;

  beforeAll(async () => {
    database = await testDatabase();
    ({ firmId } = await emptyDemoFirm(database.db));
    arcus = await startTestApp('demo-members', database);
  }, 60_000);
  afterAll(async () => arcus?.close());

  async function signIn(as?: string) {
    const call = apiClient(arcus.url);
    const s = await call('/api/session');
    const res = await call('/api/auth/demo', { method: 'POST', body: as === undefined ? {} : { as }, csrf: s.body.csrfToken });
    return { call, res };
  }

  it('as the administrator by default, and as the collector', async () => {
    const admin = await signIn();
    expect(admin.res.status).toBe(200);
    expect((await admin.call('/api/session')).body.user).toMatchObject({ name: 'Dana Demo', role: 'admin' });
    const collector = await signIn('collector');
    expect(collector.res.status).toBe(200);
    const me = (await collector.call('/api/session')).body;
    expect(me.user).toMatchObject({ name: 'Colin Collector', role: 'collector', roleName: expect.any(String) });
    expect(me.firm.id).toBe(firmId);
    // Signing in again finds the same person.
    expect((await (await signIn('collector')).call('/api/session')).body.user.id).toBe(me.user.id);
  });

  it('as a client contact: refused in words until a client is connected, then the first client only', async () => {
    const early = await signIn('client_contact');
    expect(early.res.status).toBe(409);
    expect(early.res.body.error.message).toBe('The demo’s client organisations are still connecting: try again in a few seconds.');
    const first = await seedOrg(database.db, firmId, 'Aardvark Builders');
    await seedOrg(database.db, firmId, 'Zebra Crossings');
    const contact = await signIn('client_contact');
    expect(contact.res.status).toBe(200);
    expect((await contact.call('/api/session')).body.user).toMatchObject({ name: 'Clara Client', role: 'client_contact' });
    const orgs = await contact.call('/api/organisations');
    expect(orgs.status).toBe(200);
    expect(orgs.body.organisations.map((o: { id: string }) => o.id)).toEqual([first.id]);
  });

  it('refuses a role the demo does not have, in words', async () => {
    const bad = await signIn('owner');
    expect(bad.res.status).toBe(400);
    expect(bad.res.body.error.message).not.toMatch(/client_contact|enum/);
  });
});
