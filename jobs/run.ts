/** The one place a job's handler is invoked, whichever runner picked it up. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../server/db/client';
import { jobEvents } from '../server/db/schema';
import type { Logger } from '../server/logger';
import type { JobDefinition, JobQueue } from './define';

export interface RunDeps {
  db: Db;
  log: Logger;
  queue: JobQueue;
}

export async function runJob(def: JobDefinition<unknown>, rawPayload: unknown, deps: RunDeps, jobId: string, attempt: number): Promise<void> {
  const parsed = def.schema.safeParse(rawPayload);
  const log = deps.log.child({ job: def.name, jobId, attempt });
  if (!parsed.success) {
    const { PermanentJobError } = await import('./define');
    throw new PermanentJobError(`invalid payload for ${def.name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const started = Date.now();
  try {
    await def.handler(parsed.data, { db: deps.db, log, queue: deps.queue, jobId, attempt });
    log.info({ ms: Date.now() - started }, 'job done');
    await record(deps.db, def.name, jobId, 'completed', attempt, null);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.warn({ ms: Date.now() - started, err: message }, 'job failed');
    await record(deps.db, def.name, jobId, 'failed', attempt, message.slice(0, 500)).catch(() => undefined);
    throw err;
  }
}

async function record(db: Db, job: string, jobId: string, status: string, attempt: number, detail: string | null): Promise<void> {
  await db.insert(jobEvents).values({ id: randomUUID(), job, jobId, status, attempt, detail });
}
