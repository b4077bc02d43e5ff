/**
 * Bought in the Xero App Store (docs/decisions/019-app-store-billing.md), end to end against the
 * embedded sandbox over real HTTP: subscriptions created, changed, past due and cancelled in the
 * sandbox arrive as signed webhooks, Arcus reads each subscription again from the App Store API
 * (client-credentials token) and the firm's plan, status and limits follow; forged, unsigned and
 * redelivered webhooks change nothing; connecting past the plan is refused in a sentence; usage is
 * reported once per period however often the job runs. The clock is pinned (ARCUS_NOW), and the
 * sandbox runs on the same clock.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { billingUsageJob } from '../../jobs/billing/usage';
import { type Arcus, startArcus } from '../../root/runtime';
import { connectionRefusal } from '../../server/billing/limits';
import type { Database } from '../../server/db/client';
import { appStoreEvents, appStoreSubscriptions, appStoreUsageReports, organisations } from '../../server/db/schema';
import { connectSandboxCompany } from '../../server/embedded/demo-connect';
import { createLogger } from '../../server/logger';
import type { OAuthDeps } from '../../server/oauth/flow';
import { signWebhook } from '../../server/webhooks/signature';
import { requestSync } from '../../server/sync/request';
import { createFirm, testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { writeSession } from '../support/session';

const NOW = '2027-03-10T09:00:00Z';
const STARTER_FULL = 'Your plan allows 10 connected clients; disconnect one or change plan to connect more.';

describeWith('pg', 'Xero App Store billing (embedded sandbox)', () => {
  let database: Database;
  let arcus: Arcus;
  const firmIds: string[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('app-store-billing'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'on', SANDBOX_SEED: '1606', ARCUS_NOW: NOW },
      database,
      log: createLogger('silent'),
    });
  }, 120_000);
  afterAll(async () => {
    for (const id of firmIds) await database.db.update(organisations).set({ status: 'disconnected' }).where(eq(organisations.firmId, id));
    await arcus?.close();
  }, 120_000);

  const sandbox = () => arcus.sandbox!.sandbox;
  const admin = async (p: string, body: unknown = {}, method = 'POST') => {
    const r = await fetch(`${arcus.url}/sandbox/admin/appstore${p}`, {
      method,
      headers: { authorization: `Bearer ${sandbox().ctx.options.adminToken}`, 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: admin answers are read as JSON
    return { status: r.status, body: (await r.json()) as any };
  };

  /** A firm whose admin is signed in, with `count` organisations already connected; the first is its own Xero organisation. */
  async function firmWith(count: number, role: 'admin' | 'collector' = 'admin') {
    const { firm, user } = await createFirm(database, role);
    firmIds.push(firm.id);
    const xeroOrganisationId = randomUUID();
    for (let i = 0; i < count; i++) {
      // needs_reauth: connected (counted against the plan), never picked up by a scheduled sync.
      await database.db.insert(organisations).values({ firmId: firm.id, provider: 'xero', externalId: i === 0 ? xeroOrganisationId : randomUUID(), name: `Client ${i + 1}`, baseCurrency: 'AUD', timezone: 'Australia/Sydney', status: 'needs_reauth' });
    }
    const session = await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId: firm.id });
    const api = async (p: string, method = 'GET') => {
      const r = await fetch(`${arcus.url}/api${p}`, { method, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
      // biome-ignore lint/suspicious/noExplicitAny: API answers are read as JSON
      return { status: r.status, body: (await r.json()) as any };
    };
    return { firmId: firm.id, userId: user.id, xeroOrganisationId, api };
  }

  const row = async (subscriptionId: string) => (await database.db.select().from(appStoreSubscriptions).where(eq(appStoreSubscriptions.subscriptionId, subscriptionId)))[0];
  const oauthDeps = (): OAuthDeps => ({
    db: database.db,
    log: arcus.log,
    factory: arcus.factory,
    tokenKey: arcus.config.tokenEncryptionKey,
    requestSync: (id, kind) => requestSync(arcus.queue, database.db, { organisationId: id, kind }),
    sessionSecret: arcus.config.sessionSecret,
    publicUrl: () => arcus.url,
    now: () => arcus.clock.now(),
  });
  const xeroCompany = () => sandbox().companyIds.find((id) => sandbox().ctx.store.company(id).provider === 'xero')!;

  it('created, changed, past due and cancelled in the App Store: the firm’s plan, status and limits follow', async () => {
    const firm = await firmWith(1);
    const created = await admin('/subscriptions', { organisationId: firm.xeroOrganisationId, plan: 'Starter' });
    expect(created.status).toBe(201);
    expect(created.body.delivery).toMatchObject({ status: 200 });
    const id = created.body.subscription.id as string;
    expect(await row(id)).toMatchObject({ firmId: firm.firmId, status: 'ACTIVE', planName: 'Starter', xeroOrganisationId: firm.xeroOrganisationId });

    let billing = await firm.api('/billing');
    expect(billing.status).toBe(200);
    expect(billing.body).toMatchObject({ subscribed: true, plan: 'Starter', status: 'Active', standing: 'good', banner: null, limit: 'Up to 10 connected clients', maxClients: 10, connectedClients: 1 });
    expect(billing.body.period).toMatch(/^Renews on \d{1,2} [A-Z][a-z]+ \d{4}$/);

    expect((await admin(`/subscriptions/${id}/plan`, { plan: 'Practice' })).body.delivery).toMatchObject({ status: 200 });
    expect(await row(id)).toMatchObject({ planName: 'Practice', status: 'ACTIVE' });
    billing = await firm.api('/billing');
    expect(billing.body).toMatchObject({ plan: 'Practice', limit: 'Up to 50 connected clients', maxClients: 50 });

    await admin(`/subscriptions/${id}/past-due`);
    billing = await firm.api('/billing');
    expect(billing.body).toMatchObject({ status: 'Payment overdue', standing: 'blocked' });
    expect(billing.body.banner).toMatch(/overdue.*connected clients keep working/);
    // Past due: nothing is cut off, new connections are refused in a sentence.
    expect((await database.db.select().from(organisations).where(eq(organisations.firmId, firm.firmId))).every((o) => o.status !== 'disconnected')).toBe(true);
    const refusal = await connectionRefusal(database.db, { firmId: firm.firmId, provider: 'xero', externalId: randomUUID(), now: arcus.clock.now() });
    expect(refusal).toMatch(/^Your Xero App Store payment for Arcus is overdue/);
    // …but an organisation the firm already has may be reconnected.
    expect(await connectionRefusal(database.db, { firmId: firm.firmId, provider: 'xero', externalId: firm.xeroOrganisationId, now: arcus.clock.now() })).toBeNull();

    await admin(`/subscriptions/${id}/cancel`);
    expect(await row(id)).toMatchObject({ status: 'CANCELED' });
    billing = await firm.api('/billing');
    expect(billing.body.status).toMatch(/^Cancelled, ends on \d{1,2} [A-Z][a-z]+ \d{4}$/);
    expect(billing.body).toMatchObject({ standing: 'blocked', period: null });
    expect(JSON.stringify(billing.body)).not.toMatch(/CANCELED|PAST_DUE|ACTIVE|[0-9a-f]{8}-[0-9a-f]{4}-/);
  }, 60_000);

  it('refuses a forged or unsigned webhook (401) and changes nothing', async () => {
    const firm = await firmWith(1);
    const id = (await admin('/subscriptions', { organisationId: firm.xeroOrganisationId, plan: 'Starter' })).body.subscription.id as string;
    const before = await row(id);
    const eventsBefore = await database.db.select().from(appStoreEvents).where(eq(appStoreEvents.subscriptionId, id));
    // The sandbox now says Practice, but only a forged message tells Arcus so.
    sandbox().appStore.changePlan(id, 'Practice');
    const body = JSON.stringify({
      events: [{ resourceUrl: `${arcus.url}/sandbox/xero/appstore/2.0/subscriptions/${id}`, resourceId: id, eventDateUtc: '2027-03-10T09:30:00.000', eventType: 'UPDATE', eventCategory: 'SUBSCRIPTION', tenantId: sandbox().appStore.applicationId, tenantType: 'APPLICATION' }],
      firstEventSequence: 1,
      lastEventSequence: 1,
      entropy: 'FORGEDFORGEDFORGEDFO',
    });
    const post = (headers: Record<string, string>) => fetch(`${arcus.url}/webhooks/xero`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post({ 'x-xero-signature': signWebhook(body, 'not-the-webhook-key') })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    expect((await post({ 'x-xero-signature': signWebhook(`${body} `, sandbox().ctx.options.webhookKeys.xero) })).status).toBe(401);
    expect(await row(id)).toEqual(before);
    expect(await database.db.select().from(appStoreEvents).where(eq(appStoreEvents.subscriptionId, id))).toEqual(eventsBefore);
    // The same body correctly signed is taken (and Arcus reads Practice from the API).
    expect((await post({ 'x-xero-signature': signWebhook(body, sandbox().ctx.options.webhookKeys.xero) })).status).toBe(200);
    expect(await row(id)).toMatchObject({ planName: 'Practice' });
  }, 60_000);

  it('processes a redelivered webhook once', async () => {
    const firm = await firmWith(1);
    const id = (await admin('/subscriptions', { organisationId: firm.xeroOrganisationId, plan: 'Practice' })).body.subscription.id as string;
    const first = await row(id);
    const events = await database.db.select().from(appStoreEvents).where(eq(appStoreEvents.subscriptionId, id));
    expect(events).toHaveLength(1);
    expect(events[0]!.processedAt).not.toBeNull();
    // A change Arcus has not been told about: a second processing would pick it up.
    sandbox().appStore.changePlan(id, 'Unlimited');
    const again = await admin(`/subscriptions/${id}/redeliver`);
    expect(again.body.delivery).toMatchObject({ status: 200 });
    expect(await row(id)).toEqual(first);
    expect(await database.db.select().from(appStoreEvents).where(eq(appStoreEvents.subscriptionId, id))).toEqual(events);
  }, 60_000);

  it('refuses to connect one client more than the plan allows, in a sentence', async () => {
    const firm = await firmWith(10);
    const id = (await admin('/subscriptions', { organisationId: firm.xeroOrganisationId, plan: 'Starter' })).body.subscription.id as string;
    expect(await row(id)).toMatchObject({ firmId: firm.firmId });
    const count = async () => (await database.db.select().from(organisations).where(eq(organisations.firmId, firm.firmId))).length;
    await expect(connectSandboxCompany(oauthDeps(), { firmId: firm.firmId, userId: firm.userId, provider: 'xero', companyId: xeroCompany() })).rejects.toMatchObject({ code: 'plan_limit', message: STARTER_FULL });
    expect(await count()).toBe(10);
    const billing = await firm.api('/billing');
    expect(billing.body).toMatchObject({ plan: 'Starter', connectedClients: 10, maxClients: 10 });
  }, 90_000);

  it('an unknown plan gets the most restrictive limits and a warning', async () => {
    const firm = await firmWith(10);
    await admin('/subscriptions', { organisationId: firm.xeroOrganisationId, plan: 'Enterprise Gold' });
    const billing = await firm.api('/billing');
    expect(billing.body).toMatchObject({ plan: 'Enterprise Gold', maxClients: 10, limit: 'Up to 10 connected clients' });
    expect(billing.body.planWarning).toMatch(/does not recognise the plan “Enterprise Gold”/);
    expect(await connectionRefusal(database.db, { firmId: firm.firmId, provider: 'xero', externalId: randomUUID(), now: arcus.clock.now() })).toBe(STARTER_FULL);
  }, 60_000);

  it('reports usage once per period even when the job runs twice (and twice at once)', async () => {
    const firm = await firmWith(3);
    const periodEnd = new Date(arcus.clock.now().getTime() + 86_400_000).toISOString();
    const id = (await admin('/subscriptions', { organisationId: firm.xeroOrganisationId, plan: 'Practice', currentPeriodEnd: periodEnd })).body.subscription.id as string;
    const ctx = { db: database.db, log: arcus.log, queue: arcus.queue, jobId: 'test', attempt: 1, services: arcus.services };
    await Promise.all([billingUsageJob.handler({}, ctx), billingUsageJob.handler({}, ctx)]);
    await billingUsageJob.handler({}, ctx);
    const records = sandbox().appStore.usageRecords.filter((r) => r.subscriptionId === id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ quantity: 3, subscriptionItemId: (await row(id))!.meteredItemId });
    const reports = await database.db.select().from(appStoreUsageReports).where(eq(appStoreUsageReports.subscriptionId, id));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ status: 'reported', quantity: 3, usageRecordId: records[0]!.usageRecordId });
    const billing = await firm.api('/billing');
    expect(billing.body.usage).toEqual([{ period: expect.stringMatching(/^Period ending /), clients: 3, reported: expect.stringMatching(/^Reported on /) }]);
  }, 60_000);

  it('a subscription whose period is not ending yet is not reported', async () => {
    const firm = await firmWith(2);
    const id = (await admin('/subscriptions', { organisationId: firm.xeroOrganisationId, plan: 'Starter' })).body.subscription.id as string;
    const ctx = { db: database.db, log: arcus.log, queue: arcus.queue, jobId: 'test', attempt: 1, services: arcus.services };
    await billingUsageJob.handler({}, ctx);
    expect(sandbox().appStore.usageRecords.filter((r) => r.subscriptionId === id)).toHaveLength(0);
  }, 60_000);

  it('answers 403 to a non-administrator on the billing routes', async () => {
    const firm = await firmWith(1, 'collector');
    expect((await firm.api('/billing')).status).toBe(403);
    expect((await firm.api('/billing/refresh', 'POST')).status).toBe(403);
  });
});
