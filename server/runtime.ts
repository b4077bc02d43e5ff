/**
 * Boots Arcus: config → database (migrated at start in embedded mode) → job queue → listening
 * server → ledgers (the sandbox mounted in-process when LEDGER_SANDBOX is on) → app → demo
 * connections. `arcus start`, the tests and the benchmarks all start it this way.
 *
 * The server listens before the app is built, so with PORT=0 the real URL is known when the
 * OAuth redirect URIs, the sandbox's issuer and its webhook targets are set.
 */
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, Router } from 'express';
import type { LedgerFactory } from '../integrations/ledger/provider';
import type { Provider } from '../integrations/ledger/types';
import { createQueue } from '../jobs/create-queue';
import type { JobQueue } from '../jobs/define';
import { schedules } from '../jobs/registry';
import { createApp } from './app';
import { type Config, loadConfig } from './config';
import type { ConnectionDeps } from './connections/deps';
import { configureLedgers } from './connections/ledgers';
import { type Database, openDatabase } from './db/client';
import { ensureDemoFirm } from './demo/seed-firm';
import { ensureDemoConnections } from './embedded/demo-connect';
import { createEmbeddedSandbox, type EmbeddedSandbox, SANDBOX_MOUNT, SANDBOX_WEBHOOK_KEYS } from './embedded/sandbox';
import { createLogger, type Logger } from './logger';
import type { OAuthDeps } from './oauth/flow';
import { analyticsRoutes } from './routes/analytics';
import { collectionsRoutes } from './routes/collections';
import { connectionRoutes } from './routes/connections';
import { oauthRoutes } from './routes/oauth';
import { scoringRoutes } from './routes/scoring';
import { webhookRoutes } from './routes/webhooks';
import { writebackRoutes } from './routes/writebacks';
import { setReminderEnv } from '../jobs/reminders/deps';
import { smtpMailer } from '../integrations/email/transport';
import { startEmbeddedMail } from './email/embedded';
import { mailboxRoutes } from './routes/mailbox';
import { reminderRoutes, unsubscribeRoutes } from './routes/reminders';
import { createPaymentProvider } from '../integrations/payments/factory';
import { writebackEnqueuer } from '../jobs/writebacks/jobs';
import { type PayEnv, payEnv, setPayEnv } from './pay/env';
import { payApiRoutes, sandboxCheckoutRoutes, stripeWebhookRoutes } from './routes/pay';

export interface Arcus {
  config: Config;
  database: Database;
  queue: JobQueue;
  log: Logger;
  server: Server;
  url: string;
  factory: LedgerFactory;
  /** The in-process sandbox ledger (LEDGER_SANDBOX on, no external sandbox given). */
  sandbox: EmbeddedSandbox | null;
  /** Resolves when the boot-time demo connection is done (immediately when there is none). */
  demoReady: Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** An already-open database (tests share one per worker). */
  database?: Database;
  log?: Logger;
  mounts?: { path: string; router: Router }[];
  /** A sandbox ledger listening elsewhere (tests): used instead of mounting one in-process. */
  sandbox?: { url: string; webhookKeys?: Partial<Record<Provider, string>> };
  /** Connect the demo firm to the sandbox's companies at boot. Default: on in demo mode unless ARCUS_DEMO_CONNECT=off. */
  demoConnect?: boolean;
}

export async function startArcus(options: StartOptions = {}): Promise<Arcus> {
  const env = options.env ?? process.env;
  const loaded = loadConfig(env);
  const demoConnect = options.demoConnect ?? loaded.demoConnect;
  const log = options.log ?? createLogger(loaded.logLevel);
  const database = options.database ?? (await openDatabase(loaded));
  if (loaded.embedded) await database.migrate();
  const queue = createQueue({ db: database.db, log, redisUrl: loaded.redisUrl });
  const demo = loaded.demo ? await ensureDemoFirm(database.db) : null;
  const embeddedSandbox = loaded.sandbox && !options.sandbox ? createEmbeddedSandbox({ appUrl: loaded.appUrl, seed: loaded.sandboxSeed, log }) : null;

  // Listen first; requests before the app is ready get a 503.
  let handler: Express | null = null;
  const server = http.createServer((req, res) => {
    if (handler) return handler(req, res);
    res.statusCode = 503;
    res.setHeader('retry-after', '1');
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(loaded.port, loaded.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = loaded.port === 0 ? `http://127.0.0.1:${port}` : loaded.appUrl;
  const config: Config = { ...loaded, appUrl: url };

  embeddedSandbox?.setPublicUrl(url);
  const sandboxBaseUrl = options.sandbox?.url.replace(/\/+$/, '') ?? (embeddedSandbox ? `${url}${SANDBOX_MOUNT}` : null);
  const ledgers = await configureLedgers(config, { sandboxBaseUrl, queue, db: database.db });
  // Reminder email: SMTP_URL, else an in-process SMTP server whose messages the demo mailbox shows.
  const embeddedMail = config.smtpUrl ? null : await startEmbeddedMail(database.db, log);
  const mailer = embeddedMail?.mailer ?? smtpMailer(config.smtpUrl!);
  const reminderEnv = { mailer, mailFrom: config.mailFrom, appUrl: url, secret: config.sessionSecret, embedded: embeddedMail !== null, ledger: { factory: ledgers.factory, tokenKey: config.tokenEncryptionKey }, now: () => new Date() };
  setReminderEnv(reminderEnv);
  const connectionDeps: ConnectionDeps = { db: database.db, log, factory: ledgers.factory, tokenKey: config.tokenEncryptionKey, requestSync: ledgers.requestSync };
  const oauthDeps: OAuthDeps = { ...connectionDeps, sessionSecret: config.sessionSecret, publicUrl: () => url };
  const webhookKeys = (): Record<Provider, string | null> => {
    if (embeddedSandbox) return embeddedSandbox.webhookKeys();
    if (options.sandbox) return { ...SANDBOX_WEBHOOK_KEYS, ...options.sandbox.webhookKeys };
    return { xero: config.xero?.webhookKey ?? null, quickbooks: config.intuit?.webhookVerifier ?? null };
  };

  // Pay links (issue 8): the debtor's pages and API outside /api, the provider's webhook, the sandbox checkout.
  const payEnvValue: PayEnv = { appUrl: url, provider: createPaymentProvider(config, database.db, () => url), enqueueExecute: writebackEnqueuer(queue), now: () => new Date(), log };
  setPayEnv(payEnvValue);
  const payDeps = { db: database.db, log, env: () => payEnv() ?? payEnvValue };

  const mounts: { path: string; router: Router | Express }[] = [
    { path: '/webhooks/stripe', router: stripeWebhookRoutes(payDeps) },
    { path: '/pay-api', router: payApiRoutes(payDeps) },
    { path: '/pay/sandbox-checkout', router: sandboxCheckoutRoutes(payDeps) },
    { path: '/webhooks', router: webhookRoutes({ db: database.db, log, keys: webhookKeys, requestSync: (id) => ledgers.requestSync(id, 'webhook') }) },
    { path: '/u', router: unsubscribeRoutes({ db: database.db, env: () => reminderEnv, log }) },
    ...(embeddedSandbox ? [{ path: SANDBOX_MOUNT, router: embeddedSandbox.sandbox.app }] : []),
    ...(options.mounts ?? []),
  ];
  handler = createApp({
    config,
    database,
    queue,
    log,
    mounts,
    sessionMounts: [{ path: '/oauth', router: oauthRoutes(oauthDeps) }],
    api: [connectionRoutes(connectionDeps), analyticsRoutes({ db: database.db, demo: config.demo }), scoringRoutes({ db: database.db, queue, demo: config.demo }), reminderRoutes({ db: database.db, log, queue, env: () => reminderEnv }), mailboxRoutes({ db: database.db, enabled: () => embeddedMail !== null }), writebackRoutes({ db: database.db, queue }), collectionsRoutes({ db: database.db, queue })],
    signIn: { xero: ledgers.factory.oauth('xero') !== null, quickbooks: ledgers.factory.oauth('quickbooks') !== null },
  });
  // With BullMQ the worker process owns schedules; in-process the web process does.
  if (queue.kind === 'inline') for (const s of schedules) await queue.schedule(s.def, s.payload, { id: s.id, everyMs: s.everyMs });
  log.info({ url, db: database.kind, queue: queue.kind, sandbox: sandboxBaseUrl }, 'Arcus is listening');

  // The demo connects in the background: the app answers meanwhile and shows the organisations as they arrive.
  let demoReady: Promise<void> = Promise.resolve();
  if (demo && demoConnect && embeddedSandbox) {
    demoReady = ensureDemoConnections(oauthDeps, embeddedSandbox.sandbox, demo).then(
      (r) => log.info(r, 'demo organisations connected to the sandbox ledger'),
      (err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'the demo could not connect to the sandbox ledger'),
    );
  }

  return {
    config,
    database,
    queue,
    log,
    server,
    url,
    factory: ledgers.factory,
    sandbox: embeddedSandbox,
    demoReady,
    async close() {
      await demoReady;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await queue.close();
      await (embeddedMail ? embeddedMail.close() : mailer.close());
      await ledgers.close();
      embeddedSandbox?.close();
      if (!options.database) await database.close();
    },
  };
}
