/**
 * Replies through Mailgun (docs/decisions/032): a Mailgun route for the reply domain forwards each
 * message to APP_URL/webhooks/mailgun/mime — a URL ending in "mime" makes Mailgun post the whole
 * message as `body-mime`, so the webhook hands the same MIME to the same parser as the SMTP
 * listener. Every post is signed: `signature` is the hex HMAC-SHA256 of `timestamp` + `token`
 * under the account's HTTP webhook signing key, compared in constant time; a timestamp more than
 * 5 minutes away from the clock is refused (a replayed post), as is a signature seen before.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAILGUN_MAX_AGE_S = 300;

export type MailgunCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad_signature' };

export function verifyMailgun(key: string, fields: { timestamp?: string | null; token?: string | null; signature?: string | null }, now: Date): MailgunCheck {
  const { timestamp, token, signature } = fields;
  if (!timestamp || !token || !signature || !/^\d{1,12}$/.test(timestamp) || !/^[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: 'missing' };
  const expected = createHmac('sha256', key).update(timestamp + token).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > MAILGUN_MAX_AGE_S) return { ok: false, reason: 'stale' };
  return { ok: true };
}

/** Sign as Mailgun does (tests and the recorded-shape fixture). */
export function signMailgun(key: string, timestamp: string, token: string): string {
  return createHmac('sha256', key).update(timestamp + token).digest('hex');
}
