/**
 * The Customers list on real PostgreSQL through GET /api/organisations/:id/customers: search by
 * name or email, each customer's risk score from scoring, sorting by a validated key with blanks
 * last and ties broken by name, the same order on every request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createQueue } from '../../jobs/create-queue';
import { manualClock } from '../../kernel/clock';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import type { Database } from '../../server/db/client';
import { contacts, customerScores } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { analyticsRoutes } from '../../server/routes/analytics';
import { ensureScored } from '../../server/scoring/run';
import { buildFixture, NOW, type ScoringFixture } from '../scoring/fixture';
import { testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { type Client, signedIn } from './harness';

interface Row {
  externalId: string;
  name: string;
  email: string | null;
  arEnd: number;
  openInvoices: number;
  risk: { score: number; segment: string } | null;
}

describeWith('pg', 'the Customers list: search, risk and sorting', () => {
  let database: Database;
  let fx: ScoringFixture;
  let server: http.Server;
  let queue: ReturnType<typeof createQueue>;
  let client: Client;
  const period = 'from=2026-03-20&to=2026-06-17';
  const list = async (q: string) => {
    const res = await client.get(`/api/organisations/${fx.orgA.id}/customers?${period}${q ? `&${q}` : ''}`);
    expect(res.status, q).toBe(200);
    return res.body as { total: number; customers: Row[] };
  };

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    await database.db
      .update(contacts)
      .set({ emails: [{ address: 'Accounts@Steady-Sons.example', primary: true }] })
      .where(and(eq(contacts.organisationId, fx.orgA.id), eq(contacts.externalId, 'steady')));
    // Scored as GET /organisations/:id/scores does; one customer left unscored (a blank risk).
    await ensureScored(database.db, fx.firmId, [fx.orgA.id], NOW);
    await database.db.delete(customerScores).where(and(eq(customerScores.organisationId, fx.orgA.id), eq(customerScores.contactExternalId, 'prompt')));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('customer-list'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', LOG_LEVEL: 'silent' });
    const log = createLogger('silent');
    queue = createQueue({ db: database.db, log, redisUrl: null });
    const app = createApp({ config, database, queue, log, api: [analyticsRoutes({ db: database.db, demo: false, clock: manualClock(NOW) })] });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = await signedIn({ url, sessionSecret: config.sessionSecret, close: async () => undefined }, database, { userId: fx.userId, firmId: fx.firmId });
  }, 120_000);

  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
    server?.closeAllConnections();
    await queue?.close();
  });

  it("gives every customer its risk score from the organisation's scoring", async () => {
    const { customers, total } = await list('');
    expect(total).toBe(4);
    const stored = await database.db.select().from(customerScores).where(eq(customerScores.organisationId, fx.orgA.id));
    expect(stored).toHaveLength(3);
    for (const s of stored) expect(customers.find((c) => c.externalId === s.contactExternalId)?.risk).toEqual({ score: s.score, segment: s.segment });
    expect(customers.find((c) => c.externalId === 'chronic')?.risk?.segment).toBe('chronic_late');
    expect(customers.find((c) => c.externalId === 'prompt')?.risk).toBeNull();
  });

  it('searches names and emails, case-insensitively, on the server', async () => {
    expect((await list('q=late%20co')).customers.map((c) => c.name)).toEqual(['Chronic Late Co']);
    expect((await list('q=STEADY-SONS.example')).customers.map((c) => c.name)).toEqual(['Steady & Sons']);
    const none = await list('q=nobody-by-this-name');
    expect(none).toMatchObject({ customers: [], total: 4 });
    expect((await list('q=%20%20')).customers).toHaveLength(4);
  });

  it('sorts by risk, balance or name, either way, with blanks last and ties by name', async () => {
    const byRiskDesc = (await list('sort=risk&dir=desc')).customers;
    const byRiskAsc = (await list('sort=risk&dir=asc')).customers;
    const scores = (rows: Row[]) => rows.filter((c) => c.risk).map((c) => c.risk!.score);
    expect(scores(byRiskDesc)).toEqual([...scores(byRiskDesc)].sort((a, b) => b - a));
    expect(scores(byRiskAsc)).toEqual([...scores(byRiskAsc)].sort((a, b) => a - b));
    // The unscored customer is last whichever way.
    for (const rows of [byRiskDesc, byRiskAsc]) expect(rows.map((c) => c.externalId).at(-1)).toBe('prompt');

    const byBalance = (await list('sort=balance&dir=asc')).customers.map((c) => c.arEnd);
    expect(byBalance).toEqual([...byBalance].sort((a, b) => a - b));

    const names = (await list('sort=name&dir=asc')).customers.map((c) => c.name);
    expect(names).toEqual(['Chronic Late Co', 'Newbie GmbH', 'Prompt Payers Inc', 'Steady & Sons']);
    expect((await list('sort=name&dir=desc')).customers.map((c) => c.name)).toEqual([...names].reverse());

    // Equal values keep a fixed order: by name, on every request.
    const byOpen = (await list('sort=open&dir=desc')).customers;
    for (let i = 1; i < byOpen.length; i++) {
      const [a, b] = [byOpen[i - 1]!, byOpen[i]!];
      expect(a.openInvoices > b.openInvoices || (a.openInvoices === b.openInvoices && a.name.localeCompare(b.name) < 0)).toBe(true);
    }
    expect((await list('sort=open&dir=desc')).customers.map((c) => c.externalId)).toEqual(byOpen.map((c) => c.externalId));
  });

  it('pages by cursor (`limit`): SQL orders and engine-only orders give the whole list, page by page', async () => {
    for (const q of ['sort=balance&dir=desc', 'sort=risk&dir=asc', 'sort=name&dir=desc', 'sort=cei&dir=desc', 'sort=lastPayment&dir=asc', 'q=co']) {
      const whole = await list(q);
      const walked: Row[] = [];
      let cursor = '';
      for (let i = 0; i < 10; i++) {
        const page = (await list(`${q}&limit=1${cursor ? `&cursor=${cursor}` : ''}`)) as { total: number; customers: Row[]; nextCursor: string | null };
        expect(page.total).toBe(whole.total);
        walked.push(...page.customers);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(walked, q).toEqual(whole.customers);
    }
    const res = await client.get(`/api/organisations/${fx.orgA.id}/customers?${period}&limit=2&cursor=bogus`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Reload the list/);
  });

  it('refuses a sort key, direction or search it does not know', async () => {
    for (const q of ['sort=arEnd', 'sort=risk;drop', 'dir=up', 'limit=0', 'limit=501', `q=${'x'.repeat(201)}`]) {
      const res = await client.get(`/api/organisations/${fx.orgA.id}/customers?${period}&${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.message).not.toMatch(/enum|invalid_value/i);
    }
  });
});
