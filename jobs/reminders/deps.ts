/**
 * What the reminder jobs need beyond the job context (mailer, clock, links, ledger notes), set
 * once at boot by the web process (`startArcus`). A BullMQ worker that was not given it builds
 * it from the environment on first use: SMTP_URL for mail and the ledger factory the worker
 * configured for sync (jobs/schedule/deps.ts).
 */
import { MailError, type Mailer, smtpMailer } from '../../integrations/email/transport';
import { loadConfig } from '../../server/config';
import type { ReminderDeps, ReminderEnv } from '../../server/reminders/deps';
import type { JobContext } from '../define';
import { scheduleDeps } from '../schedule/deps';

let current: ReminderEnv | null = null;

export function setReminderEnv(env: ReminderEnv | null): void {
  current = env;
}

const noSmtp: Mailer = {
  async send() {
    throw new MailError('temporary', 'SMTP_URL is not set on the worker: reminders wait until it is.');
  },
  async close() {},
};

function fromEnvironment(): ReminderEnv {
  const config = loadConfig(process.env);
  let ledger: ReminderEnv['ledger'] = null;
  try {
    const d = scheduleDeps();
    ledger = { factory: d.factory, tokenKey: d.tokenKey };
  } catch {
    ledger = null;
  }
  return {
    mailer: config.smtpUrl ? smtpMailer(config.smtpUrl) : noSmtp,
    mailFrom: config.mailFrom,
    appUrl: config.appUrl,
    secret: config.sessionSecret,
    embedded: false,
    ledger,
    now: () => new Date(),
  };
}

export function reminderEnv(): ReminderEnv {
  current ??= fromEnvironment();
  return current;
}

export function depsFor(ctx: Pick<JobContext, 'db' | 'log' | 'queue'>, enqueue: Pick<ReminderDeps, 'enqueueSend' | 'enqueueNote'>): ReminderDeps {
  return { ...reminderEnv(), db: ctx.db, log: ctx.log, ...enqueue };
}
