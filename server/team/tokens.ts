/**
 * Invitation tokens: 32 random bytes (base64url, 43 characters), sent once by email and never
 * stored — the row keeps SHA-256 of the token (hex). A presented token is looked up by its hash
 * and the stored hash compared again in constant time, as session ids are (docs/decisions/011).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const INVITATION_DAYS = 7;
export const INVITATION_TTL_MS = INVITATION_DAYS * 86_400_000;

export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

export function invitationTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function sameTokenHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A token's shape (what the link can carry); anything else is not looked up. */
export function looksLikeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
