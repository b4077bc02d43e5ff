/**
 * The environment, parsed once at boot by one zod schema. A missing or malformed value stops
 * the process with one line naming the variable. With no DATABASE_URL Arcus runs embedded:
 * PGlite in a local data folder, jobs in-process, an in-process SMTP server and the sandbox
 * ledger; its secrets are generated once and kept in that folder.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type Clock, parseInstant, startingAt, systemClock } from '../kernel/clock';

function isInstant(v: string): boolean {
  try {
    parseInstant(v);
    return true;
  } catch {
    return false;
  }
}

/** The process's clock: the machine's, or one started at ARCUS_NOW. */
export function clockFor(config: Pick<Config, 'clockStart'>): Clock {
  return config.clockStart === null ? systemClock : startingAt(new Date(config.clockStart));
}

const key32 = z
  .string()
  .transform((v, ctx) => {
    const buf = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
    if (buf.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex characters or base64' });
      return z.NEVER;
    }
    return buf;
  });

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)), { message: `must be a URL starting with ${protocols.join(':// or ')}://` });

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0, { message: 'must be a port number (0–65535)' }).max(65535, { message: 'must be a port number (0–65535)' }).default(3000),
    HOST: z.string().default('0.0.0.0'),
    /**
     * Which proxies' X-Forwarded-* headers to believe (Express `trust proxy`): `off` (default: the
     * port is reached directly), a hop count (`1`: one proxy in front), or a comma-separated list
     * of `loopback`, `linklocal`, `uniquelocal`, IP addresses and CIDR ranges.
     */
    TRUST_PROXY: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || /^(off|false|\d{1,2})$/.test(v) || v.split(',').every((p) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(p.trim())), {
        message: 'must be off, a number of proxies, or a comma-separated list of loopback, linklocal, uniquelocal, addresses and CIDR ranges',
      }),
    APP_URL: z.string().url({ message: 'must be an absolute URL such as https://arcus.example.com' }).optional(),
    DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
    REDIS_URL: optionalUrl(['redis', 'rediss']),
    /** BullMQ key prefix: two deployments can share one Redis under different prefixes. */
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1–64 letters, digits, dots, dashes or underscores' })
      .default('bull'),
    /** The worker's job lock (ms): a job whose worker died is noticed once it lapses. */
    WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(500, { message: 'must be at least 500' }).default(30_000),
    /** How often the worker looks for jobs whose worker died (ms). */
    WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(200, { message: 'must be at least 200' }).default(30_000),
    /** How many worker deaths one job survives before it is failed (a sync run then waits for the sync sweep). */
    WORKER_MAX_STALLED_COUNT: z.coerce.number().int().min(1, { message: 'must be at least 1' }).default(10),
    /** Jobs one worker process runs at once (they mostly wait on ledgers and the database). */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1, { message: 'must be at least 1' }).max(200, { message: 'must be at most 200' }).default(5),
    /** Sync jobs of one firm running at once across every worker (docs/decisions/051): one firm cannot take the whole fleet. */
    WORKER_FIRM_CONCURRENCY: z.coerce.number().int().min(1, { message: 'must be at least 1' }).default(10),
    /** How long a job that found its firm's slots full waits before it asks again (ms); it goes to the back of the queue. */
    WORKER_FIRM_RETRY_MS: z.coerce.number().int().min(10, { message: 'must be at least 10' }).default(2_000),
    /** Pages one sync job commits before it yields its worker slot and queues its continuation (0: never). */
    SYNC_SLICE_PAGES: z.coerce.number().int().min(0, { message: 'must be 0 or more' }).default(20),
    SMTP_URL: optionalUrl(['smtp', 'smtps']),
    MAIL_FROM: z.string().default('Arcus <reminders@arcus.localhost>'),
    /** Replies (server/replies/): reminders' Reply-To is reply+<token>@ this domain (the client's own when verified). Default in embedded mode: MAIL_FROM's domain. */
    REPLY_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$|^[A-Za-z0-9-]+$/, { message: 'must be a domain such as replies.arcus.example' })
      .optional(),
    /** The inbound SMTP listener's port (replies by SMTP); unset: none, except in embedded mode (a free port). */
    INBOUND_SMTP_PORT: z.coerce.number().int().min(0, { message: 'must be a port number (0–65535)' }).max(65535, { message: 'must be a port number (0–65535)' }).optional(),
    INBOUND_SMTP_HOST: z.string().default('127.0.0.1'),
    /** Mailgun's HTTP webhook signing key: replies through a Mailgun route (docs/decisions/032). */
    MAILGUN_WEBHOOK_SIGNING_KEY: z.string().optional(),
    SESSION_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
    TOKEN_ENCRYPTION_KEY: key32.optional(),
    /** Derives pay-link tokens (docs/decisions/011). Default: HKDF of TOKEN_ENCRYPTION_KEY. */
    PAY_LINK_KEY: key32.optional(),
    XERO_CLIENT_ID: z.string().optional(),
    XERO_CLIENT_SECRET: z.string().optional(),
    XERO_WEBHOOK_KEY: z.string().optional(),
    INTUIT_CLIENT_ID: z.string().optional(),
    INTUIT_CLIENT_SECRET: z.string().optional(),
    INTUIT_WEBHOOK_VERIFIER: z.string().optional(),
    /** Use the sandbox ledger instead of the real Xero / Intuit endpoints. Defaults to on in embedded mode. */
    LEDGER_SANDBOX: z.enum(['on', 'off']).optional(),
    /** Where a sandbox ledger running elsewhere answers (e.g. `arcus sandbox`); implies LEDGER_SANDBOX=on. Default: APP_URL/sandbox. */
    LEDGER_SANDBOX_URL: optionalUrl(['http', 'https']),
    /** The sandbox ledger is a fake ledger with an admin API: with NODE_ENV=production it is refused unless `allow`. */
    SANDBOX_IN_PRODUCTION: z.enum(['allow', 'refuse']).default('refuse'),
    ARCUS_DATA_DIR: z.string().default('.arcus-data'),
    /** Seed demo data (firm, user, sandbox companies). Defaults to on in embedded mode. */
    ARCUS_DEMO: z.enum(['on', 'off']).optional(),
    /** Connect the demo firm to the sandbox's demo companies at start (demo mode). Default on. */
    ARCUS_DEMO_CONNECT: z.enum(['on', 'off']).optional(),
    SANDBOX_SEED: z.coerce.number().int().default(42),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `readable` (one sentence a line; the default in demo mode, with requests at debug level) or `json`. */
    LOG_FORMAT: z.enum(['json', 'readable']).optional(),
    /** Who takes debtors' card payments from pay links. Defaults to the sandbox provider in embedded/demo mode. */
    PAYMENTS_PROVIDER: z.enum(['sandbox', 'stripe']).optional(),
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_WEBHOOK_SECRET: z.string().optional(),
    STRIPE_API_BASE: optionalUrl(['http', 'https']),
    /** Who sends text-message steps (docs/decisions/043). Defaults to Twilio when its credentials are set, the sandbox in embedded/demo mode, else none. */
    SMS_PROVIDER: z.enum(['sandbox', 'twilio']).optional(),
    TWILIO_ACCOUNT_SID: z.string().optional(),
    TWILIO_AUTH_TOKEN: z.string().optional(),
    /** Our sending number, E.164 (or TWILIO_MESSAGING_SERVICE_SID). */
    TWILIO_FROM: z.string().optional(),
    TWILIO_MESSAGING_SERVICE_SID: z.string().optional(),
    TWILIO_API_BASE: optionalUrl(['http', 'https']),
    /** Run as of this instant (ISO 8601, or a date read as midday UTC); time then flows from there. Unset: the machine's clock. */
    ARCUS_NOW: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || isInstant(v), { message: 'must be an ISO 8601 date or instant such as 2026-11-23 or 2026-11-23T09:00:00Z' }),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL) {
      // Production: secrets must come from the environment, never be invented on one box.
      if (!env.SESSION_SECRET) ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required when DATABASE_URL is set' });
      if (!env.TOKEN_ENCRYPTION_KEY) ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEY'], message: 'is required when DATABASE_URL is set' });
    }
    if (env.NODE_ENV === 'production' && env.SANDBOX_IN_PRODUCTION !== 'allow' && (env.LEDGER_SANDBOX === 'on' || env.LEDGER_SANDBOX_URL)) {
      ctx.addIssue({ code: 'custom', path: [env.LEDGER_SANDBOX === 'on' ? 'LEDGER_SANDBOX' : 'LEDGER_SANDBOX_URL'], message: 'is refused with NODE_ENV=production (the sandbox is a fake ledger with an admin API); set SANDBOX_IN_PRODUCTION=allow to run it anyway' });
    }
    if (Boolean(env.XERO_CLIENT_ID) !== Boolean(env.XERO_CLIENT_SECRET)) {
      ctx.addIssue({ code: 'custom', path: [env.XERO_CLIENT_ID ? 'XERO_CLIENT_SECRET' : 'XERO_CLIENT_ID'], message: `is required when ${env.XERO_CLIENT_ID ? 'XERO_CLIENT_ID' : 'XERO_CLIENT_SECRET'} is set` });
    }
    if (env.SMS_PROVIDER === 'twilio') {
      for (const k of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'] as const) if (!env[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'is required when SMS_PROVIDER is twilio' });
      if (!env.TWILIO_FROM && !env.TWILIO_MESSAGING_SERVICE_SID) ctx.addIssue({ code: 'custom', path: ['TWILIO_FROM'], message: 'is required when SMS_PROVIDER is twilio (or set TWILIO_MESSAGING_SERVICE_SID)' });
    }
    if (env.PAYMENTS_PROVIDER === 'stripe') {
      if (!env.STRIPE_SECRET_KEY) ctx.addIssue({ code: 'custom', path: ['STRIPE_SECRET_KEY'], message: 'is required when PAYMENTS_PROVIDER is stripe' });
      if (!env.STRIPE_WEBHOOK_SECRET) ctx.addIssue({ code: 'custom', path: ['STRIPE_WEBHOOK_SECRET'], message: 'is required when PAYMENTS_PROVIDER is stripe' });
    }
    if (Boolean(env.INTUIT_CLIENT_ID) !== Boolean(env.INTUIT_CLIENT_SECRET)) {
      ctx.addIssue({ code: 'custom', path: [env.INTUIT_CLIENT_ID ? 'INTUIT_CLIENT_SECRET' : 'INTUIT_CLIENT_ID'], message: `is required when ${env.INTUIT_CLIENT_ID ? 'INTUIT_CLIENT_ID' : 'INTUIT_CLIENT_SECRET'} is set` });
    }
  });

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Express `trust proxy`: false (direct exposure), a hop count, or a list of trusted addresses. */
  trustProxy: false | number | string;
  appUrl: string;
  embedded: boolean;
  databaseUrl: string | null;
  redisUrl: string | null;
  /** BullMQ: key prefix and the worker's stall detection (docs/decisions/011). */
  queue: { prefix: string; lockDurationMs: number; stalledIntervalMs: number; maxStalledCount: number; concurrency: number; firmConcurrency: number; firmRetryMs: number };
  /** Pages a sync job commits before yielding its worker slot (0: never; docs/decisions/051). */
  syncSlicePages: number;
  smtpUrl: string | null;
  mailFrom: string;
  /** Replies: the reply domain (null: reminders carry no reply address), the inbound SMTP listener (null: none), Mailgun's signing key. */
  replyDomain: string | null;
  inbound: { smtpPort: number | null; smtpHost: string; mailgunSigningKey: string | null };
  dataDir: string;
  sessionSecret: string;
  tokenEncryptionKey: Buffer;
  /** PAY_LINK_KEY, or HKDF-SHA256 of TOKEN_ENCRYPTION_KEY: pay-link tokens are HMACs under it, never stored. */
  payLinkKey: Buffer;
  xero: { clientId: string; clientSecret: string; webhookKey: string | null } | null;
  intuit: { clientId: string; clientSecret: string; webhookVerifier: string | null } | null;
  sandbox: boolean;
  /** LEDGER_SANDBOX_URL without a trailing slash; null: APP_URL/sandbox (or the in-process sandbox). */
  sandboxUrl: string | null;
  demo: boolean;
  demoConnect: boolean;
  sandboxSeed: number;
  logLevel: string;
  /** LOG_FORMAT: readable sentences in demo mode (requests at debug level), JSON otherwise. */
  logFormat: 'json' | 'readable';
  /** ARCUS_NOW as epoch milliseconds: the clock starts there. Null: the machine's clock. */
  clockStart: number | null;
  /** The pay links' payment provider; null: no card payments (promises and disputes still work). */
  payments: { provider: 'sandbox' | 'stripe' | null; stripe: { secretKey: string; webhookSecret: string; apiBase: string } | null };
  /** Text-message steps' provider (docs/decisions/043); null: text steps are skipped as unavailable. */
  sms: { provider: 'sandbox' | 'twilio' | null; twilio: { accountSid: string; authToken: string; from: string | null; messagingServiceSid: string | null; apiBase: string } | null };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One readable line for the first problem, naming the variable. */
function describe(error: z.ZodError, source: NodeJS.ProcessEnv): string {
  const issue = error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  const given = source[name];
  let problem = issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'invalid_type') problem = given === undefined ? 'is required' : `must be a ${issue.expected}, got ${JSON.stringify(given)}`;
  else if (issue.code === 'invalid_value') problem = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(given)}`;
  else if (!/^(is|must)/.test(problem)) problem = `is invalid: ${problem}`;
  return `Invalid configuration: ${name} ${problem}`;
}

interface StoredSecrets {
  sessionSecret: string;
  tokenEncryptionKey: string;
}

/** Embedded mode: secrets generated on first start, kept (mode 0600) in the data folder. */
function embeddedSecrets(dataDir: string): StoredSecrets {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const parsed = z.object({ sessionSecret: z.string().min(32), tokenEncryptionKey: z.string().regex(/^[0-9a-f]{64}$/) }).safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new ConfigError(`Invalid configuration: ${file} is damaged; delete it to generate new secrets (connected ledgers must then be reconnected)`);
    return parsed.data;
  }
  const secrets = { sessionSecret: randomBytes(32).toString('hex'), tokenEncryptionKey: randomBytes(32).toString('hex') };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

function trustProxyOf(v: string | undefined): false | number | string {
  if (v === undefined || v === '' || v === 'off' || v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v) === 0 ? false : Number(v);
  return v
    .split(',')
    .map((p) => p.trim())
    .join(',');
}

/**
 * An https APP_URL needs the request to look secure (the session cookie is `Secure`): behind a
 * TLS-terminating proxy that is X-Forwarded-Proto, believed only with TRUST_PROXY. Null when fine.
 */
export function httpsWithoutProxy(config: Pick<Config, 'appUrl' | 'trustProxy'>): string | null {
  if (!config.appUrl.startsWith('https://') || config.trustProxy !== false) return null;
  return 'APP_URL is https but TRUST_PROXY is off: behind a TLS-terminating proxy no request looks secure, so no session cookie is set and sign-in fails. Set TRUST_PROXY (e.g. 1 for one proxy in front), or serve APP_URL over http.';
}

/** Without PAY_LINK_KEY: a key of its own derived from TOKEN_ENCRYPTION_KEY (never the key itself). */
export function derivePayLinkKey(tokenEncryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', tokenEncryptionKey, Buffer.alloc(0), 'arcus pay-link tokens v1', 32));
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(describe(parsed.error, source));
  const env = parsed.data;
  const embedded = !env.DATABASE_URL;
  const dataDir = path.resolve(env.ARCUS_DATA_DIR);
  const stored = embedded && (!env.SESSION_SECRET || !env.TOKEN_ENCRYPTION_KEY) ? embeddedSecrets(dataDir) : null;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    appUrl: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
    embedded,
    databaseUrl: env.DATABASE_URL ?? null,
    redisUrl: env.REDIS_URL ?? null,
    queue: {
      prefix: env.QUEUE_PREFIX,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: env.WORKER_MAX_STALLED_COUNT,
      concurrency: env.WORKER_CONCURRENCY,
      firmConcurrency: env.WORKER_FIRM_CONCURRENCY,
      firmRetryMs: env.WORKER_FIRM_RETRY_MS,
    },
    syncSlicePages: env.SYNC_SLICE_PAGES,
    smtpUrl: env.SMTP_URL ?? null,
    mailFrom: env.MAIL_FROM,
    replyDomain: env.REPLY_DOMAIN?.toLowerCase() ?? (embedded ? (/@([^>\s]+)>?\s*$/.exec(env.MAIL_FROM)?.[1]?.toLowerCase() ?? null) : null),
    inbound: { smtpPort: env.INBOUND_SMTP_PORT ?? (embedded ? 0 : null), smtpHost: env.INBOUND_SMTP_HOST, mailgunSigningKey: env.MAILGUN_WEBHOOK_SIGNING_KEY || null },
    dataDir,
    sessionSecret: env.SESSION_SECRET ?? stored!.sessionSecret,
    tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY ?? Buffer.from(stored!.tokenEncryptionKey, 'hex'),
    payLinkKey: env.PAY_LINK_KEY ?? derivePayLinkKey(env.TOKEN_ENCRYPTION_KEY ?? Buffer.from(stored!.tokenEncryptionKey, 'hex')),
    xero: env.XERO_CLIENT_ID ? { clientId: env.XERO_CLIENT_ID, clientSecret: env.XERO_CLIENT_SECRET!, webhookKey: env.XERO_WEBHOOK_KEY ?? null } : null,
    intuit: env.INTUIT_CLIENT_ID ? { clientId: env.INTUIT_CLIENT_ID, clientSecret: env.INTUIT_CLIENT_SECRET!, webhookVerifier: env.INTUIT_WEBHOOK_VERIFIER ?? null } : null,
    // Embedded mode defaults to the sandbox — except in production, where it must be asked for (and allowed).
    sandbox: env.LEDGER_SANDBOX ? env.LEDGER_SANDBOX === 'on' : (embedded && env.NODE_ENV !== 'production') || Boolean(env.LEDGER_SANDBOX_URL),
    sandboxUrl: env.LEDGER_SANDBOX_URL ? env.LEDGER_SANDBOX_URL.replace(/\/+$/, '') : null,
    demo: env.ARCUS_DEMO ? env.ARCUS_DEMO === 'on' : embedded,
    demoConnect: env.ARCUS_DEMO_CONNECT !== 'off',
    sandboxSeed: env.SANDBOX_SEED,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT ?? ((env.ARCUS_DEMO ? env.ARCUS_DEMO === 'on' : embedded) ? 'readable' : 'json'),
    clockStart: env.ARCUS_NOW ? parseInstant(env.ARCUS_NOW) : null,
    payments: {
      provider: env.PAYMENTS_PROVIDER ?? (env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET ? 'stripe' : embedded || env.ARCUS_DEMO === 'on' ? 'sandbox' : null),
      stripe: env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET ? { secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiBase: (env.STRIPE_API_BASE ?? 'https://api.stripe.com').replace(/\/+$/, '') } : null,
    },
    sms: {
      provider: env.SMS_PROVIDER ?? (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN ? 'twilio' : embedded || env.ARCUS_DEMO === 'on' ? 'sandbox' : null),
      twilio:
        env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
          ? { accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, from: env.TWILIO_FROM || null, messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID || null, apiBase: (env.TWILIO_API_BASE ?? 'https://api.twilio.com').replace(/\/+$/, '') }
          : null,
    },
  };
}
