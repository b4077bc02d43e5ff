/**
 * What the pay routes need from the running process (built by root/compose.ts): the public URL
 * links are built on, the payment provider, and how write-backs are queued.
 */
import type { PaymentProvider } from '../../integrations/payments/provider';
import type { Logger } from '../logger';
import type { OneOffMail } from '../reminders/one-off';

export interface PayEnv {
  /** APP_URL without a trailing slash; null when it cannot be built (no links then). */
  appUrl: string | null;
  provider: PaymentProvider | null;
  enqueueExecute(writebackId: string): Promise<void>;
  /** The pay-link key (config.payLinkKey): links shown again (the sandbox checkout's way back) are derived under it. */
  linkKey: Buffer;
  now(): Date;
  log?: Logger;
  /** For the debtor's notice of a returned payment (server/returns/); absent: not told. */
  mail?: OneOffMail | null;
}

/** A usable absolute http(s) base URL, or null. */
export function publicBase(appUrl: string | null | undefined): string | null {
  if (!appUrl) return null;
  try {
    const u = new URL(appUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return appUrl.replace(/\/+$/, '');
  } catch {
    return null;
  }
}
