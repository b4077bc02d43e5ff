import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../integrations/sandbox/server';
import { signBody } from '../../integrations/sandbox/webhooks';

const XERO_KEY = 'test-xero-webhook-key';
const QBO_TOKEN = 'test-intuit-verifier-token';
const T0 = Date.UTC(2026, 2, 10, 12);

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook receiver that verifies signatures as Arcus must: raw body, HMAC-SHA256, timingSafeEqual. */
class Receiver {
  readonly received: Received[] = [];
  failNext = 0;
  /** When false the receiver answers 200 whatever the signature (a broken receiver). */
  checkSignatures = true;
  private server!: http.Server;
  url = '';
  private waiters: Array<() => void> = [];

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const xero = req.url?.startsWith('/xero');
        const header = req.headers[xero ? 'x-xero-signature' : 'intuit-signature'];
        const expected = createHmac('sha256', xero ? XERO_KEY : QBO_TOKEN).update(body).digest('base64');
        const given = Buffer.from(typeof header === 'string' ? header : '');
        const valid = given.length === Buffer.from(expected).length && timingSafeEqual(given, Buffer.from(expected));
        let status = valid || !this.checkSignatures ? 200 : 401;
        if (status === 200 && this.failNext > 0) {
          this.failNext--;
          status = 503;
        }
        this.received.push({ path: req.url ?? '', headers: req.headers, body, status });
        res.statusCode = status;
        res.end();
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async waitFor(n: number, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > until) throw new Error(`only ${this.received.length} of ${n} webhooks arrived`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('webhook signatures', () => {
  it('matches Intuit’s published test vector', () => {
    // Intuit's published legacy eventNotifications example (Java SDK; exact bytes) and its verifier token.
    const body = '{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"}]}}]}';
    expect(signBody(body, 'b5771f19b12ddb4bcdb9f08bdc50bc63878a')).toBe('JC2GUwciPmRBwEO7WvrRmKqu9tGOKL8FFallocTFi8Q=');
  });
});

describe('sandbox webhooks', () => {
  const receiver = new Receiver();
  let sb: Sandbox;
  let xeroId: string;
  let qboId: string;

  beforeAll(async () => {
    await receiver.start();
    sb = createSandbox({
      baseUrl: 'http://sandbox.test',
      seed: 3,
      now: () => T0,
      demo: {
        companies: [
          { provider: 'xero', name: 'Hook Xero Ltd', customers: 5, invoices: 10 },
          { provider: 'quickbooks', name: 'Hook QBO Inc', customers: 5, invoices: 10 },
        ],
      },
      webhookUrls: { xero: `${receiver.url}/xero`, quickbooks: `${receiver.url}/qbo` },
      webhookKeys: { xero: XERO_KEY, quickbooks: QBO_TOKEN },
      webhooks: { batchMs: 60_000, retryBaseMs: 20, maxAttempts: 3 },
    });
    [xeroId, qboId] = sb.companyIds as [string, string];
  });
  afterEach(() => {
    receiver.received.length = 0;
    receiver.failNext = 0;
    receiver.checkSignatures = true;
    sb.webhooks.qboFormat = 'legacy';
  });
  afterAll(async () => {
    sb.close();
    await receiver.stop();
  });

  /** A fresh open invoice; its creation events are sent before the test's own changes. */
  const openInvoice = async (companyId: string) => {
    const contact = sb.ctx.store.list('contacts', companyId)[0]!;
    const inv = sb.ctx.store.createInvoice(companyId, { contactId: contact.id, issueDate: '2026-03-01', dueDate: '2026-03-31', lines: [{ description: 'Work', unitAmount: 25_000 }] });
    await sb.webhooks.flush();
    receiver.received.length = 0;
    return inv;
  };

  it('sends nothing for the seeded history', () => {
    expect(sb.webhooks.queued).toBe(0);
  });

  it('delivers a Xero event signed with x-xero-signature', async () => {
    const contact = sb.ctx.store.createContact(xeroId, { name: 'New Customer Ltd' });
    const [delivery] = await sb.webhooks.flush();
    expect(delivery?.state).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(got.body);
    expect(Object.keys(body).sort()).toEqual(['entropy', 'events', 'firstEventSequence', 'lastEventSequence']);
    expect(body.entropy).toMatch(/^[A-Z]{20}$/);
    expect(body.lastEventSequence - body.firstEventSequence + 1).toBe(body.events.length);
    expect(body.events).toEqual([
      {
        resourceUrl: `http://sandbox.test/xero/api.xro/2.0/Contacts/${contact.id}`,
        resourceId: contact.id,
        eventDateUtc: new Date(contact.updatedAt).toISOString().slice(0, 23),
        eventType: 'CREATE',
        eventCategory: 'CONTACT',
        tenantId: xeroId,
        tenantType: 'ORGANISATION',
      },
    ]);
  });

  it('turns a payment into an invoice UPDATE event (Xero has no payment webhooks)', async () => {
    const inv = await openInvoice(xeroId);
    sb.ctx.store.createPayment(xeroId, { date: inv.issueDate, allocations: [{ invoiceId: inv.id, amount: inv.amountDue }] });
    await sb.webhooks.flush();
    const body = JSON.parse(receiver.received[0]!.body);
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({ resourceId: inv.id, eventCategory: 'INVOICE', eventType: 'UPDATE', resourceUrl: `http://sandbox.test/xero/api.xro/2.0/Invoices/${inv.id}` });
  });

  it('delivers QuickBooks changes as legacy eventNotifications signed with intuit-signature', async () => {
    const inv = await openInvoice(qboId);
    const payment = sb.ctx.store.createPayment(qboId, { date: inv.issueDate, allocations: [{ invoiceId: inv.id, amount: 100 }] });
    await sb.webhooks.flush();
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.status).toBe(200);
    expect(got.headers['intuit-signature']).toBe(signBody(got.body, QBO_TOKEN));
    const body = JSON.parse(got.body);
    expect(body.eventNotifications).toHaveLength(1);
    expect(body.eventNotifications[0].realmId).toBe(qboId);
    const entities = body.eventNotifications[0].dataChangeEvent.entities;
    expect(entities).toEqual(
      expect.arrayContaining([
        { name: 'Invoice', id: inv.id, operation: 'Update', lastUpdated: new Date(inv.updatedAt).toISOString() },
        { name: 'Payment', id: payment.id, operation: 'Create', lastUpdated: new Date(payment.createdAt).toISOString() },
      ]),
    );
  });

  it('delivers QuickBooks changes as a CloudEvents array when configured', async () => {
    sb.webhooks.qboFormat = 'cloudevents';
    const inv = await openInvoice(qboId);
    const other = await openInvoice(qboId);
    sb.ctx.store.voidInvoice(qboId, other.id);
    sb.ctx.store.addHistory(qboId, inv.id, 'Reminder sent');
    await sb.webhooks.flush();
    const got = receiver.received[0]!;
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/cloudevents+json');
    expect(got.headers['intuit-signature']).toBe(signBody(got.body, QBO_TOKEN));
    const events = JSON.parse(got.body) as Record<string, unknown>[];
    expect(Array.isArray(events)).toBe(true);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['data', 'datacontenttype', 'id', 'intuitaccountid', 'intuitentityid', 'source', 'specversion', 'time', 'type']);
      expect(e).toMatchObject({ specversion: '1.0', intuitaccountid: qboId, datacontenttype: 'application/json' });
      expect(e['source']).toMatch(/^intuit\./);
    }
    expect(events.map((e) => e['type'])).toEqual(expect.arrayContaining(['qbo.invoice.voided.v1', 'qbo.invoice.updated.v1']));
    expect(events.find((e) => e['type'] === 'qbo.invoice.updated.v1')!['intuitentityid']).toBe(inv.id);
  });

  it('batches changes and sends them after the batch window without a flush', async () => {
    const quick = createSandbox({
      baseUrl: 'http://sandbox.test',
      demo: { companies: [{ provider: 'xero', name: 'Batch Ltd', customers: 3, invoices: 3 }] },
      webhookUrls: { xero: `${receiver.url}/xero` },
      webhookKeys: { xero: XERO_KEY },
      webhooks: { batchMs: 50 },
    });
    try {
      const id = quick.companyIds[0]!;
      quick.ctx.store.createContact(id, { name: 'One' });
      quick.ctx.store.createContact(id, { name: 'Two' });
      await receiver.waitFor(1);
      const body = JSON.parse(receiver.received[0]!.body);
      expect(body.events.map((e: { eventType: string }) => e.eventType)).toEqual(['CREATE', 'CREATE']);
      expect(receiver.received[0]!.status).toBe(200);
    } finally {
      quick.close();
    }
  });

  it('retries failed deliveries with backoff, up to the attempt limit, and logs them', async () => {
    receiver.failNext = 2;
    sb.ctx.store.createContact(xeroId, { name: 'Retry Customer' });
    const [d] = await sb.webhooks.flush();
    expect(d!.state).toBe('retrying');
    await sb.webhooks.drain();
    expect(d!.state).toBe('delivered');
    expect(d!.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(receiver.received.map((r) => r.body)).toEqual([d!.body, d!.body, d!.body]);

    receiver.received.length = 0;
    receiver.failNext = 10;
    sb.ctx.store.createContact(xeroId, { name: 'Give Up Customer' });
    const [e] = await sb.webhooks.flush();
    await sb.webhooks.drain();
    expect(e!.state).toBe('failed');
    expect(e!.attempts).toHaveLength(3);
  });

  it('records a network failure as an attempt without crashing', async () => {
    const offline = createSandbox({
      baseUrl: 'http://sandbox.test',
      demo: { companies: [{ provider: 'quickbooks', name: 'Offline Inc', customers: 2, invoices: 2 }] },
      webhookUrls: { quickbooks: 'http://127.0.0.1:9/unreachable' },
      webhooks: { retryBaseMs: 5, maxAttempts: 2 },
    });
    try {
      offline.ctx.store.createContact(offline.companyIds[0]!, { name: 'Nobody Home' });
      const [d] = await offline.webhooks.flush();
      await offline.webhooks.drain();
      expect(d!.state).toBe('failed');
      expect(d!.attempts).toHaveLength(2);
      expect(d!.attempts[0]!.status).toBeNull();
      expect(d!.attempts[0]!.error).toBeTruthy();
    } finally {
      offline.close();
    }
  });

  it('checks Xero intent to receive: 200 for the signed payload, 401 for the badly signed one', async () => {
    const result = await sb.webhooks.intentToReceive('xero');
    expect(result).toMatchObject({ ok: true, correctlySigned: { status: 200, ok: true }, incorrectlySigned: { status: 401, ok: true } });
    expect(receiver.received).toHaveLength(2);
    const [good, bad] = receiver.received;
    expect(JSON.parse(good!.body)).toMatchObject({ events: [], firstEventSequence: 0, lastEventSequence: 0 });
    expect(good!.headers['x-xero-signature']).toBe(signBody(good!.body, XERO_KEY));
    expect(bad!.headers['x-xero-signature']).not.toBe(signBody(bad!.body, XERO_KEY));

    receiver.checkSignatures = false;
    const broken = await sb.webhooks.intentToReceive('xero');
    expect(broken.ok).toBe(false);
    expect(broken.incorrectlySigned).toMatchObject({ status: 200, ok: false });
    expect(broken.message).toMatch(/expected 401/);
  });

  it('runs intent to receive through the admin API and lists deliveries', async () => {
    const server = sb.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const auth = { authorization: `Bearer ${sb.ctx.options.adminToken}`, 'content-type': 'application/json' };
      const res = await fetch(`${base}/admin/webhooks/intent`, { method: 'POST', headers: auth, body: JSON.stringify({ provider: 'qbo' }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ provider: 'quickbooks', ok: true, correctlySigned: { status: 200 }, incorrectlySigned: { status: 401 } });
      sb.ctx.store.createContact(qboId, { name: 'Admin Flush Customer' });
      const flushed = await fetch(`${base}/admin/webhooks/flush`, { method: 'POST', headers: auth });
      const { deliveries } = (await flushed.json()) as { deliveries: { provider: string; state: string; eventCount: number }[] };
      expect(deliveries).toEqual([expect.objectContaining({ provider: 'quickbooks', state: 'delivered', eventCount: 1 })]);
      const log = (await (await fetch(`${base}/admin/webhooks/deliveries?limit=3`, { headers: auth })).json()) as { deliveries: { kind: string }[] };
      expect(log.deliveries.map((d) => d.kind)).toEqual(['events', 'intent-incorrect', 'intent-correct']);
      const missing = await fetch(`${base}/admin/webhooks/intent`, { method: 'POST', headers: auth, body: JSON.stringify({ provider: 'sage' }) });
      expect(missing.status).toBe(400);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
