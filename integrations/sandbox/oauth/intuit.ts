/**
 * Intuit's OAuth 2 / OpenID Connect server as the sandbox imitates it:
 *   authorize  /qbo/connect/oauth2                   (appcenter.intuit.com/connect/oauth2)
 *   token      /qbo/oauth2/v1/tokens/bearer          (oauth.platform.intuit.com/oauth2/v1/tokens/bearer)
 *   revoke     /qbo/oauth2/v1/tokens/revoke          (developer.api.intuit.com/v2/oauth2/tokens/revoke)
 *   userinfo   /qbo/v1/openid_connect/userinfo       (accounts.platform.intuit.com/v1/openid_connect/userinfo)
 *   discovery  /qbo/.well-known/openid-configuration, JWKS at /qbo/op/v1/jwks
 * Shapes follow Intuit's published OAuth examples: token responses carry
 * x_refresh_token_expires_in, errors carry error_description, id_token `aud` is an array and
 * carries `realmid`; the authorize callback carries `realmId`.
 */
import type { OAuthProvider } from './provider';

/** 101 days, as in Intuit's published token response. */
export const INTUIT_REFRESH_TOKEN_SECONDS = 8_726_400;

const INTUIT_SCOPE = /^(openid|profile|email|phone|address|intuit_name|com\.intuit\.quickbooks\.(accounting|payment|payroll[a-z.]*))$/;

export const intuitProvider: OAuthProvider = {
  provider: 'quickbooks',
  label: 'Intuit',
  paths: {
    authorize: '/qbo/connect/oauth2',
    token: '/qbo/oauth2/v1/tokens/bearer',
    revoke: '/qbo/oauth2/v1/tokens/revoke',
    userinfo: '/qbo/v1/openid_connect/userinfo',
    jwks: '/qbo/op/v1/jwks',
    discovery: '/qbo/.well-known/openid-configuration',
  },
  issuerPath: '/qbo',
  user: { sub: '7c1e9a42-3b5d-4f60-8e2a-9d4c6b1f0e35', givenName: 'Dana', familyName: 'Demo', email: 'dana@demo-firm.example' },
  multiCompany: false,
  accessTokenSeconds: 3600,
  idTokenSeconds: 3600,
  scopeAllowed: (scope) => INTUIT_SCOPE.test(scope),
  needsCompany: (scopes) => scopes.some((s) => s.startsWith('com.intuit.quickbooks.')),
  refreshFor: () => true,
  tokenBody: (grant, idToken) => ({
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token: grant.refreshToken,
    x_refresh_token_expires_in: INTUIT_REFRESH_TOKEN_SECONDS,
    access_token: grant.accessToken,
    ...(idToken ? { id_token: idToken } : {}),
  }),
  errorBody: (error, description) => ({ error_description: description, error }),
  callbackParams: (_scopes, companyIds): Record<string, string> => (companyIds[0] ? { realmId: companyIds[0] } : {}),
  idTokenClaims(base, scopes, companyIds) {
    const u = this.user;
    return {
      sub: base.sub,
      aud: [base.aud],
      ...(companyIds[0] ? { realmid: companyIds[0] } : {}),
      auth_time: base.iat,
      iss: base.iss,
      exp: base.exp,
      iat: base.iat,
      ...(base.nonce ? { nonce: base.nonce } : {}),
      ...(scopes.includes('email') ? { email: u.email, email_verified: true } : {}),
      ...(scopes.includes('profile') ? { given_name: u.givenName, family_name: u.familyName } : {}),
    };
  },
  userinfo(scopes) {
    const u = this.user;
    return {
      sub: u.sub,
      ...(scopes.includes('email') ? { email: u.email, emailVerified: true } : {}),
      ...(scopes.includes('profile') ? { givenName: u.givenName, familyName: u.familyName } : {}),
      ...(scopes.includes('phone') ? { phoneNumber: '+1 6505550123', phoneNumberVerified: false } : {}),
      ...(scopes.includes('address')
        ? { address: { streetAddress: '100 Demo Way', locality: 'Mountain View', region: 'CA', postalCode: '94043', country: 'US' } }
        : {}),
    };
  },
  discovery(base) {
    return {
      issuer: `${base}${this.issuerPath}`,
      authorization_endpoint: `${base}${this.paths.authorize}`,
      token_endpoint: `${base}${this.paths.token}`,
      userinfo_endpoint: `${base}${this.paths.userinfo}`,
      revocation_endpoint: `${base}${this.paths.revoke}`,
      jwks_uri: `${base}${this.paths.jwks}`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile', 'address', 'phone'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['aud', 'exp', 'iat', 'iss', 'realmid', 'sub'],
    };
  },
  describeCompany: (c) => `${c.name} (${c.baseCurrency}, realm ${c.id})`,
};
