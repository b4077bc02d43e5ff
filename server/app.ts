/**
 * The Express application: security headers, request logs without secrets, sessions in the
 * database, CSRF on cookie-authenticated writes, the JSON API, and the built client.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Router } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { attachAuth } from './auth/current-user';
import type { Config } from './config';
import type { Database } from './db/client';
import { withoutFirm } from './db/firm-scope';
import { DbSessionStore } from './db/session-store';
import { requireCsrf } from './http/csrf';
import { logPath } from './http/log-path';
import { errorHandler, notFound } from './http/errors';
import { refuseBadText } from './http/text';
import './http/session-types';
import type { QueuePort } from './queue';
import type { Logger } from './logger';
import { sessionRoutes } from './routes/session';

export const CLIENT_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../client/dist');

export interface AppDeps {
  config: Config;
  database: Database;
  queue: QueuePort;
  log: Logger;
  /** Extra routers mounted before the API (webhooks with raw bodies, the sandbox ledger, …). */
  mounts?: { path: string; router: Router | Express }[];
  /** Extra API routers mounted under /api after auth and CSRF. */
  api?: Router[];
  /** Browser-redirect routers that share the session but live outside /api (OAuth at /oauth). */
  sessionMounts?: { path: string; router: Router }[];
  /** Which "Sign in with …" buttons the sign-in page offers. */
  signIn?: { xero: boolean; quickbooks: boolean };
  /** The process clock (default: the machine's). */
  now?: () => Date;
}

export function createApp(deps: AppDeps): Express {
  const { config, database, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Only configured proxies are believed (TRUST_PROXY): a directly reachable port must not let a
  // client choose its own address (the pay page's rate limit is per client address).
  app.set('trust proxy', config.trustProxy);
  // Every request starts as no firm (firm tables read empty); `attachAuth` scopes it to the
  // caller's firm, and public routes look up their firm as the system (docs/decisions/007).
  app.use((_req, _res, next) => withoutFirm(next));

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // Mantine injects style tags at runtime.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'", 'http:', 'https:'],
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  app.use(
    pinoHttp({
      logger: log,
      // Paths only: query strings can carry codes, states and addresses.
      serializers: { req: (req: { method: string; url: string; id: unknown }) => ({ id: req.id, method: req.method, path: logPath(req.url) }), res: (res: { statusCode: number }) => ({ status: res.statusCode }) },
      // The in-process sandbox ledger's API traffic is the sync's own business (it logs its runs).
      autoLogging: { ignore: (req) => req.url === '/healthz' || Boolean(req.url?.startsWith('/sandbox/')) },
      // The demo's readable console keeps answered requests at debug level: its lines are about the app.
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : config.logFormat === 'readable' ? 'debug' : 'info'),
    }),
  );

  // A NUL or an unpaired surrogate in the path or query is refused before any route reads it.
  app.use(refuseBadText);

  app.get('/healthz', async (_req, res) => {
    let dbOk = true;
    try {
      await database.db.execute('select 1');
    } catch {
      dbOk = false;
    }
    res.status(dbOk ? 200 : 503).json({ ok: dbOk, db: database.kind, queue: deps.queue.kind });
  });

  for (const m of deps.mounts ?? []) app.use(m.path, m.router);

  const sessions = session({
    name: 'arcus.sid',
    secret: config.sessionSecret,
    store: new DbSessionStore(database.db),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.appUrl.startsWith('https://'), maxAge: 12 * 3600_000 },
  });
  for (const m of deps.sessionMounts ?? []) app.use(m.path, sessions, attachAuth(database.db), m.router);

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(refuseBadText);
  api.use(sessions);
  api.use(requireCsrf);
  api.use(attachAuth(database.db));
  api.use(sessionRoutes({ db: database.db, demo: config.demo, signIn: deps.signIn, now: deps.now }));
  for (const r of deps.api ?? []) api.use(r);
  api.use(notFound);
  app.use('/api', api);

  if (existsSync(CLIENT_DIST)) {
    app.use(express.static(CLIENT_DIST, { index: false, maxAge: '1h' }));
    app.get('/{*splat}', (_req, res) => res.sendFile(path.join(CLIENT_DIST, 'index.html')));
  } else {
    app.get('/', (_req, res) => res.type('text').send('Arcus API is running. The web client is not built: run `npm run build`.'));
  }
  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}
