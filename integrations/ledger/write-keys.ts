/**
 * Idempotency keys for the second step of a write-back (a credit note's allocation, the
 * QuickBooks payment linking a credit memo, removing an application before a void): derived
 * deterministically from the write-back's key, so a retry after a crash between the two steps
 * sends the same key again and the ledger replays instead of applying twice. At most 50
 * characters (QuickBooks' requestid limit; Xero allows more).
 */
import { createHash } from 'node:crypto';
import { LedgerError } from './errors';

export const WRITE_KEY_MAX = 50;

export function checkWriteKey(key: string): void {
  if (key.length === 0 || key.length > WRITE_KEY_MAX) throw new LedgerError('validation', `an idempotency key must be 1 to ${WRITE_KEY_MAX} characters`);
}

/** `${key}-${step}` when it fits in 50 characters, else a hash of the key with the step. */
export function derivedKey(key: string, step: string): string {
  const plain = `${key}-${step}`;
  if (plain.length <= WRITE_KEY_MAX) return plain;
  const room = WRITE_KEY_MAX - step.length - 1;
  if (room < 16) throw new LedgerError('validation', `the step "${step}" is too long for an idempotency key`);
  return `${createHash('sha256').update(key).digest('hex').slice(0, room)}-${step}`;
}

/** Whether a ledger refusal says the key was already used for another body (a retry whose first attempt got through). */
export function isKeyReuse(err: unknown): boolean {
  return err instanceof LedgerError && err.code === 'validation' && /(idempotency-key|requestid).*already used/i.test(err.message);
}
