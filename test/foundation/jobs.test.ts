import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BullQueue } from '../../jobs/bullmq-queue';
import { defineJob, type JobQueue, PermanentJobError, RetryLaterError } from '../../jobs/define';
import { InlineQueue } from '../../jobs/inline-queue';
import type { Database } from '../../server/db/client';
import { activities, jobEvents } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { createFirm, memoryDatabase, testDatabase } from '../support/db';
import { describeWith, services } from '../support/services';

const log = createLogger('silent');

/** One definition, used unchanged by both runners. */
const attemptsSeen = new Map<string, number>();
const recordActivity = defineJob({
  name: 'test.record-activity',
  schema: z.object({ firmId: z.string().uuid(), note: z.string().min(1), failTimes: z.number().int().min(0).default(0), retryLater: z.boolean().default(false) }),
  attempts: 3,
  backoffMs: 20,
  async handler(payload, { db, attempt, jobId }) {
    attemptsSeen.set(jobId, attempt);
    if (payload.retryLater && attempt === 1 && !attemptsSeen.has(`${jobId}:delayed`)) {
      attemptsSeen.set(`${jobId}:delayed`, 1);
      throw new RetryLaterError(50, 'ledger said Retry-After');
    }
    if (attempt <= payload.failTimes) throw new Error(`transient failure ${attempt}`);
    if (payload.note === 'refuse') throw new PermanentJobError('never retry this');
    await db.insert(activities).values({ firmId: payload.firmId, actorType: 'system', kind: 'test.job', summary: payload.note, details: { attempt } });
  },
});

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `settled(jobId)` resolves once the runner has finished with the job for good (no retry pending). */
async function exercise(database: Database, queue: JobQueue, settled: (jobId: string) => Promise<void>) {
  const { firm } = await createFirm(database);
  const notes = async () => (await database.db.select().from(activities).where(eq(activities.firmId, firm.id))).map((a) => `${a.summary}@${(a.details as { attempt: number }).attempt}`).sort();

  // Plain run, retry after transient failures, Retry-After delay, payload validation.
  await queue.enqueue(recordActivity, { firmId: firm.id, note: 'plain', failTimes: 0, retryLater: false });
  await queue.enqueue(recordActivity, { firmId: firm.id, note: 'flaky', failTimes: 2, retryLater: false });
  await queue.enqueue(recordActivity, { firmId: firm.id, note: 'delayed', failTimes: 0, retryLater: true });
  const refusedId = await queue.enqueue(recordActivity, { firmId: firm.id, note: 'refuse', failTimes: 0, retryLater: false });
  await expect(queue.enqueue(recordActivity, { firmId: 'not-a-uuid', note: '', failTimes: 0, retryLater: false })).rejects.toThrow();

  // The same stable id twice is one job.
  const stable = `stable-${randomUUID()}`;
  await queue.enqueue(recordActivity, { firmId: firm.id, note: 'once', failTimes: 0, retryLater: false }, { jobId: stable });
  await queue.enqueue(recordActivity, { firmId: firm.id, note: 'once', failTimes: 0, retryLater: false }, { jobId: stable });

  const done = await waitFor(async () => {
    const n = await notes();
    return n.length >= 4 ? n : undefined;
  });
  expect(done).toEqual(['delayed@1', 'flaky@3', 'once@1', 'plain@1']);

  // The permanent failure ran once and was recorded as failed.
  const refused = await waitFor(async () => {
    const rows = await database.db.select().from(jobEvents).where(eq(jobEvents.jobId, refusedId));
    return rows.length ? rows : undefined;
  });
  await settled(refusedId);
  const after = await database.db.select().from(jobEvents).where(eq(jobEvents.jobId, refusedId));
  expect(after.map((r) => r.status)).toEqual(['failed']);
  expect(refused.map((r) => r.status)).toEqual(['failed']);
  expect(await notes()).toHaveLength(4);
}

describe('jobs in-process', () => {
  it('run definitions with retries, delays, dedupe and validation', async () => {
    const database = await memoryDatabase();
    const queue = new InlineQueue({ db: database.db, log });
    try {
      await exercise(database, queue, () => queue.idle());
    } finally {
      await queue.close();
      await database.close();
    }
  });
});

describeWith(['pg', 'redis'], 'jobs on BullMQ with real Redis', () => {
  it('run the same definitions with the same behaviour', async () => {
    const database = await testDatabase();
    const queue = new BullQueue({ db: database.db, log, redisUrl: services.redisUrl, definitions: [recordActivity] }, `arcus-test-${randomUUID()}`);
    queue.startWorker(2);
    try {
      await exercise(database, queue, async (jobId) => {
        // BullMQ marks a job failed only when no attempt is left (UnrecoverableError: at once).
        await waitFor(async () => ((await (await queue.queue.getJob(jobId))?.getState()) === 'failed' ? true : undefined));
      });
    } finally {
      await queue.queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
