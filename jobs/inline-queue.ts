/**
 * Jobs in the web process (embedded mode, no Redis): the same definitions and retry rules as
 * BullMQ, run on the event loop. Pending ids are deduplicated like BullMQ job ids. At most
 * `concurrency` jobs run at once; the next to start is the most urgent ready one, as BullMQ
 * orders them: jobs without a priority first, then by priority (1 first), then in order of arrival.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../server/db/client';
import type { Logger } from '../server/logger';
import type { JobName, JobPayloads } from '../server/queue';
import type { Services } from '../server/services';
import { backoffDelay, type EnqueueOptions, type JobDefinition, type JobQueue, PermanentJobError, RetryLaterError } from './define';
import { allJobs } from './registry';
import { noServices, runJob } from './run';

export class InlineQueue implements JobQueue {
  readonly kind = 'inline' as const;
  private readonly pending = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly schedules = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  /** Ready to run, waiting for a free slot. */
  private readonly ready: { priority: number; seq: number; start: () => void }[] = [];
  private seq = 0;
  private active = 0;
  private readonly concurrency: number;
  private closed = false;

  private readonly byName: Map<string, JobDefinition<unknown>>;

  constructor(private readonly deps: { db: Db; log: Logger; services?: () => Services; definitions?: JobDefinition<unknown>[]; concurrency?: number }) {
    this.byName = new Map((deps.definitions ?? allJobs).map((d) => [d.name, d]));
    this.concurrency = deps.concurrency ?? 10;
  }

  request<N extends JobName>(name: N, payload: JobPayloads[N], options?: EnqueueOptions): Promise<string> {
    const def = this.byName.get(name);
    if (!def) return Promise.reject(new Error(`no job named ${name} on this queue`));
    return this.enqueue(def, payload, options);
  }

  async enqueue<P>(def: JobDefinition<P>, payload: P, options: EnqueueOptions = {}): Promise<string> {
    const parsed = def.schema.parse(payload);
    const jobId = options.jobId ?? randomUUID();
    if (this.pending.has(jobId)) return jobId;
    this.pending.add(jobId);
    const priority = options.priority ?? 0;
    this.later(options.delayMs ?? 0, () => this.whenFree(priority, () => this.attempt(def as JobDefinition<unknown>, parsed, jobId, 1, priority)));
    return jobId;
  }

  /** Start `start` now if a slot is free, or when one is, most urgent first. */
  private whenFree(priority: number, start: () => void): void {
    const p = priority > 0 ? priority : 0;
    const item = { priority: p, seq: this.seq++, start };
    const at = this.ready.findIndex((x) => x.priority > p);
    if (at < 0) this.ready.push(item);
    else this.ready.splice(at, 0, item);
    this.next();
  }

  private next(): void {
    while (!this.closed && this.active < this.concurrency && this.ready.length > 0) {
      this.active++;
      this.ready.shift()!.start();
    }
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private attempt(def: JobDefinition<unknown>, payload: unknown, jobId: string, attempt: number, priority: number): void {
    const again = (ms: number, n: number) => this.later(ms, () => this.whenFree(priority, () => this.attempt(def, payload, jobId, n, priority)));
    const p = runJob(def, payload, { db: this.deps.db, log: this.deps.log, services: this.deps.services ?? noServices, queue: this }, jobId, attempt).then(
      () => {
        this.pending.delete(jobId);
      },
      (err: unknown) => {
        if (err instanceof RetryLaterError) return again(err.delayMs, attempt);
        if (err instanceof PermanentJobError || attempt >= def.attempts) {
          this.pending.delete(jobId);
          return;
        }
        again(backoffDelay(def, attempt), attempt + 1);
      },
    );
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      this.active--;
      this.next();
    });
  }

  async schedule<P>(def: JobDefinition<P>, payload: P, options: { id: string; everyMs: number }): Promise<void> {
    await this.unschedule(options.id);
    const t = setInterval(() => void this.enqueue(def, payload, { jobId: `${options.id}:${Date.now()}` }), options.everyMs);
    t.unref();
    this.schedules.set(options.id, t);
  }

  async unschedule(id: string): Promise<void> {
    const t = this.schedules.get(id);
    if (t) clearInterval(t);
    this.schedules.delete(id);
  }

  /** Resolves when nothing is pending (tests, graceful shutdown). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.pending.size > 0 || this.running.size > 0 || this.ready.length > 0) {
      if (Date.now() > until) throw new Error(`jobs still pending after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const t of this.schedules.values()) clearInterval(t);
    await Promise.allSettled([...this.running]);
  }
}
