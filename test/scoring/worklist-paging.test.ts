/**
 * The worklist in pages: GET /api/worklist?limit&offset gives one slice of the ranked customers
 * with the total, the slices join up into the whole ranking, and bad paging is a 400.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createQueue } from '../../jobs/create-queue';
import { manualClock } from '../../kernel/clock';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import type { Database } from '../../server/db/client';
import { createLogger } from '../../server/logger';
import { scoringRoutes } from '../../server/routes/scoring';
import type { WorklistCustomer } from '../../server/scoring/worklist';
import { type Client, signedIn } from '../analytics/harness';
import { testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { buildFixture, NOW, type ScoringFixture } from './fixture';

describeWith('pg', 'the worklist in pages', () => {
  let database: Database;
  let fx: ScoringFixture;
  let server: http.Server;
  let queue: ReturnType<typeof createQueue>;
  let client: Client;

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('worklist-paging'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', LOG_LEVEL: 'silent' });
    const log = createLogger('silent');
    queue = createQueue({ db: database.db, log, redisUrl: null });
    const app = createApp({ config, database, queue, log, api: [scoringRoutes({ db: database.db, queue, clock: manualClock(NOW) })] });
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

  const key = (c: WorklistCustomer) => `${c.organisationId}|${c.contactExternalId}`;

  it('pages through the whole ranking, each page saying where it starts and how many there are', async () => {
    const all = await client.get('/api/worklist?limit=500');
    expect(all.status).toBe(200);
    const total: number = all.body.totalCustomers;
    expect(total).toBeGreaterThan(3);
    expect(all.body.customers).toHaveLength(total);

    const seen: WorklistCustomer[] = [];
    for (let offset = 0; offset < total; offset += 2) {
      const page = await client.get(`/api/worklist?limit=2&offset=${offset}`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ offset, limit: 2, totalCustomers: total, totalInvoices: all.body.totalInvoices });
      expect(page.body.customers.length).toBe(Math.min(2, total - offset));
      seen.push(...page.body.customers);
    }
    // The pages join up into the one ranking: same order, ranks 1…total, nobody twice.
    expect(seen.map(key)).toEqual(all.body.customers.map(key));
    expect(seen.map((c) => c.rank)).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const beyond = await client.get(`/api/worklist?limit=2&offset=${total}`);
    expect(beyond.body).toMatchObject({ customers: [], totalCustomers: total, offset: total });
  });

  it('pages one organisation the same way', async () => {
    const all = await client.get(`/api/worklist?organisationId=${fx.orgA.id}&limit=500`);
    const second = await client.get(`/api/worklist?organisationId=${fx.orgA.id}&limit=1&offset=1`);
    expect(second.body.totalCustomers).toBe(all.body.totalCustomers);
    expect(second.body.customers.map(key)).toEqual([key(all.body.customers[1])]);
    expect(second.body.customers[0].organisationId).toBe(fx.orgA.id);
  });

  it('refuses paging it cannot honour', async () => {
    for (const q of ['offset=-1', 'offset=1.5', 'offset=many', 'limit=0', 'limit=501']) {
      const res = await client.get(`/api/worklist?${q}`);
      expect(res.status, q).toBe(400);
    }
  });
});
