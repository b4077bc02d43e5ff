/**
 * The one way Arcus reaches an organisation's ledger. `gateway.open(organisationId)` loads the
 * connection's access token (refreshed first when close to expiry, under the per-grant lock —
 * server/connections/tokens.ts) and gives one object whose reads (the sync API), writes
 * (write-backs) and notes all share ONE CallRunner: every call is admitted by the organisation's
 * per-tenant gate on the process's rate limiter (Redis across processes, memory in embedded
 * mode), counted, given a deadline, and a 429 is waited out through the limiter (call.ts).
 *
 * Sync, write-backs (send, read-back, note) and anything later open ledgers here; nothing else
 * builds a provider client. Connect-time reads of a tenant that is not an organisation yet use
 * `factory.api(...)`, which is gated on the same limiter.
 *
 * Purposes: 'sync' calls are served first in this process's line for the tenant and wait at most
 * 2 s inline before the run is deferred; 'writeback' calls wait up to 30 s (well inside the
 * write-back's 2-minute lease) before the write-back is released for later; 'read' (a single
 * read for a page or a check) waits 2 s. A write-back opens with its kind's priority
 * (server/writebacks/types.ts, WRITEBACK_PRIORITY): a debtor's payment ahead of credit notes and
 * fees, those ahead of pay links, pay links ahead of notes — in the line and at the limiter.
 */
import { eq, sql } from 'drizzle-orm';
import { CallRunner, DEFAULT_CALL_TIMEOUT_MS } from '../../integrations/ledger/call';
import { createLedgerWrites } from '../../integrations/ledger/create-writes';
import { type GatePriority, limiterGate, MAX_INLINE_WAIT_MS } from '../../integrations/ledger/gate';
import { createLedgerNotes, type LedgerNotes } from '../../integrations/ledger/notes';
import type { LedgerApi, LedgerFactory } from '../../integrations/ledger/provider';
import type { RateLimiter } from '../../integrations/ledger/rate-limit';
import type { Provider } from '../../integrations/ledger/types';
import type { CreateLedgerWrites, LedgerWrites } from '../../integrations/ledger/writes';
import { accessTokenFor, type LoadedConnection, type TokenDeps } from '../connections/tokens';
import type { Db } from '../db/client';
import { connections } from '../db/schema';
import type { Logger } from '../logger';

export type LedgerPurpose = 'sync' | 'writeback' | 'read';

/** The longest limiter wait a write-back spends inline; beyond it the write-back is deferred. */
export const WRITEBACK_MAX_INLINE_WAIT_MS = 30_000;

const PURPOSE: Record<LedgerPurpose, { priority: GatePriority; maxWaitMs: number }> = {
  sync: { priority: 'high', maxWaitMs: MAX_INLINE_WAIT_MS },
  writeback: { priority: 'normal', maxWaitMs: WRITEBACK_MAX_INLINE_WAIT_MS },
  read: { priority: 'normal', maxWaitMs: MAX_INLINE_WAIT_MS },
};

export interface LedgerGatewayDeps {
  factory: LedgerFactory;
  /** TOKEN_ENCRYPTION_KEY. */
  tokenKey: Buffer;
  /** The process's per-tenant limiter; default the factory's (they must be the same one). */
  limiter?: RateLimiter;
  db: Db;
  log: Logger;
  /** Clock (ms) for token expiry and the limiter's waits. */
  now?: () => number;
  /** Wait `ms` on that clock (default real time; tests running an accelerated clock). */
  sleep?: (ms: number) => Promise<void>;
  /** Per-call deadline (default 60 s). */
  timeoutMs?: number;
  /** The level of a successful call's log line: 'info' (default: every provider reference is kept), 'debug' for the demo's readable console. */
  callLogLevel?: 'info' | 'debug';
  /** How writers are built (tests and the bench count or fail calls); default createLedgerWrites. */
  createWrites?: CreateLedgerWrites;
}

export interface OpenOptions {
  purpose?: LedgerPurpose;
  /** Overrides the purpose's place in the tenant's line (a write-back's kind: payments first, notes last). */
  priority?: GatePriority;
  /** Overrides the purpose's longest inline wait for the limiter. */
  maxInlineWaitMs?: number;
  /** The connection row, when the caller read it with its own statement (saves the gateway's read). */
  connection?: LoadedConnection;
}

/** One organisation's ledger, opened: everything on it goes through one runner and one gate. */
export interface OpenLedger {
  readonly organisationId: string;
  readonly provider: Provider;
  readonly tenantId: string;
  readonly connectionId: string;
  /** Incremental reads for sync, the organisation. */
  readonly reads: LedgerApi;
  /** Write-backs and reading documents back. */
  readonly writes: LedgerWrites;
  /** Notes on invoices. */
  readonly notes: LedgerNotes;
  /** API calls made through this ledger so far (reads, writes and notes, 429s included). */
  readonly calls: number;
  /**
   * The ledger refused the access token (revoked or expired early): refresh it once and rebuild
   * reads, writes and notes on the same runner. Throws ReauthRequiredError when that fails.
   */
  renewToken(): Promise<void>;
}

export interface LedgerGateway {
  readonly factory: LedgerFactory;
  readonly limiter: RateLimiter;
  /** Throws ReauthRequiredError when the organisation has no usable connection. */
  open(organisationId: string, options?: OpenOptions): Promise<OpenLedger>;
  /** What the token code needs (connect, disconnect and detect flows share the refresh). */
  tokenDeps(): TokenDeps;
}

export function createLedgerGateway(deps: LedgerGatewayDeps): LedgerGateway {
  const limiter = deps.limiter ?? deps.factory.limiter;
  const now = deps.now ?? Date.now;
  const createWrites = deps.createWrites ?? createLedgerWrites;
  const tokenDeps = (): TokenDeps => ({ db: deps.db, key: deps.tokenKey, oauth: (p) => deps.factory.oauth(p), now });

  return {
    factory: deps.factory,
    limiter,
    tokenDeps,
    async open(organisationId, options = {}) {
      const purpose = PURPOSE[options.purpose ?? 'read'];
      let token = await accessTokenFor(tokenDeps(), organisationId, options.connection);
      const { provider, tenantId, connectionId } = token;
      const gate = limiterGate(limiter, { provider, tenantId }, { priority: options.priority ?? purpose.priority, maxWaitMs: options.maxInlineWaitMs ?? purpose.maxWaitMs, now, sleep: deps.sleep });
      const log = deps.log.child({ organisationId, provider });
      // One line per ledger call: what, status, time and the provider's reference (intuit_tid /
      // Xero's correlation id) for its support team — never a body, a parameter or a token.
      const runner = new CallRunner(gate, deps.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, (c) => {
        const line = { call: c.what, status: c.status, ms: c.ms, purpose: options.purpose ?? 'read', ...(c.reference ? { [c.reference.name]: c.reference.value } : {}), ...(c.code ? { code: c.code } : {}) };
        if (c.code) log.warn(line, 'ledger call failed');
        else log[deps.callLogLevel ?? 'info'](line, 'ledger call');
      });
      // Each client is built when first used: a write-back never reads through the sync API, a sync never writes.
      const build = (accessToken: string) => {
        const params = { accessToken, tenantId, runner };
        let reads: LedgerApi | undefined;
        let writes: LedgerWrites | undefined;
        let notes: LedgerNotes | undefined;
        return {
          get reads() {
            reads ??= deps.factory.api(provider, params);
            return reads;
          },
          get writes() {
            writes ??= createWrites(deps.factory, provider, params);
            return writes;
          },
          get notes() {
            notes ??= createLedgerNotes(deps.factory, provider, params);
            return notes;
          },
        };
      };
      let clients = build(token.accessToken);
      return {
        organisationId,
        provider,
        tenantId,
        connectionId,
        get reads() {
          return clients.reads;
        },
        get writes() {
          return clients.writes;
        },
        get notes() {
          return clients.notes;
        },
        get calls() {
          return runner.calls;
        },
        async renewToken() {
          log.info('access token refused; refreshing once');
          // Make the stored token look expired, so accessTokenFor refreshes it under the grant's lock.
          await deps.db.update(connections).set({ accessTokenExpiresAt: sql`to_timestamp(0)` }).where(eq(connections.organisationId, organisationId));
          token = await accessTokenFor(tokenDeps(), organisationId);
          clients = build(token.accessToken);
        },
      };
    },
  };
}
