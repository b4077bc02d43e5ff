/**
 * OAuth against endpoints from config, with nock: the authorization URL, code exchange and
 * refresh with HTTP Basic client auth, invalid_grant from each provider's recorded error body,
 * revocation, Xero connections, QuickBooks' company name, and RS256 id_token verification
 * against a JWKS (issuer, audience, expiry, nonce, signature, key rotation).
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { intuitEndpoints, xeroEndpoints } from '../../integrations/ledger/endpoints';
import { LedgerError } from '../../integrations/ledger/errors';
import { createIntuitOAuth } from '../../integrations/quickbooks/oauth';
import { createXeroOAuth } from '../../integrations/xero/oauth';
import { QBO_REALM } from './record-fixtures';
import { cleanNock, fixture, nock, QBO_HOST, reply, XERO_HOST } from './replay';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const xeroE = xeroEndpoints(XERO_HOST);
const intuitE = intuitEndpoints(QBO_HOST);
const xero = createXeroOAuth({ clientId: 'client id', clientSecret: 's3cret:+/', endpoints: xeroE, now: () => NOW });
const intuit = createIntuitOAuth({ clientId: 'intuit-client', clientSecret: 'intuit-secret', endpoints: intuitE, now: () => NOW });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id).replace(/%20/g, '+')}:${encodeURIComponent(secret)}`).toString('base64')}`;

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  cleanNock();
});

describe('authorization and tokens', () => {
  it('the consent URL asks for code, the connect scopes, state, nonce and an S256 challenge', () => {
    const url = new URL(xero.consentUrl({ state: 'st', redirectUri: 'https://arcus.example/callback', codeChallenge: 'ch', nonce: 'no' }));
    expect(`${url.origin}${url.pathname}`).toBe(xeroE.authorizeUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client id',
      redirect_uri: 'https://arcus.example/callback',
      scope: xeroE.connectScopes.join(' '),
      state: 'st',
      nonce: 'no',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
    const signIn = new URL(intuit.consentUrl({ state: 's', redirectUri: 'https://a/cb', codeChallenge: 'c', nonce: 'n', signIn: true }));
    expect(signIn.searchParams.get('scope')).toBe('openid profile email');
  });

  it('exchanges a code with HTTP Basic client auth and reads the token set', async () => {
    nock(XERO_HOST, { reqheaders: { authorization: basic('client id', 's3cret:+/'), 'content-type': 'application/x-www-form-urlencoded' } })
      .post('/xero/connect/token', (b: Record<string, string>) => b['grant_type'] === 'authorization_code' && b['code'] === 'the-code' && b['code_verifier'] === 'v'.repeat(43) && b['redirect_uri'] === 'https://a/cb')
      .reply(200, { access_token: 'at', refresh_token: 'rt', expires_in: 1800, token_type: 'Bearer', scope: 'openid accounting.transactions', id_token: 'idt' });
    expect(await xero.exchangeCode({ code: 'the-code', redirectUri: 'https://a/cb', codeVerifier: 'v'.repeat(43) })).toEqual({
      accessToken: 'at',
      refreshToken: 'rt',
      expiresAt: new Date(NOW + 1_800_000),
      scopes: ['openid', 'accounting.transactions'],
      idToken: 'idt',
    });
  });

  for (const [name, client, host, path] of [
    ['Xero', xero, XERO_HOST, '/xero/connect/token'],
    ['Intuit', intuit, QBO_HOST, '/qbo/oauth2/v1/tokens/bearer'],
  ] as const) {
    it(`${name}: a refused refresh (recorded invalid_grant) → LedgerError('invalid_grant'); a 503 → server`, async () => {
      reply(nock(host).post(path, (b: Record<string, string>) => b['grant_type'] === 'refresh_token' && b['refresh_token'] === 'old'), fixture(name === 'Xero' ? 'xero-token-invalid-grant' : 'qbo-token-invalid-grant'));
      const err = await client.refresh('old').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LedgerError);
      expect(err).toMatchObject({ code: 'invalid_grant', retryable: false, options: { status: 400 } });
      nock(host).post(path).reply(503, 'Service Unavailable', { 'Retry-After': '4' });
      await expect(client.refresh('old')).rejects.toMatchObject({ code: 'server', retryable: true, options: { status: 503, retryAfterMs: 4_000 } });
    });
  }

  it('Intuit: refresh rotates the refresh token (Intuit echoes no scopes)', async () => {
    nock(QBO_HOST, { reqheaders: { authorization: basic('intuit-client', 'intuit-secret') } })
      .post('/qbo/oauth2/v1/tokens/bearer')
      .reply(200, { token_type: 'bearer', expires_in: 3600, refresh_token: 'rt2', x_refresh_token_expires_in: 8726400, access_token: 'at2' });
    expect(await intuit.refresh('rt1')).toEqual({ accessToken: 'at2', refreshToken: 'rt2', expiresAt: new Date(NOW + 3_600_000), scopes: [], idToken: null });
  });

  it('revocation: Xero posts a form, Intuit JSON; both with Basic auth', async () => {
    nock(XERO_HOST, { reqheaders: { authorization: basic('client id', 's3cret:+/') } }).post('/xero/connect/revocation', 'token=rt').reply(200);
    await xero.revoke('rt');
    nock(QBO_HOST, { reqheaders: { 'content-type': 'application/json' } }).post('/qbo/oauth2/v1/tokens/revoke', { token: 'rt' }).reply(200, '');
    await intuit.revoke('rt');
  });

  it('Xero tenants are its connections (organisations only); removing one deletes the connection', async () => {
    nock(XERO_HOST, { reqheaders: { authorization: 'Bearer at' } })
      .get('/xero/connections')
      .reply(200, [
        { id: 'c1', authEventId: 'e', tenantId: 'T1', tenantType: 'ORGANISATION', tenantName: 'One Ltd' },
        { id: 'c2', authEventId: 'e', tenantId: 'P1', tenantType: 'PRACTICEMANAGER', tenantName: 'Practice' },
      ]);
    const tenants = await xero.tenants('at', {});
    expect(tenants).toEqual([{ externalId: 'T1', name: 'One Ltd', providerConnectionId: 'c1' }]);
    nock(XERO_HOST).delete('/xero/connections/c1').reply(204);
    await xero.removeTenant('at', tenants[0]!);
  });

  it('QuickBooks: the tenant is the realm from the callback, named by CompanyInfo', async () => {
    reply(nock(QBO_HOST, { reqheaders: { authorization: 'Bearer at' } }).get(`/qbo/v3/company/${QBO_REALM}/companyinfo/${QBO_REALM}`).query({ minorversion: '75' }), fixture('qbo-companyinfo'));
    expect(await intuit.tenants('at', { realmId: QBO_REALM })).toEqual([{ externalId: QBO_REALM, name: 'Redwood Consulting', providerConnectionId: null }]);
    expect(await intuit.tenants('at', {})).toEqual([]);
  });
});

describe('id_token verification (RS256 via JWKS)', () => {
  const keys = () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { privateKey, jwk: publicKey.export({ format: 'jwk' }) };
  };
  const k1 = keys();
  const k2 = keys();
  const jwt = (key: KeyObject, kid: string, claims: Record<string, unknown>, alg = 'RS256') => {
    const h = Buffer.from(JSON.stringify({ alg, kid, typ: 'JWT' })).toString('base64url');
    const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${h}.${p}.${sign('sha256', Buffer.from(`${h}.${p}`), key).toString('base64url')}`;
  };
  const iat = Math.floor(NOW / 1000);
  const good = { iss: xeroE.issuer, aud: 'client id', sub: 'user-1', exp: iat + 300, iat, nonce: 'n1', email: 'dana@firm.example', given_name: 'Dana', family_name: 'Demo' };
  const serveJwks = (...ks: { kid: string; jwk: object }[]) =>
    nock(XERO_HOST)
      .get('/xero/identity/.well-known/openid-configuration/jwks')
      .reply(200, { keys: ks.map((k) => ({ ...k.jwk, kid: k.kid, alg: 'RS256', use: 'sig' })) });

  it('accepts a valid token and returns the identity; refuses wrong issuer, audience, nonce, expiry, algorithm or signature', async () => {
    serveJwks({ kid: 'k1', jwk: k1.jwk });
    expect(await xero.verifyIdToken(jwt(k1.privateKey, 'k1', good), 'n1')).toEqual({ provider: 'xero', subject: 'user-1', email: 'dana@firm.example', name: 'Dana Demo' });
    const bad: [Record<string, unknown>, string, RegExp][] = [
      [{ ...good, iss: 'https://evil.example' }, 'n1', /issued by/],
      [{ ...good, aud: 'another-client' }, 'n1', /another client/],
      [good, 'other-nonce', /nonce/],
      [{ ...good, exp: iat - 600 }, 'n1', /expired/],
    ];
    for (const [claims, nonce, message] of bad) {
      await expect(xero.verifyIdToken(jwt(k1.privateKey, 'k1', claims), nonce)).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(message) });
    }
    await expect(xero.verifyIdToken(jwt(k1.privateKey, 'k1', good, 'HS256'), 'n1')).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/RS256/) });
    const [h, p] = jwt(k1.privateKey, 'k1', good).split('.');
    const forged = `${h}.${p}.${jwt(k2.privateKey, 'k1', good).split('.')[2]}`;
    await expect(xero.verifyIdToken(forged, 'n1')).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/signature/) });
  });

  it('a key it has not seen makes it fetch the JWKS again (rotation)', async () => {
    serveJwks({ kid: 'k2', jwk: k2.jwk });
    expect((await xero.verifyIdToken(jwt(k2.privateKey, 'k2', good), 'n1')).subject).toBe('user-1');
  });

  it("Intuit: `aud` is an array", async () => {
    nock(QBO_HOST)
      .get('/qbo/op/v1/jwks')
      .reply(200, { keys: [{ ...k1.jwk, kid: 'i1', alg: 'RS256', use: 'sig' }] });
    const claims = { iss: intuitE.issuer, aud: ['intuit-client'], sub: 'u-2', exp: iat + 3600, iat, nonce: 'n2', realmid: QBO_REALM, given_name: 'Dana', family_name: 'Demo' };
    expect(await intuit.verifyIdToken(jwt(k1.privateKey, 'i1', claims), 'n2')).toEqual({ provider: 'quickbooks', subject: 'u-2', email: '', name: 'Dana Demo' });
  });
});
