/** The reminder engine's environment, from the process's services (root/compose.ts). */
import type { Services } from '../services';
import { writebackEnqueuer } from '../writebacks/enqueue';
import { smsStatusCallbackUrl } from '../sms/webhook-urls';
import type { ReminderEnv } from './deps';

export function reminderEnvFrom(s: Services): ReminderEnv {
  return {
    mailer: s.mail.mailer,
    mailFrom: s.mail.from,
    appUrl: s.appUrl ?? s.config.appUrl,
    secret: s.secret,
    embedded: s.mail.embedded,
    senderKey: s.config.tokenEncryptionKey,
    replyDomain: s.config.replyDomain,
    now: () => s.clock.now(),
    crash: s.hooks.reminderCrash,
    leaseMs: s.hooks.reminderLeaseMs,
    payLinks: { appUrl: s.appUrl, enqueueExecute: writebackEnqueuer(s.queue), linkKey: s.config.payLinkKey },
    ledger: { gateway: s.ledgers.gateway, requestSync: s.ledgers.requestSync },
    sms: s.sms ? { provider: s.sms, statusCallbackUrl: smsStatusCallbackUrl(s.appUrl ?? s.config.appUrl) } : null,
  };
}
