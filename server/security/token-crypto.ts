/**
 * Ledger tokens at rest: AES-256-GCM with a random 96-bit IV per value and the record's id as
 * associated data, so a ciphertext copied onto another connection row does not decrypt.
 * Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class TokenCryptoError extends Error {
  override name = 'TokenCryptoError';
}

export function encryptToken(key: Buffer, plaintext: string, aad: string): string {
  if (key.length !== 32) throw new TokenCryptoError('the token key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

export function decryptToken(key: Buffer, sealed: string, aad: string): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new TokenCryptoError('not a sealed token');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new TokenCryptoError('the token could not be decrypted (wrong key or tampered value)');
  }
}
