/**
 * Test support for reminders: an in-process SMTP server capturing every message (with the
 * simulated time it arrived), and a driver that runs the reminder engine the way the jobs do —
 * runs every 15 minutes, a queue of sends and write-backs (a sent reminder's ledger notes), the
 * write-back sweep, delayed retries — on an injected clock, with crash points in both engines
 * that stop the "worker" and throw its in-memory queue away.
 */
import { and, inArray } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { startSmtpCapture } from '../../integrations/email/smtp-server';
import { type Mailer, smtpMailer } from '../../integrations/email/transport';
import type { Db } from '../../server/db/client';
import { writebacks } from '../../server/db/schema';
import { bareMessageId } from '../../server/email/embedded';
import type { LedgerGateway } from '../../server/ledger/gateway';
import type { Logger } from '../../server/logger';
import { type CrashPoint, type ReminderDeps, type ReminderEnv, SimulatedCrash } from '../../server/reminders/deps';
import { runOrganisation } from '../../server/reminders/run';
import { sendReminder } from '../../server/reminders/send';
import { sendDue } from '../../server/reminders/send-batch';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import type { WritebackCrashPoint, WritebackDeps } from '../../server/writebacks/types';

export interface Captured {
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
  at: Date;
}

export interface Capture {
  messages: Captured[];
  /** smtp://… of the capturing server (for a worker process). */
  url: string;
  mailer: Mailer;
  /** The same server, without the "did it arrive?" probe (a plain SMTP relay). */
  plainMailer: Mailer;
  rejected: string[];
  close(): Promise<void>;
}

export async function startCapture(opts: { now: () => Date; reject?: (address: string) => string | { code: number; message: string } | null }): Promise<Capture> {
  const messages: Captured[] = [];
  const rejected: string[] = [];
  const smtp = await startSmtpCapture({
    rejectRecipient: (a) => {
      const r = opts.reject ? opts.reject(a) : /\.invalid$/i.test(a) ? 'no such domain' : null;
      if (r) rejected.push(a);
      return r;
    },
    async onMessage(mail) {
      const p: ParsedMail = mail.parsed;
      messages.push({ messageId: bareMessageId(p.messageId) ?? '', to: mail.envelopeTo.map((a) => a.toLowerCase()).sort(), subject: p.subject ?? '', text: p.text ?? '', html: typeof p.html === 'string' ? p.html : '', headers: p.headers, at: opts.now() });
    },
  });
  const delivered = async (id: string) => messages.some((m) => m.messageId === bareMessageId(id));
  const mailer = smtpMailer(smtp.url, { delivered });
  const plainMailer = smtpMailer(smtp.url);
  return {
    messages,
    url: smtp.url,
    mailer,
    plainMailer,
    rejected,
    async close() {
      await mailer.close();
      await plainMailer.close();
      await smtp.close();
    },
  };
}

export type AnyCrashPoint = CrashPoint | WritebackCrashPoint;

export interface CrashPlan {
  /** Called at every crash point (reminder and write-back engines); true stops the worker there. */
  shouldCrash(point: AnyCrashPoint): boolean;
}

interface Pending {
  /** `batch`: an organisation's claimed reminders, in batches (send-batch.ts); `id` is the organisation. */
  kind: 'send' | 'batch' | 'writeback';
  id: string;
  notBefore: number;
  attempt: number;
}

export interface DriverStats {
  ticks: number;
  crashes: Partial<Record<AnyCrashPoint, number>>;
  sendResults: Record<string, number>;
  writebackResults: Record<string, number>;
}

/** The write-back sweep's quiet time (jobs: every minute). */
const SWEEP_QUIET_MS = 60_000;

/**
 * Runs the engines like the jobs do: a tick per organisation plus the write-back sweep, then the
 * queue until it is empty. With a ledger, write-backs (the notes of sent reminders) run against
 * it; without one they are requested and left pending, as on a server with no ledger.
 */
export class Driver {
  private queue: Pending[] = [];
  private crashing = true;
  readonly stats: DriverStats = { ticks: 0, crashes: {}, sendResults: {}, writebackResults: {} };

  constructor(
    /** `batches: false`: one `reminders.send` per claim (the path before batches); default: batch jobs, as the jobs run. */
    private readonly base: { db: Db; log: Logger; env: ReminderEnv; crash?: CrashPlan; ledger?: LedgerGateway | null; batches?: boolean },
  ) {}

  now(): Date {
    return this.base.env.now();
  }

  /** From now on the worker is not killed any more (to let a run heal what the kills left). */
  stopCrashing(): void {
    this.crashing = false;
  }

  private crashHook<P extends AnyCrashPoint>(): ((point: P) => void) | undefined {
    const plan = this.base.crash;
    if (!plan) return undefined;
    return (point) => {
      if (!this.crashing || !plan.shouldCrash(point)) return;
      this.stats.crashes[point] = (this.stats.crashes[point] ?? 0) + 1;
      throw new SimulatedCrash(point);
    };
  }

  deps(): ReminderDeps {
    return {
      ...this.base.env,
      db: this.base.db,
      log: this.base.log,
      crash: this.crashHook<CrashPoint>(),
      enqueueSend: async (id, attempt) => this.push({ kind: 'send', id, notBefore: 0, attempt }),
      enqueueBatch: this.base.batches === false ? undefined : async (organisationId) => this.push({ kind: 'batch', id: organisationId, notBefore: 0, attempt: 0 }),
      enqueueWriteback: async (id) => {
        if (this.base.ledger) this.push({ kind: 'writeback', id, notBefore: 0, attempt: 0 });
      },
    };
  }

  writebackDeps(): WritebackDeps {
    return {
      db: this.base.db,
      log: this.base.log,
      ledger: this.base.ledger ?? null,
      now: () => this.now(),
      payLinks: this.base.env.payLinks,
      crash: this.crashHook<WritebackCrashPoint>(),
      enqueueExecute: async (id) => this.push({ kind: 'writeback', id, notBefore: 0, attempt: 0 }),
    };
  }

  /** The `writebacks.sweep` job, limited to these organisations (the test database is shared). */
  private async sweep(organisationIds: string[]): Promise<void> {
    if (!this.base.ledger || organisationIds.length === 0) return;
    const stuck = await stuckWritebacks(this.base.db, this.now(), SWEEP_QUIET_MS);
    if (stuck.length === 0) return;
    const mine = await this.base.db
      .select({ id: writebacks.id })
      .from(writebacks)
      .where(and(inArray(writebacks.id, stuck), inArray(writebacks.organisationId, organisationIds)));
    for (const r of mine) this.push({ kind: 'writeback', id: r.id, notBefore: 0, attempt: 0 });
  }

  private push(p: Pending): void {
    if (!this.queue.some((q) => q.kind === p.kind && q.id === p.id)) this.queue.push(p);
  }

  /** The worker died: everything it held in memory is gone. */
  private kill(): void {
    this.queue = [];
  }

  /** `between`: something that happens after the runs claimed and before their sends go (e.g. a payment arrives). */
  async tick(organisationIds: string[], between?: () => Promise<void>): Promise<void> {
    this.stats.ticks++;
    for (const id of organisationIds) {
      try {
        await runOrganisation(this.deps(), id);
      } catch (err) {
        if (!(err instanceof SimulatedCrash)) throw err;
        this.kill();
      }
    }
    await between?.();
    await this.sweep(organisationIds);
    await this.drain();
  }

  async drain(): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      const t = this.now().getTime();
      const i = this.queue.findIndex((q) => q.notBefore <= t);
      if (i < 0) return;
      const job = this.queue.splice(i, 1)[0]!;
      try {
        if (job.kind === 'batch') {
          const r = await sendDue(this.deps(), job.id);
          this.stats.sendResults['batch'] = (this.stats.sendResults['batch'] ?? 0) + 1;
          this.stats.sendResults['sent'] = (this.stats.sendResults['sent'] ?? 0) + r.sent;
          if (r.deferred) this.queue.push({ ...job, notBefore: r.deferred.until?.getTime() ?? t + 3_600_000 });
        } else if (job.kind === 'send') {
          const r = await sendReminder(this.deps(), job.id);
          this.stats.sendResults[r.outcome] = (this.stats.sendResults[r.outcome] ?? 0) + 1;
          if (r.outcome === 'deferred') this.queue.push({ ...job, notBefore: r.until?.getTime() ?? t + 3_600_000 });
          if (r.outcome === 'retry') this.queue.push({ ...job, attempt: job.attempt + 1, notBefore: t + 30_000 * 2 ** job.attempt });
        } else {
          const r = await executeWriteback(this.writebackDeps(), job.id);
          this.stats.writebackResults[r.outcome] = (this.stats.writebackResults[r.outcome] ?? 0) + 1;
          if (r.outcome === 'retry') this.queue.push({ ...job, attempt: job.attempt + 1, notBefore: t + (r.delayMs ?? 30_000 * 2 ** job.attempt) });
        }
      } catch (err) {
        if (!(err instanceof SimulatedCrash)) throw err;
        this.kill();
        return;
      }
    }
    throw new Error('the driver queue did not drain');
  }
}

export { mulberry32 as prng } from '../../server/domain/random';
