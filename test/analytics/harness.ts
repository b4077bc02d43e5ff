
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQueue } from '../../jobs/create-queue';
import { createApp } from '../../server/app';
import { clockFor, loadConfig } from '../../server/config';
import type { Database } from '../../server/db/client';
import { createLogger } from '../../server/logger';
import type { LedgerEndpointsOf } from '../../server/analytics/ledger-links';
import { analyticsRoutes } from '../../server/routes/analytics';
import { scratchDir } from '../support/scratch';
import { writeSession } from '../support/session';

export interface AnalyticsServer {
  url: string;
  sessionSecret: string;
  close(): Promise<void>;
}

/** `ledgerEndpoints`: the ledger the links lead to (default: the providers' own apps). `now`: ARCUS_NOW, the pinned clock (default: the machine's). */
export async function startAnalyticsServer(database: Database, options: { ledgerEndpoints?: LedgerEndpointsOf; now?: string } = {}): Promise<AnalyticsServer> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('analytics'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', LOG_LEVEL: 'silent', ...(options.now ? { ARCUS_NOW: options.now } : {}) });
  const log = createLogger('silent');
  const queue = createQueue({ db: database.db, log, redisUrl: null });
  const app = createApp({ config, database, queue, log, api: [analyticsRoutes({ db: database.db, demo: false, clock: clockFor(config), ledgerEndpoints: options.ledgerEndpoints })] });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sessionSecret: config.sessionSecret,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await queue.close();
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field by the tests
export type Body = any;

export interface Client {
  get(p: string): Promise<{ status: number; body: Body; headers: Headers; text: string }>;
  send(method: string, p: string, body?: unknown): Promise<{ status: number; body: Body }>;
}

/** A client signed in as `who`, with the session's CSRF token. */
export async function signedIn(server: AnalyticsServer, database: Database, who: { userId: string; firmId: string }): Promise<Client> {
  const { cookie, csrf } = await writeSession(database, server.sessionSecret, who);
  return {
    async get(p) {
      const res = await fetch(server.url + p, { headers: { cookie } });
      const text = await res.text();
      const json = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
      return { status: res.status, body: json, headers: res.headers, text };
    },
    async send(method, p, body) {
      const res = await fetch(server.url + p, { method, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}
