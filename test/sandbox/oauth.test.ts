import { createHash, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';

const T0 = Date.UTC(2026, 5, 15, 9, 30);
const REDIRECT = 'http://127.0.0.1:9/callback';
const COMPANIES = [
  { provider: 'xero' as const, name: 'Alpha Joinery Ltd', customers: 8, invoices: 20 },
  { provider: 'xero' as const, name: 'Beta Plumbing Ltd', customers: 8, invoices: 20 },
  { provider: 'quickbooks' as const, name: 'Gamma Dental Inc', customers: 8, invoices: 20 },
  { provider: 'quickbooks' as const, name: 'Delta Bakery Inc', customers: 8, invoices: 20 },
];

const XERO = {
  authorize: '/xero/identity/connect/authorize',
  token: '/xero/connect/token',
  revoke: '/xero/connect/revocation',
  userinfo: '/xero/connect/userinfo',
  discovery: '/xero/identity/.well-known/openid-configuration',
};
const QBO = {
  authorize: '/qbo/connect/oauth2',
  token: '/qbo/oauth2/v1/tokens/bearer',
  revoke: '/qbo/oauth2/v1/tokens/revoke',
  userinfo: '/qbo/v1/openid_connect/userinfo',
  discovery: '/qbo/.well-known/openid-configuration',
};
const XERO_SCOPES = 'openid profile email offline_access accounting.transactions accounting.contacts';
const QBO_SCOPES = 'com.intuit.quickbooks.accounting openid profile email';

type Json = Record<string, unknown>;

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function authorize(base: string, path: string, params: Record<string, string>): Promise<{ status: number; location: URL | null; html: string }> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location) : null, html: await res.text() };
}

async function post(base: string, path: string, form: Record<string, string>, auth?: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
}

async function getJson(base: string, path: string, bearer?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(path, base), { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function decodeJwt(token: string): { header: Json; claims: Json; signed: Buffer; signature: Buffer } {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Json,
    claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Json,
    signed: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s!, 'base64url'),
  };
}

async function verifyIdToken(base: string, discoveryPath: string, idToken: string): Promise<Json> {
  const discovery = (await getJson(base, discoveryPath)).body as Json;
  const jwks = (await getJson(base, new URL(discovery['jwks_uri'] as string).pathname)).body as { keys: (JsonWebKey & { kid: string })[] };
  const jwt = decodeJwt(idToken);
  expect(jwt.header['alg']).toBe('RS256');
  const jwk = jwks.keys.find((k) => k.kid === jwt.header['kid']);
  expect(jwk).toBeDefined();
  const key = createPublicKey({ key: jwk!, format: 'jwk' });
  expect(verify('sha256', jwt.signed, key, jwt.signature)).toBe(true);
  // A tampered payload must not verify.
  expect(verify('sha256', Buffer.concat([jwt.signed, Buffer.from('x')]), key, jwt.signature)).toBe(false);
  expect(jwt.claims['iss']).toBe(discovery['issuer']);
  return jwt.claims;
}

describe('sandbox OAuth with auto-consent (any client)', () => {
  let server: SandboxServer;
  let base: string;

  beforeAll(async () => {
    server = await startSandbox({ port: 0, seed: 11, autoConsent: true, now: () => T0, demo: { companies: COMPANIES } });
    base = server.url;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const xeroCode = async (extra: Record<string, string> = {}) => {
    const r = await authorize(base, XERO.authorize, { response_type: 'code', client_id: 'arcus-app', redirect_uri: REDIRECT, scope: XERO_SCOPES, state: 'st-123', ...extra });
    expect(r.status).toBe(302);
    expect(r.location!.origin + r.location!.pathname).toBe(REDIRECT);
    return r.location!;
  };

  it('runs the Xero authorization-code flow: state echoed, tokens as Xero shapes them, connections listed', async () => {
    const cb = await xeroCode({ nonce: 'n-1' });
    expect(cb.searchParams.get('state')).toBe('st-123');
    expect(cb.searchParams.get('scope')).toBe(XERO_SCOPES);
    const code = cb.searchParams.get('code')!;
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('arcus-app', 'whatever'));
    expect(tok.status).toBe(200);
    expect(tok.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(tok.body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    expect(tok.body).toMatchObject({ expires_in: 1800, token_type: 'Bearer', scope: XERO_SCOPES });

    const conns = await getJson(base, '/xero/connections', tok.body['access_token'] as string);
    expect(conns.status).toBe(200);
    const list = conns.body as Json[];
    expect(list.map((c) => c['tenantName']).sort()).toEqual(['Alpha Joinery Ltd', 'Beta Plumbing Ltd']);
    for (const c of list) {
      expect(Object.keys(c).sort()).toEqual(['authEventId', 'createdDateUtc', 'id', 'tenantId', 'tenantName', 'tenantType', 'updatedDateUtc']);
      expect(c['tenantType']).toBe('ORGANISATION');
      expect(c['id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(c['createdDateUtc']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$/);
      expect(server.sandbox.companyIds).toContain(c['tenantId']);
    }
    expect(new Set(list.map((c) => c['authEventId'])).size).toBe(1);
    const byEvent = await getJson(base, `/xero/connections?authEventId=${list[0]!['authEventId']}`, tok.body['access_token'] as string);
    expect((byEvent.body as Json[]).length).toBe(2);
  });

  it('makes codes single use: a second redeem is invalid_grant', async () => {
    const code = (await xeroCode()).searchParams.get('code')!;
    const first = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'arcus-app', client_secret: 's' });
    expect(first.status).toBe(200);
    const second = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'arcus-app', client_secret: 's' });
    expect(second.status).toBe(400);
    expect(second.body).toEqual({ error: 'invalid_grant' });
  });

  it('rejects a code redeemed with another redirect_uri or client', async () => {
    const code = (await xeroCode()).searchParams.get('code')!;
    const other = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/other' }, basic('arcus-app', 's'));
    expect(other.body).toEqual({ error: 'invalid_grant' });
    const code2 = (await xeroCode()).searchParams.get('code')!;
    const client = await post(base, XERO.token, { grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT }, basic('someone-else', 's'));
    expect(client.body).toEqual({ error: 'invalid_grant' });
  });

  it('rotates refresh tokens: the old one fails after use, the new pair works', async () => {
    const code = (await xeroCode()).searchParams.get('code')!;
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('arcus-app', 's'));
    const r1 = await post(base, XERO.token, { grant_type: 'refresh_token', refresh_token: tok.body['refresh_token'] as string }, basic('arcus-app', 's'));
    expect(r1.status).toBe(200);
    expect(r1.body['refresh_token']).not.toBe(tok.body['refresh_token']);
    expect(r1.body['access_token']).not.toBe(tok.body['access_token']);
    expect(r1.body['expires_in']).toBe(1800);
    expect(typeof r1.body['id_token']).toBe('string');
    const again = await post(base, XERO.token, { grant_type: 'refresh_token', refresh_token: tok.body['refresh_token'] as string }, basic('arcus-app', 's'));
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'invalid_grant' });
    expect((await getJson(base, '/xero/connections', tok.body['access_token'] as string)).status).toBe(401);
    expect((await getJson(base, '/xero/connections', r1.body['access_token'] as string)).status).toBe(200);
    // Another client cannot use this client's refresh token.
    const stolen = await post(base, XERO.token, { grant_type: 'refresh_token', refresh_token: r1.body['refresh_token'] as string }, basic('intruder', 's'));
    expect(stolen.body).toEqual({ error: 'invalid_grant' });
  });

  it('expires access tokens after 30 minutes of sandbox time; refresh still works', async () => {
    const code = (await xeroCode()).searchParams.get('code')!;
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('arcus-app', 's'));
    const access = tok.body['access_token'] as string;
    expect((await getJson(base, '/xero/connections', access)).status).toBe(200);
    server.sandbox.ctx.store.clock.advance(29 * 60_000);
    expect((await getJson(base, '/xero/connections', access)).status).toBe(200);
    server.sandbox.ctx.store.clock.advance(2 * 60_000);
    const expired = await getJson(base, '/xero/connections', access);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ Title: 'Unauthorized', Status: 401 });
    const refreshed = await post(base, XERO.token, { grant_type: 'refresh_token', refresh_token: tok.body['refresh_token'] as string }, basic('arcus-app', 's'));
    expect(refreshed.status).toBe(200);
    expect((await getJson(base, '/xero/connections', refreshed.body['access_token'] as string)).status).toBe(200);
  });

  it('omits the refresh token when offline_access is not asked for (as Xero does)', async () => {
    const code = (await xeroCode({ scope: 'accounting.transactions' })).searchParams.get('code')!;
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('arcus-app', 's'));
    expect(tok.status).toBe(200);
    expect(tok.body['refresh_token']).toBeUndefined();
    expect(tok.body['id_token']).toBeUndefined();
  });

  it('revokes refresh tokens (200 even for unknown ones, RFC 7009)', async () => {
    const code = (await xeroCode()).searchParams.get('code')!;
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('arcus-app', 's'));
    const rev = await post(base, XERO.revoke, { token: tok.body['refresh_token'] as string }, basic('arcus-app', 's'));
    expect(rev.status).toBe(200);
    const refresh = await post(base, XERO.token, { grant_type: 'refresh_token', refresh_token: tok.body['refresh_token'] as string }, basic('arcus-app', 's'));
    expect(refresh.body).toEqual({ error: 'invalid_grant' });
    expect((await getJson(base, '/xero/connections', tok.body['access_token'] as string)).status).toBe(401);
    expect((await post(base, XERO.revoke, { token: 'never-issued' }, basic('arcus-app', 's'))).status).toBe(200);
    expect((await post(base, XERO.revoke, {}, basic('arcus-app', 's'))).body).toEqual({ error: 'invalid_request' });
  });

  it('deletes a connection (DELETE /xero/connections/{id})', async () => {
    const code = (await xeroCode({ client_id: 'disconnect-app' })).searchParams.get('code')!;
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('disconnect-app', 's'));
    const access = tok.body['access_token'] as string;
    const list = (await getJson(base, '/xero/connections', access)).body as Json[];
    const del = await fetch(new URL(`/xero/connections/${list[0]!['id']}`, base), { method: 'DELETE', headers: { authorization: `Bearer ${access}` } });
    expect(del.status).toBe(204);
    const after = (await getJson(base, '/xero/connections', access)).body as Json[];
    expect(after.map((c) => c['id'])).toEqual([list[1]!['id']]);
    const again = await fetch(new URL(`/xero/connections/${list[0]!['id']}`, base), { method: 'DELETE', headers: { authorization: `Bearer ${access}` } });
    expect(again.status).toBe(404);
  });

  it('issues an RS256 id_token that verifies against the JWKS, with aud, nonce and the demo user', async () => {
    const cb = await xeroCode({ nonce: 'nonce-xyz' });
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: REDIRECT }, basic('arcus-app', 's'));
    const claims = await verifyIdToken(base, XERO.discovery, tok.body['id_token'] as string);
    expect(claims).toMatchObject({ aud: 'arcus-app', nonce: 'nonce-xyz', email: 'dana@demo-firm.example', given_name: 'Dana', family_name: 'Demo', iss: `${base}/xero/identity` });
    expect(claims['xero_userid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims['exp'] as number).toBeGreaterThan(claims['iat'] as number);
    // The demo user's sub is stable across sign-ins.
    const again = await xeroCode();
    const tok2 = await post(base, XERO.token, { grant_type: 'authorization_code', code: again.searchParams.get('code')!, redirect_uri: REDIRECT }, basic('arcus-app', 's'));
    expect(decodeJwt(tok2.body['id_token'] as string).claims['sub']).toBe(claims['sub']);
    expect(decodeJwt(tok2.body['id_token'] as string).claims['nonce']).toBeUndefined();
    const info = await getJson(base, XERO.userinfo, tok.body['access_token'] as string);
    expect(info.body).toMatchObject({ sub: claims['sub'], email: 'dana@demo-firm.example' });
  });

  it('publishes discovery documents pointing at the sandbox', async () => {
    const x = (await getJson(base, XERO.discovery)).body as Json;
    expect(x).toMatchObject({
      issuer: `${base}/xero/identity`,
      authorization_endpoint: `${base}${XERO.authorize}`,
      token_endpoint: `${base}${XERO.token}`,
      revocation_endpoint: `${base}${XERO.revoke}`,
      userinfo_endpoint: `${base}${XERO.userinfo}`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const q = (await getJson(base, QBO.discovery)).body as Json;
    expect(Object.keys(q).sort()).toEqual(
      ['authorization_endpoint', 'claims_supported', 'id_token_signing_alg_values_supported', 'issuer', 'jwks_uri', 'response_types_supported', 'revocation_endpoint', 'scopes_supported', 'subject_types_supported', 'token_endpoint', 'token_endpoint_auth_methods_supported', 'userinfo_endpoint'].sort(),
    );
    expect(q['token_endpoint']).toBe(`${base}${QBO.token}`);
    const jwks = (await getJson(base, new URL(q['jwks_uri'] as string).pathname)).body as { keys: Json[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]!['d']).toBeUndefined();
  });

  it('supports PKCE S256 (and public clients without a secret)', async () => {
    const verifier = 'v'.repeat(20) + 'erifier-0123456789-abcdefghijklmnop';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = (await xeroCode({ code_challenge: challenge, code_challenge_method: 'S256' })).searchParams.get('code')!;
    const missing = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'arcus-app' });
    expect(missing.body).toEqual({ error: 'invalid_grant' });
    const wrong = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'arcus-app', code_verifier: 'w'.repeat(43) });
    expect(wrong.body).toEqual({ error: 'invalid_grant' });
    const ok = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'arcus-app', code_verifier: verifier });
    expect(ok.status).toBe(200);
    const bad = await authorize(base, XERO.authorize, { response_type: 'code', client_id: 'a', redirect_uri: REDIRECT, scope: XERO_SCOPES, code_challenge: challenge, code_challenge_method: 'S512', state: 's' });
    expect(bad.location!.searchParams.get('error')).toBe('invalid_request');
    expect(bad.location!.searchParams.get('state')).toBe('s');
  });

  it('answers bad authorize requests with OAuth errors, never a 500', async () => {
    const noType = await authorize(base, XERO.authorize, { client_id: 'a', redirect_uri: REDIRECT, scope: XERO_SCOPES, state: 'q' });
    expect(noType.location!.searchParams.get('error')).toBe('invalid_request');
    const token = await authorize(base, XERO.authorize, { response_type: 'token', client_id: 'a', redirect_uri: REDIRECT, scope: XERO_SCOPES, state: 'q' });
    expect(token.location!.searchParams.get('error')).toBe('unsupported_response_type');
    expect(token.location!.searchParams.get('state')).toBe('q');
    const noScope = await authorize(base, XERO.authorize, { response_type: 'code', client_id: 'a', redirect_uri: REDIRECT });
    expect(noScope.location!.searchParams.get('error')).toBe('invalid_scope');
    const badScope = await authorize(base, QBO.authorize, { response_type: 'code', client_id: 'a', redirect_uri: REDIRECT, scope: 'accounting.transactions' });
    expect(badScope.location!.searchParams.get('error')).toBe('invalid_scope');
    const noRedirect = await authorize(base, XERO.authorize, { response_type: 'code', client_id: 'a', scope: XERO_SCOPES });
    expect(noRedirect.status).toBe(400);
    expect(noRedirect.location).toBeNull();
    const badRedirect = await authorize(base, XERO.authorize, { response_type: 'code', client_id: 'a', scope: XERO_SCOPES, redirect_uri: 'javascript:alert(1)' });
    expect(badRedirect.status).toBe(400);
    const noClient = await authorize(base, QBO.authorize, { response_type: 'code', redirect_uri: REDIRECT, scope: QBO_SCOPES });
    expect(noClient.status).toBe(400);
  });

  it('answers bad token requests with OAuth errors, never a 500', async () => {
    const auth = basic('arcus-app', 's');
    expect((await post(base, XERO.token, {}, auth)).body).toEqual({ error: 'invalid_request' });
    expect((await post(base, XERO.token, { grant_type: 'password' }, auth)).body).toEqual({ error: 'unsupported_grant_type' });
    expect((await post(base, XERO.token, { grant_type: 'authorization_code', redirect_uri: REDIRECT }, auth)).body).toEqual({ error: 'invalid_request' });
    expect((await post(base, XERO.token, { grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT }, auth)).body).toEqual({ error: 'invalid_grant' });
    expect((await post(base, XERO.token, { grant_type: 'refresh_token' }, auth)).body).toEqual({ error: 'invalid_request' });
    const noClient = await post(base, XERO.token, { grant_type: 'refresh_token', refresh_token: 'x' });
    expect(noClient.status).toBe(401);
    expect(noClient.body).toEqual({ error: 'invalid_client' });
    const badJson = await fetch(new URL(XERO.token, base), { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{"grant_type":' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ error: 'invalid_request' });
    const qbo = await post(base, QBO.token, { grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT }, auth);
    expect(qbo.status).toBe(400);
    expect(qbo.body).toEqual({ error_description: 'Token invalid', error: 'invalid_grant' });
    expect((await getJson(base, '/xero/connections')).status).toBe(401);
    expect((await getJson(base, '/xero/connections', 'garbage')).status).toBe(401);
  });

  it('runs the QuickBooks flow: realmId on the callback, Intuit token shape, rotation, revocation', async () => {
    const r = await authorize(base, QBO.authorize, { response_type: 'code', client_id: 'arcus-qbo', redirect_uri: REDIRECT, scope: QBO_SCOPES, state: 'qs', nonce: 'qn' });
    expect(r.status).toBe(302);
    const realmId = r.location!.searchParams.get('realmId');
    expect(r.location!.searchParams.get('state')).toBe('qs');
    const qboCompanies = server.sandbox.companyIds.filter((id) => server.sandbox.ctx.store.company(id).provider === 'quickbooks');
    expect(realmId).toBe(qboCompanies[0]);
    const code = r.location!.searchParams.get('code')!;
    const tok = await post(base, QBO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('arcus-qbo', 'secret'));
    expect(tok.status).toBe(200);
    expect(Object.keys(tok.body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'token_type', 'x_refresh_token_expires_in']);
    expect(tok.body).toMatchObject({ token_type: 'bearer', expires_in: 3600, x_refresh_token_expires_in: 8726400 });
    const claims = await verifyIdToken(base, QBO.discovery, tok.body['id_token'] as string);
    expect(claims['aud']).toEqual(['arcus-qbo']);
    expect(claims).toMatchObject({ realmid: realmId, nonce: 'qn', email: 'dana@demo-firm.example', iss: `${base}/qbo` });

    const grant = server.sandbox.ctx.grants.authenticate('quickbooks', `Bearer ${tok.body['access_token']}`);
    expect(grant?.companyIds).toEqual([realmId]);
    const again = await post(base, QBO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('arcus-qbo', 'secret'));
    expect(again.body).toEqual({ error_description: 'Token invalid', error: 'invalid_grant' });

    const r1 = await post(base, QBO.token, { grant_type: 'refresh_token', refresh_token: tok.body['refresh_token'] as string }, basic('arcus-qbo', 'secret'));
    expect(r1.status).toBe(200);
    expect(r1.body['refresh_token']).not.toBe(tok.body['refresh_token']);
    const old = await post(base, QBO.token, { grant_type: 'refresh_token', refresh_token: tok.body['refresh_token'] as string }, basic('arcus-qbo', 'secret'));
    expect(old.body['error']).toBe('invalid_grant');

    // Access tokens live one hour.
    server.sandbox.ctx.store.clock.advance(59 * 60_000);
    expect((await getJson(base, QBO.userinfo, r1.body['access_token'] as string)).status).toBe(200);
    server.sandbox.ctx.store.clock.advance(2 * 60_000);
    expect((await getJson(base, QBO.userinfo, r1.body['access_token'] as string)).status).toBe(401);

    // Intuit's revoke endpoint takes JSON.
    const rev = await fetch(new URL(QBO.revoke, base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: basic('arcus-qbo', 'secret') },
      body: JSON.stringify({ token: r1.body['refresh_token'] }),
    });
    expect(rev.status).toBe(200);
    const dead = await post(base, QBO.token, { grant_type: 'refresh_token', refresh_token: r1.body['refresh_token'] as string }, basic('arcus-qbo', 'secret'));
    expect(dead.body['error']).toBe('invalid_grant');
  });

  // The provider API routers are written separately; this only runs once they exist.
  const apis = existsSync(new URL('../../integrations/sandbox/xero/api.ts', import.meta.url)) && existsSync(new URL('../../integrations/sandbox/qbo/api.ts', import.meta.url));
  it.skipIf(!apis)('opens the mounted Xero and QuickBooks APIs with the tokens it issues', async () => {
    const cb = await xeroCode({ client_id: 'api-app' });
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: REDIRECT }, basic('api-app', 's'));
    const tenantId = ((await getJson(base, '/xero/connections', tok.body['access_token'] as string)).body as Json[])[0]!['tenantId'] as string;
    const org = await fetch(new URL('/xero/api.xro/2.0/Organisation', base), { headers: { authorization: `Bearer ${tok.body['access_token']}`, 'xero-tenant-id': tenantId, accept: 'application/json' } });
    expect(org.status).toBe(200);
    const q = await authorize(base, QBO.authorize, { response_type: 'code', client_id: 'api-app', redirect_uri: REDIRECT, scope: QBO_SCOPES });
    const realmId = q.location!.searchParams.get('realmId')!;
    const qt = await post(base, QBO.token, { grant_type: 'authorization_code', code: q.location!.searchParams.get('code')!, redirect_uri: REDIRECT }, basic('api-app', 's'));
    const info = await fetch(new URL(`/qbo/v3/company/${realmId}/companyinfo/${realmId}`, base), { headers: { authorization: `Bearer ${qt.body['access_token']}`, accept: 'application/json' } });
    expect(info.status).toBe(200);
  });

  it('lets auto-consent pick a company with sandbox_company', async () => {
    const target = server.sandbox.companyIds.filter((id) => server.sandbox.ctx.store.company(id).provider === 'quickbooks')[1]!;
    const r = await authorize(base, QBO.authorize, { response_type: 'code', client_id: 'c', redirect_uri: REDIRECT, scope: QBO_SCOPES, sandbox_company: target });
    expect(r.location!.searchParams.get('realmId')).toBe(target);
  });

  it('signs in with Intuit without a company when only OpenID scopes are asked for', async () => {
    const r = await authorize(base, QBO.authorize, { response_type: 'code', client_id: 'c', redirect_uri: REDIRECT, scope: 'openid email profile', state: 'x' });
    expect(r.location!.searchParams.get('realmId')).toBeNull();
    const tok = await post(base, QBO.token, { grant_type: 'authorization_code', code: r.location!.searchParams.get('code')!, redirect_uri: REDIRECT }, basic('c', 's'));
    const info = await getJson(base, QBO.userinfo, tok.body['access_token'] as string);
    expect(info.body).toMatchObject({ email: 'dana@demo-firm.example', givenName: 'Dana', familyName: 'Demo', emailVerified: true });
  });
});

describe('sandbox OAuth consent page and configured client', () => {
  let server: SandboxServer;
  let base: string;

  beforeAll(async () => {
    server = await startSandbox({ port: 0, seed: 5, clientId: 'arcus-prod', clientSecret: 'top-secret', demo: { companies: COMPANIES } });
    base = server.url;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const consent = async (path: string, scope: string, state = 'st') => {
    const page = await authorize(base, path, { response_type: 'code', client_id: 'arcus-prod', redirect_uri: REDIRECT, scope, state });
    expect(page.status).toBe(200);
    const requestId = /name="request_id" value="([^"]+)"/.exec(page.html)?.[1];
    expect(requestId).toBeDefined();
    const companies = [...page.html.matchAll(/type="(checkbox|radio)" name="company" value="([^"]+)"/g)].map((m) => ({ type: m[1], id: m[2]! }));
    return { html: page.html, requestId: requestId!, companies };
  };

  const submit = async (path: string, form: [string, string][]) => {
    const res = await fetch(new URL(path, base), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    return { status: res.status, location: res.headers.get('location') ? new URL(res.headers.get('location')!) : null, html: await res.text() };
  };

  it('shows Xero organisations as checkboxes and connects only the ones ticked', async () => {
    const c = await consent(XERO.authorize, XERO_SCOPES);
    expect(c.html).toContain('Allow access');
    expect(c.html).toContain('Cancel');
    expect(c.html).toContain('Dana Demo');
    expect(c.companies.map((x) => x.type)).toEqual(['checkbox', 'checkbox']);
    const res = await submit(XERO.authorize, [
      ['request_id', c.requestId],
      ['company', c.companies[1]!.id],
      ['decision', 'allow'],
    ]);
    expect(res.status).toBe(302);
    expect(res.location!.searchParams.get('state')).toBe('st');
    const tok = await post(base, XERO.token, { grant_type: 'authorization_code', code: res.location!.searchParams.get('code')!, redirect_uri: REDIRECT }, basic('arcus-prod', 'top-secret'));
    expect(tok.status).toBe(200);
    const conns = (await getJson(base, '/xero/connections', tok.body['access_token'] as string)).body as Json[];
    expect(conns.map((x) => x['tenantId'])).toEqual([c.companies[1]!.id]);
    // The consent request is answered once.
    const replay = await submit(XERO.authorize, [
      ['request_id', c.requestId],
      ['decision', 'allow'],
    ]);
    expect(replay.status).toBe(400);
  });

  it('Cancel redirects back with error=access_denied and the state', async () => {
    const c = await consent(XERO.authorize, XERO_SCOPES, 'cancel-state');
    const res = await submit(XERO.authorize, [
      ['request_id', c.requestId],
      ['decision', 'cancel'],
    ]);
    expect(res.status).toBe(302);
    expect(res.location!.searchParams.get('error')).toBe('access_denied');
    expect(res.location!.searchParams.get('state')).toBe('cancel-state');
    expect(res.location!.searchParams.get('code')).toBeNull();
  });

  it('shows QuickBooks companies as radio buttons and returns the chosen realmId', async () => {
    const c = await consent(QBO.authorize, QBO_SCOPES);
    expect(c.companies.map((x) => x.type)).toEqual(['radio', 'radio']);
    const none = await submit(QBO.authorize, [
      ['request_id', c.requestId],
      ['decision', 'allow'],
    ]);
    expect(none.status).toBe(400);
    expect(none.html).toContain('Choose one company');
    const res = await submit(QBO.authorize, [
      ['request_id', c.requestId],
      ['company', c.companies[1]!.id],
      ['decision', 'allow'],
    ]);
    expect(res.location!.searchParams.get('realmId')).toBe(c.companies[1]!.id);
    const tok = await post(base, QBO.token, { grant_type: 'authorization_code', code: res.location!.searchParams.get('code')!, redirect_uri: REDIRECT }, basic('arcus-prod', 'top-secret'));
    expect(tok.status).toBe(200);
  });

  it('rejects a wrong client secret or an unknown client with invalid_client', async () => {
    const c = await consent(XERO.authorize, XERO_SCOPES);
    const res = await submit(XERO.authorize, [
      ['request_id', c.requestId],
      ['company', c.companies[0]!.id],
      ['decision', 'allow'],
    ]);
    const code = res.location!.searchParams.get('code')!;
    const wrong = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic('arcus-prod', 'not-it'));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_client' });
    const inBody = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'arcus-prod', client_secret: 'nope' });
    expect(inBody.status).toBe(401);
    const noSecret = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'arcus-prod' });
    expect(noSecret.status).toBe(401);
    const other = await post(base, QBO.token, { grant_type: 'refresh_token', refresh_token: 'x' }, basic('other-app', 'top-secret'));
    expect(other.status).toBe(401);
    expect(other.body).toEqual({ error_description: 'Unknown client', error: 'invalid_client' });
    expect((await post(base, XERO.revoke, { token: 'x' }, basic('arcus-prod', 'bad'))).status).toBe(401);
    // A failed client authentication does not burn the code.
    const ok = await post(base, XERO.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'arcus-prod', client_secret: 'top-secret' });
    expect(ok.status).toBe(200);
    const page = await authorize(base, XERO.authorize, { response_type: 'code', client_id: 'not-registered', redirect_uri: REDIRECT, scope: XERO_SCOPES });
    expect(page.status).toBe(400);
    expect(page.html).toContain('unauthorized_client');
  });
});
