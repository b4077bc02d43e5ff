/**
 * Domain errors: one table maps each kind to an HTTP status; the job runner turns a kind that a
 * retry cannot change into a permanent failure (one attempt), on both runners.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DOMAIN_ERROR_KINDS, DomainError, type DomainErrorKind, isRetryableKind, unavailable, validationFailed } from '../../kernel/errors';
import { BullQueue } from '../../jobs/bullmq-queue';
import { defineJob, PermanentJobError } from '../../jobs/define';
import { InlineQueue } from '../../jobs/inline-queue';
import { asRunnerFailure } from '../../jobs/run';
import type { Database } from '../../server/db/client';
import { jobEvents } from '../../server/db/schema';
import { STATUS_BY_KIND } from '../../server/http/errors';
import { createLogger } from '../../server/logger';
import type { Arcus } from '../../root/runtime';
import { parseRequest } from '../../server/writebacks/rules';
import { apiClient, startTestApp } from '../support/app';
import { memoryDatabase, testDatabase } from '../support/db';
import { describeWith, services } from '../support/services';
import { until } from '../support/until';

const log = createLogger('silent');

describe('the kind → status table', () => {
  it('gives every kind the status the API has always answered', () => {
    const expected: Record<DomainErrorKind, number> = {
      validation_failed: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      payload_too_large: 413,
      unsupported_media_type: 415,
      unprocessable: 422,
      rate_limited: 429,
      upstream_failed: 502,
      unavailable: 503,
    };
    expect(STATUS_BY_KIND).toEqual(expected);
    expect(Object.keys(STATUS_BY_KIND).sort()).toEqual([...DOMAIN_ERROR_KINDS].sort());
  });

  it('answers the kind as the code unless a more specific one is named', () => {
    expect(new DomainError('not_found', 'No such invoice.')).toMatchObject({ kind: 'not_found', code: 'not_found', message: 'No such invoice.' });
    expect(validationFailed('amount: too big', 'invalid_writeback')).toMatchObject({ kind: 'validation_failed', code: 'invalid_writeback' });
  });

  it('retries only what may pass later', () => {
    expect(DOMAIN_ERROR_KINDS.filter(isRetryableKind).sort()).toEqual(['rate_limited', 'unavailable', 'upstream_failed']);
    const final = asRunnerFailure(validationFailed('date: must be in the future'));
    expect(final).toBeInstanceOf(PermanentJobError);
    expect((final as Error).message).toBe('validation_failed: date: must be in the future');
    const busy = unavailable('The mail server is busy.');
    expect(asRunnerFailure(busy)).toBe(busy);
    const plain = new Error('socket hang up');
    expect(asRunnerFailure(plain)).toBe(plain);
  });
});

/** A job whose handler calls a real service that refuses its input, and one that is busy once. */
const calls = new Map<string, number>();
const badWriteback = defineJob({
  name: 'test.domain-error.bad-writeback',
  schema: z.object({ amount: z.string() }),
  attempts: 3,
  backoffMs: 20,
  async handler(payload, { jobId }) {
    calls.set(jobId, (calls.get(jobId) ?? 0) + 1);
    parseRequest('payment', { amount: payload.amount });
  },
});
const busyOnce = defineJob({
  name: 'test.domain-error.busy-once',
  schema: z.object({}),
  attempts: 3,
  backoffMs: 20,
  async handler(_payload, { jobId, attempt }) {
    calls.set(jobId, (calls.get(jobId) ?? 0) + 1);
    if (attempt === 1) throw unavailable('The mail server is busy.', 'mail_failed');
  },
});

async function events(database: Database, jobId: string) {
  return (await database.db.select().from(jobEvents).where(eq(jobEvents.jobId, jobId))).map((r) => ({ status: r.status, attempt: r.attempt, detail: r.detail }));
}

describe('a domain error inside a job on the inline queue', () => {
  it('is a permanent failure when a retry cannot help, and retried when it can', async () => {
    const database = await memoryDatabase();
    const queue = new InlineQueue({ db: database.db, log });
    try {
      const bad = await queue.enqueue(badWriteback, { amount: 'twelve' });
      const busy = await queue.enqueue(busyOnce, {});
      // idle() waits out every retry and backoff, so a second attempt would be seen here.
      await queue.idle();
      expect(calls.get(bad)).toBe(1);
      const badEvents = await events(database, bad);
      expect(badEvents).toEqual([{ status: 'failed', attempt: 1, detail: expect.stringMatching(/^payment: /) }]);
      expect(calls.get(busy)).toBe(2);
      expect((await events(database, busy)).map((e) => `${e.status}@${e.attempt}`).sort()).toEqual(['completed@2', 'failed@1']);
    } finally {
      await queue.close();
      await database.close();
    }
  });
});

describeWith(['pg', 'redis'], 'a domain error inside a job on BullMQ', () => {
  it('is a permanent failure when a retry cannot help, and retried when it can', async () => {
    const database = await testDatabase();
    const queue = new BullQueue({ db: database.db, log, redisUrl: services.redisUrl, definitions: [badWriteback, busyOnce] }, `arcus-test-${randomUUID()}`);
    queue.startWorker(2);
    try {
      const bad = await queue.enqueue(badWriteback, { amount: 'twelve' }, { jobId: `bad-${randomUUID()}` });
      const busy = await queue.enqueue(busyOnce, {}, { jobId: `busy-${randomUUID()}` });
      // 'failed' is BullMQ's final state: between attempts a job is delayed or waiting, never failed.
      const failed = await until(async () => {
        const job = await queue.queue.getJob(bad);
        return job && (await job.getState()) === 'failed' ? job : null;
      }, 30_000, 'the bad job to fail for good');
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toMatch(/^invalid_writeback: payment: /);
      expect(calls.get(bad)).toBe(1);
      expect(await events(database, bad)).toEqual([{ status: 'failed', attempt: 1, detail: expect.stringMatching(/^payment: /) }]);

      await until(async () => {
        const job = await queue.queue.getJob(busy);
        return job && (await job.getState()) === 'completed';
      }, 30_000, 'the busy job to complete');
      expect(calls.get(busy)).toBe(2);
      expect((await events(database, busy)).map((e) => `${e.status}@${e.attempt}`).sort()).toEqual(['completed@2', 'failed@1']);
    } finally {
      await queue.queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

describeWith('pg', 'domain errors at the HTTP edge', () => {
  let arcus: Arcus;
  let call: ReturnType<typeof apiClient>;
  let csrf: string;

  beforeAll(async () => {
    arcus = await startTestApp('domain-errors', await testDatabase());
    call = apiClient(`${arcus.url}/api`);
  }, 120_000);
  afterAll(async () => {
    await arcus?.close();
  });

  it('answers the same status, code and message as before', async () => {
    expect(await call('/writebacks')).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated', message: 'Sign in to continue.' } } });
    csrf = (await call('/session')).body.csrfToken;
    expect(await call('/auth/demo', { method: 'POST' })).toMatchObject({ status: 403, body: { error: { code: 'csrf_failed', message: 'This page has expired. Reload the page and try again.' } } });
    const signedIn = await call('/auth/demo', { method: 'POST', csrf });
    expect(signedIn.status).toBe(200);
    csrf = signedIn.body.csrfToken;

    // Thrown by a service (server/writebacks/manage.ts), answered by the edge's table.
    expect(await call(`/writebacks/${randomUUID()}/retry`, { method: 'POST', csrf })).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'No such write-back in this firm.' } } });
    expect(await call('/writebacks/not-an-id')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', message: 'This item does not exist. Reload the page and try again.', fields: [{ field: 'id', message: 'This item does not exist. Reload the page and try again.' }] } } });
    // No path repeated back (it can hold ids): words only.
    expect(await call('/no-such-route')).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'There is nothing at this address.' } } });
  });
});
