/**
 * The OAuth 2 authorization-code flow with PKCE, for connecting ledgers and for "Sign in with
 * Xero / Intuit", independent of Express so the routes and the embedded demo connector run the
 * same code. Endpoints come from the LedgerFactory (config), so the sandbox and the real
 * providers are one code path.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { LedgerOAuth } from '../../integrations/ledger/provider';
import type { Provider, TokenSet } from '../../integrations/ledger/types';
import { activities, firms, memberships, users } from '../db/schema';
import { type ConnectOutcome, connectTenants, type RefusalKind } from '../connections/connect';
import type { ConnectionDeps, SyncKind } from '../connections/deps';
import { codeChallenge, createPendingAuthorization, type OAuthPurpose, type PendingAuthorization } from './state';
import { asSystem } from '../db/firm-scope';

export interface OAuthDeps extends ConnectionDeps {
  sessionSecret: string;
  /** Arcus's public base URL (known only after listening when PORT=0). */
  publicUrl: () => string;
}

export type OAuthErrorCode =
  | 'access_denied'
  | 'provider_error'
  | 'provider_not_configured'
  | 'state_invalid'
  | 'state_expired'
  | 'exchange_failed'
  | 'no_tenants'
  | 'not_signed_in'
  | 'forbidden'
  | 'reconnect_mismatch'
  | 'sign_in_failed'
  | 'already_connected_elsewhere'
  | 'plan_limit'
  | 'organisation_unreadable'
  | 'rate_limited'
  | 'none_connected';

/** How many tenants of a consent were not connected, and why. */
export type RefusalCounts = Partial<Record<RefusalKind, number>>;

export function refusalCounts(refused: readonly { kind: RefusalKind }[]): RefusalCounts {
  const counts: RefusalCounts = {};
  for (const r of refused) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  return counts;
}

export class OAuthFlowError extends Error {
  override name = 'OAuthFlowError';
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    /** A connect where no tenant was connected: why each was refused. */
    readonly refused: RefusalCounts = {},
  ) {
    super(message);
  }
}

export function callbackUrl(publicUrl: string, provider: Provider): string {
  return `${publicUrl.replace(/\/+$/, '')}/oauth/${provider}/callback`;
}

function oauthFor(deps: OAuthDeps, provider: Provider): LedgerOAuth {
  const oauth = deps.factory.oauth(provider);
  if (!oauth) throw new OAuthFlowError('provider_not_configured', `${provider === 'xero' ? 'Xero' : 'Intuit'} is not configured on this Arcus server.`);
  return oauth;
}

/** A consent URL and the pending authorization to keep (in the session) until the callback. */
export function beginAuthorization(
  deps: OAuthDeps,
  params: { purpose: OAuthPurpose; provider: Provider; firmId?: string; userId?: string; organisationId?: string },
): { url: string; state: string; pending: PendingAuthorization } {
  const oauth = oauthFor(deps, params.provider);
  const { state, pending } = createPendingAuthorization(deps.sessionSecret, params);
  const url = oauth.consentUrl({
    state,
    redirectUri: callbackUrl(deps.publicUrl(), params.provider),
    codeChallenge: codeChallenge(pending.codeVerifier),
    nonce: pending.nonce,
    signIn: params.purpose === 'sign-in',
    signUp: params.purpose === 'sign-up',
  });
  return { url, state, pending };
}

async function exchange(deps: OAuthDeps, pending: PendingAuthorization, code: string) {
  const oauth = oauthFor(deps, pending.provider);
  try {
    return { oauth, tokens: await oauth.exchangeCode({ code, redirectUri: callbackUrl(deps.publicUrl(), pending.provider), codeVerifier: pending.codeVerifier }) };
  } catch (err) {
    deps.log.warn({ provider: pending.provider, err: err instanceof Error ? err.message : String(err) }, 'authorization code exchange failed');
    throw new OAuthFlowError('exchange_failed', 'The authorization could not be completed. Try again.');
  }
}

/** Connect (or reconnect) the tenants an authorization granted. */
export async function finishConnect(deps: OAuthDeps, pending: PendingAuthorization, callback: { code: string; realmId?: string }, options: { syncKind?: SyncKind } = {}): Promise<ConnectOutcome> {
  if (!pending.firmId) throw new OAuthFlowError('not_signed_in', 'Sign in to connect a ledger.');
  const { oauth, tokens } = await exchange(deps, pending, callback.code);
  return connectGranted(deps, pending, { firmId: pending.firmId, userId: pending.userId ?? null }, oauth, tokens, callback, options);
}

/** The tenants a token set was granted for, connected into `who.firmId`. */
async function connectGranted(
  deps: OAuthDeps,
  pending: PendingAuthorization,
  who: { firmId: string; userId: string | null },
  oauth: LedgerOAuth,
  tokens: TokenSet,
  callback: { realmId?: string },
  options: { syncKind?: SyncKind } = {},
): Promise<ConnectOutcome> {
  let tenants: Awaited<ReturnType<LedgerOAuth['tenants']>>;
  try {
    tenants = await oauth.tenants(tokens.accessToken, { realmId: callback.realmId });
  } catch (err) {
    deps.log.warn({ provider: pending.provider, err: err instanceof Error ? err.message : String(err) }, 'listing tenants failed');
    throw new OAuthFlowError('no_tenants', 'The ledger did not say which organisations were connected.');
  }
  if (tenants.length === 0) throw new OAuthFlowError('no_tenants', 'No organisation was chosen on the consent page.');
  const outcome = await connectTenants(deps, { firmId: who.firmId, userId: who.userId, provider: pending.provider, tokens, tenants, syncKind: options.syncKind });
  if (outcome.connected.length === 0) {
    const counts = refusalCounts(outcome.refused);
    const only = Object.keys(counts).length === 1 ? (Object.keys(counts)[0] as RefusalKind) : null;
    const code: OAuthErrorCode = only === 'elsewhere' ? 'already_connected_elsewhere' : only === 'plan_limit' ? 'plan_limit' : only === 'rate_limited' ? 'rate_limited' : only === 'unreadable' ? 'organisation_unreadable' : 'none_connected';
    throw new OAuthFlowError(code, outcome.refused.map((r) => r.reason).join(' '), counts);
  }
  if (pending.organisationId && !outcome.connected.some((c) => c.organisationId === pending.organisationId)) {
    throw new OAuthFlowError('reconnect_mismatch', 'A different organisation was chosen than the one being reconnected.');
  }
  return outcome;
}

export interface SignedIn {
  userId: string;
  firmId: string;
  createdUser: boolean;
  createdFirm: boolean;
  /** The user's role in that firm (a new firm's creator is its admin). */
  role: string;
}

/** Sign in with Xero / Intuit: verify the id_token, then find or create the user and, for a new one, their firm. */
export async function finishSignIn(deps: OAuthDeps, pending: PendingAuthorization, code: string): Promise<SignedIn> {
  const { oauth, tokens } = await exchange(deps, pending, code);
  const who = await identify(deps, pending, oauth, tokens, 'Signed in');
  // Arcus keeps no tokens from a sign-in.
  if (tokens.refreshToken) void oauth.revoke(tokens.refreshToken).catch(() => undefined);
  return who;
}

/**
 * Sign up from the app-store listing (Xero's "Sign up with Xero", Intuit's launch URL): one
 * consent for the identity and the ledger. The user is found or created with their firm (as a
 * sign-in does), then the organisations chosen on the consent page are connected to that firm
 * (as a connect does) with the same tokens. The person is signed in even when the connect part
 * fails; `connectError` then says why nothing was connected.
 */
export async function finishSignUp(
  deps: OAuthDeps,
  pending: PendingAuthorization,
  callback: { code: string; realmId?: string },
): Promise<{ who: SignedIn; outcome: ConnectOutcome | null; connectError: OAuthFlowError | null }> {
  const { oauth, tokens } = await exchange(deps, pending, callback.code);
  const who = await identify(deps, pending, oauth, tokens, 'Signed up');
  const dropTokens = () => {
    if (tokens.refreshToken) void oauth.revoke(tokens.refreshToken).catch(() => undefined);
  };
  if (who.role !== 'admin') {
    dropTokens();
    return { who, outcome: null, connectError: new OAuthFlowError('forbidden', 'Only admins can connect ledgers.') };
  }
  try {
    const outcome = await connectGranted(deps, pending, { firmId: who.firmId, userId: who.userId }, oauth, tokens, callback);
    return { who, outcome, connectError: null };
  } catch (err) {
    if (!(err instanceof OAuthFlowError)) throw err;
    dropTokens();
    return { who, outcome: null, connectError: err };
  }
}

/** The id_token verified, the user found or created (with a firm for a new one), the sign-in recorded. */
async function identify(deps: OAuthDeps, pending: PendingAuthorization, oauth: LedgerOAuth, tokens: TokenSet, verb: 'Signed in' | 'Signed up'): Promise<SignedIn> {
  if (!tokens.idToken) throw new OAuthFlowError('sign_in_failed', 'The provider did not return an identity.');
  let claims: Awaited<ReturnType<LedgerOAuth['verifyIdToken']>>;
  try {
    claims = await oauth.verifyIdToken(tokens.idToken, pending.nonce);
  } catch (err) {
    deps.log.warn({ provider: pending.provider, err: err instanceof Error ? err.message : String(err) }, 'id_token verification failed');
    throw new OAuthFlowError('sign_in_failed', 'The identity could not be verified.');
  }
  const authProvider = pending.provider === 'xero' ? 'xero' : 'intuit';
  const name = claims.name?.trim() || claims.email || 'New user';
  // Sign-in finds or creates the user and firm before any firm scope exists: as the system.
  return asSystem(() => deps.db.transaction(async (tx) => {
    const now = new Date();
    let createdUser = false;
    let createdFirm = false;
    let [user] = await tx.select().from(users).where(and(eq(users.authProvider, authProvider), eq(users.authSubject, claims.subject)));
    if (!user) {
      [user] = await tx.insert(users).values({ email: claims.email, name, authProvider, authSubject: claims.subject, lastSignInAt: now }).onConflictDoNothing().returning();
      if (!user) [user] = await tx.select().from(users).where(and(eq(users.authProvider, authProvider), eq(users.authSubject, claims.subject)));
      else createdUser = true;
    } else {
      await tx.update(users).set({ lastSignInAt: now, ...(claims.email ? { email: claims.email } : {}) }).where(eq(users.id, user.id));
    }
    const [membership] = await tx.select().from(memberships).where(eq(memberships.userId, user!.id)).orderBy(asc(memberships.createdAt)).limit(1);
    let firmId = membership?.firmId;
    let role: string = membership?.role ?? 'admin';
    if (!firmId) {
      const [firm] = await tx.insert(firms).values({ name: `${name}’s firm` }).returning({ id: firms.id });
      await tx.insert(memberships).values({ firmId: firm!.id, userId: user!.id, role: 'admin' });
      firmId = firm!.id;
      role = 'admin';
      createdFirm = true;
    }
    await tx.insert(activities).values({
      firmId,
      actorUserId: user!.id,
      actorType: 'user',
      kind: 'auth.sign_in',
      summary: `${verb} with ${pending.provider === 'xero' ? 'Xero' : 'Intuit'}${createdFirm ? ' (new firm created)' : ''}`,
    });
    return { userId: user!.id, firmId, createdUser, createdFirm, role };
  }));
}
