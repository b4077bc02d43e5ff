import { describe, expect, it } from 'vitest';
import { codeChallenge, createPendingAuthorization, MAX_PENDING, rememberPending, STATE_TTL_MS, signState, takePending, verifyStateToken } from '../../server/oauth/state';

const SECRET = 's'.repeat(40);
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function start(now = T0, provider: 'xero' | 'quickbooks' = 'xero') {
  return createPendingAuthorization(SECRET, { purpose: 'connect', provider, firmId: 'f1', userId: 'u1' }, now);
}

describe('OAuth state', () => {
  it('is signed, carries its expiry and verifies', () => {
    const { state, pending } = start();
    expect(state.split('.')).toHaveLength(3);
    expect(pending.expiresAt).toBe(T0 + STATE_TTL_MS);
    expect(verifyStateToken(SECRET, state, T0 + 1000)).toEqual({ ok: true, stateId: pending.stateId, expiresAt: pending.expiresAt });
  });

  it('gives a PKCE verifier of 43+ unreserved characters and a distinct nonce', () => {
    const a = start().pending;
    const b = start().pending;
    expect(a.codeVerifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
    expect(a.nonce).not.toBe(b.nonce);
    // RFC 7636 appendix B.
    expect(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('refuses a tampered id, expiry or signature, another secret, and garbage', () => {
    const { state } = start();
    const [id, exp, mac] = state.split('.') as [string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`);
    expect(verifyStateToken(SECRET, `${flip(id)}.${exp}.${mac}`, T0)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyStateToken(SECRET, `${id}.${(Number.parseInt(exp, 36) + 3_600_000).toString(36)}.${mac}`, T0)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyStateToken(SECRET, `${id}.${exp}.${flip(mac)}`, T0)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyStateToken('t'.repeat(40), state, T0)).toEqual({ ok: false, reason: 'bad_signature' });
    for (const bad of ['', 'abc', `${state}.x`, 42, null, undefined, 'x'.repeat(500)]) expect(verifyStateToken(SECRET, bad, T0)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('expires after ten minutes, even with a valid signature', () => {
    const { state, pending } = start();
    const store = rememberPending(undefined, pending, T0);
    expect(takePending(SECRET, state, store, 'xero', T0 + STATE_TTL_MS + 1)).toEqual({ ok: false, reason: 'expired' });
    expect(store[pending.stateId]).toBeUndefined();
  });

  it('works once: the second callback with the same state finds nothing', () => {
    const { state, pending } = start();
    const store = rememberPending(undefined, pending, T0);
    const first = takePending(SECRET, state, store, 'xero', T0 + 5000);
    expect(first.ok && first.pending.codeVerifier).toBe(pending.codeVerifier);
    expect(takePending(SECRET, state, store, 'xero', T0 + 6000)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('is refused in a session that did not start it, and for another provider', () => {
    const { state, pending } = start();
    expect(takePending(SECRET, state, {}, 'xero', T0)).toEqual({ ok: false, reason: 'unknown' });
    expect(takePending(SECRET, state, undefined, 'xero', T0)).toEqual({ ok: false, reason: 'unknown' });
    const store = rememberPending(undefined, pending, T0);
    expect(takePending(SECRET, state, store, 'quickbooks', T0)).toEqual({ ok: false, reason: 'wrong_provider' });
    // …and it is spent all the same.
    expect(takePending(SECRET, state, store, 'xero', T0)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('keeps a few pending authorizations per session, dropping expired and oldest', () => {
    let store = rememberPending(undefined, start(T0 - STATE_TTL_MS - 1).pending, T0 - STATE_TTL_MS - 1);
    const live = Array.from({ length: MAX_PENDING + 2 }, (_, i) => start(T0 + i).pending);
    for (const [i, p] of live.entries()) store = rememberPending(store, p, T0 + i);
    const kept = Object.values(store);
    expect(kept).toHaveLength(MAX_PENDING);
    expect(kept.map((p) => p.stateId)).toEqual(live.slice(-MAX_PENDING).map((p) => p.stateId));
  });

  it('signs deterministically for the same id and expiry', () => {
    expect(signState(SECRET, 'a'.repeat(24), T0)).toBe(signState(SECRET, 'a'.repeat(24), T0));
    expect(signState(SECRET, 'a'.repeat(24), T0)).not.toBe(signState(SECRET, 'a'.repeat(24), T0 + 1));
  });
});
