/**
 * Xero's identity server as the sandbox imitates it:
 *   authorize  /xero/identity/connect/authorize      (login.xero.com/identity/connect/authorize)
 *   token      /xero/connect/token                   (identity.xero.com/connect/token)
 *   revoke     /xero/connect/revocation              (identity.xero.com/connect/revocation)
 *   userinfo   /xero/connect/userinfo                (identity.xero.com/connect/userinfo)
 *   discovery  /xero/identity/.well-known/openid-configuration, JWKS at …/jwks
 *   connections GET / DELETE /xero/connections[/{id}] (api.xero.com/connections)
 * Xero only returns a refresh token when `offline_access` is asked for, as the real one does.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { SandboxContext } from '../context';
import type { OAuthProvider } from './provider';

const XERO_SCOPE = /^(openid|profile|email|offline_access|app\.connections|marketplace\.billing|files(\.read)?|assets(\.read)?|projects(\.read)?|bankfeeds|accounting\.[a-z_.]+|payroll\.[a-z_.]+|finance\.[a-z_.]+|paymentservices)$/;

export const xeroProvider: OAuthProvider = {
  provider: 'xero',
  label: 'Xero',
  paths: {
    authorize: '/xero/identity/connect/authorize',
    token: '/xero/connect/token',
    revoke: '/xero/connect/revocation',
    userinfo: '/xero/connect/userinfo',
    jwks: '/xero/identity/.well-known/openid-configuration/jwks',
    discovery: '/xero/identity/.well-known/openid-configuration',
  },
  issuerPath: '/xero/identity',
  user: { sub: 'd4a7e2c95f1b4e0f9a3c6b8d2e1f0a57', givenName: 'Dana', familyName: 'Demo', email: 'dana@demo-firm.example' },
  multiCompany: true,
  accessTokenSeconds: 1800,
  idTokenSeconds: 300,
  scopeAllowed: (scope) => XERO_SCOPE.test(scope),
  needsCompany: (scopes) => scopes.some((s) => /^(accounting|payroll|files|assets|projects|finance|bankfeeds|paymentservices)\b/.test(s)),
  refreshFor: (scopes) => scopes.includes('offline_access'),
  tokenBody: (grant, idToken, withRefresh) => ({
    ...(idToken ? { id_token: idToken } : {}),
    access_token: grant.accessToken,
    expires_in: 1800,
    token_type: 'Bearer',
    ...(withRefresh ? { refresh_token: grant.refreshToken } : {}),
    scope: grant.scopes.join(' '),
  }),
  errorBody: (error) => ({ error }),
  callbackParams: (scopes) => ({ scope: scopes.join(' '), session_state: randomUUID().replace(/-/g, '') }),
  idTokenClaims(base, scopes) {
    const u = this.user;
    return {
      nbf: base.iat,
      exp: base.exp,
      iss: base.iss,
      aud: base.aud,
      iat: base.iat,
      ...(base.nonce ? { nonce: base.nonce } : {}),
      sub: base.sub,
      auth_time: base.iat,
      xero_userid: XERO_USER_ID,
      global_session_id: 'b3c0c4f9a1e24e6b8a7d5f2c9e3a1b60',
      ...(scopes.includes('email') ? { preferred_username: u.email, email: u.email } : {}),
      ...(scopes.includes('profile') ? { given_name: u.givenName, family_name: u.familyName, name: `${u.givenName} ${u.familyName}` } : {}),
      amr: ['pwd'],
    };
  },
  userinfo(scopes) {
    const u = this.user;
    return {
      sub: u.sub,
      xero_userid: XERO_USER_ID,
      ...(scopes.includes('email') ? { email: u.email, preferred_username: u.email } : {}),
      ...(scopes.includes('profile') ? { given_name: u.givenName, family_name: u.familyName, name: `${u.givenName} ${u.familyName}` } : {}),
    };
  },
  discovery(base) {
    const iss = `${base}${this.issuerPath}`;
    return {
      issuer: iss,
      jwks_uri: `${base}${this.paths.jwks}`,
      authorization_endpoint: `${base}${this.paths.authorize}`,
      token_endpoint: `${base}${this.paths.token}`,
      userinfo_endpoint: `${base}${this.paths.userinfo}`,
      revocation_endpoint: `${base}${this.paths.revoke}`,
      scopes_supported: ['openid', 'profile', 'email', 'offline_access', 'accounting.transactions', 'accounting.transactions.read', 'accounting.contacts', 'accounting.contacts.read', 'accounting.settings', 'accounting.settings.read', 'accounting.reports.read', 'accounting.attachments'],
      claims_supported: ['sub', 'name', 'family_name', 'given_name', 'email', 'preferred_username', 'xero_userid', 'global_session_id', 'auth_time', 'amr', 'nonce'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['plain', 'S256'],
      request_parameter_supported: false,
    };
  },
  describeCompany: (c) => `${c.name} (${c.baseCurrency}, ${c.countryCode})`,
};

/** The demo user's Xero user id (a uuid, unlike `sub`). */
export const XERO_USER_ID = '5f8c3a1e-9b2d-4c7e-a6f0-1d2e3b4c5a69';

export interface XeroConnection {
  id: string;
  authEventId: string;
  clientId: string;
  tenantId: string;
  createdAt: number;
  updatedAt: number;
}

/** "2019-12-07T18:46:19.5165400": Xero's connection timestamps (UTC, 7 decimals, no zone). */
export function xeroConnectionDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000`;
}

/** Which of a client's tenants are connected, and since when (one record per client + tenant). */
export class XeroConnections {
  private readonly byKey = new Map<string, XeroConnection>();
  constructor(private readonly now: () => number) {}

  private static key(clientId: string, tenantId: string): string {
    return `${clientId}\u0000${tenantId}`;
  }

  /** Record an authorisation event: the tenants get (re)connected with a fresh authEventId. */
  connect(clientId: string, tenantIds: string[]): string {
    const authEventId = randomUUID();
    const at = this.now();
    for (const tenantId of tenantIds) {
      const key = XeroConnections.key(clientId, tenantId);
      const existing = this.byKey.get(key);
      if (existing) Object.assign(existing, { authEventId, updatedAt: at });
      else this.byKey.set(key, { id: randomUUID(), authEventId, clientId, tenantId, createdAt: at, updatedAt: at });
    }
    return authEventId;
  }

  /** The connection for a client + tenant, created on the fly for grants issued without a consent (embedded mode). */
  get(clientId: string, tenantId: string): XeroConnection {
    const key = XeroConnections.key(clientId, tenantId);
    let c = this.byKey.get(key);
    if (!c) {
      this.connect(clientId, [tenantId]);
      c = this.byKey.get(key)!;
    }
    return c;
  }

  find(clientId: string, id: string): XeroConnection | null {
    for (const c of this.byKey.values()) if (c.id === id && c.clientId === clientId) return c;
    return null;
  }

  remove(c: XeroConnection): void {
    this.byKey.delete(XeroConnections.key(c.clientId, c.tenantId));
  }
}

function unauthorized(res: express.Response, detail: string): void {
  res
    .status(401)
    .set('WWW-Authenticate', 'Bearer error="invalid_token"')
    .json({ Type: null, Title: 'Unauthorized', Status: 401, Detail: detail, Instance: randomUUID(), Extensions: {} });
}

/** GET /xero/connections and DELETE /xero/connections/{id}. */
export function xeroConnectionsRouter(ctx: SandboxContext, connections: XeroConnections): express.Router {
  const router = express.Router();
  router.get('/xero/connections', (req, res) => {
    const grant = ctx.grants.authenticate('xero', req.headers.authorization);
    if (!grant) return unauthorized(res, 'AuthenticationUnsuccessful');
    const filter = typeof req.query['authEventId'] === 'string' ? req.query['authEventId'] : null;
    const out = [];
    for (const tenantId of grant.companyIds) {
      const company = ctx.store.companies.get(tenantId);
      if (company?.provider !== 'xero') continue;
      const c = connections.get(grant.clientId, tenantId);
      if (filter && c.authEventId !== filter) continue;
      out.push({
        id: c.id,
        authEventId: c.authEventId,
        tenantId,
        tenantType: 'ORGANISATION',
        tenantName: company.name,
        createdDateUtc: xeroConnectionDate(c.createdAt),
        updatedDateUtc: xeroConnectionDate(c.updatedAt),
      });
    }
    res.json(out);
  });
  router.delete('/xero/connections/:id', (req, res) => {
    const grant = ctx.grants.authenticate('xero', req.headers.authorization);
    if (!grant) return unauthorized(res, 'AuthenticationUnsuccessful');
    const c = connections.find(grant.clientId, req.params.id);
    if (!c || !grant.companyIds.includes(c.tenantId)) {
      res.status(404).json({ Type: null, Title: 'Not Found', Status: 404, Detail: `Connection ${req.params.id} not found`, Instance: randomUUID(), Extensions: {} });
      return;
    }
    ctx.grants.disconnect('xero', grant.clientId, c.tenantId);
    connections.remove(c);
    res.status(204).end();
  });
  return router;
}
