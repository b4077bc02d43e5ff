/**
 * One sync run of one organisation:
 *
 *   claim the run → a fresh access token → for contacts, invoices, credit notes, payments: read
 *   the ledger's changes page by page from the run's cursor (or the organisation's checkpoint),
 *   and commit each page — bulk upsert plus the run's new cursor, progress, counts and API
 *   calls — in one transaction → finish: derive, reconcile, advance the checkpoints and mark the
 *   run succeeded, in one transaction.
 *
 * So the checkpoint moves only after a complete run (a crash re-reads, never skips), and a run
 * interrupted by a rate limit or a crash resumes from its last committed page.
 *
 * Failures: rate_limited → the run is deferred and RetryLaterError(Retry-After) goes to the
 * queue; server/timeout/network and anything unexpected → recorded and rethrown for the
 * queue's backoff (the run fails on the last attempt); unauthorized → one forced token refresh,
 * then re-authorisation is required; ReauthRequiredError → PermanentJobError, run failed.
 */
import { eq } from 'drizzle-orm';
import { LedgerError } from '../../integrations/ledger/errors';
import type { EntityCursor, LedgerFactory, SyncPage } from '../../integrations/ledger/provider';
import type { RateLimiter } from '../../integrations/ledger/rate-limit';
import { type CreditEntityType, ENTITY_TYPES, type EntityType, type NormContact, type NormCreditNote, type NormInvoice, type NormPayment, type NormPrepayment, type SyncEntityType } from '../../integrations/ledger/types';
import { ReauthRequiredError } from '../connections/tokens';
import type { Db } from '../db/client';
import { connections, organisations } from '../db/schema';
import { createLedgerGateway, type LedgerGateway, type OpenLedger } from '../ledger/gateway';
import type { Logger } from '../logger';
import { PermanentJobError, RetryLaterError, YieldJobError } from '../queue';
import { finishRun } from './finish';
import { type ClaimedRun, claimRun, deferRun, emptyCounts, failRun, markWaiting, type RunCursor, type RunError, recordRunError, SYNC_ORDER, type SyncCounts, yieldRun } from './runs';
import { openSqlConn, type SqlConn } from './sql';
import { markDeleted, prepareStaging, upsertContacts, upsertCreditNotes, upsertInvoices, upsertPayments, upsertPrepayments, type WriteScope } from './writers';

export interface SyncHooks {
  /** Inside a page's transaction, after its writes and before its cursor update (a throw rolls the page back). */
  beforeCommit?(info: { runId: string; entity: SyncEntityType; page: number }): void | Promise<void>;
  /** After each committed page (tests inject crashes here; the bench times the writes). */
  afterPage?(info: { runId: string; organisationId: string; entity: SyncEntityType; page: number; attempt: number; items: number; commitMs: number }): void | Promise<void>;
}

export interface SyncEngineDeps {
  db: Db;
  factory: LedgerFactory;
  /** TOKEN_ENCRYPTION_KEY. */
  tokenKey: Buffer;
  limiter: RateLimiter;
  log: Logger;
  /** Clock for token expiry (tests run the sandbox's clock). */
  now?: () => number;
  hooks?: SyncHooks;
  /** Waits for the rate limiter longer than this defer the run (default 2 s). */
  maxInlineWaitMs?: number;
  /**
   * The process's ledger gateway (the composition root's). Without one, a gateway over
   * factory, tokenKey and limiter above — which must then be the process's one limiter.
   */
  gateway?: LedgerGateway;
  /**
   * Pages one attempt commits before it yields (YieldJobError): the run is left waiting with its
   * cursor and its job goes to the back of the queue, so a large organisation's sync shares the
   * workers with everyone else's (docs/decisions/051). 0 or unset: never.
   */
  slicePages?: number;
  /**
   * How a page's invoices get their settlement (docs/decisions/071): 'set' (default) — the page
   * runs in deferred mode and one set-based statement recomputes the invoices it touched before
   * it commits; 'row' — the row-level triggers recompute each touched invoice as every other
   * writer does (the comparison test forces it).
   */
  settlement?: 'set' | 'row';
}

export interface SyncResult {
  runId: string;
  organisationId: string;
  status: 'succeeded' | 'already-finished';
  counts: SyncCounts;
  apiCalls: number;
  /** API calls made by this attempt alone. */
  attemptCalls: number;
  durationMs: number;
}

/** When another run of the organisation is in progress, look again after this long. */
export const BUSY_RETRY_MS = 30_000;

const LABEL = { xero: 'Xero', quickbooks: 'QuickBooks' } as const;

function runError(err: unknown, attempt: number): RunError {
  const code = err instanceof LedgerError ? err.code : err instanceof ReauthRequiredError ? 'reauth_required' : 'error';
  const message = err instanceof Error ? err.message : String(err);
  const reference = err instanceof LedgerError ? err.options.reference : undefined;
  return { at: new Date().toISOString(), attempt, code, message: message.slice(0, 500), ...(reference ? { reference } : {}) };
}

type AnyPage = SyncPage<NormContact | NormInvoice | NormPayment | NormCreditNote | NormPrepayment>;

class RunState {
  readonly counts: SyncCounts;
  progress = 0;
  /** Calls made before this attempt. */
  readonly baseCalls: number;
  /** The ledger this attempt opened (its runner counts every call, across a token refresh). */
  ledger: OpenLedger | null = null;

  constructor(readonly run: ClaimedRun) {
    this.counts = { ...run.counts };
    this.baseCalls = run.apiCalls;
    this.progress = run.counts.contacts + run.counts.invoices + run.counts.creditNotes + run.counts.overpayments + run.counts.prepayments + run.counts.payments + run.counts.deleted;
  }

  get cursor(): RunCursor {
    return this.run.cursor;
  }

  commit(cursor: RunCursor, counts: SyncCounts, progress: number): void {
    this.run.cursor = cursor;
    Object.assign(this.counts, counts);
    this.progress = progress;
  }

  get attemptCalls(): number {
    return this.ledger?.calls ?? 0;
  }

  get apiCalls(): number {
    return this.baseCalls + this.attemptCalls;
  }
}

function startCursor(cursor: RunCursor, entity: SyncEntityType): EntityCursor {
  const pos = cursor.positions[entity];
  if (pos) return { since: pos.since ? new Date(pos.since) : null, inclusive: pos.inclusive };
  const start = cursor.start[entity];
  return { since: start ? new Date(start) : null };
}

async function commitPage(conn: SqlConn, scope: WriteScope, state: RunState, entity: SyncEntityType, page: AnyPage, hooks: SyncHooks | undefined, pageNo: number): Promise<void> {
  const cursor = structuredClone(state.cursor);
  // A page lost in a crash just before its WAL reached disk is lost with its cursor, so it is
  // read again: no need to wait for the flush on every page.
  await conn.transaction(async (c) => {
    let n = 0;
    switch (entity) {
      case 'contacts':
        n = await upsertContacts(c, scope, page.items as NormContact[]);
        break;
      case 'invoices':
        n = await upsertInvoices(c, scope, page.items as NormInvoice[]);
        break;
      case 'creditNotes':
        n = await upsertCreditNotes(c, scope, page.items as NormCreditNote[]);
        break;
      case 'payments':
        n = await upsertPayments(c, scope, page.items as NormPayment[]);
        break;
      case 'overpayments':
      case 'prepayments':
        n = await upsertPrepayments(c, scope, page.items as NormPrepayment[]);
        break;
    }
    const deleted = entity === 'overpayments' || entity === 'prepayments' ? 0 : await markDeleted(c, scope, entity, page.deletedIds);
    // Deferred mode: the invoices this page touched get their settlement now, in one statement.
    if (scope.deferredSettlement) await c.query('SELECT arcus_settle_flush()');
    await hooks?.beforeCommit?.({ runId: state.run.runId, entity, page: pageNo });
    // The newest change this page covered moves the next checkpoint (committed with the data).
    let high = page.highWater ? page.highWater.getTime() : null;
    for (const item of page.items) {
      const t = item.ledgerUpdatedAt?.getTime();
      if (t !== undefined && (high === null || t > high)) high = t;
    }
    const prev = cursor.highWater[entity];
    if (high !== null && (!prev || high > Date.parse(prev))) cursor.highWater[entity] = new Date(high).toISOString();
    if (page.resume) cursor.positions[entity] = { since: page.resume.since ? page.resume.since.toISOString() : null, inclusive: page.resume.inclusive ?? true };
    else {
      delete cursor.positions[entity];
      if (!cursor.done.includes(entity)) cursor.done.push(entity);
    }
    cursor.heartbeatAt = new Date().toISOString();
    const counts = { ...state.counts, [entity]: state.counts[entity] + n, deleted: state.counts.deleted + deleted };
    const progress = state.progress + n + deleted;
    await c.query('UPDATE sync_runs SET cursor = $2::jsonb, progress = $3, counts = $4::jsonb, api_calls = $5 WHERE id = $1', [
      state.run.runId,
      JSON.stringify(cursor),
      progress,
      JSON.stringify(counts),
      state.apiCalls,
    ]);
    // Only a committed page moves the in-memory state.
    state.commit(cursor, counts, progress);
  }, { asyncCommit: true, deferSettlement: scope.deferredSettlement });
}

function isEntity(e: SyncEntityType): e is EntityType {
  return (ENTITY_TYPES as SyncEntityType[]).includes(e);
}

/** Overpayments / prepayments: none from a provider that has no such documents (QuickBooks). */
async function* creditPages(ledger: OpenLedger, entity: CreditEntityType, cursor: EntityCursor): AsyncIterable<SyncPage<NormPrepayment>> {
  if (ledger.reads.credits) yield* ledger.reads.credits(entity, cursor);
}

/** Mark the connection and organisation as needing a person to reconnect. */
async function requireReauth(db: Db, organisationId: string, reason: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(connections).set({ status: 'needs_reauth', lastError: reason, updatedAt: new Date() }).where(eq(connections.organisationId, organisationId));
    await tx.update(organisations).set({ status: 'needs_reauth', statusReason: reason, updatedAt: new Date() }).where(eq(organisations.id, organisationId));
  });
}

/** What a finished sync says on the console: "Synced Kiwi Plumbing: 1,398 invoices in 4 s". */
export function syncSentence(name: string, full: boolean, counts: SyncCounts, ms: number): string {
  const n = new Intl.NumberFormat('en-GB').format(counts.invoices);
  const secs = ms < 1000 ? 'under a second' : `${Math.round(ms / 1000)} s`;
  return `${full ? 'Synced' : 'Synced changes for'} ${name}: ${n} invoice${counts.invoices === 1 ? '' : 's'} in ${secs}`;
}

/**
 * Run (or resume) one sync run. Throws RetryLaterError (come back later), PermanentJobError
 * (do not retry) or the underlying error (retry with backoff); `finalAttempt` marks the run
 * failed before rethrowing.
 */
export async function runSync(deps: SyncEngineDeps, params: { runId: string; attempt?: number; finalAttempt?: boolean; retryDelayMs?: number }): Promise<SyncResult> {
  const attempt = params.attempt ?? 1;
  const now = deps.now ?? Date.now;
  const claim = await claimRun(deps.db, { runId: params.runId, attempt, ledgerNow: now() });
  if (claim.kind === 'missing') throw new PermanentJobError(`sync run ${params.runId} does not exist`);
  if (claim.kind === 'finished') {
    return { runId: params.runId, organisationId: '', status: 'already-finished', counts: emptyCounts(), apiCalls: 0, attemptCalls: 0, durationMs: 0 };
  }
  if (claim.kind === 'busy') {
    await markWaiting(deps.db, params.runId, new Date(Date.now() + BUSY_RETRY_MS));
    deps.log.debug({ runId: params.runId, otherRunId: claim.otherRunId }, 'waiting for the organisation’s other sync');
    throw new RetryLaterError(BUSY_RETRY_MS, 'Another sync of this organisation is still running; this one waits for it.');
  }
  const run = claim.run;
  const state = new RunState(run);
  const log = deps.log.child({ runId: run.runId, organisationId: run.organisationId, provider: run.provider });
  const label = LABEL[run.provider];

  if (run.organisationStatus !== 'active') {
    const message = run.organisationStatus === 'needs_reauth' ? `${label} access has to be renewed: reconnect this organisation.` : 'This organisation is disconnected.';
    await failRun(deps.db, run, { error: { at: new Date().toISOString(), attempt, code: 'reauth_required', message }, apiCalls: state.apiCalls });
    throw new PermanentJobError(message);
  }

  const gateway = deps.gateway ?? createLedgerGateway({ factory: deps.factory, tokenKey: deps.tokenKey, limiter: deps.limiter, db: deps.db, log: deps.log, now });
  const prepare = (ledger: OpenLedger) =>
    ledger.reads.prepare?.(Object.fromEntries(SYNC_ORDER.filter((e): e is EntityType => isEntity(e) && !run.cursor.done.includes(e)).map((e) => [e, startCursor(run.cursor, e)])));

  let conn: SqlConn | null = null;
  try {
    const ledger = await gateway.open(run.organisationId, { purpose: 'sync', maxInlineWaitMs: deps.maxInlineWaitMs });
    state.ledger = ledger;
    prepare(ledger);
    conn = await openSqlConn(deps.db);
    await prepareStaging(conn);
    const scope: WriteScope = { firmId: run.firmId, organisationId: run.organisationId, baseCurrency: run.baseCurrency, deferredSettlement: (deps.settlement ?? 'set') === 'set' };
    let refreshed = false;
    let pageNo = 0;
    const slice = deps.slicePages ?? 0;
    /** This attempt used its slice and work is left: it yields after the page it committed last. */
    let sliced = false;
    for (const entity of SYNC_ORDER) {
      if (run.cursor.done.includes(entity)) continue;
      for (;;) {
        try {
          const pages = isEntity(entity) ? ledger.reads.changes(entity, startCursor(run.cursor, entity)) : creditPages(ledger, entity, startCursor(run.cursor, entity));
          for await (const page of pages) {
            pageNo++;
            const t0 = performance.now();
            await commitPage(conn, scope, state, entity, page, deps.hooks, pageNo);
            await deps.hooks?.afterPage?.({ runId: run.runId, organisationId: run.organisationId, entity, page: pageNo, attempt, items: page.items.length, commitMs: performance.now() - t0 });
            if (slice > 0 && pageNo >= slice && page.resume) {
              sliced = true;
              break;
            }
          }
          break;
        } catch (err) {
          if (err instanceof LedgerError && err.code === 'unauthorized' && !refreshed) {
            // The ledger no longer takes the token (expired early, or revoked): renew it once.
            refreshed = true;
            await ledger.renewToken();
            prepare(ledger);
            continue;
          }
          throw err;
        }
      }
      if (sliced) break;
      if (!run.cursor.done.includes(entity)) run.cursor.done.push(entity);
      if (slice > 0 && pageNo >= slice && SYNC_ORDER.some((e) => !run.cursor.done.includes(e))) {
        sliced = true;
        break;
      }
    }
    if (sliced) {
      // Every page so far is committed with the cursor: give the worker back, continue later.
      await yieldRun(deps.db, run.runId, { apiCalls: state.apiCalls });
      log.debug({ pages: pageNo, apiCalls: state.apiCalls }, 'sync yielded its worker slot');
      throw new YieldJobError();
    }
    const finished = await finishRun(conn, run, { counts: state.counts, apiCalls: state.apiCalls, progress: state.progress, full: run.cursor.reconcile });
    // Another copy of this job (its worker was found stalled but lived on) finished the run first.
    if (!finished) return { runId: run.runId, organisationId: run.organisationId, status: 'already-finished', counts: state.counts, apiCalls: state.apiCalls, attemptCalls: state.attemptCalls, durationMs: 0 };
    const [named] = await deps.db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, run.organisationId));
    log.info({ counts: state.counts, apiCalls: state.apiCalls, ms: finished.durationMs }, syncSentence(named?.name ?? 'an organisation', run.cursor.reconcile, state.counts, finished.durationMs));
    return { runId: run.runId, organisationId: run.organisationId, status: 'succeeded', counts: state.counts, apiCalls: state.apiCalls, attemptCalls: state.attemptCalls, durationMs: finished.durationMs };
  } catch (err) {
    if (err instanceof YieldJobError) throw err;
    const error = runError(err, attempt);
    if (err instanceof ReauthRequiredError) {
      await failRun(deps.db, run, { error, apiCalls: state.apiCalls });
      throw new PermanentJobError(err.message);
    }
    if (err instanceof LedgerError && (err.code === 'unauthorized' || err.code === 'forbidden')) {
      const reason =
        err.code === 'forbidden'
          ? `${label} no longer lets Arcus read ${run.organisationName} (it was disconnected in ${label}). Reconnect to resume syncing.`
          : `${label} refused Arcus's renewed access to ${run.organisationName}. Reconnect to resume syncing.`;
      await requireReauth(deps.db, run.organisationId, reason);
      await failRun(deps.db, run, { error: { ...error, code: 'reauth_required', message: reason }, apiCalls: state.apiCalls });
      throw new PermanentJobError(reason);
    }
    if (err instanceof LedgerError && err.code === 'rate_limited') {
      const delay = err.options.retryAfterMs ?? 60_000;
      await deferRun(deps.db, run.runId, { until: new Date(Date.now() + delay), error, apiCalls: state.apiCalls });
      log.info({ delayMs: delay, problem: err.options.problem }, 'sync deferred by the rate limit');
      throw new RetryLaterError(delay, err.message);
    }
    if (params.finalAttempt) {
      await failRun(deps.db, run, { error, apiCalls: state.apiCalls });
      throw err instanceof PermanentJobError ? err : new PermanentJobError(`sync failed after ${attempt} attempts: ${error.message}`);
    }
    await recordRunError(deps.db, run.runId, { error, apiCalls: state.apiCalls, retryAt: new Date(Date.now() + (params.retryDelayMs ?? 0)) }).catch(() => undefined);
    throw err;
  } finally {
    conn?.release();
  }
}
