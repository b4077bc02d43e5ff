/**
 * What the reminder engine needs from the rest of Arcus, passed in so the jobs, the API, the
 * CLI, the bench and the 30-day simulation run the same code with their own mailer, clock and
 * queue. The engine writes nothing to a ledger: a sent reminder's notes are `note` write-backs
 * (server/writebacks). It reads one thing: just before a run claims its reminders, their
 * invoices, through the organisation's gateway (`ledger`, server/reminders/presend.ts). `crash`
 * lets the kill test stop a worker at the boundaries the engine controls.
 */
import type { Mailer } from '../../integrations/email/transport';
import type { SmsProvider } from '../../integrations/sms/provider';
import type { RequestSync } from '../connections/deps';
import type { Db } from '../db/client';
import type { LedgerGateway } from '../ledger/gateway';
import type { LinkContext } from '../pay/links';
import type { Logger } from '../logger';

/**
 * Where the kill test can stop a worker: after each durable step of the engine, before the next.
 * One message (`reminders.send`, and a batch's statements, texts, calls and taken-over sends):
 * `send.before-handoff` is after the mail server's 250, before it is recorded; `send.after-smtp`
 * after it is recorded. A batch (`reminders.send-batch`, send-batch.ts) has its own steps: the
 * batch lease, the set-based skips, the daily-limit reservation, the stored renderings (before any
 * SMTP transaction), each message's 250 before its hand-off, each hand-off after its commit, the
 * batch marked sent.
 */
export type SendCrashPoint = 'run.after-claim' | 'send.after-lease' | 'send.before-smtp' | 'send.before-handoff' | 'send.after-smtp' | 'send.after-mark';
export type BatchCrashPoint = 'batch.after-lease' | 'batch.after-skip' | 'batch.after-reserve' | 'batch.before-smtp' | 'batch.before-handoff' | 'batch.after-handoff' | 'batch.after-mark';
export type CrashPoint = SendCrashPoint | BatchCrashPoint;
/** Every crash point of the batch path, in order (the kill test reaches each one). */
export const BATCH_CRASH_POINTS: readonly BatchCrashPoint[] = ['batch.after-lease', 'batch.after-skip', 'batch.after-reserve', 'batch.before-smtp', 'batch.before-handoff', 'batch.after-handoff', 'batch.after-mark'];

export interface ReminderEnv {
  mailer: Mailer;
  /** MAIL_FROM: 'Arcus <reminders@arcus.example>'; the display name becomes the organisation's. */
  mailFrom: string;
  /** APP_URL: unsubscribe links and the links in ledger notes. */
  appUrl: string;
  /** SESSION_SECRET: signs unsubscribe links. */
  secret: string;
  /** Embedded mode: messages carry the firm for the demo mailbox. */
  embedded: boolean;
  /**
   * Where replies come back to Arcus (REPLY_DOMAIN; server/replies/): each reminder's Reply-To is
   * reply+<its token>@ the client's verified domain, else this domain. Absent: Reply-To as before.
   */
  replyDomain?: string | null;
  /** TOKEN_ENCRYPTION_KEY: opens a verified domain's DKIM key (server/sender/). Absent: every reminder goes from MAIL_FROM. */
  senderKey?: Buffer;
  now: () => Date;
  /** Where the Arcus pay links put into emails point, and how their ledger write-back is queued; none: no links. */
  payLinks?: LinkContext;
  /** Text steps (docs/decisions/043): the SMS provider and the public URL its delivery receipts are posted to. Absent or null: text steps are skipped as unavailable. */
  sms?: { provider: SmsProvider; statusCallbackUrl: string | null } | null;
  crash?: (point: CrashPoint) => void;
  leaseMs?: number;
  /**
   * The organisations' ledgers, for the pre-send re-check (the firm's `recheckLedger`, on by
   * default) and the sync it asks for when the ledger was ahead. Absent (tests and benches with no
   * ledger behind their data): no re-check.
   */
  ledger?: { gateway: LedgerGateway; requestSync: RequestSync };
}

export interface ReminderDeps extends ReminderEnv {
  db: Db;
  log: Logger;
  /** `requeueMark`: set when re-queuing work a dead worker left (see job-ids.ts). */
  enqueueSend(sendId: string, attempt: number, requeueMark?: number): Promise<void>;
  /**
   * Queue the sending of an organisation's claimed reminders in batches (send-batch.ts, the
   * `reminders.send-batch` job); `mark` makes the job's id. Absent: the run queues one
   * `reminders.send` per claim, as before.
   */
  enqueueBatch?(organisationId: string, mark: number): Promise<void>;
  /** Queue the execution of a write-back (a sent reminder's ledger notes are `note` write-backs). */
  enqueueWriteback(writebackId: string): Promise<void>;
}

/** A worker stopped at a crash point (tests only). */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

export function mailDomain(mailFrom: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(mailFrom);
  return m?.[1]?.toLowerCase() ?? 'arcus.localhost';
}

export function mailAddress(mailFrom: string): string {
  const m = /<([^>]+)>/.exec(mailFrom);
  return (m?.[1] ?? mailFrom).trim();
}

/** The Message-ID of a claimed send: derived from its row id, the same on every attempt. */
export function messageIdFor(sendId: string, mailFrom: string): string {
  return `<reminder.${sendId}@${mailDomain(mailFrom)}>`;
}
