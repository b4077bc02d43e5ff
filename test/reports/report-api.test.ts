/**
 * The report over HTTP: staff and the organisation's own client contacts read it (JSON and PDF);
 * another organisation's client contact and another firm get 404; only an administrator starts
 * the service. Figures hand-computed in seed.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { memberships, users } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { signedIn, writeSession } from '../support/session';
import { pdfText, seedReportClient } from './seed';

describe('the monthly report API', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;
  let client: Awaited<ReturnType<typeof seedReportClient>>;
  let other: Awaited<ReturnType<typeof seedReportClient>>;
  const as: Record<string, ReturnType<typeof signedIn>> = {};

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('report-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-08-10T12:00:00Z' });
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    client = await seedReportClient(database, firmId);
    other = await seedReportClient(database, firmId);
    const api = `${arcus.url}/api`;
    as.admin = signedIn(api, await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId }));
    for (const role of ['manager', 'collector', 'viewer'] as const) {
      const [u] = await database.db.insert(users).values({ email: `${role}-${firmId.slice(0, 8)}@firm.example`, name: `A ${role}`, authProvider: 'test', authSubject: `${role}-${firmId}` }).returning();
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

  it('shows July against the baseline, cash by action, and no ids or keys', async () => {
    const res = await as.manager!(`/organisations/${client.organisationId}/report`);
    expect(res.status).toBe(200);
    const r = res.body.report;
    expect(res.body.month).toBe('2026-07');
    expect(r.monthName).toBe('July 2026');
    expect(r.organisationName).toBe(client.name);
    const dso = r.kpis.find((k: { name: string }) => k.name.includes('(DSO)'));
    expect(dso).toMatchObject({ baseline: 92, current: 46, change: -46, better: true });
    expect(r.cashReleased.amount).toEqual({ amount: 500, text: 'US$500.00' });
    expect(r.collected.total.amount).toBe(500);
    expect(r.collected.rows.find((x: { name: string }) => x.name === 'Reminders')).toMatchObject({ amount: { amount: 500 }, payments: 1 });
    expect(r.collected.notThroughArcus.amount).toBe(0);
    expect(r.collected.rule).toContain('14 days');
    expect(r.actions.find((a: { name: string }) => a.name === 'Reminders sent').count).toBe(1);
    // Aging then (31 May: A due that day, not overdue) and now (31 July: 500 is 61 days overdue)
    expect(r.aging.before[0]).toMatchObject({ name: 'Not yet due', amount: { amount: 1000 } });
    expect(r.aging.now[3]).toMatchObject({ name: '61–90 days overdue', amount: { amount: 500 } });
    // Every text a person reads (the values, not the keys) is free of ids, keys and ISO dates.
    expect(describeIdentifiers('the report', strings(r).join(' | '))).toEqual([]);
  });

  it('lets every staff role and the client contact read it, and nobody else', async () => {
    for (const who of ['admin', 'manager', 'collector', 'viewer', 'contact']) {
      expect((await as[who]!(`/organisations/${client.organisationId}/report?month=2026-07`)).status, who).toBe(200);
    }
    expect((await as.contact!(`/organisations/${other.organisationId}/report`)).status).toBe(404);
    expect((await as.contact!(`/organisations/${other.organisationId}/report/pdf`)).status).toBe(404);
    expect((await as.stranger!(`/organisations/${client.organisationId}/report`)).status).toBe(404);
    // A month that has not started, in words.
    const future = await as.manager!(`/organisations/${client.organisationId}/report?month=2026-09`);
    expect(future.status).toBe(400);
    expect(future.body.error.message).toContain('10 August 2026');
  });

  it('serves the same report as a PDF', async () => {
    const res = await fetch(`${arcus.url}/api/organisations/${client.organisationId}/report/pdf?month=2026-07`, { headers: (await pdfHeaders()) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(bytes);
    expect(text).toContain(client.name);
    expect(text).toContain('92.00 days');
  });

  it('lets only an administrator start the service, which freezes a new baseline', async () => {
    expect((await as.manager!(`/organisations/${client.organisationId}/service`, { method: 'PUT', body: { startDate: '2026-07-01' } })).status).toBe(403);
    expect((await as.contact!(`/organisations/${client.organisationId}/service`, { method: 'PUT', body: { startDate: '2026-07-01' } })).status).toBe(403);
    const bad = await as.admin!(`/organisations/${other.organisationId}/service`, { method: 'PUT', body: { startDate: '2026-09-01' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].message).toContain('on or before today');
    const ok = await as.admin!(`/organisations/${other.organisationId}/service`, { method: 'PUT', body: { startDate: '2026-07-01', attributionDays: 3 } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ startText: '1 July 2026', attributionDays: 3 });
    // Baseline now 1 April – 30 June: S 1,000, AR 1,000, D 91 → DSO 91.00; the reminder (5 days before) is outside 3 days.
    const r = (await as.viewer!(`/organisations/${other.organisationId}/report`)).body.report;
    expect(r.kpis[0].baseline).toBe(91);
    expect(r.collected.notThroughArcus.amount).toBe(500);
    expect(r.collected.rule).toContain('3 days');
  });

  function strings(v: unknown): string[] {
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.flatMap(strings);
    if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
    return [];
  }

  async function pdfHeaders() {
    const s = await writeSession(database, arcus.config.sessionSecret, { userId: client.contactUserId, firmId });
    return { cookie: s.cookie };
  }
});
