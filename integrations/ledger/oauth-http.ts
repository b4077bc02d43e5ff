/**
 * The OAuth 2 / OpenID Connect calls both providers share, over plain fetch with endpoints from
 * config (the SDKs' own OAuth helpers use hard-coded hosts): token requests with HTTP Basic
 * client authentication, token-set parsing, revocation, and RS256 id_token verification
 * against the provider's JWKS (node:crypto, no JWT library).
 */
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { classifyHttp, LedgerError } from './errors';
import type { TokenSet } from './types';

export const OAUTH_TIMEOUT_MS = 30_000;

/** RFC 6749 §2.3.1: client id and secret form-encoded, then Basic. */
export function basicAuth(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}

function networkError(err: unknown, what: string): LedgerError {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new LedgerError('timeout', `${what} timed out`);
  return new LedgerError('network', `${what} failed: ${e?.cause?.code ?? (err instanceof Error ? err.message : String(err))}`);
}

/** fetch with a deadline; network failures and timeouts become LedgerError. */
export async function ledgerFetch(url: string, init: RequestInit, what: string, timeoutMs = OAUTH_TIMEOUT_MS): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw networkError(err, what);
  }
}

async function readJson(res: Response): Promise<Record<string, unknown> | null> {
  const text = await res.text().catch(() => '');
  if (!text) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * POST to a token endpoint. An OAuth error body `{ "error": "invalid_grant" }` becomes
 * LedgerError('invalid_grant') (the code decides, never the message); other failures are
 * classified by status and headers.
 */
export async function tokenRequest(url: string, client: { clientId: string; clientSecret: string }, form: Record<string, string>, what: string): Promise<Record<string, unknown>> {
  const res = await ledgerFetch(
    url,
    {
      method: 'POST',
      headers: { Authorization: basicAuth(client.clientId, client.clientSecret), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    },
    what,
  );
  const body = await readJson(res);
  if (res.ok && body) return body;
  const error = typeof body?.['error'] === 'string' ? body['error'] : null;
  const description = typeof body?.['error_description'] === 'string' ? body['error_description'] : null;
  const message = `${what} was refused (${res.status}${error ? ` ${error}` : ''})${description ? `: ${description}` : ''}`;
  if (error === 'invalid_grant') throw new LedgerError('invalid_grant', `${what} was refused: the grant was revoked or has expired — reconnect to continue (invalid_grant)`, { status: res.status });
  if (res.ok) throw new LedgerError('validation', `${what}: the token endpoint answered without JSON`, { status: res.status });
  throw classifyHttp(res.status, res.headers, message);
}

/**
 * RFC 7009 revocation: 200 (with or without a body) for known and unknown tokens alike. Xero
 * takes a form body; Intuit documents JSON.
 */
export async function revokeToken(url: string, client: { clientId: string; clientSecret: string }, token: string, format: 'form' | 'json', what: string): Promise<void> {
  const res = await ledgerFetch(
    url,
    {
      method: 'POST',
      headers: {
        Authorization: basicAuth(client.clientId, client.clientSecret),
        'Content-Type': format === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: format === 'json' ? JSON.stringify({ token }) : new URLSearchParams({ token }).toString(),
    },
    what,
  );
  await ensureOk(res, what);
}

/** A token endpoint's answer as a TokenSet. */
export function tokenSetFrom(body: Record<string, unknown>, now: number, fallbackScopes: string[] = []): TokenSet {
  const accessToken = body['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') throw new LedgerError('validation', 'The token endpoint answered without an access_token');
  const expiresIn = Number(body['expires_in']);
  const scope = typeof body['scope'] === 'string' ? body['scope'].split(/\s+/).filter(Boolean) : fallbackScopes;
  return {
    accessToken,
    refreshToken: typeof body['refresh_token'] === 'string' ? body['refresh_token'] : '',
    expiresAt: new Date(now + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 1800) * 1000),
    scopes: scope,
    idToken: typeof body['id_token'] === 'string' ? body['id_token'] : null,
  };
}

/** Throw a classified LedgerError for a non-2xx response. */
export async function ensureOk(res: Response, what: string): Promise<void> {
  if (res.ok) return;
  const body = await readJson(res);
  const detail = typeof body?.['Detail'] === 'string' ? `: ${body['Detail']}` : typeof body?.['error'] === 'string' ? `: ${body['error']}` : '';
  throw classifyHttp(res.status, res.headers, `${what} failed (${res.status})${detail}`);
}

// ---- id_token (RS256 via JWKS) -----------------------------------------------------------------

interface Jwks {
  keys: (JsonWebKey & { kid?: string; kty?: string; use?: string; alg?: string })[];
}

const JWKS_TTL_MS = 60 * 60_000;
const jwksCache = new Map<string, { at: number; keys: Map<string, KeyObject> }>();

async function fetchJwks(url: string): Promise<Map<string, KeyObject>> {
  const res = await ledgerFetch(url, { headers: { Accept: 'application/json' } }, 'Fetching the signing keys');
  await ensureOk(res, 'Fetching the signing keys');
  const body = (await res.json()) as Jwks;
  const keys = new Map<string, KeyObject>();
  for (const k of body.keys ?? []) {
    if (k.kty !== 'RSA' || (k.use && k.use !== 'sig')) continue;
    keys.set(k.kid ?? '', createPublicKey({ key: { kty: k.kty, n: k.n, e: k.e }, format: 'jwk' }));
  }
  jwksCache.set(url, { at: Date.now(), keys });
  return keys;
}

async function signingKey(url: string, kid: string): Promise<KeyObject> {
  const cached = jwksCache.get(url);
  let keys = cached && Date.now() - cached.at < JWKS_TTL_MS ? cached.keys : await fetchJwks(url);
  // A key we do not know may be a rotation: fetch once more.
  if (!keys.has(kid) && cached) keys = await fetchJwks(url);
  const key = keys.get(kid) ?? (kid === '' && keys.size === 1 ? [...keys.values()][0] : undefined);
  if (!key) throw new LedgerError('unauthorized', 'The id_token was signed with a key the provider does not publish');
  return key;
}

function b64json(part: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new LedgerError('unauthorized', 'The id_token is not a well-formed JWT');
}

/**
 * Verify an RS256 id_token: signature (JWKS), issuer, audience, expiry (with leeway) and nonce.
 * Returns its claims; any failure is LedgerError('unauthorized').
 */
export async function verifyRs256IdToken(
  idToken: string,
  expected: { jwksUrl: string; issuer: string; audience: string; nonce: string; now?: number; leewaySeconds?: number },
): Promise<Record<string, unknown>> {
  const parts = idToken.split('.');
  if (parts.length !== 3) throw new LedgerError('unauthorized', 'The id_token is not a well-formed JWT');
  const [h, p, s] = parts as [string, string, string];
  const header = b64json(h);
  if (header['alg'] !== 'RS256') throw new LedgerError('unauthorized', `The id_token uses ${String(header['alg'])}, not RS256`);
  const key = await signingKey(expected.jwksUrl, typeof header['kid'] === 'string' ? header['kid'] : '');
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
  if (!ok) throw new LedgerError('unauthorized', 'The id_token signature does not verify');
  const claims = b64json(p);
  const now = Math.floor((expected.now ?? Date.now()) / 1000);
  const leeway = expected.leewaySeconds ?? 120;
  if (claims['iss'] !== expected.issuer) throw new LedgerError('unauthorized', `The id_token was issued by ${String(claims['iss'])}, not ${expected.issuer}`);
  const aud = claims['aud'];
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(expected.audience)) throw new LedgerError('unauthorized', 'The id_token is meant for another client');
  const exp = Number(claims['exp']);
  if (!Number.isFinite(exp) || exp + leeway < now) throw new LedgerError('unauthorized', 'The id_token has expired');
  const iat = Number(claims['iat']);
  if (Number.isFinite(iat) && iat - leeway > now) throw new LedgerError('unauthorized', 'The id_token is issued in the future');
  if (claims['nonce'] !== expected.nonce) throw new LedgerError('unauthorized', 'The id_token nonce does not match this sign-in');
  return claims;
}

/** A display name from OIDC claims. */
export function nameFromClaims(claims: Record<string, unknown>): string {
  const str = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : '');
  return str('name') || [str('given_name'), str('family_name')].filter(Boolean).join(' ') || str('email') || str('sub');
}
