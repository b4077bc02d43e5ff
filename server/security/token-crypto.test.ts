import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptToken, encryptToken, TokenCryptoError } from './token-crypto';

describe('token encryption', () => {
  const key = randomBytes(32);

  it('round-trips and never stores the plaintext', () => {
    const sealed = encryptToken(key, 'refresh-token-value', 'conn-1');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(sealed).not.toContain('refresh-token-value');
    expect(decryptToken(key, sealed, 'conn-1')).toBe('refresh-token-value');
  });

  it('uses a fresh IV each time', () => {
    expect(encryptToken(key, 'same', 'a')).not.toBe(encryptToken(key, 'same', 'a'));
  });

  it('refuses another key, another row, or a tampered value', () => {
    const sealed = encryptToken(key, 'secret', 'conn-1');
    expect(() => decryptToken(randomBytes(32), sealed, 'conn-1')).toThrow(TokenCryptoError);
    expect(() => decryptToken(key, sealed, 'conn-2')).toThrow(TokenCryptoError);
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => decryptToken(key, [parts[0], parts[1], parts[2], flipped.toString('base64url')].join('.'), 'conn-1')).toThrow(TokenCryptoError);
    expect(() => decryptToken(key, 'plain-text', 'conn-1')).toThrow(TokenCryptoError);
  });
});
