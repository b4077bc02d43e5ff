/**
 * The composition root: the one function that builds everything a process needs — config,
 * clock, logger, database, job queue, ledgers (factory, per-tenant limiter, the ledger gateway), mailer,
 * payment provider — into one typed object (`Services`, server/services.ts). `arcus start`
 * (root/runtime.ts), `arcus worker` and every CLI command call it, so the web and worker
 * processes cannot be wired differently. Job handlers receive the same object through their
 * context; routes are handed what they need from it.
 *
 * Layers (ARCHITECTURE.md): root/ and cli/ may import anything; jobs/ imports server/;
 * server/ imports integrations/ and kernel/ but never jobs/; integrations/ imports kernel/ only.
 */
import type { Clock } from '../kernel/clock';
import { MailError, type Mailer, smtpMailer } from '../integrations/email/transport';
import { createLedgerFactory, SANDBOX_CLIENT } from '../integrations/ledger/factory';
import { appStoreEndpoints, createAppStoreClient } from '../integrations/xero/app-store';
import { createRateLimiter } from '../integrations/ledger/rate-limit';
import type { CreateLedgerWrites } from '../integrations/ledger/writes';
import { createHash } from 'node:crypto';
import { createPaymentProvider } from '../integrations/payments/factory';
import { createSmsProvider } from '../integrations/sms/factory';
import type { SmsProvider } from '../integrations/sms/provider';
import type { PaymentProvider } from '../integrations/payments/provider';
import { createQueue } from '../jobs/create-queue';
import type { JobDefinition, JobQueue } from '../jobs/define';
import { allJobs, schedules } from '../jobs/registry';
import { clockFor, type Config, loadConfig } from '../server/config';
import { type Database, openDatabase } from '../server/db/client';
import { type EmbeddedMail, startEmbeddedMail } from '../server/email/embedded';
import type { SmtpCapture } from '../integrations/email/smtp-server';
import { startReplyListener } from '../server/replies/smtp-listener';
import { SANDBOX_MOUNT } from '../server/embedded/sandbox';
import { createLogger, type Logger } from '../server/logger';
import { publicBase } from '../server/pay/env';
import { sandboxProvider } from '../server/pay/sandbox-provider';
import type { Services, TestHooks } from '../server/services';
import { createLedgerGateway } from '../server/ledger/gateway';
import { requestSync } from '../server/sync/request';

export interface ComposeOptions {
  /** The environment (default process.env); ignored when `config` is given. */
  env?: NodeJS.ProcessEnv;
  /** An already loaded config (the web process sets its listening URL first). */
  config?: Config;
  /** An already-open database (tests share one per worker); left open on close. */
  database?: Database;
  log?: Logger;
  /** Default: the machine's clock, or one started at ARCUS_NOW. */
  clock?: Clock;
  /** Where the sandbox ledger answers (null: the real providers). Default: APP_URL/sandbox when LEDGER_SANDBOX is on. */
  sandboxBaseUrl?: string | null;
  /**
   * Mail: 'embedded' starts the in-process SMTP server and demo mailbox when SMTP_URL is unset
   * (the web process); 'smtp' uses SMTP_URL or, without it, a mailer that defers every send
   * (a worker must not invent a mail server). A Mailer is used as given (tests).
   */
  mail?: 'embedded' | 'smtp' | Mailer;
  /** Payment provider: from config (default), or given (tests), or none. */
  payments?: PaymentProvider | null;
  /** SMS provider for text steps: from config (default), or given (tests: the sandbox they drive), or none. */
  sms?: SmsProvider | null;
  /** How write-backs reach a ledger (default: the real writers over HTTP). */
  writes?: CreateLedgerWrites;
  /** Job definitions the queue runs (default: all). */
  definitions?: JobDefinition<unknown>[];
  /** A queue name (BullMQ; tests isolate themselves). */
  queueName?: string;
  hooks?: TestHooks;
}

export interface Composed extends Services {
  queue: JobQueue;
  embeddedMail: EmbeddedMail | null;
  /** The inbound SMTP listener for replies (server/replies/), when configured (INBOUND_SMTP_PORT; embedded: a free port). */
  replyListener: SmtpCapture | null;
  /** Register the repeating jobs (the process that owns schedules: the worker with BullMQ, the web process in-process). */
  registerSchedules(): Promise<void>;
  close(): Promise<void>;
}

/** A mailer for a worker without SMTP_URL: every send waits (temporary failure) until one is configured. */
export const noSmtp: Mailer = {
  async send() {
    throw new MailError('temporary', 'SMTP_URL is not set on this process: emails wait until it is.');
  },
  async close() {},
};

export async function compose(options: ComposeOptions = {}): Promise<Composed> {
  const config = options.config ?? loadConfig(options.env ?? process.env);
  const clock = options.clock ?? clockFor(config);
  const log = options.log ?? createLogger(config.logLevel, undefined, config.logFormat);
  const database = options.database ?? (await openDatabase(config));
  // Embedded mode migrates at start; with DATABASE_URL that is the release process's job.
  if (config.embedded) await database.migrate();
  const appUrl = publicBase(config.appUrl);

  let services: Composed | null = null;
  const queue = createQueue({ db: database.db, log, redisUrl: config.redisUrl, definitions: options.definitions ?? allJobs, queueName: options.queueName, services: () => services!, bull: config.queue });

  const sandboxBaseUrl = options.sandboxBaseUrl !== undefined ? options.sandboxBaseUrl : config.sandbox ? (config.sandboxUrl ?? `${config.appUrl}${SANDBOX_MOUNT}`) : null;
  // Per-tenant call limits shared by every ledger call of every process (Redis with REDIS_URL).
  const limiter = await createRateLimiter({ redisUrl: config.redisUrl, now: () => clock.ms() });
  const factory = createLedgerFactory({ sandboxBaseUrl, xero: config.xero, intuit: config.intuit, now: () => clock.ms(), limiter });
  // Every ledger call — sync, write-backs, notes, read-backs — goes through the organisation's ledger opened here.
  // Every call's line (with intuit_tid / Xero's correlation id) at info; the demo's readable console keeps them at debug.
  const gateway = createLedgerGateway({ factory, tokenKey: config.tokenEncryptionKey, db: database.db, log, now: () => clock.ms(), limiter, createWrites: options.writes, callLogLevel: config.logFormat === 'readable' ? 'debug' : 'info' });

  // The Xero App Store API: the app's own client-credentials grant (the sandbox's client without real credentials).
  const appStoreCredentials = config.xero ?? (sandboxBaseUrl ? SANDBOX_CLIENT : null);
  const appStore = appStoreCredentials ? createAppStoreClient({ ...appStoreEndpoints(sandboxBaseUrl), clientId: appStoreCredentials.clientId, clientSecret: appStoreCredentials.clientSecret, now: () => clock.ms() }) : null;

  const mailOption = options.mail ?? 'smtp';
  let embeddedMail: EmbeddedMail | null = null;
  let mailer: Mailer;
  if (typeof mailOption === 'object') mailer = mailOption;
  else if (config.smtpUrl) mailer = smtpMailer(config.smtpUrl);
  else if (mailOption === 'embedded') {
    embeddedMail = await startEmbeddedMail(database.db, log);
    mailer = embeddedMail.mailer;
  } else mailer = noSmtp;

  // Replies by SMTP: the web process (mail 'embedded') listens when INBOUND_SMTP_PORT is set, or on a free port in embedded mode.
  const replyListener =
    mailOption === 'embedded' && config.inbound.smtpPort !== null ? await startReplyListener({ db: database.db, log, now: () => clock.now() }, { host: config.inbound.smtpHost, port: config.inbound.smtpPort }) : null;

  const payments =
    options.payments !== undefined ? options.payments : createPaymentProvider(config.payments, { sandbox: () => sandboxProvider({ db: database.db, appUrl: () => appUrl ?? config.appUrl }) });

  // The sandbox signs its webhooks under a key derived from SESSION_SECRET (nothing leaves the process).
  const sms = options.sms !== undefined ? options.sms : createSmsProvider({ ...config.sms, sandboxSecret: createHash('sha256').update(`sms-sandbox:${config.sessionSecret}`).digest('base64url') });

  services = {
    config,
    clock,
    log,
    database,
    db: database.db,
    queue,
    ledgers: {
      factory,
      tokenKey: config.tokenEncryptionKey,
      limiter,
      gateway,
      requestSync: (organisationId, kind) => requestSync(queue, database.db, { organisationId, kind }),
    },
    mail: { mailer, from: config.mailFrom, embedded: embeddedMail !== null },
    appUrl,
    secret: config.sessionSecret,
    payments,
    sms,
    appStore,
    hooks: options.hooks ?? {},
    embeddedMail,
    replyListener,
    async registerSchedules() {
      for (const s of schedules) await queue.schedule(s.def, s.payload, { id: s.id, everyMs: s.everyMs });
    },
    async close() {
      await queue.close();
      await (embeddedMail ? embeddedMail.close() : mailer.close());
      await replyListener?.close();
      await limiter.close();
      if (!options.database) await database.close();
    },
  };
  return services;
}
