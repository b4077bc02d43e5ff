/**
 * The OAuth 2 authorization-code flow and OpenID Connect endpoints, shared by both providers
 * (their differences live in xero.ts / intuit.ts):
 *
 *   GET  authorize   validate, then consent page (or, with autoConsent, straight back with a code)
 *   POST authorize   the consent form: Allow → code, Cancel → error=access_denied
 *   POST token       authorization_code (single use, PKCE S256/plain) and refresh_token (rotation)
 *   POST revoke      RFC 7009: 200 even for unknown tokens
 *   GET  userinfo    the demo user, by bearer token with `openid`
 *   GET  discovery, JWKS
 *
 * Errors use the RFC 6749 names in each provider's body shape; nothing here answers 500 for
 * bad input.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { AuthCode, Grant, SandboxContext } from '../context';
import { consentPage, errorPage } from './consent';
import { type SigningKey, signJwt } from './keys';
import { type OAuthProvider, parseScopes } from './provider';

/** An authorization request waiting for the consent form. */
interface PendingAuthorization {
  provider: OAuthProvider['provider'];
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  expiresAt: number;
}

/** State the OAuth routes share across providers (one per sandbox). */
export interface OAuthState {
  key: () => SigningKey;
  pending: Map<string, PendingAuthorization>;
  /** Refresh tokens of public (PKCE, secret-less) clients. */
  publicRefreshTokens: Set<string>;
  /** Called when a code is exchanged for a grant (Xero records its connections). */
  onGrant?: (provider: OAuthProvider['provider'], grant: Grant) => void;
  /** Called when a grant is revoked through the revocation endpoint. */
  onRevoke?: (provider: OAuthProvider['provider'], grant: Grant) => void;
}

const PENDING_TTL_MS = 15 * 60_000;
const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether authorize may redirect here: a registered URI, or (none registered) the sandbox's own host or loopback. */
function redirectAllowed(options: { redirectUris?: string[]; baseUrl: string }, value: string): boolean {
  if (options.redirectUris) return options.redirectUris.includes(value);
  const u = new URL(value);
  if (LOOPBACK.has(u.hostname)) return true;
  try {
    return u.host === new URL(options.baseUrl).host;
  } catch {
    return false;
  }
}

function absoluteHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.hash;
  } catch {
    return false;
  }
}

function redirectWith(res: express.Response, redirectUri: string, params: Record<string, string | null | undefined>): void {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) url.searchParams.set(k, v);
  res.redirect(302, url.toString());
}

/** Client id and secret from HTTP Basic (preferred) or the form body. */
function clientCredentials(req: express.Request, body: Record<string, unknown>): { clientId?: string; clientSecret?: string; basic: boolean } {
  const auth = req.headers.authorization;
  const m = /^Basic\s+(\S+)$/i.exec(auth ?? '');
  if (m) {
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i >= 0) {
      const dec = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      return { clientId: dec(decoded.slice(0, i)), clientSecret: dec(decoded.slice(i + 1)), basic: true };
    }
  }
  return { clientId: str(body['client_id']), clientSecret: str(body['client_secret']), basic: false };
}

/** The consent form posts back to the URL it was served from (correct even when the sandbox app is mounted under a prefix). */
function formAction(req: express.Request): string {
  return req.originalUrl.split('?')[0]!;
}

/** Body parsers for the token / revoke endpoints; a malformed body becomes invalid_request. */
const parseBody = [express.urlencoded({ extended: false, limit: '64kb' }), express.json({ limit: '64kb' })];

export function oauthFlowRouter(ctx: SandboxContext, p: OAuthProvider, state: OAuthState): express.Router {
  const router = express.Router();
  const now = () => ctx.store.clock.peek();
  const base = () => ctx.options.baseUrl.replace(/\/+$/, '');

  const oauthError = (res: express.Response, status: number, error: string, description: string) => {
    res.status(status).set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(p.errorBody(error, description));
  };

  const companiesOf = () => ctx.store.companiesFor(p.provider);

  const issueCode = (req: PendingAuthorization, companyIds: string[]) =>
    ctx.codes.issue({
      provider: p.provider,
      clientId: req.clientId,
      redirectUri: req.redirectUri,
      scopes: req.scopes,
      companyIds,
      userSub: p.user.sub,
      nonce: req.nonce,
      codeChallenge: req.codeChallenge,
      codeChallengeMethod: req.codeChallengeMethod,
    });

  const approve = (res: express.Response, req: PendingAuthorization, companyIds: string[]) => {
    const code = issueCode(req, companyIds);
    redirectWith(res, req.redirectUri, { code, state: req.state, ...p.callbackParams(req.scopes, companyIds) });
  };

  // ---- authorize ---------------------------------------------------------------------------
  router.get(p.paths.authorize, (req, res) => {
    const q = req.query as Record<string, unknown>;
    const clientId = str(q['client_id']);
    const redirectUri = str(q['redirect_uri']);
    const fail = (error: string, description: string) => {
      res.status(400).type('html').send(errorPage(p, error, description));
    };
    if (!clientId) return fail('invalid_request', 'client_id is missing');
    if (ctx.options.clientId && clientId !== ctx.options.clientId) return fail('unauthorized_client', `Unknown client ${clientId}`);
    if (!redirectUri) return fail('invalid_request', 'redirect_uri is missing');
    if (!absoluteHttpUrl(redirectUri)) return fail('invalid_request', 'redirect_uri must be an absolute http(s) URL without a fragment');
    if (!redirectAllowed(ctx.options, redirectUri)) return fail('invalid_request', 'redirect_uri is not registered for this client');
    const stateParam = str(q['state']) ?? null;
    const back = (error: string, description: string) => redirectWith(res, redirectUri, { error, error_description: description, state: stateParam });

    const responseType = str(q['response_type']);
    if (!responseType) return back('invalid_request', 'response_type is missing');
    if (responseType !== 'code') return back('unsupported_response_type', `response_type ${responseType} is not supported; use code`);
    const scopes = parseScopes(str(q['scope']) ?? '');
    if (scopes.length === 0) return back('invalid_scope', 'scope is missing');
    const unknown = scopes.filter((s) => !p.scopeAllowed(s));
    if (unknown.length) return back('invalid_scope', `Unknown scope: ${unknown.join(' ')}`);
    const challenge = str(q['code_challenge']) ?? null;
    const method = str(q['code_challenge_method']) ?? null;
    if (method && !challenge) return back('invalid_request', 'code_challenge_method without code_challenge');
    if (method && method !== 'S256' && method !== 'plain') return back('invalid_request', `code_challenge_method ${method} is not supported`);
    if (challenge && !PKCE_VERIFIER.test(challenge)) return back('invalid_request', 'code_challenge must be 43-128 characters of [A-Za-z0-9-._~]');

    const pending: PendingAuthorization = {
      provider: p.provider,
      clientId,
      redirectUri,
      scopes,
      state: stateParam,
      nonce: str(q['nonce']) ?? null,
      codeChallenge: challenge,
      codeChallengeMethod: challenge ? ((method ?? 'plain') as 'S256' | 'plain') : null,
      expiresAt: now() + PENDING_TTL_MS,
    };
    const needsCompany = p.needsCompany(scopes);
    const companies = companiesOf();
    if (needsCompany && companies.length === 0) return back('access_denied', `There are no ${p.label} companies in this sandbox`);

    if (ctx.options.autoConsent) {
      // Sandbox-only: `sandbox_company=id[,id]` picks the companies; default all (Xero) or the first (QuickBooks).
      let chosen = needsCompany ? (p.multiCompany ? companies.map((c) => c.id) : [companies[0]!.id]) : [];
      const hint = str(q['sandbox_company']);
      if (hint && needsCompany) {
        const ids = hint.split(',').map((s) => s.trim()).filter(Boolean);
        if (ids.some((id) => !companies.some((c) => c.id === id)) || (!p.multiCompany && ids.length !== 1)) return back('invalid_request', 'sandbox_company names unknown companies');
        chosen = ids;
      }
      return approve(res, pending, chosen);
    }

    for (const [id, r] of state.pending) if (r.expiresAt <= now()) state.pending.delete(id);
    const requestId = randomBytes(16).toString('base64url');
    state.pending.set(requestId, pending);
    res
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(consentPage({ provider: p, action: formAction(req), requestId, clientId, scopes, companies, needsCompany }));
  });

  router.post(p.paths.authorize, express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const requestId = str(body['request_id']);
    const pending = requestId ? state.pending.get(requestId) : undefined;
    if (!requestId || !pending || pending.expiresAt <= now()) {
      res.status(400).type('html').send(errorPage(p, 'invalid_request', 'This authorization request has expired or was already answered; start again from the app'));
      return;
    }
    const decision = str(body['decision']);
    if (decision !== 'allow') {
      state.pending.delete(requestId);
      redirectWith(res, pending.redirectUri, { error: 'access_denied', error_description: 'The user denied access', state: pending.state });
      return;
    }
    const raw = body['company'];
    const selected = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((x): x is string => typeof x === 'string');
    const companies = companiesOf();
    const needsCompany = p.needsCompany(pending.scopes);
    const valid = selected.every((id) => companies.some((c) => c.id === id));
    const countOk = !needsCompany || (p.multiCompany ? selected.length >= 1 : selected.length === 1);
    if (!valid || !countOk) {
      res
        .status(400)
        .type('html')
        .send(
          consentPage({
            provider: p,
            action: formAction(req),
            requestId,
            clientId: pending.clientId,
            scopes: pending.scopes,
            companies,
            needsCompany,
            error: p.multiCompany ? 'Choose at least one organisation.' : 'Choose one company.',
          }),
        );
      return;
    }
    state.pending.delete(requestId);
    approve(res, pending, needsCompany ? [...new Set(selected)] : []);
  });

  // ---- token -------------------------------------------------------------------------------
  const idTokenFor = (grant: Grant, nonce: string | null): string | null => {
    if (!grant.scopes.includes('openid')) return null;
    const iat = Math.floor(now() / 1000);
    const claims = p.idTokenClaims({ iss: `${base()}${p.issuerPath}`, aud: grant.clientId, sub: grant.userSub, iat, exp: iat + p.idTokenSeconds, nonce }, grant.scopes, grant.companyIds);
    return signJwt(state.key(), claims);
  };

  const authenticateClient = (req: express.Request, body: Record<string, unknown>, res: express.Response, allowPublic: (clientId: string) => boolean): string | null => {
    const creds = clientCredentials(req, body);
    const reject = (description: string) => {
      if (creds.basic) res.set('WWW-Authenticate', `Basic realm="${p.label} sandbox"`);
      oauthError(res, 401, 'invalid_client', description);
      return null;
    };
    if (!creds.clientId) return reject('Client authentication is required');
    if (ctx.options.clientId && !safeEqual(creds.clientId, ctx.options.clientId)) return reject('Unknown client');
    if (ctx.options.clientSecret) {
      if (creds.clientSecret === undefined || creds.clientSecret === '') {
        if (!allowPublic(creds.clientId)) return reject('Client secret is required');
      } else if (!safeEqual(creds.clientSecret, ctx.options.clientSecret)) {
        return reject('Invalid client secret');
      }
    }
    return creds.clientId;
  };

  router.post(p.paths.token, ...parseBody, (req, res) => {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const grantType = str(body['grant_type']);
    const hasSecret = !!clientCredentials(req, body).clientSecret;
    const clientId = authenticateClient(req, body, res, () =>
      grantType === 'authorization_code' ? !!str(body['code_verifier']) : grantType === 'refresh_token' ? state.publicRefreshTokens.has(str(body['refresh_token']) ?? '') : false,
    );
    if (clientId === null) return;
    const reply = (grant: Grant, idToken: string | null) => {
      const isPublic = !hasSecret;
      if (isPublic) state.publicRefreshTokens.add(grant.refreshToken);
      res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(p.tokenBody(grant, idToken, p.refreshFor(grant.scopes)));
    };
    if (!grantType) return oauthError(res, 400, 'invalid_request', 'grant_type is missing');
    if (grantType === 'authorization_code') {
      const code = str(body['code']);
      const redirectUri = str(body['redirect_uri']);
      if (!code) return oauthError(res, 400, 'invalid_request', 'code is missing');
      if (!redirectUri) return oauthError(res, 400, 'invalid_request', 'redirect_uri is missing');
      const verifier = str(body['code_verifier']);
      if (verifier !== undefined && !PKCE_VERIFIER.test(verifier)) return oauthError(res, 400, 'invalid_request', 'code_verifier must be 43-128 characters of [A-Za-z0-9-._~]');
      const redeemed: AuthCode | 'invalid_grant' = ctx.codes.redeem(code, clientId, redirectUri, verifier);
      if (redeemed === 'invalid_grant' || redeemed.provider !== p.provider) return oauthError(res, 400, 'invalid_grant', 'Token invalid');
      const grant = ctx.grants.issue(p.provider, { clientId, companyIds: redeemed.companyIds, scopes: redeemed.scopes, userSub: redeemed.userSub });
      state.onGrant?.(p.provider, grant);
      return reply(grant, idTokenFor(grant, redeemed.nonce));
    }
    if (grantType === 'refresh_token') {
      const refreshToken = str(body['refresh_token']);
      if (!refreshToken) return oauthError(res, 400, 'invalid_request', 'refresh_token is missing');
      const wasPublic = state.publicRefreshTokens.delete(refreshToken);
      const grant = ctx.grants.refresh(p.provider, clientId, refreshToken);
      if (!grant) return oauthError(res, 400, 'invalid_grant', 'Token invalid');
      if (wasPublic) state.publicRefreshTokens.add(grant.refreshToken);
      return reply(grant, idTokenFor(grant, null));
    }
    if (grantType === 'client_credentials' && p.provider === 'xero') {
      // Xero's client-credentials grant (the App Store API): an app token for the app itself, no
      // organisation, no refresh token, no id_token; only a confidential client may ask.
      if (!hasSecret) return oauthError(res, 401, 'invalid_client', 'Client secret is required');
      const scopes = parseScopes(str(body['scope']) ?? 'marketplace.billing');
      if (scopes.some((s) => s !== 'marketplace.billing')) return oauthError(res, 400, 'invalid_scope', 'Only marketplace.billing may be asked for with client_credentials');
      const grant = ctx.grants.issue(p.provider, { clientId, companyIds: [], scopes, userSub: `app:${clientId}` });
      return res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json({ access_token: grant.accessToken, expires_in: p.accessTokenSeconds, token_type: 'Bearer', scope: scopes.join(' ') });
    }
    return oauthError(res, 400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
  });

  // ---- revocation --------------------------------------------------------------------------
  router.post(p.paths.revoke, ...parseBody, (req, res) => {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const token = str(body['token']);
    const clientId = authenticateClient(req, body, res, () => state.publicRefreshTokens.has(token ?? ''));
    if (clientId === null) return;
    if (!token) return oauthError(res, 400, 'invalid_request', 'token is missing');
    const grant = ctx.grants.all().find((g) => g.provider === p.provider && (g.refreshToken === token || g.accessToken === token));
    // RFC 7009: unknown tokens, or tokens of another client, are answered 200 and left alone.
    if (grant && grant.clientId === clientId) {
      ctx.grants.revoke(token);
      state.publicRefreshTokens.delete(grant.refreshToken);
      state.onRevoke?.(p.provider, grant);
    }
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).status(200).end();
  });

  // ---- OpenID Connect ----------------------------------------------------------------------
  router.get(p.paths.userinfo, (req, res) => {
    const grant = ctx.grants.authenticate(p.provider, req.headers.authorization);
    if (!grant) {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json(p.errorBody('invalid_token', 'The access token is missing, expired or revoked'));
      return;
    }
    if (!grant.scopes.includes('openid')) {
      res.status(403).set('WWW-Authenticate', 'Bearer error="insufficient_scope", scope="openid"').json(p.errorBody('insufficient_scope', 'The openid scope was not granted'));
      return;
    }
    res.json(p.userinfo(grant.scopes));
  });
  router.get(p.paths.discovery, (_req, res) => {
    res.json(p.discovery(base()));
  });
  router.get(p.paths.jwks, (_req, res) => {
    res.json({ keys: [state.key().jwk] });
  });

  // A malformed body on these routes is the client's fault: invalid_request, never a 500.
  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return oauthError(res, 400, 'invalid_request', (err as Error).message || 'Malformed request');
    next(err);
  });
  return router;
}
