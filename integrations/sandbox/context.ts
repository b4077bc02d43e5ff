/**
 * What every sandbox router shares: the ledger state, the OAuth grants, per-tenant rate
 * limits, idempotency memory and injected faults.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Provider } from './model';
import type { SandboxStore } from './store';

export interface SandboxOptions {
  /** Authorize endpoints redirect straight back with a code instead of showing a consent page. */
  autoConsent: boolean;
  /** When set, only this client id/secret is accepted; otherwise any. */
  clientId?: string;
  clientSecret?: string;
  /** Where webhooks are delivered (Arcus's receivers), per provider. */
  webhookUrls: Partial<Record<Provider, string>>;
  /** Webhook signing keys per provider. */
  webhookKeys: Record<Provider, string>;
  /** Required as `Authorization: Bearer …` on /admin. */
  adminToken: string;
  /**
   * The redirect URIs authorize may send a browser back to (exact match). Unset: only URIs on the
   * sandbox's own host or a loopback host — never an arbitrary site (an open redirect).
   */
  redirectUris?: string[];
  /** The sandbox's own public base URL (issuer of id_tokens, consent links). */
  baseUrl: string;
}

// ---- OAuth grants ----------------------------------------------------------------------------

export interface Grant {
  provider: Provider;
  clientId: string;
  companyIds: string[];
  scopes: string[];
  userSub: string;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  revoked: boolean;
}

export const ACCESS_TTL_MS: Record<Provider, number> = { xero: 30 * 60_000, quickbooks: 60 * 60_000 };

function token(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export class GrantRegistry {
  private readonly byAccess = new Map<string, Grant>();
  private readonly byRefresh = new Map<string, Grant>();
  constructor(private readonly now: () => number) {}

  issue(provider: Provider, fields: { clientId: string; companyIds: string[]; scopes: string[]; userSub: string }): Grant {
    const grant: Grant = {
      provider,
      ...fields,
      accessToken: token(),
      accessExpiresAt: this.now() + ACCESS_TTL_MS[provider],
      refreshToken: token(),
      revoked: false,
    };
    this.byAccess.set(grant.accessToken, grant);
    this.byRefresh.set(grant.refreshToken, grant);
    return grant;
  }

  /** The live grant behind `Authorization: Bearer …`, or null (unknown, expired or revoked). */
  authenticate(provider: Provider, authorization: string | undefined): Grant | null {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return null;
    const g = this.byAccess.get(m[1]!);
    if (!g || g.provider !== provider || g.revoked || g.accessExpiresAt <= this.now()) return null;
    return g;
  }

  /** Rotate: the old refresh token stops working, a new access + refresh pair is returned. */
  refresh(provider: Provider, clientId: string, refreshToken: string): Grant | null {
    const old = this.byRefresh.get(refreshToken);
    if (!old || old.provider !== provider || old.revoked || old.clientId !== clientId) return null;
    this.byRefresh.delete(refreshToken);
    this.byAccess.delete(old.accessToken);
    old.revoked = true;
    return this.issue(provider, { clientId: old.clientId, companyIds: old.companyIds, scopes: old.scopes, userSub: old.userSub });
  }

  /** Revoke by access or refresh token; true when something was revoked. */
  revoke(tokenValue: string): boolean {
    const g = this.byRefresh.get(tokenValue) ?? this.byAccess.get(tokenValue);
    if (!g) return false;
    g.revoked = true;
    this.byAccess.delete(g.accessToken);
    this.byRefresh.delete(g.refreshToken);
    return true;
  }

  /** Remove a tenant from every grant of a client (Xero DELETE /connections/{id}). */
  disconnect(provider: Provider, clientId: string, companyId: string): void {
    for (const g of this.byAccess.values()) {
      if (g.provider === provider && g.clientId === clientId) g.companyIds = g.companyIds.filter((id) => id !== companyId);
    }
  }

  /** Live grants (for connections listings and admin). */
  all(): Grant[] {
    return [...this.byRefresh.values()].filter((g) => !g.revoked);
  }
}

// ---- authorization codes ---------------------------------------------------------------------

export interface AuthCode {
  provider: Provider;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  companyIds: string[];
  userSub: string;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  expiresAt: number;
  used: boolean;
}

export class CodeRegistry {
  private readonly codes = new Map<string, AuthCode>();
  constructor(private readonly now: () => number) {}

  issue(code: Omit<AuthCode, 'expiresAt' | 'used'>): string {
    const value = token(24);
    this.codes.set(value, { ...code, expiresAt: this.now() + 5 * 60_000, used: false });
    return value;
  }

  /**
   * Redeem once. Returns the code's grant data or an OAuth error name. A second use fails
   * (and, as the specs advise, the code is burnt).
   */
  redeem(value: string, clientId: string, redirectUri: string, codeVerifier: string | undefined): AuthCode | 'invalid_grant' {
    const c = this.codes.get(value);
    if (!c || c.used || c.expiresAt <= this.now() || c.clientId !== clientId || c.redirectUri !== redirectUri) {
      if (c) c.used = true;
      return 'invalid_grant';
    }
    if (c.codeChallenge) {
      if (!codeVerifier) return 'invalid_grant';
      const computed = c.codeChallengeMethod === 'S256' ? createHash('sha256').update(codeVerifier).digest('base64url') : codeVerifier;
      if (computed !== c.codeChallenge) return 'invalid_grant';
    }
    c.used = true;
    return c;
  }
}

// ---- rate limits -----------------------------------------------------------------------------

export interface RateLimits {
  concurrent: number;
  perMinute: number;
  perDay: number;
  /** Per-app minute limit across tenants (Xero: 10,000). */
  appPerMinute?: number;
}

export const RATE_LIMITS: Record<Provider, RateLimits> = {
  xero: { concurrent: 5, perMinute: 60, perDay: 5000, appPerMinute: 10_000 },
  quickbooks: { concurrent: 10, perMinute: 500, perDay: Number.POSITIVE_INFINITY },
};

export type Admission =
  | { ok: true; release: () => void; remaining: { minute: number; day: number; appMinute: number } }
  | { ok: false; retryAfterSeconds: number; problem: 'concurrent' | 'minute' | 'day' | 'appminute'; remaining: { minute: number; day: number; appMinute: number } };

interface Window {
  minute: number[];
  day: number[];
  inFlight: number;
}

/**
 * What a tenant's callers did to its limits, for tests and benches that check a client keeps to
 * them across processes: calls admitted, the most in any 60-second window and the most at once
 * (both as the sandbox saw them), and calls refused with a 429, by the limit they hit.
 */
export interface TenantUsage {
  provider: Provider;
  tenantId: string;
  calls: number;
  peakMinute: number;
  peakInFlight: number;
  refused: Partial<Record<'concurrent' | 'minute' | 'day' | 'appminute', number>>;
}

/** Sliding-window counters per tenant (and per app), on sandbox time. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly usageBy = new Map<string, TenantUsage>();
  constructor(private readonly now: () => number) {}

  /** Every tenant's usage since the sandbox started (or since `resetUsage`). */
  usage(): TenantUsage[] {
    return [...this.usageBy.values()].map((u) => ({ ...u, refused: { ...u.refused } }));
  }

  resetUsage(): void {
    this.usageBy.clear();
  }

  private usageOf(provider: Provider, tenantId: string): TenantUsage {
    const k = `${provider}:${tenantId}`;
    let u = this.usageBy.get(k);
    if (!u) {
      u = { provider, tenantId, calls: 0, peakMinute: 0, peakInFlight: 0, refused: {} };
      this.usageBy.set(k, u);
    }
    return u;
  }

  private window(key: string): Window {
    let w = this.windows.get(key);
    if (!w) {
      w = { minute: [], day: [], inFlight: 0 };
      this.windows.set(key, w);
    }
    const t = this.now();
    while (w.minute.length && w.minute[0]! <= t - 60_000) w.minute.shift();
    while (w.day.length && w.day[0]! <= t - 86_400_000) w.day.shift();
    return w;
  }

  acquire(provider: Provider, tenantKey: string, appKey: string): Admission {
    const limits = RATE_LIMITS[provider];
    const t = this.now();
    const w = this.window(`${provider}:${tenantKey}`);
    const app = this.window(`${provider}:app:${appKey}`);
    const remaining = {
      minute: Math.max(0, limits.perMinute - w.minute.length),
      day: Number.isFinite(limits.perDay) ? Math.max(0, limits.perDay - w.day.length) : 1_000_000,
      appMinute: Math.max(0, (limits.appPerMinute ?? 1_000_000) - app.minute.length),
    };
    const usage = this.usageOf(provider, tenantKey);
    const deny = (problem: 'concurrent' | 'minute' | 'day' | 'appminute', oldest: number | undefined, span: number): Admission => {
      usage.refused[problem] = (usage.refused[problem] ?? 0) + 1;
      return { ok: false, problem, retryAfterSeconds: oldest === undefined ? 1 : Math.max(1, Math.ceil((oldest + span - t) / 1000)), remaining };
    };
    if (w.day.length >= limits.perDay) return deny('day', w.day[0], 86_400_000);
    if (limits.appPerMinute !== undefined && app.minute.length >= limits.appPerMinute) return deny('appminute', app.minute[0], 60_000);
    if (w.minute.length >= limits.perMinute) return deny('minute', w.minute[0], 60_000);
    if (w.inFlight >= limits.concurrent) return deny('concurrent', undefined, 0);
    w.minute.push(t);
    w.day.push(t);
    app.minute.push(t);
    w.inFlight++;
    usage.calls++;
    usage.peakMinute = Math.max(usage.peakMinute, w.minute.length);
    usage.peakInFlight = Math.max(usage.peakInFlight, w.inFlight);
    remaining.minute -= 1;
    remaining.day -= 1;
    remaining.appMinute -= 1;
    let released = false;
    return {
      ok: true,
      remaining,
      release: () => {
        if (released) return;
        released = true;
        w.inFlight--;
      },
    };
  }
}

// ---- idempotency -----------------------------------------------------------------------------

export interface RememberedResponse {
  status: number;
  body: unknown;
}

/** Same key + same body → the same response; same key + another body → conflict. */
export class IdempotencyCache {
  private readonly entries = new Map<string, { bodyHash: string; response: RememberedResponse }>();

  static hash(body: unknown): string {
    return createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
  }

  lookup(scope: string, key: string, body: unknown): { kind: 'miss' } | { kind: 'hit'; response: RememberedResponse } | { kind: 'conflict' } {
    const e = this.entries.get(`${scope}\u0000${key}`);
    if (!e) return { kind: 'miss' };
    return e.bodyHash === IdempotencyCache.hash(body) ? { kind: 'hit', response: e.response } : { kind: 'conflict' };
  }

  remember(scope: string, key: string, body: unknown, response: RememberedResponse): void {
    this.entries.set(`${scope}\u0000${key}`, { bodyHash: IdempotencyCache.hash(body), response });
  }
}

// ---- injected faults -------------------------------------------------------------------------

export interface Fault {
  id: string;
  provider: Provider | null;
  companyId: string | null;
  kind: '429' | '5xx' | 'slow';
  /** How many matching requests it affects before it is spent. */
  remaining: number;
  delayMs: number;
  status: number;
}

export class FaultInjector {
  private faults: Fault[] = [];

  add(fault: Omit<Fault, 'id'>): Fault {
    const f = { ...fault, id: token(8) };
    this.faults.push(f);
    return f;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return [...this.faults];
  }

  /** The fault this request meets, if any (and spends one use of it). */
  take(provider: Provider, companyId: string | null): Fault | null {
    const f = this.faults.find((x) => x.remaining > 0 && (x.provider === null || x.provider === provider) && (x.companyId === null || x.companyId === companyId));
    if (!f) return null;
    f.remaining--;
    if (f.remaining === 0) this.faults = this.faults.filter((x) => x !== f);
    return f;
  }
}

export interface SandboxContext {
  store: SandboxStore;
  grants: GrantRegistry;
  codes: CodeRegistry;
  limiter: RateLimiter;
  idempotency: IdempotencyCache;
  faults: FaultInjector;
  options: SandboxOptions;
}

export function createSandboxContext(store: SandboxStore, options: Partial<SandboxOptions> = {}): SandboxContext {
  const now = () => store.clock.peek();
  return {
    store,
    grants: new GrantRegistry(now),
    codes: new CodeRegistry(now),
    limiter: new RateLimiter(now),
    idempotency: new IdempotencyCache(),
    faults: new FaultInjector(),
    options: {
      autoConsent: false,
      webhookUrls: {},
      webhookKeys: { xero: 'sandbox-xero-webhook-key', quickbooks: 'sandbox-intuit-verifier-token' },
      adminToken: randomBytes(24).toString('base64url'),
      baseUrl: 'http://127.0.0.1:4010',
      ...options,
    },
  };
}
