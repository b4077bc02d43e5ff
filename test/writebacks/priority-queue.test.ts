/**
 * Write-backs are queued by kind (issue #15): a debtor's payment is picked up before credit notes
 * and fees, those before pay links, pay links before notes — on BullMQ (job priority, real Redis)
 * and on the in-process queue (its ready list), whatever order they were requested in.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { BullQueue } from '../../jobs/bullmq-queue';
import { defineJob } from '../../jobs/define';
import { InlineQueue } from '../../jobs/inline-queue';
import type { Database } from '../../server/db/client';
import { createLogger } from '../../server/logger';
import { writebackQueuePriority } from '../../server/writebacks/enqueue';
import { WRITEBACK_KINDS, type WritebackKind } from '../../server/writebacks/types';
import { testDatabase } from '../support/db';
import { describeWith, services } from '../support/services';
import { until } from '../support/until';

const log = createLogger('silent');
/** Requested in the worst order: notes first, the payment last. */
const REQUESTED: WritebackKind[] = ['note', 'note', 'pay_link', 'note', 'late_fee', 'pay_link', 'credit_note', 'note', 'payment'];
const EXPECTED: WritebackKind[] = ['payment', 'late_fee', 'credit_note', 'pay_link', 'pay_link', 'note', 'note', 'note', 'note'];

function recorder() {
  const order: string[] = [];
  const holding = { now: false };
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const job = defineJob({
    name: `test.priority.${randomUUID().slice(0, 8)}`,
    schema: z.object({ label: z.string() }),
    attempts: 1,
    async handler(p) {
      // The first job holds the only worker until everything else is queued.
      if (p.label === 'first') {
        holding.now = true;
        await gate;
      } else order.push(p.label);
    },
  });
  return { order, open, job, holding };
}

it('every kind has a queue priority, payments the most urgent and notes the least', () => {
  const p = (k: WritebackKind) => writebackQueuePriority(k)!;
  for (const k of WRITEBACK_KINDS) expect(p(k)).toBeGreaterThanOrEqual(1);
  expect(p('payment')).toBeLessThan(p('credit_note'));
  expect(p('credit_note')).toBe(p('late_fee'));
  expect(p('late_fee')).toBeLessThan(p('pay_link'));
  expect(p('pay_link')).toBeLessThan(p('note'));
});

describeWith('pg', 'the in-process queue starts the most urgent ready job first', () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabase();
  });

  it('with one slot busy, queued write-backs start payment → credits and fees → pay links → notes', async () => {
    const r = recorder();
    const queue = new InlineQueue({ db: database.db, log, definitions: [r.job as never], concurrency: 1 });
    try {
      await queue.enqueue(r.job, { label: 'first' });
      // Let the first one start and hold the only slot: its handler is waiting at the gate (the
      // queue's own count goes up before the job's scope is looked up in the database).
      await until(async () => (r.holding.now ? true : null), 10_000, 'the first job to hold the slot');
      for (const [i, kind] of REQUESTED.entries()) await queue.enqueue(r.job, { label: `${kind}` }, { jobId: `j${i}`, priority: writebackQueuePriority(kind) });
      // Each enqueue joins the ready line on a timer tick: open the gate only once all of them wait
      // there (on a loaded machine the first job could otherwise finish between two ticks and start
      // whichever had joined so far).
      await until(async () => ((queue as unknown as { ready: unknown[] }).ready.length === REQUESTED.length ? true : null), 10_000, 'every job to wait in line');
      r.open();
      await queue.idle(10_000);
      expect(r.order).toEqual(EXPECTED);
    } finally {
      await queue.close();
    }
  });
});

describeWith(['pg', 'redis'], 'BullMQ serves write-backs by priority', () => {
  let database: Database;
  let queue: BullQueue;
  const r = recorder();
  beforeAll(async () => {
    database = await testDatabase();
    queue = new BullQueue({ db: database.db, log, redisUrl: services.redisUrl!, definitions: [r.job as never] }, `arcus-test-${randomUUID()}`);
  });
  afterAll(async () => {
    await queue?.queue.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
  });

  it('with one worker busy, waiting write-backs run payment → credits and fees → pay links → notes', async () => {
    await queue.enqueue(r.job, { label: 'first' }, { jobId: 'first' });
    queue.startWorker(1);
    await until(async () => ((await queue.queue.getActiveCount()) === 1 ? true : null));
    for (const [i, kind] of REQUESTED.entries()) await queue.enqueue(r.job, { label: kind }, { jobId: `j${i}`, priority: writebackQueuePriority(kind) });
    r.open();
    await until(async () => (r.order.length === REQUESTED.length ? true : null), 20_000, 'every queued job to run');
    expect(r.order).toEqual(EXPECTED);
  });
});
