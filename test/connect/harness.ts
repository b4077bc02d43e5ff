/**
 * Arcus's connection routes (OAuth, /api/organisations, webhooks) on a real listening server,
 * against a sandbox ledger running elsewhere, with a recorder in place of the sync engine so
 * these tests see exactly which syncs were asked for.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import type { LedgerFactory } from '../../integrations/ledger/provider';
import { createQueue } from '../../jobs/create-queue';
import { createApp } from '../../server/app';
import { type Config, loadConfig } from '../../server/config';
import type { ConnectionDeps, SyncKind } from '../../server/connections/deps';
import type { Database } from '../../server/db/client';
import { SANDBOX_WEBHOOK_KEYS } from '../../server/embedded/sandbox';
import { createLogger } from '../../server/logger';
import type { OAuthDeps } from '../../server/oauth/flow';
import { connectionRoutes } from '../../server/routes/connections';
import { oauthRoutes } from '../../server/routes/oauth';
import { webhookRoutes } from '../../server/routes/webhooks';
import { scratchDir } from '../support/scratch';

export interface Harness {
  url: string;
  config: Config;
  factory: LedgerFactory;
  deps: OAuthDeps;
  requested: { organisationId: string; kind: SyncKind }[];
  close(): Promise<void>;
}

export async function startHarness(database: Database, sandboxUrl: string): Promise<Harness> {
  const loaded = loadConfig({ PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('connect'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', LOG_LEVEL: 'silent' });
  const log = createLogger('silent');
  const queue = createQueue({ db: database.db, log, redisUrl: null });
  let handler: http.RequestListener | null = null;
  const server = http.createServer((req, res) => handler?.(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config: Config = { ...loaded, appUrl: url };
  const factory = createLedgerFactory({ sandboxBaseUrl: sandboxUrl, xero: null, intuit: null });
  const requested: Harness['requested'] = [];
  const connectionDeps: ConnectionDeps = {
    db: database.db,
    log,
    factory,
    tokenKey: config.tokenEncryptionKey,
    requestSync: async (organisationId, kind) => {
      requested.push({ organisationId, kind });
    },
  };
  const deps: OAuthDeps = { ...connectionDeps, sessionSecret: config.sessionSecret, publicUrl: () => url };
  handler = createApp({
    config,
    database,
    queue,
    log,
    mounts: [{ path: '/webhooks', router: webhookRoutes({ db: database.db, log, keys: () => SANDBOX_WEBHOOK_KEYS, requestSync: (id) => connectionDeps.requestSync(id, 'webhook') }) }],
    sessionMounts: [{ path: '/oauth', router: oauthRoutes(deps) }],
    api: [connectionRoutes(connectionDeps)],
    signIn: { xero: true, quickbooks: true },
  });
  return {
    url,
    config,
    factory,
    deps,
    requested,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await queue.close();
    },
  };
}
