/**
 * What Arcus needs from a ledger, behind one interface per provider (integrations/xero,
 * integrations/quickbooks). OAuth calls use endpoints from config; API calls go through the
 * providers' SDKs with only the base URL changed. Every method throws LedgerError.
 */
import type { CallRunner } from './call';
import type { ProviderEndpoints } from './endpoints';
import type { GatePriority } from './gate';
import type { RateLimiter } from './rate-limit';
import type { CreditEntityType, EntityType, IdentityClaims, NormContact, NormCreditNote, NormInvoice, NormOrganisation, NormPayment, NormPrepayment, Provider, Tenant, TokenSet } from './types';

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  endpoints: ProviderEndpoints;
}

export interface LedgerOAuth {
  provider: Provider;
  /**
   * The authorization URL for connecting (or signing in, with signIn: true; or both at once, with
   * signUp: true — the app-store listing's "Sign up with Xero" and Intuit's launch URL).
   */
  consentUrl(params: { state: string; redirectUri: string; codeChallenge: string; nonce: string; signIn?: boolean; signUp?: boolean }): string;
  exchangeCode(params: { code: string; redirectUri: string; codeVerifier: string }): Promise<TokenSet>;
  /** Rotates: the returned refresh token replaces the old one. invalid_grant → LedgerError('invalid_grant'). */
  refresh(refreshToken: string): Promise<TokenSet>;
  revoke(token: string): Promise<void>;
  /** Xero: GET /connections. QuickBooks: the realm from the callback (passed in). */
  tenants(accessToken: string, callback: { realmId?: string }): Promise<Tenant[]>;
  /** Xero: DELETE /connections/{id}. QuickBooks: nothing beyond revoke. */
  removeTenant(accessToken: string, tenant: Tenant): Promise<void>;
  /** Verify an id_token's RS256 signature (JWKS), issuer, audience, expiry and nonce. */
  verifyIdToken(idToken: string, nonce: string): Promise<IdentityClaims>;
}

/** A page of changes for one entity type. */
export interface SyncPage<T> {
  items: T[];
  /** Deleted / voided ids reported separately (QuickBooks CDC). */
  deletedIds: string[];
  /** Where to resume after this page (persisted by the sync engine in sync_runs.cursor). */
  resume?: EntityCursor;
  /** The latest ledger-updated instant this page covered, deletions included. */
  highWater?: Date | null;
}

/** Where an incremental read starts; opaque to the sync engine beyond `since`. */
export interface EntityCursor {
  since: Date | null;
  /**
   * Whether records updated exactly at `since` are read again (resume positions: yes; a
   * checkpoint: the provider's own default — Xero strictly after, QuickBooks at or after).
   */
  inclusive?: boolean;
}

/**
 * Admission for one API call (the per-tenant rate limiter). `acquire` resolves when the call
 * may go, or throws LedgerError('rate_limited') when the wait is too long to spend in a job;
 * the returned function is called once the response (or failure) is in, with its status and
 * headers, so the limiter can honour Retry-After and the remaining-call headers.
 */
export interface CallGate {
  acquire(): Promise<(outcome: { status: number; headers: { get(name: string): string | null } }) => void | Promise<void>>;
}

export interface LedgerApi {
  provider: Provider;
  /** API calls made through this client so far (for sync-run records and the bench). */
  readonly calls: number;
  organisation(): Promise<NormOrganisation>;
  /** Changes since the cursor, in ledger-updated order, one page per yield. */
  changes(entity: 'contacts', cursor: EntityCursor): AsyncIterable<SyncPage<NormContact>>;
  changes(entity: 'invoices', cursor: EntityCursor): AsyncIterable<SyncPage<NormInvoice>>;
  changes(entity: 'payments', cursor: EntityCursor): AsyncIterable<SyncPage<NormPayment>>;
  changes(entity: 'creditNotes', cursor: EntityCursor): AsyncIterable<SyncPage<NormCreditNote>>;
  changes(entity: EntityType, cursor: EntityCursor): AsyncIterable<SyncPage<NormContact | NormInvoice | NormPayment | NormCreditNote>>;
  /**
   * Optional: Xero overpayments and prepayments, as `changes` reads the other entities. A
   * provider without it has none (the engine skips those entities).
   */
  credits?(entity: CreditEntityType, cursor: EntityCursor): AsyncIterable<SyncPage<NormPrepayment>>;
  /**
   * Optional: the cursors of every entity the run will read, before the first `changes` call,
   * so a provider that reads several entity types in one call (QuickBooks CDC) can do so.
   */
  prepare?(cursors: Partial<Record<EntityType, EntityCursor>>): void;
  /**
   * These invoices as the ledger has them now (Xero `GET Invoices?IDs=…`, QuickBooks
   * `SELECT * FROM Invoice WHERE Id IN (…)`), at most INVOICES_BY_ID_BATCH ids per call. An id
   * the ledger no longer has (deleted) is absent from the answer. Used to re-check invoices just
   * before reminders about them go out (server/reminders/presend.ts).
   */
  invoicesById(externalIds: readonly string[]): Promise<NormInvoice[]>;
}

/** Ids per batch read: Xero's and QuickBooks' page of invoices asked for by id. */
export const INVOICES_BY_ID_BATCH = 100;

/** Split ids into the batches `invoicesById` sends, one call each. */
export function idBatches(ids: readonly string[], size = INVOICES_BY_ID_BATCH): string[][] {
  const unique = [...new Set(ids)];
  const out: string[][] = [];
  for (let i = 0; i < unique.length; i += size) out.push(unique.slice(i, i + size));
  return out;
}

/** How a runner waits for its tenant's gate. */
export interface RunnerOptions {
  /** 'high' for sync (served first), then 'payment', 'normal', 'link', 'note' (gate.ts). */
  priority?: GatePriority;
  /** Longest wait for the limiter spent inline (default 2 s); longer → LedgerError('rate_limited'). */
  maxWaitMs?: number;
  /** Per-call deadline (default the factory's). */
  timeoutMs?: number;
}

/** Builds provider clients; implemented in integrations/ledger/factory.ts from config. */
export interface LedgerFactory {
  endpoints(provider: Provider): ProviderEndpoints;
  /** null when the provider has no client credentials configured (and no sandbox). */
  oauth(provider: Provider): LedgerOAuth | null;
  /** The per-tenant limiter every API call made through this factory is admitted by (one per process). */
  readonly limiter: RateLimiter;
  /** A call runner bound to the tenant's gate on `limiter`. */
  runner(provider: Provider, tenantId: string, options?: RunnerOptions): CallRunner;
  /**
   * The read API for one tenant. Pass the opened ledger's runner (server/ledger/gateway.ts);
   * without one, a runner of its own on the same limiter (a lone call, e.g. at connect time).
   */
  api(provider: Provider, params: { accessToken: string; tenantId: string; runner?: CallRunner }): LedgerApi;
}
