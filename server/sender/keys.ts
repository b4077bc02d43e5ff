/**
 * A domain's DKIM key pair: RSA 2048 from node:crypto, the public key as the base64 DER that goes
 * into the DNS record's `p=`, the private key as PKCS#8 PEM sealed with TOKEN_ENCRYPTION_KEY
 * (AES-256-GCM, bound to the organisation and domain, like ledger tokens).
 */
import { generateKeyPairSync } from 'node:crypto';
import { decryptToken, encryptToken } from '../security/token-crypto';
import { selectorFor } from './records';

export interface DkimKeyPair {
  selector: string;
  /** base64 DER SubjectPublicKeyInfo. */
  publicKey: string;
  privateKeyPem: string;
}

export function generateDkimKey(): DkimKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { selector: selectorFor(spki), publicKey: spki, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

const aad = (organisationId: string, domain: string) => `${organisationId}:dkim:${domain}`;

export function sealDkimKey(key: Buffer, organisationId: string, domain: string, privateKeyPem: string): string {
  return encryptToken(key, privateKeyPem, aad(organisationId, domain));
}

export function openDkimKey(key: Buffer, organisationId: string, domain: string, sealed: string): string {
  return decryptToken(key, sealed, aad(organisationId, domain));
}
