/**
 * A sandbox ledger on 127.0.0.1:0 plus this worker's PostgreSQL database, with organisations
 * connected the way the app's OAuth callback would: the code flow done programmatically
 * (autoConsent) and the tokens sealed into `connections`. Reusable by any suite that needs
 * synced or syncable organisations.
 *
 *   const fx = await startSyncFixture({ companies: [{ provider: 'xero', customers: 15, invoices: 120 }] });
 *   const org = await fx.connect('xero', fx.companyIds[0]);
 *   await runSync(fx.engineDeps(), { runId: (await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'full' })).runId });
 *
 * Every clock (tokens, the rate limiter, QuickBooks' CDC window) runs on the sandbox's clock,
 * so `fx.advance(ms)` moves time for both sides. `fx.gateway` opens ledgers the way the app does
 * (server/ledger/gateway.ts), on the fixture's one limiter.
 */
import { randomBytes } from 'node:crypto';
import type { DemoCompanySpec } from '../../integrations/sandbox/demo';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import type { LedgerFactory } from '../../integrations/ledger/provider';
import type { Provider } from '../../integrations/ledger/types';
import type { Database, Db } from '../../server/db/client';
import { createLedgerGateway, type LedgerGateway } from '../../server/ledger/gateway';
import { createLogger } from '../../server/logger';
import type { SyncEngineDeps, SyncHooks } from '../../server/sync/engine';
import { MemoryRateLimiter, type RateLimiter } from '../../integrations/ledger/rate-limit';
import { connectSandboxCompany, type SandboxConnection } from '../../server/sync/sandbox-connect';
import { createFirm, testDatabase } from '../support/db';

export interface SyncFixture {
  server: SandboxServer;
  url: string;
  database: Database;
  db: Db;
  factory: LedgerFactory;
  tokenKey: Buffer;
  limiter: RateLimiter;
  /** Opens the fixture's organisations' ledgers, gated by `limiter`. */
  gateway: LedgerGateway;
  firmId: string;
  companyIds: string[];
  /** The sandbox clock (ms). */
  now: () => number;
  advance(ms: number): void;
  connect(provider: Provider, companyId: string): Promise<SandboxConnection>;
  engineDeps(extra?: { hooks?: SyncHooks; limiter?: RateLimiter; maxInlineWaitMs?: number }): SyncEngineDeps;
  close(): Promise<void>;
}

export const SMALL_DEMO: DemoCompanySpec[] = [
  { provider: 'xero', customers: 15, invoices: 120 },
  { provider: 'quickbooks', customers: 15, invoices: 120 },
];

export interface SyncFixtureOptions {
  companies?: DemoCompanySpec[];
  seed?: number;
  database?: Database;
  /** The sandbox clock's base (default real time); the limiter and tokens run on the sandbox clock. */
  clockBase?: () => number;
  /** How Arcus waits `ms` of that clock (default real time; pair with an accelerated clockBase). */
  sleep?: (ms: number) => Promise<void>;
  /** Page size for sync reads (default the providers' 1000). */
  pageSize?: number;
}

export async function startSyncFixture(opts: SyncFixtureOptions = {}): Promise<SyncFixture> {
  const server = await startSandbox({ port: 0, autoConsent: true, seed: opts.seed ?? 7, demo: { companies: opts.companies ?? SMALL_DEMO }, log: () => undefined, now: opts.clockBase });
  const store = server.sandbox.ctx.store;
  const now = () => store.clock.peek();
  const database = opts.database ?? (await testDatabase());
  const limiter = new MemoryRateLimiter({ now });
  const factory = createLedgerFactory({ sandboxBaseUrl: server.url, xero: null, intuit: null, now, limiter, sleep: opts.sleep, pageSize: opts.pageSize });
  const tokenKey = randomBytes(32);
  const { firm } = await createFirm(database);
  const log = createLogger('silent');
  const gateway = createLedgerGateway({ factory, tokenKey, limiter, db: database.db, log, now, sleep: opts.sleep });
  return {
    server,
    url: server.url,
    database,
    db: database.db,
    factory,
    tokenKey,
    limiter,
    gateway,
    firmId: firm.id,
    companyIds: server.sandbox.companyIds,
    now,
    advance: (ms) => store.clock.advance(ms),
    connect: (provider, companyId) => connectSandboxCompany({ db: database.db, factory, tokenKey }, { firmId: firm.id, provider, companyId }),
    engineDeps: (extra = {}) => ({ db: database.db, factory, tokenKey, limiter: extra.limiter ?? limiter, log, now, hooks: extra.hooks, maxInlineWaitMs: extra.maxInlineWaitMs }),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
    },
  };
}
