/**
 * Browser redirects for OAuth, mounted at /oauth (outside /api) with the same session:
 *
 *   GET /oauth/:provider/connect[?organisation=id]   admin: connect (or reconnect) a ledger
 *   GET /oauth/:provider/sign-in                     anyone: Sign in with Xero / Intuit
 *   GET /oauth/:provider/callback                    the provider comes back here (every purpose)
 *   GET /oauth/:provider/sign-up, /oauth/intuit/launch, /oauth/intuit/disconnect   see app-store.ts
 *
 * `:provider` is xero or quickbooks (intuit is accepted as a name for quickbooks). Failures
 * redirect back to the app with an error code the UI puts into words, never a JSON error page.
 */
import { and, eq } from 'drizzle-orm';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Provider } from '../../integrations/ledger/types';
import { can } from '../auth/permissions';
import { organisations } from '../db/schema';
import { csrfToken } from '../http/csrf';
import { beginAuthorization, finishConnect, finishSignIn, finishSignUp, type OAuthDeps, type OAuthErrorCode, OAuthFlowError, type RefusalCounts, refusalCounts } from '../oauth/flow';
import '../oauth/session';
import { rememberPending, takePending } from '../oauth/state';
import { appStoreRoutes } from './app-store';

const ProviderParam = z.enum(['xero', 'quickbooks', 'intuit']).transform((p): Provider => (p === 'intuit' ? 'quickbooks' : p));

const CONNECTIONS_PAGE = '/settings/connections';

function back(res: Response, page: string, params: Record<string, string | number | undefined>): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  res.redirect(302, `${page}?${q}`);
}

/** Refused tenants by reason, for the page to say exactly why (?elsewhere=1&plan=1&limited=2&unreadable=1). */
function refusalParams(counts: RefusalCounts): Record<string, number | undefined> {
  return { elsewhere: counts.elsewhere || undefined, plan: counts.plan_limit || undefined, limited: counts.rate_limited || undefined, unreadable: counts.unreadable || undefined };
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function oauthRoutes(deps: OAuthDeps): Router {
  const r = Router();
  // Sign up from the app-store listing, Intuit's launch and disconnect URLs (server/routes/app-store.ts).
  r.use(appStoreRoutes(deps));

  r.get('/:provider/connect', async (req, res) => {
    const provider = ProviderParam.safeParse(req.params.provider);
    if (!provider.success) return back(res, CONNECTIONS_PAGE, { error: 'provider_error' });
    const p = provider.data;
    if (!req.auth) return back(res, '/', { signin_error: 'not_signed_in' });
    if (!can(req.auth, 'organisations.manage')) return back(res, CONNECTIONS_PAGE, { error: 'forbidden', provider: p });
    let organisationId: string | undefined;
    if (typeof req.query['organisation'] === 'string') {
      const id = z.string().uuid().safeParse(req.query['organisation']);
      const [org] = id.success
        ? await deps.db.select({ id: organisations.id, provider: organisations.provider }).from(organisations).where(and(eq(organisations.id, id.data), eq(organisations.firmId, req.auth.firmId)))
        : [];
      if (!org || org.provider !== p) return back(res, CONNECTIONS_PAGE, { error: 'reconnect_mismatch', provider: p });
      organisationId = org.id;
    }
    try {
      const { url, pending } = beginAuthorization(deps, { purpose: 'connect', provider: p, firmId: req.auth.firmId, userId: req.auth.userId, organisationId });
      req.session.oauth = rememberPending(req.session.oauth, pending);
      await save(req);
      res.redirect(302, url);
    } catch (err) {
      if (err instanceof OAuthFlowError) return back(res, CONNECTIONS_PAGE, { error: err.code, provider: p });
      throw err;
    }
  });

  r.get('/:provider/sign-in', async (req, res) => {
    const provider = ProviderParam.safeParse(req.params.provider);
    if (!provider.success) return back(res, '/', { signin_error: 'provider_error' });
    try {
      const { url, pending } = beginAuthorization(deps, { purpose: 'sign-in', provider: provider.data });
      // Make sure the session exists (and has its CSRF token) before leaving for the provider.
      csrfToken(req);
      req.session.oauth = rememberPending(req.session.oauth, pending);
      await save(req);
      res.redirect(302, url);
    } catch (err) {
      if (err instanceof OAuthFlowError) return back(res, '/', { signin_error: err.code, provider: provider.data });
      throw err;
    }
  });

  r.get('/:provider/callback', async (req, res) => {
    const provider = ProviderParam.safeParse(req.params.provider);
    const q = req.query as Record<string, unknown>;
    const fallbackPage = req.auth ? CONNECTIONS_PAGE : '/';
    const fallbackKey = req.auth ? 'error' : 'signin_error';
    if (!provider.success) return back(res, fallbackPage, { [fallbackKey]: 'provider_error' });
    const p = provider.data;
    const check = takePending(deps.sessionSecret, q['state'], req.session.oauth, p);
    await save(req);
    if (!check.ok) {
      deps.log.warn({ provider: p, reason: check.reason }, 'oauth callback refused');
      const code: OAuthErrorCode = check.reason === 'expired' ? 'state_expired' : 'state_invalid';
      return back(res, fallbackPage, { [fallbackKey]: code, provider: p });
    }
    const pending = check.pending;
    const page = pending.purpose === 'connect' ? CONNECTIONS_PAGE : '/';
    const key = pending.purpose === 'connect' ? 'error' : 'signin_error';
    if (typeof q['error'] === 'string') {
      return back(res, page, { [key]: q['error'] === 'access_denied' ? 'access_denied' : 'provider_error', provider: p });
    }
    if (typeof q['code'] !== 'string' || !q['code']) return back(res, page, { [key]: 'provider_error', provider: p });
    const code = q['code'];
    try {
      if (pending.purpose === 'connect') {
        // The flow must finish in the firm, and by the admin, that started it.
        if (!req.auth || req.auth.firmId !== pending.firmId || req.auth.userId !== pending.userId) throw new OAuthFlowError('not_signed_in', 'Sign in again to connect.');
        if (!can(req.auth, 'organisations.manage')) throw new OAuthFlowError('forbidden', 'Only admins can connect ledgers.');
        const outcome = await finishConnect(deps, pending, { code, realmId: typeof q['realmId'] === 'string' ? q['realmId'] : undefined });
        return back(res, CONNECTIONS_PAGE, {
          connected: outcome.connected.length,
          ...refusalParams(refusalCounts(outcome.refused)),
          provider: p,
          reconnected: pending.organisationId ? 1 : undefined,
        });
      }
      if (pending.purpose === 'sign-up') {
        // From the app-store listing: signed in (a new user gets their firm), then connected.
        const { who, outcome, connectError } = await finishSignUp(deps, pending, { code, realmId: typeof q['realmId'] === 'string' ? q['realmId'] : undefined });
        await regenerate(req);
        req.session.userId = who.userId;
        req.session.firmId = who.firmId;
        csrfToken(req);
        await save(req);
        if (connectError) deps.log.warn({ provider: p, code: connectError.code }, 'sign-up connect failed');
        return back(res, CONNECTIONS_PAGE, {
          welcome: who.createdFirm ? 1 : undefined,
          connected: outcome ? outcome.connected.length : undefined,
          ...(outcome ? refusalParams(refusalCounts(outcome.refused)) : connectError ? refusalParams(connectError.refused) : {}),
          error: connectError?.code,
          provider: p,
        });
      }
      const who = await finishSignIn(deps, pending, code);
      // A new session id at sign-in prevents session fixation.
      await regenerate(req);
      req.session.userId = who.userId;
      req.session.firmId = who.firmId;
      csrfToken(req);
      await save(req);
      return res.redirect(302, who.createdFirm ? `${CONNECTIONS_PAGE}?welcome=1` : '/');
    } catch (err) {
      if (err instanceof OAuthFlowError) {
        deps.log.warn({ provider: p, code: err.code }, 'oauth flow failed');
        return back(res, page, { [key]: err.code, provider: p, ...refusalParams(err.refused) });
      }
      throw err;
    }
  });

  return r;
}
