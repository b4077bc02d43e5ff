/**
 * What pay links need from the running server, set once at boot (server/runtime.ts): the public
 * URL links are built on, the payment provider, and how write-backs are queued. Reminder sends
 * read it to put the Arcus pay link into emails; tests set their own.
 */
import type { PaymentProvider } from '../../integrations/payments/provider';
import type { Logger } from '../logger';

export interface PayEnv {
  /** APP_URL without a trailing slash; null when it cannot be built (no links then). */
  appUrl: string | null;
  provider: PaymentProvider | null;
  enqueueExecute(writebackId: string): Promise<void>;
  now(): Date;
  log?: Logger;
}

let current: PayEnv | null = null;

export function setPayEnv(env: PayEnv | null): void {
  current = env;
}

export function payEnv(): PayEnv | null {
  return current;
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
