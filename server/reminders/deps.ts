/**
 * What the reminder engine needs from the rest of Arcus, passed in so the jobs, the API, the
 * CLI, the bench and the 30-day simulation run the same code with their own mailer, clock and
 * queue. `crash` lets the kill test stop a worker at the boundaries the engine controls.
 */
import type { Mailer } from '../../integrations/email/transport';
import type { LedgerFactory } from '../../integrations/ledger/provider';
import type { Db } from '../db/client';
import type { Logger } from '../logger';

export type CrashPoint = 'run.after-claim' | 'send.after-lease' | 'send.before-smtp' | 'send.after-smtp' | 'send.after-mark' | 'note.before-write' | 'note.after-write';

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
  /** Ledger notes; null leaves them pending. */
  ledger: { factory: LedgerFactory; tokenKey: Buffer } | null;
  now: () => Date;
  crash?: (point: CrashPoint) => void;
  leaseMs?: number;
}

export interface ReminderDeps extends ReminderEnv {
  db: Db;
  log: Logger;
  enqueueSend(sendId: string, attempt: number): Promise<void>;
  enqueueNote(noteId: string, attempt?: number): Promise<void>;
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
