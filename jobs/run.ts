/** The one place a job's handler is invoked, whichever runner picked it up. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../server/db/client';
import { eq } from 'drizzle-orm';
import { asSystem, withFirm, withoutFirm } from '../server/db/firm-scope';
import { jobEvents, organisations, reminderSends, writebacks } from '../server/db/schema';
import { describeError, type Logger } from '../server/logger';
import type { Services } from '../server/services';
import { DomainError, isRetryableKind } from '../kernel/errors';
import { type JobDefinition, type JobQueue, PermanentJobError, RetryLaterError, YieldJobError } from './define';

export interface RunDeps {
  db: Db;
  log: Logger;
  queue: JobQueue;
  /** The process's services (root/compose.ts), read when a handler first needs them. */
  services: () => Services;
}

/** For a runner built without services (a test queue whose jobs need none). */
export function noServices(): Services {
  throw new Error('this job queue was built without services: build the process with root/compose.ts (or give the queue `services`)');
}

export async function runJob(def: JobDefinition<unknown>, rawPayload: unknown, deps: RunDeps, jobId: string, attempt: number): Promise<void> {
  const parsed = def.schema.safeParse(rawPayload);
  const log = deps.log.child({ job: def.name, jobId, attempt });
  if (!parsed.success) {
    throw new PermanentJobError(`invalid payload for ${def.name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const started = Date.now();
  const scope = await jobScope(deps.db, parsed.data);
  try {
    await scope(() => def.handler(parsed.data, {
      db: deps.db,
      log,
      queue: deps.queue,
      jobId,
      attempt,
      get services() {
        return deps.services();
      },
    }));
    log.debug({ ms: Date.now() - started }, 'job done');
    await record(deps.db, def.name, jobId, 'completed', attempt, null);
  } catch (err) {
    // Codes and ids, never a database error's SQL and parameters (server/logger.ts).
    const message = describeError(err);
    if (err instanceof YieldJobError) {
      log.debug({ ms: Date.now() - started }, `${def.name}: ${message}`);
      await record(deps.db, def.name, jobId, 'yielded', attempt, null).catch(() => undefined);
      throw err;
    }
    // "Later" is not a failure: the job comes back after the delay it named.
    if (err instanceof RetryLaterError) log.info({ ms: Date.now() - started, delayMs: err.delayMs }, `${def.name}: ${message}`);
    else log.warn({ ms: Date.now() - started, err: message }, 'job failed');
    await record(deps.db, def.name, jobId, 'failed', attempt, message.slice(0, 500)).catch(() => undefined);
    throw asRunnerFailure(err);
  }
}

/**
 * A domain error that a retry cannot change (validation_failed, not_found, conflict, forbidden, …)
 * is final: the runners give up after this one attempt. rate_limited, unavailable and
 * upstream_failed stay ordinary failures and are retried with backoff.
 */
export function asRunnerFailure(err: unknown): unknown {
  if (err instanceof DomainError && !isRetryableKind(err.kind)) return new PermanentJobError(`${err.code}: ${err.message}`, { cause: err });
  return err;
}

async function record(db: Db, job: string, jobId: string, status: string, attempt: number, detail: string | null): Promise<void> {
  await asSystem(() => db.insert(jobEvents).values({ id: randomUUID(), job, jobId, status, attempt, detail }));
}

type Scope = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Which firm a job acts for (docs/decisions/007). A payload that names a firm's row (the first of
 * `firmId`, `organisationId`, `writebackId`, `sendId`) runs as that row's firm: every query the
 * handler makes is under row-level security, each in its own short transaction. A named row that
 * is gone runs as no firm (it reads nothing). A payload that names none is a system-wide job (the
 * schedule and collections ticks, the write-back sweep, connection checks, session pruning): it
 * runs as the system and requests per-organisation jobs, which are scoped in turn.
 */
async function jobScope(db: Db, payload: unknown): Promise<Scope> {
  const p = (payload ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : null);
  let firmId: string | null = null;
  let named = true;
  if (str('firmId')) firmId = str('firmId');
  else if (str('organisationId')) firmId = await firmOf(db, organisations, str('organisationId')!);
  else if (str('writebackId')) firmId = await firmOf(db, writebacks, str('writebackId')!);
  else if (str('sendId')) firmId = await firmOf(db, reminderSends, str('sendId')!);
  else named = false;
  if (firmId) return (fn) => withFirm(firmId, fn);
  if (named) return (fn) => withoutFirm(fn);
  return (fn) => asSystem(fn);
}

/** The firm a job's payload acts for (see jobScope), or null for a system-wide job or a row that is gone. */
export async function firmOfPayload(db: Db, payload: unknown): Promise<string | null> {
  const p = (payload ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : null);
  if (str('firmId')) return str('firmId');
  if (str('organisationId')) return firmOf(db, organisations, str('organisationId')!);
  if (str('writebackId')) return firmOf(db, writebacks, str('writebackId')!);
  if (str('sendId')) return firmOf(db, reminderSends, str('sendId')!);
  return null;
}

async function firmOf(db: Db, table: typeof organisations | typeof writebacks | typeof reminderSends, id: string): Promise<string | null> {
  const [row] = await asSystem(() => db.select({ firmId: table.firmId }).from(table).where(eq(table.id, id)).limit(1));
  return row?.firmId ?? null;
}
