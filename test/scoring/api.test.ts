import { apiClient, emptyDemoFirm, startTestApp } from '../support/app';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import type { Arcus, } from '../../root/runtime';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedHabits, seedOrg } from './seed';

const cents = (x: number) => Math.round(x * 100);

describeWith('pg', 'the scoring API', () => {
  let arcus: Arcus;
  let call: ReturnType<typeof apiClient>;
  let csrf: string;
  let orgId: string;
  let otherOrgId: string;

  beforeAll(async () => {
    const database = await testDatabase();
    const db = database.db;
    const demo = await emptyDemoFirm(db);
    const today = todayIn('UTC');
    const org = await seedOrg(db, demo.firmId, 'Api Org', { provider: 'quickbooks' });
    orgId = org.id;
    await seedHabits(
      db,
      demo.firmId,
      org.id,
      [
        { externalId: 'late', name: 'Late Ltd', late: 20, first: addDays(today, -500), amount: 2000 },
        { externalId: 'fine', name: 'Fine Ltd', late: -2, first: addDays(today, -500), amount: 1000 },
      ],
      today,
      71,
    );
    const other = await createFirm(database);
    otherOrgId = (await seedOrg(db, other.firm.id, 'Not Yours')).id;
    arcus = await startTestApp('scoring-api', database);
    call = apiClient(`${arcus.url}/api`);
    expect((await call('/worklist')).status).toBe(401);
    csrf = (await call('/session')).body.csrfToken;
    const signedIn = await call('/auth/demo', { method: 'POST', csrf });
    expect(signedIn.status).toBe(200);
    csrf = signedIn.body.csrfToken;
  }, 120_000);
  afterAll(async () => {
    await arcus?.close();
  });

  it('answers the worklist, scoped to the firm, with validation', async () => {
    const w = await call('/worklist');
    expect(w.status).toBe(200);
    expect(w.body.organisations).toEqual([{ id: orgId, name: 'Api Org' }]);
    expect(w.body.customers[0]).toMatchObject({ rank: 1, name: 'Late Ltd', organisationName: 'Api Org' });
    expect(w.body.customers[0].invoices[0].why).toEqual(expect.objectContaining({ amount: expect.any(Number), risk: expect.any(Number), overdueFactor: expect.any(Number), value: expect.any(Number) }));
    expect((await call(`/worklist?organisationId=${otherOrgId}`)).body).toEqual({ error: { code: 'not_found', message: 'No such organisation on your worklist.' } });
    expect((await call('/worklist?limit=0')).body.error.code).toBe('validation_failed');
  });

  it('marks contacted only with the CSRF token and a valid body', async () => {
    expect((await call('/worklist/contacted', { method: 'POST', body: { organisationId: orgId, contactExternalId: 'late' } })).status).toBe(403);
    expect((await call('/worklist/contacted', { method: 'POST', csrf, body: { organisationId: orgId } })).body.error.code).toBe('validation_failed');
    const ok = await call('/worklist/contacted', { method: 'POST', csrf, body: { organisationId: orgId, contactExternalId: 'late' } });
    expect(ok.status).toBe(201);
    const w = await call('/worklist');
    const late = w.body.customers.find((c: { name: string }) => c.name === 'Late Ltd');
    expect(late.invoices[0].motions[0]).toMatchObject({ kind: 'contacted', scope: 'customer', label: 'contacted today by Dana Demo' });
  });

  it('forecasts an organisation and the portfolio, every cent accounted for', async () => {
    const f = await call(`/organisations/${orgId}/forecast`);
    expect(f.status).toBe(200);
    expect(f.body.forecast.weeks).toHaveLength(13);
    const sum = f.body.forecast.weeks.reduce((s: number, w: { expected: number }) => s + cents(w.expected), 0);
    expect(sum + cents(f.body.forecast.later) + cents(f.body.forecast.neverPaid)).toBe(cents(f.body.forecast.open));
    expect(f.body.lastQuarter.weeks).toHaveLength(13);
    const p = await call('/portfolio/forecast');
    expect(p.status).toBe(200);
    expect(p.body.currency).toBe('USD');
    expect(cents(p.body.forecast.open)).toBe(cents(f.body.forecast.open));
    expect((await call(`/organisations/${otherOrgId}/forecast`)).status).toBe(404);
  });

  it('serves scores, the backtest and assignments', async () => {
    const s = await call(`/organisations/${orgId}/scores`);
    expect(s.body.customers.map((c: { contactExternalId: string }) => c.contactExternalId).sort()).toEqual(['fine', 'late']);
    expect(s.body.invoices.length).toBeGreaterThan(0);
    const b = await call(`/organisations/${orgId}/backtest`);
    expect(b.body.backtest).toMatchObject({ available: true, nTest: expect.any(Number) });
    expect((await call(`/organisations/${otherOrgId}/backtest`)).status).toBe(404);
    expect(b.body.backtest.calibration.reduce((n: number, bin: { n: number }) => n + bin.n, 0)).toBe(b.body.backtest.nTest);
    expect(b.body.backtest).not.toHaveProperty('predictions');
    const late = s.body.customers.find((c: { contactExternalId: string }) => c.contactExternalId === 'late');
    const cb = await call(`/customers/${late.contactId}/backtest`);
    expect(cb.status).toBe(200);
    expect(cb.body).toMatchObject({ customer: { id: late.contactId, name: 'Late Ltd' }, method: 'fitted' });
    expect(cb.body.predictions.length).toBeGreaterThan(0);
    // Late Ltd pays about 20 days late: what happened says so.
    expect(cb.body.predictions.every((p: { late: boolean }) => p.late)).toBe(true);
    expect((await call('/customers/not-an-id/backtest')).body.error.code).toBe('validation_failed');
    const session = await call('/session');
    const put = await call(`/organisations/${orgId}/assignments`, { method: 'PUT', csrf, body: { userIds: [session.body.user.id] } });
    expect(put.body).toEqual({ organisationId: orgId, userIds: [session.body.user.id] });
    expect((await call('/organisation-assignments')).body.assignments).toEqual([{ organisationId: orgId, userId: session.body.user.id }]);
    const rescore = await call(`/organisations/${orgId}/score`, { method: 'POST', csrf, body: { wait: true } });
    expect(rescore.body).toMatchObject({ organisationId: orgId, modelScope: 'firm' });
  });
});
