/**
 * Everything a process needs, built once by the composition root (root/compose.ts) and handed
 * down: to the web process's routes, to every job handler (through its context) and to the
 * CLI commands. There are no module-level singletons: a feature gets what it needs from here.
 */
import type { Clock } from '../kernel/clock';
import type { Mailer } from '../integrations/email/transport';
import type { AppStoreClient } from '../integrations/xero/app-store';
import type { LedgerFactory } from '../integrations/ledger/provider';
import type { PaymentProvider } from '../integrations/payments/provider';
import type { SmsProvider } from '../integrations/sms/provider';
import type { Config } from './config';
import type { RequestSync } from './connections/deps';
import type { Database, Db } from './db/client';
import type { LedgerGateway } from './ledger/gateway';
import type { Logger } from './logger';
import type { QueuePort } from './queue';
import type { CrashPoint } from './reminders/deps';
import type { TxtResolver } from './sender/dns';
import type { SyncHooks } from './sync/engine';
import type { RateLimiter } from '../integrations/ledger/rate-limit';
import type { WritebackCrashPoint } from './writebacks/types';

export interface LedgerServices {
  factory: LedgerFactory;
  /** TOKEN_ENCRYPTION_KEY. */
  tokenKey: Buffer;
  /** Per-tenant call limits shared by every ledger call in this process (Redis-backed across processes). */
  limiter: RateLimiter;
  /** Opens an organisation's ledger: reads, writes and notes sharing one call runner on the tenant's gate and token refresh. */
  gateway: LedgerGateway;
  /** Ask for a sync of one organisation. */
  requestSync: RequestSync;
}

export interface MailServices {
  mailer: Mailer;
  /** MAIL_FROM. */
  from: string;
  /** Embedded mode: messages go to the in-process SMTP server and the demo mailbox. */
  embedded: boolean;
}

/** Fault injection and pacing for tests; empty in production. */
export interface TestHooks {
  sync?: SyncHooks;
  /** Waits for the rate limiter longer than this defer a sync run (default 2 s). */
  syncMaxInlineWaitMs?: number;
  writebackCrash?: (point: WritebackCrashPoint) => void;
  writebackLeaseMs?: number;
  reminderCrash?: (point: CrashPoint) => void;
  reminderLeaseMs?: number;
  /** The domain check's DNS (server/sender/dns.ts): a fake in tests, never the network. Default: Node's resolver. */
  dnsResolver?: TxtResolver;
}

export interface Services {
  config: Config;
  clock: Clock;
  log: Logger;
  database: Database;
  db: Db;
  queue: QueuePort;
  ledgers: LedgerServices;
  mail: MailServices;
  /** The public base URL links are built on (APP_URL, or the listening URL for PORT=0); null when unusable. */
  appUrl: string | null;
  /** SESSION_SECRET: signs unsubscribe links and OAuth state. */
  secret: string;
  /** Who takes debtors' card payments on pay links; null: none on this process. */
  payments: PaymentProvider | null;
  /** Who sends text-message steps (SMS_PROVIDER, docs/decisions/043); null or absent: none on this process. */
  sms?: SmsProvider | null;
  /** The Xero App Store API (subscriptions, metered usage); null or absent: no Xero app credentials. */
  appStore?: AppStoreClient | null;
  hooks: TestHooks;
}
