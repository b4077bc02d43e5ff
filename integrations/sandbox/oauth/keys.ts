/**
 * The sandbox's OpenID Connect signing key: one RSA key pair per sandbox, generated on first
 * use (node:crypto), published as a JWKS, and used to sign RS256 id_tokens.
 */
import { createHash, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** The public key as a JWK, with kid / alg / use. */
  jwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint as the key id.
  const kid = createHash('sha256').update(JSON.stringify({ e: pub.e, kty: pub.kty, n: pub.n })).digest('base64url');
  return { kid, privateKey, jwk: { kty: pub.kty, n: pub.n, e: pub.e, kid, alg: 'RS256', use: 'sig' } };
}

/** A lazily generated key (key generation costs tens of milliseconds). */
export function lazySigningKey(): () => SigningKey {
  let key: SigningKey | null = null;
  return () => {
    key ??= generateSigningKey();
    return key;
  };
}

export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid, typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key.privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
