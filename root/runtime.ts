/**
 * The web process: config → listening server → everything else built by the composition root
 * (root/compose.ts: database migrated in embedded mode, queue, ledgers, mail, payments, clock)
 * → the sandbox ledger mounted in-process when LEDGER_SANDBOX is on → the Express app → demo
 * connections. `arcus start`, the tests and the benchmarks all start it this way.
 *
 * The server listens before the app is built, so with PORT=0 the real URL is known when the
 * OAuth redirect URIs, the sandbox's issuer and its webhook targets are set.
 */
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, Router } from 'express';
import { Redis } from 'ioredis';
import type { Mailer } from '../integrations/email/transport';
import type { LedgerFactory } from '../integrations/ledger/provider';
import type { Provider } from '../integrations/ledger/types';
import type { CreateLedgerWrites } from '../integrations/ledger/writes';
import type { PaymentProvider } from '../integrations/payments/provider';
import type { JobQueue } from '../jobs/define';
import type { Clock } from '../kernel/clock';
import { createApp } from '../server/app';
import { type Config, ConfigError, clockFor, httpsWithoutProxy, loadConfig } from '../server/config';
import { connectionDepsFrom } from '../server/connections/deps';
import { disconnectOrganisation } from '../server/connections/disconnect';
import type { Database } from '../server/db/client';
import { ensureDemoFirm } from '../server/demo/seed-firm';
import { demoConnectSentence, ensureDemoConnections } from '../server/embedded/demo-connect';
import { createEmbeddedSandbox, type EmbeddedSandbox, SANDBOX_MOUNT, SANDBOX_WEBHOOK_KEYS } from '../server/embedded/sandbox';
import { createLogger, type Logger } from '../server/logger';
import type { OAuthDeps } from '../server/oauth/flow';
import type { PayEnv } from '../server/pay/env';
import { memoryLimiters, redisLimiters } from '../server/pay/rate-limit';
import { reminderEnvFrom } from '../server/reminders/env';
import { analyticsRoutes } from '../server/routes/analytics';
import { billingRoutes } from '../server/routes/billing';
import { clientApprovalRoutes } from '../server/routes/client-approvals';
import { clientDashboardRoutes } from '../server/routes/client-dashboard';
import { commissionRoutes } from '../server/routes/commissions';
import { opportunityRoutes } from '../server/routes/opportunities';
import { statementRoutes } from '../server/routes/statements';
import { feeRoutes } from '../server/routes/fees';
import { type BillingDeps, handleSubscriptionEvents } from '../server/billing/subscriptions';
import { collectionsRoutes } from '../server/routes/collections';
import { connectionRoutes } from '../server/routes/connections';
import { mailboxRoutes } from '../server/routes/mailbox';
import { oauthRoutes } from '../server/routes/oauth';
import { payApiRoutes, sandboxCheckoutRoutes, sandboxSetupRoutes, stripeWebhookRoutes } from '../server/routes/pay';
import { autopayRoutes } from '../server/routes/autopay';
import { privacyRoutes } from '../server/routes/privacy';
import { reminderRoutes, unsubscribeRoutes } from '../server/routes/reminders';
import { mailgunRoutes, replyRoutes } from '../server/routes/replies';
import { scoringRoutes } from '../server/routes/scoring';
import { brandRoutes, senderRoutes } from '../server/routes/sender';
import { webhookRoutes } from '../server/routes/webhooks';
import { teamRoutes } from '../server/routes/team';
import { assignmentRoutes } from '../server/routes/assignments';
import { reportRoutes } from '../server/routes/reports';
import { smsRoutes, smsWebhookRoutes } from '../server/routes/sms';
import { SMS_WEBHOOK_MOUNT } from '../server/sms/webhook-urls';
import { letterRoutes } from '../server/routes/letters';
import { billingReviewRoutes } from '../server/routes/billing-review';
import { returnRoutes } from '../server/routes/returns';
import { cancellationRoutes } from '../server/routes/cancellations';
import { taskRoutes } from '../server/routes/tasks';
import { settingsRoutes } from '../server/routes/settings';
import { writebackRoutes } from '../server/routes/writebacks';
import { systemResolver } from '../server/sender/dns';
import type { Services, TestHooks } from '../server/services';
import { writebackEnqueuer } from '../server/writebacks/enqueue';
import { type Composed, compose } from './compose';

export interface Arcus {
  config: Config;
  database: Database;
  queue: JobQueue;
  log: Logger;
  clock: Clock;
  /** Everything the process was built with (the same object job handlers get). */
  services: Services;
  server: Server;
  /** The Express application serving requests (tests enumerate its routes). */
  app: Express;
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
  /** Default: the machine's clock, or one started at ARCUS_NOW. */
  clock?: Clock;
  mounts?: { path: string; router: Router }[];
  /** A sandbox ledger listening elsewhere (tests): used instead of mounting one in-process. */
  sandbox?: { url: string; webhookKeys?: Partial<Record<Provider, string>> };
  /** Connect the demo firm to the sandbox's companies at boot. Default: on in demo mode unless ARCUS_DEMO_CONNECT=off. */
  demoConnect?: boolean;
  /** Tests: a mailer, a payment provider, ledger writers or fault hooks instead of the configured ones. */
  mailer?: Mailer;
  payments?: PaymentProvider | null;
  writes?: CreateLedgerWrites;
  hooks?: TestHooks;
}

export async function startArcus(options: StartOptions = {}): Promise<Arcus> {
  const env = options.env ?? process.env;
  const loaded = loadConfig(env);
  const demoConnect = options.demoConnect ?? loaded.demoConnect;
  const log = options.log ?? createLogger(loaded.logLevel, undefined, loaded.logFormat);
  const clock = options.clock ?? clockFor(loaded);
  // An https APP_URL with no trusted proxy: sign-in would fail silently. Refused in production, said loudly elsewhere.
  const insecure = httpsWithoutProxy(loaded);
  if (insecure && loaded.env === 'production') throw new ConfigError(`Invalid configuration: ${insecure}`);
  if (insecure) log.warn({ appUrl: loaded.appUrl }, insecure);

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

  const embeddedSandbox = config.sandbox && !options.sandbox && !config.sandboxUrl ? createEmbeddedSandbox({ appUrl: url, seed: config.sandboxSeed, log, now: () => clock.ms() }) : null;
  const sandboxBaseUrl = options.sandbox?.url.replace(/\/+$/, '') ?? (embeddedSandbox ? `${url}${SANDBOX_MOUNT}` : config.sandbox ? config.sandboxUrl : null);
  let app: Composed;
  try {
    app = await compose({ config, database: options.database, log, clock, sandboxBaseUrl, mail: options.mailer ?? 'embedded', payments: options.payments, writes: options.writes, hooks: options.hooks });
  } catch (err) {
    server.close();
    embeddedSandbox?.close();
    throw err;
  }
  const { database, queue } = app;
  const demo = config.demo ? await ensureDemoFirm(database.db) : null;

  const reminderEnv = reminderEnvFrom(app);
  const senderEnv = { key: config.tokenEncryptionKey, mailFrom: app.mail.from, resolver: app.hooks.dnsResolver ?? systemResolver() };
  const connectionDeps = connectionDepsFrom(app);
  const oauthDeps: OAuthDeps = { ...connectionDeps, sessionSecret: config.sessionSecret, publicUrl: () => url };
  const webhookKeys = (): Record<Provider, string | null> => {
    if (embeddedSandbox) return embeddedSandbox.webhookKeys();
    if (options.sandbox) return { ...SANDBOX_WEBHOOK_KEYS, ...options.sandbox.webhookKeys };
    if (config.sandbox && config.sandboxUrl) return { ...SANDBOX_WEBHOOK_KEYS };
    return { xero: config.xero?.webhookKey ?? null, quickbooks: config.intuit?.webhookVerifier ?? null };
  };

  // Pay links: the debtor's pages and API outside /api, the provider's webhook, the sandbox checkout.
  const payEnv: PayEnv = {
    appUrl: app.appUrl ?? url,
    // Read per request: the provider is the process's (a test may swap it on `services`).
    get provider() {
      return app.payments;
    },
    enqueueExecute: writebackEnqueuer(queue),
    linkKey: config.payLinkKey,
    mail: { mailer: app.mail.mailer, mailFrom: app.mail.from, embedded: app.mail.embedded },
    now: () => clock.now(),
    log,
  };
  // The pay page's per-client limits: in Redis across web processes when there is one.
  const limitRedis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : null;
  const payDeps = { db: database.db, log, env: () => payEnv, limiters: limitRedis ? redisLimiters(limitRedis, config.queue.prefix, () => clock.ms()) : memoryLimiters };

  const billingDeps: BillingDeps = { db: database.db, log, appStore: app.appStore ?? null, now: () => clock.now() };
  const mounts: { path: string; router: Router | Express }[] = [
    { path: '/webhooks/stripe', router: stripeWebhookRoutes(payDeps) },
    { path: '/pay-api', router: payApiRoutes(payDeps) },
    { path: '/webhooks/mailgun', router: mailgunRoutes({ db: database.db, log, now: () => clock.now(), signingKey: () => config.inbound.mailgunSigningKey }) },
    { path: SMS_WEBHOOK_MOUNT, router: smsWebhookRoutes({ db: database.db, log, now: () => clock.now(), provider: () => app.sms ?? null, publicBase: () => app.appUrl ?? url }) },
    { path: '/pay/sandbox-checkout', router: sandboxCheckoutRoutes(payDeps) },
    { path: '/pay/sandbox-setup', router: sandboxSetupRoutes(payDeps) },
    { path: '/webhooks', router: webhookRoutes({ db: database.db, log, keys: webhookKeys, requestSync: (id) => app.ledgers.requestSync(id, 'webhook'), subscriptions: (events) => handleSubscriptionEvents(billingDeps, events) }) },
    { path: '/u', router: unsubscribeRoutes({ db: database.db, env: () => reminderEnv, log }) },
    { path: '/brand', router: brandRoutes({ db: database.db }) },
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
    api: [
      connectionRoutes(connectionDeps),
      analyticsRoutes({ db: database.db, demo: config.demo, clock, ledgerEndpoints: app.ledgers.factory.endpoints }),
      scoringRoutes({ db: database.db, queue, demo: config.demo, clock, ledgerEndpoints: app.ledgers.factory.endpoints }),
      reminderRoutes({ db: database.db, log, queue, env: () => reminderEnv }),
      smsRoutes({ db: database.db }),
      senderRoutes({ db: database.db, env: () => senderEnv, now: () => clock.now() }),
      mailboxRoutes({ db: database.db, enabled: () => app.embeddedMail !== null }),
      writebackRoutes({ db: database.db, queue, appUrl: app.appUrl ?? url, linkKey: config.payLinkKey, mail: app.mail, now: () => clock.now() }),
      collectionsRoutes({ db: database.db, queue, now: () => clock.now() }),
      privacyRoutes({ db: database.db, clock, log, disconnect: (p) => disconnectOrganisation(connectionDeps, p) }),
      billingRoutes(billingDeps),
      teamRoutes({ db: database.db, mail: app.mail, appUrl: app.appUrl ?? url, now: () => clock.now() }),
      assignmentRoutes({ db: database.db, queue, clock, demo: config.demo, ledgerEndpoints: app.ledgers.factory.endpoints }),
      reportRoutes({ db: database.db, clock }),
      clientDashboardRoutes({ db: database.db, clock }),
      commissionRoutes({ db: database.db, clock }),
      opportunityRoutes({ db: database.db, clock }),
      statementRoutes({ db: database.db, clock, queue, mail: app.mail, appUrl: app.appUrl ?? url, log, payLinkKey: config.payLinkKey, payments: () => app.payments }),
      feeRoutes({ db: database.db, clock, queue }),
      letterRoutes({ db: database.db, clock }),
      billingReviewRoutes({ db: database.db, clock, queue }),
      returnRoutes({ db: database.db, queue, mail: app.mail, now: () => clock.now() }),
      cancellationRoutes({ db: database.db, queue, mail: app.mail, now: () => clock.now() }),
      autopayRoutes({ db: database.db, now: () => clock.now() }),
      settingsRoutes({ db: database.db, now: () => clock.now() }),
      replyRoutes({ db: database.db, queue, now: () => clock.now(), answer: () => ({ db: database.db, mailer: app.mail.mailer, mailFrom: app.mail.from, senderKey: config.tokenEncryptionKey, replyDomain: config.replyDomain, now: () => clock.now() }) }),
      taskRoutes({ db: database.db, clock }),
      clientApprovalRoutes({ db: database.db, queue, mail: app.mail, appUrl: app.appUrl ?? url, now: () => clock.now(), log }),
    ],
    signIn: { xero: app.ledgers.factory.oauth('xero') !== null, quickbooks: app.ledgers.factory.oauth('quickbooks') !== null },
    now: () => clock.now(),
  });
  // With BullMQ the worker process owns schedules; in-process the web process does.
  if (queue.kind === 'inline') await app.registerSchedules();
  log.info({ url, db: database.kind, queue: queue.kind, sandbox: sandboxBaseUrl }, 'Arcus is listening');

  // The demo connects in the background: the app answers meanwhile and shows the organisations as they arrive.
  let demoReady: Promise<void> = Promise.resolve();
  if (demo && demoConnect && embeddedSandbox) {
    demoReady = ensureDemoConnections(oauthDeps, embeddedSandbox.sandbox, demo).then(
      (r) => log.info(r, demoConnectSentence(r)),
      (err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'the demo could not connect to the sandbox ledger'),
    );
  }

  return {
    config,
    database,
    queue,
    log,
    clock,
    services: app,
    server,
    app: handler,
    url,
    factory: app.ledgers.factory,
    sandbox: embeddedSandbox,
    demoReady,
    async close() {
      await demoReady;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await app.close();
      limitRedis?.disconnect();
      embeddedSandbox?.close();
    },
  };
}
