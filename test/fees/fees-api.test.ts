/**
 * The fees API: a manager sets a plan (validated in words), works out July's fee and approves it;
 * collectors, viewers and client contacts get 403, another firm 404; the working carries no ids,
 * keys or ISO dates. Figures: test/reports/seed.ts (July 2026, 500.00 through Arcus).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { contacts, memberships, organisations, users } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { signedIn, writeSession } from '../support/session';
import { seedReportClient } from '../reports/seed';

describe('the fees API', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;
  let client: Awaited<ReturnType<typeof seedReportClient>>;
  let practiceId: string;
  const as: Record<string, ReturnType<typeof signedIn>> = {};
  const plan = { components: [{ type: 'share', percent: '10', floor: '75.00', cap: null }] };

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('fees-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-08-10T12:00:00Z' });
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    client = await seedReportClient(database, firmId);
    const [practice] = await database.db.insert(organisations).values({ firmId, provider: 'xero', externalId: `practice-${firmId.slice(0, 6)}`, name: 'Our Practice Ltd', baseCurrency: 'USD', timezone: 'America/New_York' }).returning();
    practiceId = practice!.id;
    await database.db.insert(contacts).values({ firmId, organisationId: practiceId, externalId: 'pc-1', name: client.name.toUpperCase(), emails: [], isCustomer: true });
    const api = `${arcus.url}/api`;
    as.admin = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId }));
    for (const role of ['manager', 'collector', 'viewer'] as const) {
      const [u] = await database.db.insert(users).values({ email: `${role}-${firmId.slice(0, 8)}@fees.example`, name: `A ${role}`, authProvider: 'test', authSubject: `fees-${role}-${firmId}` }).returning();
      await database.db.insert(memberships).values({ firmId, userId: u!.id, role });
      as[role] = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId }));
    }
    as.contact = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: client.contactUserId, firmId }));
    const stranger = await createFirm(database, 'admin');
    as.stranger = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: stranger.user.id, firmId: stranger.firm.id }));
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  it('refuses everyone but managers and administrators', async () => {
    const url = `/organisations/${client.organisationId}/fees`;
    for (const who of ['collector', 'viewer', 'contact']) {
      expect((await as[who]!(url)).status, who).toBe(403);
      expect((await as[who]!('/fees')).status, who).toBe(403);
      expect((await as[who]!(`${url}/plan`, { method: 'PUT', body: { plan, ledgerContactId: null } })).status, who).toBe(403);
      expect((await as[who]!(`${url}/compute`, { method: 'POST', body: { month: '2026-07' } })).status, who).toBe(403);
      expect((await as[who]!(`${url}/approve`, { method: 'POST', body: { month: '2026-07' } })).status, who).toBe(403);
      expect((await as[who]!('/fees/compute', { method: 'POST', body: { month: '2026-07' } })).status, who).toBe(403);
    }
    // Another firm: our organisation does not exist for it, and it cannot make it its practice ledger.
    expect((await as.stranger!(url)).status).toBe(404);
    expect((await as.stranger!(`${url}/plan`, { method: 'PUT', body: { plan, ledgerContactId: null } })).status).toBe(404);
    expect((await as.stranger!(`${url}/compute`, { method: 'POST', body: { month: '2026-07' } })).status).toBe(404);
    expect((await as.stranger!(`${url}/approve`, { method: 'POST', body: { month: '2026-07' } })).status).toBe(404);
    const theirs = await as.stranger!('/fees/practice-ledger', { method: 'PUT', body: { organisationId: practiceId } });
    expect(theirs.status).toBe(400);
    expect(theirs.body.error.fields[0].message).toBe('Choose one of the firm’s connected organisations.');
    const rows = await database.pool!.query('SELECT (SELECT count(*)::int FROM fee_plans WHERE organisation_id = $1) AS plans, (SELECT count(*)::int FROM practice_ledgers WHERE organisation_id = $2) AS ledgers', [client.organisationId, practiceId]);
    expect(rows.rows[0]).toEqual({ plans: 0, ledgers: 0 });
    expect((await as.manager!('/fees/practice-ledger', { method: 'PUT', body: { organisationId: practiceId } })).status).toBe(403);
  });

  it('suggests the practice ledger’s customer by name, and says so when there is no practice ledger', async () => {
    const before = await as.manager!(`/organisations/${client.organisationId}/fees`);
    expect(before.status).toBe(200);
    expect(before.body.customerNote).toContain('Choose the practice ledger in Fees');
    expect((await as.admin!('/fees/practice-ledger', { method: 'PUT', body: { organisationId: practiceId } })).body.practiceLedger.name).toBe('Our Practice Ltd');
    const after = await as.manager!(`/organisations/${client.organisationId}/fees`);
    expect(after.body.ledgerContactId).toBe('pc-1');
    expect(after.body.customerNote).toBe(`${client.name.toUpperCase()} in Our Practice Ltd has the same name; choose it, or another customer.`);
  });

  it('validates the plan in words, every problem at once', async () => {
    const bad = await as.manager!(`/organisations/${client.organisationId}/fees/plan`, {
      method: 'PUT',
      body: { plan: { components: [{ type: 'share', percent: 'ten', floor: '9', cap: '1' }, { type: 'fixed', amount: '-5' }] }, ledgerContactId: 'nobody' },
    });
    expect(bad.status).toBe(400);
    const messages = bad.body.error.fields.map((f: { message: string }) => f.message);
    expect(messages).toContain('Enter a percentage such as 7.5.');
    expect(messages).toContain('Enter an amount such as 250.00.');
    const wrongCustomer = await as.manager!(`/organisations/${client.organisationId}/fees/plan`, { method: 'PUT', body: { plan, ledgerContactId: 'nobody' } });
    expect(wrongCustomer.status).toBe(400);
    expect(wrongCustomer.body.error.fields[0].message).toBe('Choose one of the customers in Our Practice Ltd.');
  });

  it('saves the plan, works out July (10% of 500.00 = 50.00 → floor 75.00) and approves it once', async () => {
    const saved = await as.manager!(`/organisations/${client.organisationId}/fees/plan`, { method: 'PUT', body: { plan, ledgerContactId: 'pc-1' } });
    expect(saved.status).toBe(200);
    expect(saved.body.planWords).toEqual(['10% of cash collected through Arcus, at least 75.00']);
    const computed = await as.manager!(`/organisations/${client.organisationId}/fees/compute`, { method: 'POST', body: { month: '2026-07' } });
    expect(computed.status).toBe(200);
    const s = computed.body.statement;
    expect(s).toMatchObject({ amount: 7500, amountText: '75.00 USD', status: 'draft', statusText: 'Draft: waiting for approval', canApprove: true });
    expect(s.working[0].detail).toBe('10% of 500.00 USD collected through Arcus this month = 50.00 USD. That is below the floor, so the floor of 75.00 USD applies.');
    const shown = [s.monthName, s.amountText, s.statusText, s.computedText, ...s.working.flatMap((w: Record<string, string>) => [w.label, w.detail, w.amountText]), computed.body.customerNote];
    expect(describeIdentifiers('the statement', shown.join(' | '))).toEqual([]);

    const approved = await as.manager!(`/organisations/${client.organisationId}/fees/approve`, { method: 'POST', body: { month: '2026-07' } });
    expect(approved.status).toBe(200);
    expect(approved.body.statement.status).toBe('approved');
    expect(approved.body.statement.statusText).toMatch(/^Approved: the invoice/);
    await as.manager!(`/organisations/${client.organisationId}/fees/approve`, { method: 'POST', body: { month: '2026-07' } });
    const rows = await database.pool!.query("SELECT count(*)::int AS n FROM writebacks WHERE firm_id = $1 AND kind = 'fee_invoice'", [firmId]);
    expect(rows.rows[0].n).toBe(1);
    const firm = await as.admin!('/fees?month=2026-07');
    expect(firm.body.statements.map((x: { organisationName: string; amountText: string }) => [x.organisationName, x.amountText])).toEqual([[client.name, '75.00 USD']]);
  });

  it('refuses to approve a month that has not ended, in words', async () => {
    await as.manager!(`/organisations/${client.organisationId}/fees/compute`, { method: 'POST', body: { month: '2026-08' } });
    const res = await as.manager!(`/organisations/${client.organisationId}/fees/approve`, { method: 'POST', body: { month: '2026-08' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('Approve August 2026’s fee once the month has ended, from 1 September 2026.');
  });
});
