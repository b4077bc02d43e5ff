/**
 * Pay-link tokens, pure: a token is never stored. It is base64url(HMAC-SHA256(key,
 * 'pay-link:v1:<link id>:<salt>')) — 43 characters, 256 bits — re-derived whenever the link is
 * shown; the row keeps the random salt and SHA-256 of the token (hex) to find the link a debtor
 * presents. A copy of `pay_links` therefore holds no working link (docs/decisions/011).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 16 random bytes, base64url: a new salt is a new token for the same row. */
export function newSalt(): string {
  return randomBytes(16).toString('base64url');
}

export function deriveToken(key: Buffer, linkId: string, salt: string): string {
  return createHmac('sha256', key).update(`pay-link:v1:${linkId}:${salt}`).digest('base64url');
}

/** SHA-256 of a token, hex: what the row stores and the lookup uses. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Two hex hashes compared in constant time. */
export function sameHash(a: string | null | undefined, b: string): boolean {
  if (!a || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
