/**
 * The `Services` object a test's job queue hands its handlers — what root/compose.ts builds for
 * a real process, assembled from the test's own parts (its database, sandbox ledger factory,
 * clock, mail capture). Anything a test does not give fails loudly when a handler uses it.
 */
import type { Clock } from '../../kernel/clock';
import { systemClock } from '../../kernel/clock';
import type { Mailer } from '../../integrations/email/transport';
import type { LedgerFactory } from '../../integrations/ledger/provider';
import { MemoryRateLimiter, type RateLimiter } from '../../integrations/ledger/rate-limit';
import type { CreateLedgerWrites } from '../../integrations/ledger/writes';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { InlineQueue } from '../../jobs/inline-queue';
import type { JobDefinition, JobQueue } from '../../jobs/define';
import { allJobs } from '../../jobs/registry';
import { loadConfig } from '../../server/config';
import type { Database, Db } from '../../server/db/client';
import { createLogger, type Logger } from '../../server/logger';
import { noSmtp } from '../../root/compose';
import type { QueuePort } from '../../server/queue';
import type { Services, TestHooks } from '../../server/services';
import { createLedgerGateway } from '../../server/ledger/gateway';
import { requestSync } from '../../server/sync/request';

export interface TestServiceParts {
  db: Db;
  database?: Database;
  log?: Logger;
  queue?: JobQueue;
  clock?: Clock;
  factory?: LedgerFactory;
  tokenKey?: Buffer;
  limiter?: RateLimiter;
  writes?: CreateLedgerWrites;
  mailer?: Mailer;
  mailFrom?: string;
  embeddedMail?: boolean;
  appUrl?: string | null;
  secret?: string;
  payments?: PaymentProvider | null;
  hooks?: TestHooks;
}

const noFactory: LedgerFactory = new Proxy({} as LedgerFactory, {
  get(_t, prop) {
    throw new Error(`this test's services have no ledger factory (asked for ${String(prop)})`);
  },
});

const noQueue: QueuePort = {
  kind: 'inline',
  request: (name) => Promise.reject(new Error(`this test's services have no queue (asked to run ${name})`)),
};

/** A production-shaped config for tests (nothing read from the machine's environment). */
export function testConfig() {
  return loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:5432/unused', SESSION_SECRET: 'test-session-secret-test-session-secret', TOKEN_ENCRYPTION_KEY: '11'.repeat(32), APP_URL: 'https://arcus.test' });
}

export function testServices(parts: TestServiceParts): Services {
  const config = testConfig();
  const clock = parts.clock ?? systemClock;
  const factory = parts.factory ?? noFactory;
  const tokenKey = parts.tokenKey ?? config.tokenEncryptionKey;
  const limiter = parts.limiter ?? parts.factory?.limiter ?? new MemoryRateLimiter({ now: () => clock.ms() });
  const log = parts.log ?? createLogger('silent');
  const services: Services = {
    config,
    clock,
    log,
    database: parts.database ?? ({ db: parts.db, kind: 'postgres', pool: null, migrate: async () => undefined, close: async () => undefined } as Database),
    db: parts.db,
    queue: parts.queue ?? noQueue,
    ledgers: {
      factory,
      tokenKey,
      limiter,
      gateway: createLedgerGateway({ factory, tokenKey, limiter, db: parts.db, log, now: () => clock.ms(), createWrites: parts.writes }),
      requestSync: (organisationId, kind) => requestSync(services.queue, parts.db, { organisationId, kind }),
    },
    mail: { mailer: parts.mailer ?? noSmtp, from: parts.mailFrom ?? 'Arcus <reminders@arcus.test>', embedded: parts.embeddedMail ?? false },
    appUrl: parts.appUrl === undefined ? 'https://arcus.test' : parts.appUrl,
    secret: parts.secret ?? config.sessionSecret,
    payments: parts.payments ?? null,
    hooks: parts.hooks ?? {},
  };
  return services;
}

/** An in-process queue whose handlers get these services (and which the services use to request jobs). */
export function inlineQueueWith(parts: TestServiceParts, definitions: JobDefinition<unknown>[] = allJobs): { queue: InlineQueue; services: Services } {
  let services: Services | null = null;
  const queue = new InlineQueue({ db: parts.db, log: parts.log ?? createLogger('silent'), definitions, services: () => services! });
  services = testServices({ ...parts, queue });
  return { queue, services };
}
