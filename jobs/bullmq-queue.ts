/**
 * Jobs on BullMQ (REDIS_URL set): the web process only enqueues; the `worker` process runs
 * the handlers. Ordinary failures use BullMQ's exponential backoff; RetryLaterError moves the
 * job to delayed (e.g. honouring a ledger's Retry-After) without spending an attempt;
 * PermanentJobError becomes UnrecoverableError.
 */
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Db } from '../server/db/client';
import type { Logger } from '../server/logger';
import type { JobName, JobPayloads } from '../server/queue';
import type { Services } from '../server/services';
import { type EnqueueOptions, type JobDefinition, type JobQueue, PermanentJobError, RetryLaterError } from './define';
import { noServices, runJob } from './run';

export const DEFAULT_QUEUE_NAME = 'arcus';

export function redisConnection(url: string): Redis {
  // BullMQ needs maxRetriesPerRequest: null on a connection it shares between queue and workers.
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

export class BullQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly connection: Redis;

  constructor(
    private readonly deps: { db: Db; log: Logger; redisUrl: string; definitions: JobDefinition<unknown>[]; services?: () => Services },
    readonly name: string = DEFAULT_QUEUE_NAME,
  ) {
    this.connection = redisConnection(deps.redisUrl);
    this.queue = new Queue(name, { connection: this.connection });
  }

  async enqueue<P>(def: JobDefinition<P>, payload: P, options: EnqueueOptions = {}): Promise<string> {
    const data = def.schema.parse(payload);
    const job = await this.queue.add(def.name, data, {
      jobId: options.jobId,
      delay: options.delayMs,
      attempts: def.attempts,
      backoff: { type: 'exponential', delay: def.backoffMs },
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 7 * 86_400 },
    });
    return job.id!;
  }

  request<N extends JobName>(name: N, payload: JobPayloads[N], options?: EnqueueOptions): Promise<string> {
    const def = this.deps.definitions.find((d) => d.name === name);
    if (!def) return Promise.reject(new Error(`no job named ${name} on this queue`));
    return this.enqueue(def, payload, options);
  }

  async schedule<P>(def: JobDefinition<P>, payload: P, options: { id: string; everyMs: number }): Promise<void> {
    await this.queue.upsertJobScheduler(options.id, { every: options.everyMs }, { name: def.name, data: def.schema.parse(payload), opts: { attempts: def.attempts, backoff: { type: 'exponential', delay: def.backoffMs } } });
  }

  async unschedule(id: string): Promise<void> {
    await this.queue.removeJobScheduler(id);
  }

  /** Start processing (the worker process; tests). */
  startWorker(concurrency = 5): Worker {
    const byName = new Map(this.deps.definitions.map((d) => [d.name, d]));
    this.worker = new Worker(
      this.name,
      async (job: Job, token?: string) => {
        const def = byName.get(job.name);
        if (!def) throw new UnrecoverableError(`no job definition named ${job.name}`);
        try {
          await runJob(def, job.data, { db: this.deps.db, log: this.deps.log, queue: this, services: this.deps.services ?? noServices }, job.id!, job.attemptsMade + 1);
        } catch (err) {
          if (err instanceof RetryLaterError) {
            await job.moveToDelayed(Date.now() + err.delayMs, token);
            throw new DelayedError();
          }
          if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      { connection: redisConnection(this.deps.redisUrl), concurrency },
    );
    this.worker.on('error', (err) => this.deps.log.error({ err: err.message }, 'worker error'));
    return this.worker;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.connection.disconnect();
  }
}
