/**
 * The OAuth `state` parameter: a random id, its expiry and an HMAC over both (keyed by the
 * session secret), so a forged or altered state is refused before the session is consulted.
 * What the flow needs on the way back (purpose, PKCE verifier, nonce, firm) stays in the
 * caller's session under the state id and is removed on first use: a state works once, for
 * ten minutes, in the browser session that started it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Provider } from '../../integrations/ledger/types';

export const STATE_TTL_MS = 10 * 60_000;
/** Pending authorizations kept per session (several tabs may be mid-flow). */
export const MAX_PENDING = 5;

/** sign-up: sign in (creating the user and firm if new) and connect, from one consent. */
export type OAuthPurpose = 'connect' | 'sign-in' | 'sign-up';

export interface PendingAuthorization {
  stateId: string;
  purpose: OAuthPurpose;
  provider: Provider;
  codeVerifier: string;
  nonce: string;
  expiresAt: number;
  /** connect: the firm and user who started it. */
  firmId?: string;
  userId?: string;
  /** Reconnect: the organisation that should come back. */
  organisationId?: string;
}

export type PendingStore = Record<string, PendingAuthorization>;

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`arcus-oauth-state:${body}`).digest('base64url');
}

export function signState(secret: string, stateId: string, expiresAt: number): string {
  const body = `${stateId}.${expiresAt.toString(36)}`;
  return `${body}.${mac(secret, body)}`;
}

export type StateFailure = 'malformed' | 'bad_signature' | 'expired' | 'unknown' | 'wrong_provider';

export type StateCheck = { ok: true; pending: PendingAuthorization } | { ok: false; reason: StateFailure };

/** Parse and verify a state's signature and expiry (no session involved). */
export function verifyStateToken(secret: string, state: unknown, now: number = Date.now()): { ok: true; stateId: string; expiresAt: number } | { ok: false; reason: StateFailure } {
  if (typeof state !== 'string' || state.length > 200) return { ok: false, reason: 'malformed' };
  const m = /^([A-Za-z0-9_-]{16,64})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(state);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, stateId, exp, given] = m as unknown as [string, string, string, string];
  const expected = Buffer.from(mac(secret, `${stateId}.${exp}`));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, reason: 'bad_signature' };
  const expiresAt = Number.parseInt(exp, 36);
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, stateId, expiresAt };
}

/** Start an authorization: a fresh state and what the session keeps for the callback. */
export function createPendingAuthorization(
  secret: string,
  params: Omit<PendingAuthorization, 'stateId' | 'codeVerifier' | 'nonce' | 'expiresAt'>,
  now: number = Date.now(),
): { state: string; pending: PendingAuthorization } {
  const stateId = randomBytes(18).toString('base64url');
  const expiresAt = now + STATE_TTL_MS;
  const pending: PendingAuthorization = {
    ...params,
    stateId,
    // RFC 7636: 43–128 characters of [A-Za-z0-9-._~]; 32 random bytes give 43.
    codeVerifier: randomBytes(32).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
    expiresAt,
  };
  return { state: signState(secret, stateId, expiresAt), pending };
}

/** Keep a pending authorization in the session's store, dropping expired and the oldest beyond MAX_PENDING. */
export function rememberPending(store: PendingStore | undefined, pending: PendingAuthorization, now: number = Date.now()): PendingStore {
  const kept = Object.values(store ?? {})
    .filter((p) => p.expiresAt > now)
    .sort((a, b) => a.expiresAt - b.expiresAt)
    .slice(-(MAX_PENDING - 1));
  const next: PendingStore = {};
  for (const p of kept) next[p.stateId] = p;
  next[pending.stateId] = pending;
  return next;
}

/**
 * Verify a state from a callback and take its pending authorization out of the store
 * (single use: a second callback with the same state finds nothing).
 */
export function takePending(secret: string, state: unknown, store: PendingStore | undefined, provider: Provider, now: number = Date.now()): StateCheck {
  const token = verifyStateToken(secret, state, now);
  if (!token.ok) {
    // An expired but genuine state is removed as well.
    if (token.reason === 'expired' && typeof state === 'string' && store) delete store[state.split('.')[0]!];
    return token;
  }
  const pending = store?.[token.stateId];
  if (!pending) return { ok: false, reason: 'unknown' };
  delete store![token.stateId];
  if (pending.provider !== provider) return { ok: false, reason: 'wrong_provider' };
  if (pending.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, pending };
}

/** PKCE S256 challenge for a verifier. */
export function codeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
