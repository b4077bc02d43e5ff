/**
 * The analytics API on a real listening server (createApp with the analytics router only),
 * and clients signed in as a test firm's user by writing their session as express-session does.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQueue } from '../../jobs/create-queue';
import { createApp } from '../../server/app';
import { clockFor, loadConfig } from '../../server/config';
import type { Database } from '../../server/db/client';
import { sessions } from '../../server/db/schema';
import { sessionKey } from '../../server/db/session-store';
import { createLogger } from '../../server/logger';
import { analyticsRoutes } from '../../server/routes/analytics';
import { scratchDir } from '../support/scratch';

export interface AnalyticsServer {
  url: string;
  sessionSecret: string;
  close(): Promise<void>;
}

export async function startAnalyticsServer(database: Database): Promise<AnalyticsServer> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('analytics'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', LOG_LEVEL: 'silent' });
  const log = createLogger('silent');
  const queue = createQueue({ db: database.db, log, redisUrl: null });
  const app = createApp({ config, database, queue, log, api: [analyticsRoutes({ db: database.db, demo: false, clock: clockFor(config) })] });
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
  const sid = randomBytes(24).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expires = new Date(Date.now() + 3_600_000);
  await database.db.insert(sessions).values({
    // The table keeps the id's hash (server/db/session-store.ts).
    sid: sessionKey(sid),
    expiresAt: expires,
    data: { cookie: { originalMaxAge: 3_600_000, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax', secure: false }, userId: who.userId, firmId: who.firmId, csrfToken: csrf },
  });
  const signature = createHmac('sha256', server.sessionSecret).update(sid).digest('base64').replace(/=+$/, '');
  const cookie = `arcus.sid=${encodeURIComponent(`s:${sid}.${signature}`)}`;
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
