/**
 * Jobs on BullMQ (REDIS_URL set): the web process only enqueues; the `worker` process runs
 * the handlers. Ordinary failures use BullMQ's exponential backoff; RetryLaterError moves the
 * job to delayed (e.g. honouring a ledger's Retry-After) without spending an attempt;
 * PermanentJobError becomes UnrecoverableError.
 */
import { DelayedError, Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Db } from '../server/db/client';
import type { Logger } from '../server/logger';
import type { JobName, JobPayloads } from '../server/queue';
import type { Services } from '../server/services';
import { type EnqueueOptions, type JobDefinition, type JobQueue, PermanentJobError, RetryLaterError } from './define';
import { RedisSlots, type Slot } from './firm-slots';
import { firmOfPayload, noServices, runJob } from './run';

export const DEFAULT_QUEUE_NAME = 'arcus';

export function redisConnection(url: string): Redis {
  // BullMQ needs maxRetriesPerRequest: null on a connection it shares between queue and workers.
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/**
 * Where the queue's keys live and how a dead worker is noticed (config.queue): a job whose lock
 * lapses (WORKER_LOCK_DURATION_MS) is found by the next stalled check (WORKER_STALLED_INTERVAL_MS)
 * and run again, up to WORKER_MAX_STALLED_COUNT times (BullMQ's default is 1: a second crash
 * failed the job). A sync job resumes from its run's cursor each time.
 */
export interface BullSettings {
  prefix: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** Jobs this worker runs at once (WORKER_CONCURRENCY; default 5). */
  concurrency?: number;
  /** A `perFirm` job's running copies per firm across every worker (WORKER_FIRM_CONCURRENCY; default 10). */
  firmConcurrency?: number;
  /** How long a job that found its firm's slots full waits at the back of the queue (WORKER_FIRM_RETRY_MS; default 2 s). */
  firmRetryMs?: number;
}

export const DEFAULT_BULL_SETTINGS: BullSettings = { prefix: 'bull', lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxStalledCount: 10, concurrency: 5, firmConcurrency: 10, firmRetryMs: 2_000 };

export class BullQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly connection: Redis;
  private readonly settings: BullSettings;

  constructor(
    private readonly deps: { db: Db; log: Logger; redisUrl: string; definitions: JobDefinition<unknown>[]; services?: () => Services; settings?: BullSettings },
    readonly name: string = DEFAULT_QUEUE_NAME,
  ) {
    this.settings = deps.settings ?? DEFAULT_BULL_SETTINGS;
    this.connection = redisConnection(deps.redisUrl);
    this.queue = new Queue(name, { connection: this.connection, prefix: this.settings.prefix });
  }

  async enqueue<P>(def: JobDefinition<P>, payload: P, options: EnqueueOptions = {}): Promise<string> {
    const data = def.schema.parse(payload);
    const job = await this.queue.add(def.name, data, {
      jobId: options.jobId,
      delay: options.delayMs,
      ...(options.priority ? { priority: options.priority } : {}),
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

  /**
   * A slot of the job's firm for a `perFirm` job (docs/decisions/051), null when the job needs
   * none; `'full'` when the firm's slots are all held. Leases last a few lock periods and are
   * renewed while the job runs, so a killed worker's slots come back about when its jobs do.
   */
  private async firmSlot(def: JobDefinition<unknown>, job: Job): Promise<{ slot: Slot; key: string } | null | 'full'> {
    if (!def.perFirm || !this.slots) return null;
    const firmId = await firmOfPayload(this.deps.db, job.data);
    if (!firmId) return null;
    const key = `${def.name}:${firmId}`;
    const slot = await this.slots.acquire(key, job.id!);
    return slot ? { slot, key } : 'full';
  }

  /**
   * After a slot is given back: the firm's oldest waiting jobs, as many as there are free slots,
   * leave their retry delay now and join the wait list (a free slot is theirs, not a later job's;
   * jobs/firm-slots.ts) instead of the slot idling until their delay runs out.
   */
  private async wakeWaiters(key: string): Promise<void> {
    const slots = this.slots;
    if (!slots) return;
    const free = (this.settings.firmConcurrency ?? 10) - (await slots.holders(key));
    for (const id of await slots.waiting(key, free)) {
      const waiting = await Job.fromId(this.queue, id);
      if (waiting && (await waiting.isDelayed())) await waiting.promote().catch(() => undefined);
    }
  }

  private slots: RedisSlots | null = null;
  private slotConnection: Redis | null = null;

  /** Start processing (the worker process; tests). */
  startWorker(concurrency = this.settings.concurrency ?? 5): Worker {
    const byName = new Map(this.deps.definitions.map((d) => [d.name, d]));
    this.slotConnection = redisConnection(this.deps.redisUrl);
    const retryMs = this.settings.firmRetryMs ?? 2_000;
    const leaseMs = Math.max(1_000, this.settings.lockDurationMs);
    // A waiting job's ticket outlives many of its retries (and a long wait list) before it lapses.
    this.slots = new RedisSlots(this.slotConnection, { prefix: `${this.settings.prefix}:${this.name}`, limit: this.settings.firmConcurrency ?? 10, leaseMs, ticketMs: Math.max(leaseMs, retryMs * 20) });
    this.worker = new Worker(
      this.name,
      async (job: Job, token?: string) => {
        const def = byName.get(job.name);
        if (!def) throw new UnrecoverableError(`no job definition named ${job.name}`);
        const held = await this.firmSlot(def, job);
        if (held === 'full') {
          // Other firms' jobs go first; this one keeps its place in its firm's line and asks again
          // from the back of the queue (no attempt spent), or sooner when a slot is given back.
          await job.moveToDelayed(Date.now() + retryMs + Math.floor(Math.random() * (retryMs / 2)), token);
          throw new DelayedError();
        }
        try {
          await runJob(def, job.data, { db: this.deps.db, log: this.deps.log, queue: this, services: this.deps.services ?? noServices }, job.id!, job.attemptsMade + 1);
        } catch (err) {
          if (err instanceof RetryLaterError) {
            await job.moveToDelayed(Date.now() + err.delayMs, token);
            throw new DelayedError();
          }
          if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
          throw err;
        } finally {
          if (held) {
            await held.slot.release();
            await this.wakeWaiters(held.key).catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'could not wake the jobs waiting for a firm slot'));
          }
        }
      },
      {
        // Each job records which process ran it (Job.processedBy): host and pid.
        name: `${hostname()}:${process.pid}`,
        connection: redisConnection(this.deps.redisUrl),
        concurrency,
        prefix: this.settings.prefix,
        lockDuration: this.settings.lockDurationMs,
        stalledInterval: this.settings.stalledIntervalMs,
        maxStalledCount: this.settings.maxStalledCount,
      },
    );
    this.worker.on('error', (err) => this.deps.log.error({ err: err.message }, 'worker error'));
    this.worker.on('stalled', (jobId) => this.deps.log.warn({ jobId }, 'job stalled (its worker stopped): running it again'));
    return this.worker;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.connection.disconnect();
    this.slotConnection?.disconnect();
  }
}
