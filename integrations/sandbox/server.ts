/**
 * The sandbox ledger as an Express app: OAuth 2 / OpenID Connect for Xero (/xero/...) and
 * Intuit (/qbo/...), the Xero Accounting API (/xero/api.xro/2.0), the QuickBooks Online API
 * (/qbo/v3/company), the Xero App Store API (/xero/appstore/2.0, admin at /admin/appstore), the
 * admin API (/admin), signed webhooks, seeded demo companies, and plain
 * HTML pages for one invoice or contact (ledger-pages.ts: where Arcus's ledger links lead).
 *
 * `createSandbox` builds it in-process (embedded mode, tests); `startSandbox` also listens
 * (the `arcus sandbox` command, end-to-end tests). Unknown paths get a JSON 404 and no
 * request ever gets a stack trace.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { CalendarDate } from '../../kernel/dates';
import { adminRouter, toAdminError } from './admin';
import { createSandboxContext, type SandboxContext, type SandboxOptions } from './context';
import { type DemoCompanySpec, seedDemo } from './demo';
import type { Provider } from './model';
import { ledgerPagesRouter } from './ledger-pages';
import { createSandboxOAuth, type SandboxOAuth } from './oauth';
import { onlinePagesRouter } from './online-pages';
import { SandboxClock, SandboxStore } from './store';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhooks';
import { appStoreAdminRouter, appStoreApiRouter, SandboxAppStore } from './xero/app-store';

export const DEFAULT_SANDBOX_SEED = 42;
/** A fresh admin token per sandbox (tests read it from `sandbox.ctx.options.adminToken`; `arcus sandbox` prints it). */
export function newAdminToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface DemoOptions {
  /** Companies to generate (default: the four demo companies). */
  companies?: DemoCompanySpec[];
  /** Last day of history (default: today in each company's zone). */
  today?: CalendarDate;
}

export interface CreateSandboxOptions {
  /** Demo data seed (default 42, like SANDBOX_SEED). */
  seed?: number;
  /** Demo companies to seed, or false for an empty ledger. */
  demo?: DemoOptions | false;
  /** Authorize endpoints redirect straight back with a code (no consent page). */
  autoConsent?: boolean;
  /** When set, only this client id / secret is accepted; otherwise any. */
  clientId?: string;
  clientSecret?: string;
  /** The sandbox's public base URL, e.g. http://127.0.0.1:4010 (id_token issuer, discovery, resource URLs). */
  baseUrl: string;
  /** Where webhooks go (Arcus's receivers). */
  webhookUrls?: Partial<Record<Provider, string>>;
  /** Webhook signing keys: Xero webhook key, Intuit verifier token. */
  webhookKeys?: Partial<Record<Provider, string>>;
  /** Batching, retries and the QuickBooks payload format. */
  webhooks?: WebhookDispatcherOptions;
  /** Bearer token for /admin (default: random per sandbox, `newAdminToken`). */
  adminToken?: string;
  /** Registered redirect URIs (exact); unset: the sandbox's own host and loopback hosts only. */
  redirectUris?: string[];
  /** The clock's base time source (default: real time). Admin "advance" adds an offset to it. */
  now?: () => number;
  /** Where unexpected errors are reported (default console.error). */
  log?: (message: string) => void;
}

export interface Sandbox {
  app: express.Express;
  ctx: SandboxContext;
  webhooks: WebhookDispatcher;
  oauth: SandboxOAuth;
  /** The Xero App Store imitation: subscriptions, usage records, SUBSCRIPTION webhooks. */
  appStore: SandboxAppStore;
  /** Ids of the seeded demo companies, in order. */
  companyIds: string[];
  /** Stop background work (webhook batching and retries). */
  close(): void;
}

type Handler = express.RequestHandler;

/**
 * Mount a router that is imported on first use, so one provider's API failing to load
 * answers 503 on its own paths instead of taking the whole sandbox down.
 */
function lazyRouter(name: string, load: () => Promise<Handler>, log: (m: string) => void): Handler {
  let loading: Promise<Handler> | null = null;
  return (req, res, next) => {
    loading ??= load();
    loading.then(
      (handler) => handler(req, res, next),
      (err: unknown) => {
        loading = null;
        log(`[sandbox] the ${name} router failed to load: ${err instanceof Error ? err.message : String(err)}`);
        res.status(503).json({ error: { code: 'unavailable', message: `The sandbox ${name} is not available` } });
      },
    );
  };
}

export function createSandbox(opts: CreateSandboxOptions): Sandbox {
  const log = opts.log ?? ((m: string) => console.error(m));
  const baseNow = opts.now ?? Date.now;
  // While seeding, the clock base is pinned to the start of history so the ticks the seeding
  // consumes (one per store write) do not push sandbox time ahead of real time.
  let pinned: number | null = null;
  const clock = new SandboxClock(() => pinned ?? baseNow());
  const store = new SandboxStore(clock);
  const options: Partial<SandboxOptions> = {
    autoConsent: opts.autoConsent ?? false,
    webhookUrls: { ...opts.webhookUrls },
    adminToken: opts.adminToken ?? newAdminToken(),
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
  };
  if (opts.clientId) options.clientId = opts.clientId;
  if (opts.redirectUris) options.redirectUris = [...opts.redirectUris];
  if (opts.clientSecret) options.clientSecret = opts.clientSecret;
  const ctx = createSandboxContext(store, options);
  if (opts.webhookKeys) ctx.options.webhookKeys = { ...ctx.options.webhookKeys, ...opts.webhookKeys };

  let companyIds: string[] = [];
  if (opts.demo !== false) {
    const now = baseNow();
    pinned = now - 5 * 365 * 86_400_000;
    try {
      companyIds = seedDemo(store, { seed: opts.seed ?? DEFAULT_SANDBOX_SEED, companies: opts.demo?.companies, today: opts.demo?.today, now });
    } finally {
      pinned = null;
    }
  }

  const webhooks = new WebhookDispatcher(ctx, opts.webhooks).start();
  const oauth = createSandboxOAuth(ctx);
  const appStore = new SandboxAppStore(ctx, webhooks);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(oauth.router);
  app.use(
    '/xero/api.xro/2.0',
    lazyRouter('Xero API', () => import('./xero/api').then((m) => m.xeroApiRouter(ctx)), log),
  );
  app.use(
    '/qbo/v3/company',
    lazyRouter('QuickBooks API', () => import('./qbo/api').then((m) => m.qboApiRouter(ctx)), log),
  );
  app.use('/xero/appstore/2.0', appStoreApiRouter(ctx, appStore));
  app.use('/admin/appstore', appStoreAdminRouter(ctx, appStore));
  app.use('/admin', adminRouter(ctx, { webhooks }));
  app.use(onlinePagesRouter(ctx));
  app.use(ledgerPagesRouter(ctx));
  app.get('/', (_req, res) => {
    res.json({
      sandbox: 'Arcus sandbox ledger',
      xero: { discovery: `${ctx.options.baseUrl}/xero/identity/.well-known/openid-configuration`, api: `${ctx.options.baseUrl}/xero/api.xro/2.0` },
      quickbooks: { discovery: `${ctx.options.baseUrl}/qbo/.well-known/openid-configuration`, api: `${ctx.options.baseUrl}/qbo/v3/company` },
      companies: [...store.companies.values()].map((c) => ({ id: c.id, provider: c.provider, name: c.name })),
    });
  });
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `No sandbox route for ${req.method} ${req.path}` } });
  });
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const known = toAdminError(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (known) {
      res.status(known.status).json({ error: { code: known.code, message: known.message } });
      return;
    }
    log(`[sandbox] ${req.method} ${req.originalUrl} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    res.status(500).json({ error: { code: 'internal_error', message: 'The sandbox failed to handle this request' } });
  });

  return { app, ctx, webhooks, oauth, appStore, companyIds, close: () => webhooks.stop() };
}

export type StartSandboxOptions = Omit<CreateSandboxOptions, 'baseUrl'> & {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Public base URL (default http://<host>:<port>). */
  baseUrl?: string;
};

export type SandboxServer = http.Server & { sandbox: Sandbox; url: string };

/** Create the sandbox and listen. The returned server carries `url` and `sandbox` (app, ctx, webhooks, companyIds). */
export async function startSandbox(opts: StartSandboxOptions): Promise<SandboxServer> {
  const host = opts.host ?? '127.0.0.1';
  const sandbox = createSandbox({ ...opts, baseUrl: opts.baseUrl ?? `http://${host}:${opts.port}` });
  const server = await new Promise<http.Server>((resolve, reject) => {
    const s = sandbox.app.listen(opts.port, host);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = opts.baseUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  sandbox.ctx.options.baseUrl = url.replace(/\/+$/, '');
  server.once('close', () => sandbox.close());
  return Object.assign(server, { sandbox, url: sandbox.ctx.options.baseUrl });
}
