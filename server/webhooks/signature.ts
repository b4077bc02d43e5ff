/**
 * Webhook signatures, Xero (`x-xero-signature`) and Intuit (`intuit-signature`) alike:
 * base64(HMAC-SHA256(raw body, key)), compared in constant time over the decoded digests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signWebhook(rawBody: Buffer | string, key: string): string {
  return createHmac('sha256', key).update(rawBody).digest('base64');
}

export function verifyWebhookSignature(rawBody: Buffer, header: string | undefined, key: string | null): boolean {
  if (!key || !header || header.length > 200) return false;
  const expected = createHmac('sha256', key).update(rawBody).digest();
  const given = Buffer.from(header.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
