import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { contacts, exchangeRates, firms, invoices, organisations } from '../../server/db/schema';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import { addDays, todayIn } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import { apiClient, startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith('pg', 'Collections API', () => {
  let arcus: Arcus;
  let database: Database;
  let api: ReturnType<typeof apiClient>;
  let csrf = '';
  let orgId = '';
  let invoiceId = '';
  let original: unknown = {};
  const today = todayIn('Europe/London');
  const call = (p: string, init: { method?: string; body?: unknown } = {}) => api(p, { ...init, csrf });

  beforeAll(async () => {
    database = await testDatabase();
    const demo = await ensureDemoFirm(database.db);
    [{ settings: original }] = await database.db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, demo.firmId)) as [{ settings: unknown }];
    await database.db.update(firms).set({ settings: { needsHelp: { ceiBelow: 55 } } }).where(eq(firms.id, demo.firmId));
    // The approval threshold is in the firm's reporting currency (USD): this file's GBP fees need a rate of their own,
    // not one another file of this worker may or may not have seeded before.
    await database.db.insert(exchangeRates).values({ firmId: demo.firmId, currency: 'GBP', reportingCurrency: 'USD', rateToReporting: '1.2700', asOf: '2020-01-01' }).onConflictDoNothing();
    const [org] = await database.db
      .insert(organisations)
      .values({ firmId: demo.firmId, provider: 'xero', externalId: `tenant-${randomUUID()}`, name: 'API Collections Ltd', baseCurrency: 'GBP', timezone: 'Europe/London' })
      .returning();
    orgId = org!.id;
    await database.db.insert(contacts).values({ firmId: demo.firmId, organisationId: orgId, externalId: 'api-c1', name: 'API Customer' });
    const [inv] = await database.db
      .insert(invoices)
      .values({ firmId: demo.firmId, organisationId: orgId, externalId: 'api-inv-1', contactExternalId: 'api-c1', number: 'API-001', issueDate: addDays(today, -50), dueDate: addDays(today, -20), currency: 'GBP', total: '600.00', amountDue: '600.00', status: 'authorised' })
      .returning({ id: invoices.id });
    invoiceId = inv!.id;
    arcus = await startTestApp('collections-api', database, { LEDGER_SANDBOX: 'off' });
    api = apiClient(arcus.url);
    csrf = (await api('/api/session')).body.csrfToken;
    csrf = (await api('/api/auth/demo', { method: 'POST', csrf })).body.csrfToken;
  }, 60_000);
  afterAll(async () => {
    await arcus?.close();
    // The demo firm is shared by this worker's files: leave its policy and data as found.
    const demo = await ensureDemoFirm(database.db);
    await database.db.update(firms).set({ settings: original ?? {} }).where(eq(firms.id, demo.firmId));
    await database.db.delete(organisations).where(eq(organisations.id, orgId));
  });

  it('needs a session', async () => {
    expect((await apiClient(arcus.url)('/api/collections/policy')).status).toBe(401);
  });

  it('reads the defaults and saves a policy, leaving other settings alone', async () => {
    const got = await call('/api/collections/policy');
    expect(got.status).toBe(200);
    expect(got.body.policy).toMatchObject({ approvalThreshold: null, lateFees: { enabled: false, graceDays: 7 }, plans: { postInvoices: false } });
    const put = await call('/api/collections/policy', { method: 'PUT', body: { approvalThreshold: 500, lateFees: { enabled: true, kind: 'flat', amount: '30', graceDays: 10 } } });
    expect(put.status).toBe(200);
    expect(put.body.policy).toMatchObject({ approvalThreshold: '500', lateFees: { enabled: true, kind: 'flat', amount: '30', graceDays: 10, percent: '2' } });
    const [firm] = await database.db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, (await ensureDemoFirm(database.db)).firmId));
    expect((firm!.settings as { needsHelp: unknown }).needsHelp).toEqual({ ceiBelow: 55 });
  });

  it('answers bad input with clear 400s', async () => {
    /** The problems of a 400, as `field: message` lines (the key for placing, the sentence for people). */
    const bad = async (p: string, init: { method?: string; body?: unknown }) => {
      const r = await call(p, init);
      expect(r.status).toBe(400);
      return ((r.body.error.fields ?? []) as { field: string; message: string }[]).map((f) => `${f.field}: ${f.message}`).join('\n');
    };
    expect(await bad('/api/collections/policy', { method: 'PUT', body: { lateFees: { percent: 'two' } } })).toBe('lateFees.percent: Enter a percentage such as 2 or 1.5.');
    expect(await bad('/api/collections/policy', { method: 'PUT', body: { lateFees: { graceDays: -1 } } })).toMatch(/^lateFees\.graceDays: /);
    expect(await bad('/api/collections/policy', { method: 'PUT', body: { surprise: true } })).toBe(': The form sent something this page does not expect. Reload the page and try again.');
    expect(await bad(`/api/collections/late-fees/preview?organisationId=${orgId}&invoiceId=nope`, {})).toMatch(/^invoiceId: /);
    expect(await bad('/api/collections/late-fees/forgive', { method: 'POST', body: {} })).toMatch(/^writebackId: /);
    const plan = { organisationId: orgId, contactExternalId: 'api-c1', frequency: 'monthly', startDate: addDays(today, 7) };
    expect(await bad('/api/collections/plans/preview', { method: 'POST', body: plan })).toBe('count: Give either the number of instalments or the instalment amount, not both.');
    expect(await bad('/api/collections/plans/preview', { method: 'POST', body: { ...plan, count: 2, frequency: 'daily' } })).toMatch(/^frequency: /);
    expect(await bad('/api/collections/plans/preview', { method: 'POST', body: { ...plan, count: 2, startDate: '2026-02-30' } })).toBe('startDate: Enter a date.');
    expect((await call('/api/collections/plans/not-a-uuid')).status).toBe(404);
  });

  it('previews and applies a late fee, then refuses to charge the same period again', async () => {
    const preview = await call(`/api/collections/late-fees/preview?organisationId=${orgId}&invoiceId=${invoiceId}`);
    expect(preview.status).toBe(200);
    expect(preview.body.preview).toMatchObject({ blocked: null, overdueDays: 20, fees: [{ periodKey: 'once', amount: '30.00' }] });
    const applied = await call('/api/collections/late-fees/apply', { method: 'POST', body: { organisationId: orgId, invoiceId } });
    expect(applied.status).toBe(201);
    expect(applied.body.requested).toMatchObject([{ periodKey: 'once', amount: '30.00', created: true, status: 'pending' }]);
    const again = await call('/api/collections/late-fees/apply', { method: 'POST', body: { organisationId: orgId, invoiceId } });
    expect(again.status).toBe(409);
    const forgive = await call('/api/collections/late-fees/forgive', { method: 'POST', body: { writebackId: applied.body.requested[0].writebackId } });
    expect(forgive.status).toBe(409);
    expect(forgive.body.error.code).toBe('fee_not_in_ledger');
  });

  it('previews, creates, lists, reads and cancels a plan', async () => {
    const body = { organisationId: orgId, contactExternalId: 'api-c1', frequency: 'monthly', count: 3, startDate: addDays(today, 7) };
    const preview = await call('/api/collections/plans/preview', { method: 'POST', body });
    expect(preview.status).toBe(200);
    expect(preview.body.preview.instalments.map((i: { amount: string }) => i.amount)).toEqual(['200.00', '200.00', '200.00']);
    const created = await call('/api/collections/plans', { method: 'POST', body });
    expect(created.status).toBe(201);
    const id = created.body.plan.id;
    expect((await call(`/api/collections/plans?organisationId=${orgId}&contactExternalId=api-c1`)).body.plans.map((p: { id: string }) => p.id)).toEqual([id]);
    expect((await call(`/api/collections/plans/${id}`)).body.plan).toMatchObject({ status: 'active', total: '600.00' });
    expect((await call('/api/collections/plans', { method: 'POST', body })).status).toBe(409);
    const cancelled = await call(`/api/collections/plans/${id}/cancel`, { method: 'POST', body: {} });
    expect(cancelled.body.plan.status).toBe('cancelled');
    expect((await call(`/api/collections/discounts?organisationId=${orgId}`)).body.offers).toEqual([]);
  });
});
