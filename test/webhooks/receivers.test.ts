/**
 * The webhook receivers over real HTTP and PostgreSQL: signatures over the raw body (Xero 401
 * with an empty body, intent to receive), both QuickBooks formats, deduplication by event id,
 * one sync requested per organisation — with hand-signed payloads and with the sandbox
 * ledger's own dispatcher delivering to the app.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, inArray } from 'drizzle-orm';
import express from 'express';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { DEFAULT_DEMO_COMPANIES } from '../../integrations/sandbox/demo';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import { signBody } from '../../integrations/sandbox/webhooks';
import type { Database } from '../../server/db/client';
import { organisations, webhookEvents } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { webhookRoutes } from '../../server/routes/webhooks';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const KEYS = { xero: 'sandbox-xero-webhook-key', quickbooks: 'sandbox-intuit-verifier-token' };
const SEED = 9101;

describeWith('pg', 'webhook receivers', () => {
  let database: Database;
  let server: http.Server;
  let url = '';
  let sandbox: SandboxServer;
  let requested: string[] = [];
  let firmId = '';
  const orgIds: Record<string, string> = {};

  beforeAll(async () => {
    database = await testDatabase();
    const app = express();
    app.use('/webhooks', webhookRoutes({ db: database.db, log: createLogger('silent'), keys: () => KEYS, requestSync: async (id) => requested.push(id) }));
    app.use(express.json());
    server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sandbox = await startSandbox({
      port: 0,
      seed: SEED,
      demo: { companies: DEFAULT_DEMO_COMPANIES.map((c) => ({ ...c, customers: 5, invoices: 30 })) },
      webhookUrls: { xero: `${url}/webhooks/xero`, quickbooks: `${url}/webhooks/quickbooks` },
      webhooks: { batchMs: 10_000, retryBaseMs: 50 },
      log: () => undefined,
    });
    const { firm } = await createFirm(database);
    firmId = firm.id;
    for (const companyId of sandbox.sandbox.companyIds) {
      const c = sandbox.sandbox.ctx.store.company(companyId);
      const [row] = await database.db
        .insert(organisations)
        .values({ firmId, provider: c.provider, externalId: c.id, name: c.name, baseCurrency: c.baseCurrency, timezone: c.timezone })
        .returning({ id: organisations.id });
      orgIds[c.id] = row!.id;
    }
  });
  beforeEach(() => {
    requested = [];
  });
  afterAll(async () => {
    // Leave nothing active behind for other files in this worker's database.
    if (firmId) await database.db.update(organisations).set({ status: 'disconnected' }).where(eq(organisations.firmId, firmId));
    await new Promise<void>((r) => sandbox?.close(() => r()));
    await new Promise<void>((r) => server?.close(() => r()));
  });

  const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const xeroCo = () => sandbox.sandbox.companyIds[0]!;
  const qboCo = () => sandbox.sandbox.companyIds[2]!;
  const eventsFor = async (orgId: string) => database.db.select().from(webhookEvents).where(eq(webhookEvents.organisationId, orgId));

  function xeroBody(events: object[]) {
    return JSON.stringify({ events, firstEventSequence: 1, lastEventSequence: events.length, entropy: 'ABCDEFGHIJKLMNOPQRST' });
  }
  const xeroEvent = (resourceId = randomUUID(), tenantId = xeroCo()) => ({
    resourceUrl: `https://api.xero.com/api.xro/2.0/Invoices/${resourceId}`,
    resourceId,
    eventDateUtc: new Date().toISOString().slice(0, 23),
    eventType: 'UPDATE',
    eventCategory: 'INVOICE',
    tenantId,
    tenantType: 'ORGANISATION',
  });

  it('Xero: intent to receive — empty events signed right → 200, wrong → 401 with an empty body', async () => {
    const body = xeroBody([]);
    const good = await post('/webhooks/xero', body, { 'x-xero-signature': signBody(body, KEYS.xero) });
    expect(good.status).toBe(200);
    const bad = await post('/webhooks/xero', body, { 'x-xero-signature': signBody(body, 'not-the-key') });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toBe('');
    expect((await post('/webhooks/xero', body, {})).status).toBe(401);
    // The sandbox's own intent-to-receive check agrees.
    const res = await fetch(`${sandbox.url}/admin/webhooks/intent`, { method: 'POST', headers: { authorization: `Bearer ${sandbox.sandbox.ctx.options.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'xero' }) });
    expect(await res.json()).toMatchObject({ ok: true, message: 'Intent to receive verified' });
    expect(requested).toEqual([]);
  });

  it('verifies over the raw bytes: re-serialised JSON with the same meaning is refused', async () => {
    const body = xeroBody([xeroEvent()]);
    const signature = signBody(body, KEYS.xero);
    const reformatted = JSON.stringify(JSON.parse(body), null, 2);
    expect((await post('/webhooks/xero', reformatted, { 'x-xero-signature': signature })).status).toBe(401);
    expect(requested).toEqual([]);
    expect((await post('/webhooks/xero', body, { 'x-xero-signature': signature })).status).toBe(200);
    expect(requested).toEqual([orgIds[xeroCo()]]);
  });

  it('Xero: a good delivery records each event once and asks for one sync; the redelivery is a no-op', async () => {
    const a = xeroEvent();
    const b = xeroEvent();
    const body = xeroBody([a, b, a]);
    const headers = { 'x-xero-signature': signBody(body, KEYS.xero) };
    const before = (await eventsFor(orgIds[xeroCo()]!)).length;
    const started = Date.now();
    expect((await post('/webhooks/xero', body, headers)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(requested).toEqual([orgIds[xeroCo()]]);
    expect((await eventsFor(orgIds[xeroCo()]!)).length).toBe(before + 2);
    // Xero retries the same delivery: nothing new.
    requested = [];
    expect((await post('/webhooks/xero', body, headers)).status).toBe(200);
    expect(requested).toEqual([]);
    expect((await eventsFor(orgIds[xeroCo()]!)).length).toBe(before + 2);
  });

  it('Xero: events for unknown tenants are recorded without an organisation and sync nothing', async () => {
    const e = xeroEvent(randomUUID(), randomUUID());
    const body = xeroBody([e]);
    expect((await post('/webhooks/xero', body, { 'x-xero-signature': signBody(body, KEYS.xero) })).status).toBe(200);
    expect(requested).toEqual([]);
    const rows = await database.db.select().from(webhookEvents).where(eq(webhookEvents.provider, 'xero'));
    expect(rows.some((r) => (r.payload as { tenantId?: string }).tenantId === e.tenantId && r.organisationId === null)).toBe(true);
  });

  it('QuickBooks legacy format: good → 200 + one sync, bad → 401, duplicate → nothing new', async () => {
    const realmId = qboCo();
    const body = JSON.stringify({ eventNotifications: [{ realmId, dataChangeEvent: { entities: [{ name: 'Invoice', id: '130', operation: 'Update', lastUpdated: new Date().toISOString() }, { name: 'Payment', id: '77', operation: 'Create', lastUpdated: new Date().toISOString() }] } }] });
    expect((await post('/webhooks/quickbooks', body, { 'intuit-signature': signBody(body, 'wrong') })).status).toBe(401);
    expect(requested).toEqual([]);
    const before = (await eventsFor(orgIds[realmId]!)).length;
    expect((await post('/webhooks/quickbooks', body, { 'intuit-signature': signBody(body, KEYS.quickbooks) })).status).toBe(200);
    expect(requested).toEqual([orgIds[realmId]]);
    expect((await eventsFor(orgIds[realmId]!)).length).toBe(before + 2);
    requested = [];
    expect((await post('/webhooks/quickbooks', body, { 'intuit-signature': signBody(body, KEYS.quickbooks) })).status).toBe(200);
    expect(requested).toEqual([]);
  });

  it('QuickBooks CloudEvents (application/cloudevents+json): deduplicated on the event id', async () => {
    const realmId = qboCo();
    const id = randomUUID();
    const ce = (eventId: string) => ({ specversion: '1.0', id: eventId, source: 'intuit.abc', type: 'qbo.invoice.updated.v1', datacontenttype: 'application/json', time: new Date().toISOString(), intuitentityid: '131', intuitaccountid: realmId, data: {} });
    const body = JSON.stringify([ce(id)]);
    const headers = { 'content-type': 'application/cloudevents+json', 'intuit-signature': signBody(body, KEYS.quickbooks) };
    expect((await post('/webhooks/quickbooks', body, headers)).status).toBe(200);
    expect(requested).toEqual([orgIds[realmId]]);
    const rows = await database.db.select().from(webhookEvents).where(and(eq(webhookEvents.provider, 'quickbooks'), eq(webhookEvents.eventId, `ce:${id}`)));
    expect(rows).toHaveLength(1);
    // The same id again, inside a bigger batch: only the new one counts.
    requested = [];
    const body2 = JSON.stringify([ce(id), ce(randomUUID())]);
    expect((await post('/webhooks/quickbooks', body2, { ...headers, 'intuit-signature': signBody(body2, KEYS.quickbooks) })).status).toBe(200);
    expect(requested).toEqual([orgIds[realmId]]);
    requested = [];
    expect((await post('/webhooks/quickbooks', body, headers)).status).toBe(200);
    expect(requested).toEqual([]);
    // An empty CloudEvents array (the intent check's shape) is fine.
    expect((await post('/webhooks/quickbooks', '[]', { 'content-type': 'application/cloudevents+json', 'intuit-signature': signBody('[]', KEYS.quickbooks) })).status).toBe(200);
  });

  it('refuses a signed body that is not a webhook payload', async () => {
    const body = JSON.stringify({ hello: 'world' });
    expect((await post('/webhooks/xero', body, { 'x-xero-signature': signBody(body, KEYS.xero) })).status).toBe(400);
    expect((await post('/webhooks/quickbooks', body, { 'intuit-signature': signBody(body, KEYS.quickbooks) })).status).toBe(400);
    expect((await post('/webhooks/xero', 'not json', { 'x-xero-signature': signBody('not json', KEYS.xero) })).status).toBe(400);
  });

  it('ignores disconnected organisations', async () => {
    const realmId = sandbox.sandbox.companyIds[3]!;
    await database.db.update(organisations).set({ status: 'disconnected' }).where(eq(organisations.id, orgIds[realmId]!));
    const body = JSON.stringify({ eventNotifications: [{ realmId, dataChangeEvent: { entities: [{ name: 'Invoice', id: '5', operation: 'Update', lastUpdated: new Date().toISOString() }] } }] });
    expect((await post('/webhooks/quickbooks', body, { 'intuit-signature': signBody(body, KEYS.quickbooks) })).status).toBe(200);
    expect(requested).toEqual([]);
    await database.db.update(organisations).set({ status: 'active' }).where(eq(organisations.id, orgIds[realmId]!));
  });

  it('the sandbox dispatcher: a payment in each ledger arrives signed and asks for one sync per organisation (both QuickBooks formats)', async () => {
    const admin = (path: string, body: unknown, method = 'POST') =>
      fetch(`${sandbox.url}/admin${path}`, { method, headers: { authorization: `Bearer ${sandbox.sandbox.ctx.options.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const openInvoice = (companyId: string) => [...sandbox.sandbox.ctx.store.invoices.values()].find((i) => i.companyId === companyId && i.status === 'AUTHORISED')!;
    for (const format of ['legacy', 'cloudevents'] as const) {
      requested = [];
      expect((await admin('/webhooks/config', { qboFormat: format }, 'PUT')).status).toBe(200);
      const xeroInv = openInvoice(xeroCo());
      const qboInv = openInvoice(qboCo());
      expect((await admin(`/companies/${xeroCo()}/pay`, { invoiceId: xeroInv.id })).status).toBe(201);
      expect((await admin(`/companies/${qboCo()}/pay`, { invoiceId: qboInv.id })).status).toBe(201);
      const { body } = await admin('/webhooks/flush', {});
      const deliveries = body.deliveries as { provider: string; state: string; attempts: { status: number }[]; format: string }[];
      expect(deliveries.map((d) => [d.provider, d.format, d.attempts[0]?.status])).toEqual(
        expect.arrayContaining([
          ['xero', 'xero', 200],
          ['quickbooks', format, 200],
        ]),
      );
      expect(requested.sort()).toEqual([orgIds[xeroCo()], orgIds[qboCo()]].sort());
      // Redelivering the same bodies (as a provider retry would) changes nothing.
      requested = [];
      for (const d of sandbox.sandbox.webhooks.deliveries.slice(-deliveries.length)) {
        const header = d.provider === 'xero' ? 'x-xero-signature' : 'intuit-signature';
        expect((await post(`/webhooks/${d.provider}`, d.body, { 'content-type': d.contentType, [header]: d.signature })).status).toBe(200);
      }
      expect(requested).toEqual([]);
    }
    const ours = await database.db.select().from(webhookEvents).where(inArray(webhookEvents.organisationId, Object.values(orgIds)));
    expect(new Set(ours.map((r) => r.eventId)).size).toBe(ours.length);
  });
});
