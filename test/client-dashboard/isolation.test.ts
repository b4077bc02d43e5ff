/**
 * The client contact's dashboard through the API (docs/decisions/029-client-dashboard.md): a client
 * contact of Harbour Supplies sees Harbour Supplies' figures — the organisation dashboard's own, not
 * a second computation — this month's work and what waits for them, and nothing of Latecomers Ltd:
 * not in their dashboard, 404 on its organisation routes, 403 on firm-wide ones. Staff are refused
 * the client's page; nobody signed in gets 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { signedIn, writeSession } from '../support/session';
import { NOW } from '../scoring/fixture';
import { type ClientDashboardFixture, seedClientDashboard } from './seed';

describe('the client contact’s dashboard API', () => {
  let database: Database;
  let arcus: Arcus;
  let seed: ClientDashboardFixture;
  let client: ReturnType<typeof signedIn>;
  let admin: ReturnType<typeof signedIn>;

  beforeAll(async () => {
    database = await testDatabase();
    seed = await seedClientDashboard(database);
    arcus = await startTestApp('client-dashboard-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    client = signedIn(`${arcus.url}/api`, await writeSession(database, arcus.config.sessionSecret, { userId: seed.clientId, firmId: seed.fx.firmId }));
    admin = signedIn(`${arcus.url}/api`, await writeSession(database, arcus.config.sessionSecret, { userId: seed.fx.userId, firmId: seed.fx.firmId }));
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  }, 60_000);

  it('shows the client their own organisation only: the dashboard’s figures, this month’s work, what waits', async () => {
    const res = await client('/client/dashboard');
    expect(res.status).toBe(200);
    const orgs = res.body.organisations;
    expect(orgs.map((o: { name: string }) => o.name)).toEqual(['Harbour Supplies']);
    const [a] = orgs;
    expect(a.kpis.map((k: { key: string }) => k.key)).toEqual(['ar', 'overdue_pct', 'dso', 'cei']);
    expect(a.month).toMatchObject({ name: 'June 2026', remindersSent: 2, promisesRecorded: 1, paidOnline: 1 });
    expect(a.waitingForApproval).toBe(1);
    expect(a.asOf).toBe('17 June 2026');
    // The same figures the organisation dashboard computes (the client may read that route for their own organisation).
    const dash = await client(`/organisations/${seed.fx.orgA.id}/dashboard`);
    expect(dash.status).toBe(200);
    for (const key of ['ar', 'overdue_pct', 'dso', 'cei']) {
      expect(a.kpis.find((k: { key: string }) => k.key === key).value).toBe(dash.body.kpis.find((k: { key: string }) => k.key === key).value);
    }
    expect(a.aging.map((x: { amount: number }) => x.amount)).toEqual(dash.body.aging.map((x: { amount: number }) => x.amount));
    expect(a.month.collected).toBe(dash.body.series.at(-1).collected);
    expect(a.kpis.find((k: { key: string }) => k.key === 'ar').value).toBeGreaterThan(0);
    // Nothing staff-only and nothing of the other organisation leaves the server.
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(seed.fx.orgB.id);
    expect(text).not.toContain('Latecomers');
    expect(text).not.toMatch(/formula|workings|"AR\(/);
  });

  it('answers 404 for the firm’s other organisation and 403 for firm-wide routes', async () => {
    const y = seed.fx.orgB.id;
    for (const p of [`/organisations/${y}`, `/organisations/${y}/dashboard`, `/organisations/${y}/customers`, `/organisations/${y}/invoices`, `/organisations/${y}/targets`]) {
      const r = await client(p);
      expect(r.status, p).toBe(404);
      expect(r.body.error.message, p).toMatch(/^No such/);
    }
    for (const p of ['/portfolio', `/organisations/${y}/client-approvals`, `/organisations/${y}/action-plan`, '/my-work', '/assignments']) {
      const r = await client(p);
      expect(r.status, p).toBe(403);
      expect(r.body.error.message, p).toBe('Only people who work at the firm can see this.');
    }
    const list = await client('/organisations');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(y);
  });

  it('refuses staff the client’s page in words, and nobody signed in', async () => {
    const staff = await admin('/client/dashboard');
    expect(staff.status).toBe(403);
    expect(staff.body.error.message).toBe('This page is for the client’s own contact.');
    const nobody = await fetch(`${arcus.url}/api/client/dashboard`);
    expect(nobody.status).toBe(401);
  });
});
