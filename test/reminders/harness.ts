/**
 * Test support for reminders: an in-process SMTP server capturing every message (with the
 * simulated time it arrived), and a driver that runs the reminder engine the way the jobs do —
 * runs every 15 minutes, a queue of sends and notes, delayed retries — on an injected clock,
 * with crash points that stop the "worker" and throw its in-memory queue away.
 */
import type { ParsedMail } from 'mailparser';
import { startSmtpCapture } from '../../integrations/email/smtp-server';
import { type Mailer, smtpMailer } from '../../integrations/email/transport';
import type { Db } from '../../server/db/client';
import { bareMessageId } from '../../server/email/embedded';
import type { Logger } from '../../server/logger';
import { type CrashPoint, type ReminderDeps, type ReminderEnv, SimulatedCrash } from '../../server/reminders/deps';
import { writeLedgerNote } from '../../server/reminders/ledger-notes';
import { runOrganisation } from '../../server/reminders/run';
import { sendReminder } from '../../server/reminders/send';

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

export interface CrashPlan {
  /** Called at every crash point; true stops the worker there. */
  shouldCrash(point: CrashPoint): boolean;
}

interface Pending {
  kind: 'send' | 'note';
  id: string;
  notBefore: number;
  attempt: number;
}

export interface DriverStats {
  ticks: number;
  crashes: Partial<Record<CrashPoint, number>>;
  sendResults: Record<string, number>;
  noteResults: Record<string, number>;
}

/** Runs the engine like the jobs do: a tick per organisation, then the queue until it is empty. */
export class Driver {
  private queue: Pending[] = [];
  private crashing = false;
  readonly stats: DriverStats = { ticks: 0, crashes: {}, sendResults: {}, noteResults: {} };

  constructor(
    private readonly base: { db: Db; log: Logger; env: ReminderEnv; crash?: CrashPlan },
  ) {}

  now(): Date {
    return this.base.env.now();
  }

  deps(): ReminderDeps {
    const plan = this.base.crash;
    return {
      ...this.base.env,
      db: this.base.db,
      log: this.base.log,
      crash: plan
        ? (point) => {
            if (this.crashing || !plan.shouldCrash(point)) return;
            this.stats.crashes[point] = (this.stats.crashes[point] ?? 0) + 1;
            throw new SimulatedCrash(point);
          }
        : undefined,
      enqueueSend: async (id, attempt) => this.push({ kind: 'send', id, notBefore: 0, attempt }),
      enqueueNote: async (id, attempt) => this.push({ kind: 'note', id, notBefore: 0, attempt: attempt ?? 0 }),
    };
  }

  private push(p: Pending): void {
    if (!this.queue.some((q) => q.kind === p.kind && q.id === p.id)) this.queue.push(p);
  }

  /** The worker died: everything it held in memory is gone. */
  private kill(): void {
    this.queue = [];
  }

  async tick(organisationIds: string[]): Promise<void> {
    this.stats.ticks++;
    for (const id of organisationIds) {
      try {
        await runOrganisation(this.deps(), id);
      } catch (err) {
        if (!(err instanceof SimulatedCrash)) throw err;
        this.kill();
      }
    }
    await this.drain();
  }

  async drain(): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      const t = this.now().getTime();
      const i = this.queue.findIndex((q) => q.notBefore <= t);
      if (i < 0) return;
      const job = this.queue.splice(i, 1)[0]!;
      try {
        if (job.kind === 'send') {
          const r = await sendReminder(this.deps(), job.id);
          this.stats.sendResults[r.outcome] = (this.stats.sendResults[r.outcome] ?? 0) + 1;
          if (r.outcome === 'deferred') this.queue.push({ ...job, notBefore: r.until?.getTime() ?? t + 3_600_000 });
          if (r.outcome === 'retry') this.queue.push({ ...job, attempt: job.attempt + 1, notBefore: t + 30_000 * 2 ** job.attempt });
        } else {
          const r = await writeLedgerNote(this.deps(), job.id);
          this.stats.noteResults[r.outcome] = (this.stats.noteResults[r.outcome] ?? 0) + 1;
          if (r.outcome === 'retry') this.queue.push({ ...job, attempt: job.attempt + 1, notBefore: t + (r.delayMs ?? 60_000 * 2 ** job.attempt) });
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
