/**
 * Where the app stores send people (mounted inside the /oauth router, same session):
 *
 *   GET /oauth/:provider/sign-up   Xero's "Sign up with Xero" from the app-store listing (and the
 *                                  same for QuickBooks): one consent for the identity and the
 *                                  ledger; the user, their firm and the chosen organisations in one go
 *   GET /oauth/intuit/launch       Intuit's launch URL ("Get app now" / "Launch" in QuickBooks):
 *                                  signed in → the company (or a connect); otherwise a sign-up
 *   GET /oauth/intuit/disconnect   Intuit's disconnect URL: the person disconnected Arcus inside
 *                                  QuickBooks; Arcus checks with QuickBooks that the company's access
 *                                  really is gone, marks it disconnected and says so in words
 *
 * The callback is the provider's usual /oauth/:provider/callback (purpose 'sign-up'). A visit to
 * the disconnect URL cannot disconnect anything by itself: anyone can open that address, so only
 * QuickBooks refusing the stored access counts.
 */
import { and, eq, ne } from 'drizzle-orm';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Provider } from '../../integrations/ledger/types';
import { can } from '../auth/permissions';
import { detectProviderDisconnect } from '../connections/detect';
import { asSystem } from '../db/firm-scope';
import { organisations } from '../db/schema';
import { csrfToken } from '../http/csrf';
import { beginAuthorization, type OAuthDeps, OAuthFlowError } from '../oauth/flow';
import type { OAuthPurpose } from '../oauth/state';
import '../oauth/session';
import { rememberPending } from '../oauth/state';

const ProviderParam = z.enum(['xero', 'quickbooks', 'intuit']).transform((p): Provider => (p === 'intuit' ? 'quickbooks' : p));
const QuickBooksOnly = z.enum(['quickbooks', 'intuit']);
/** A QuickBooks company id (realmId): digits in practice; anything else is ignored. */
const RealmId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);

const CONNECTIONS_PAGE = '/settings/connections';

function back(res: Response, page: string, params: Record<string, string | number | undefined>): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  res.redirect(302, `${page}?${q}`);
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export function appStoreRoutes(deps: OAuthDeps): Router {
  const r = Router();

  /** Leave for the provider's consent page with a new pending authorization in the session. */
  async function start(req: Request, res: Response, purpose: OAuthPurpose, provider: Provider, failPage: string, failKey: string): Promise<void> {
    try {
      const auth = purpose === 'connect' ? { firmId: req.auth?.firmId, userId: req.auth?.userId } : {};
      const { url, pending } = beginAuthorization(deps, { purpose, provider, ...auth });
      // The session must exist (with its CSRF token) before leaving for the provider.
      csrfToken(req);
      req.session.oauth = rememberPending(req.session.oauth, pending);
      await save(req);
      res.redirect(302, url);
    } catch (err) {
      if (err instanceof OAuthFlowError) return back(res, failPage, { [failKey]: err.code, provider });
      throw err;
    }
  }

  r.get('/:provider/sign-up', async (req, res) => {
    const provider = ProviderParam.safeParse(req.params.provider);
    if (!provider.success) return back(res, '/', { signin_error: 'provider_error' });
    // Already signed in: a sign-up is a connect for this firm (admins only).
    if (req.auth) {
      if (!can(req.auth, 'organisations.manage')) return back(res, CONNECTIONS_PAGE, { error: 'forbidden', provider: provider.data });
      return start(req, res, 'connect', provider.data, CONNECTIONS_PAGE, 'error');
    }
    return start(req, res, 'sign-up', provider.data, '/', 'signin_error');
  });

  r.get('/:provider/launch', async (req, res) => {
    if (!QuickBooksOnly.safeParse(req.params.provider).success) return back(res, '/', { signin_error: 'provider_error' });
    const realm = RealmId.safeParse(req.query['realmId']);
    if (!req.auth) return start(req, res, 'sign-up', 'quickbooks', '/', 'signin_error');
    if (realm.success) {
      const [org] = await deps.db
        .select({ id: organisations.id, status: organisations.status })
        .from(organisations)
        .where(and(eq(organisations.firmId, req.auth.firmId), eq(organisations.provider, 'quickbooks'), eq(organisations.externalId, realm.data)));
      if (org?.status === 'active') return res.redirect(302, `/organisations/${org.id}`);
    }
    if (!can(req.auth, 'organisations.manage')) return res.redirect(302, '/');
    return start(req, res, 'connect', 'quickbooks', CONNECTIONS_PAGE, 'error');
  });

  r.get('/:provider/disconnect', async (req, res) => {
    if (!QuickBooksOnly.safeParse(req.params.provider).success) return back(res, '/', { signin_error: 'provider_error' });
    const realm = RealmId.safeParse(req.query['realmId']);
    const firmId = req.auth?.firmId ?? null;
    // Which connected QuickBooks companies this visit can be about: the realm named (in any firm:
    // Intuit's browser redirect carries no Arcus session), or else every one of the signed-in firm.
    const candidates = realm.success || firmId
      ? await asSystem(() =>
          deps.db
            .select({ id: organisations.id, firmId: organisations.firmId, externalId: organisations.externalId })
            .from(organisations)
            .where(and(eq(organisations.provider, 'quickbooks'), ne(organisations.status, 'disconnected'), realm.success ? eq(organisations.externalId, realm.data) : eq(organisations.firmId, firmId!))),
        )
      : [];
    for (const org of candidates) {
      // The same check as the periodic connections.check: only QuickBooks refusing the stored access marks it.
      const health = await asSystem(() => detectProviderDisconnect(deps, org.id));
      deps.log.info({ provider: 'quickbooks', organisationId: org.id, health }, 'QuickBooks disconnect URL visited');
    }
    // The cards below the message show which company is disconnected (and one still connected stays so).
    if (req.auth) return back(res, CONNECTIONS_PAGE, { disconnected_in_provider: 1, provider: 'quickbooks' });
    return back(res, '/', { signin_error: 'disconnected_in_provider', provider: 'quickbooks' });
  });

  return r;
}
