/**
 * What differs between Xero's and Intuit's OAuth 2 / OpenID Connect servers: paths, scopes,
 * the shapes of token responses, errors, id_token claims, userinfo and discovery documents,
 * and what the authorize callback carries. The flow itself (flow.ts) is shared.
 */
import type { Grant } from '../context';
import type { Provider, SbCompany } from '../model';

/** The fixed demo user who "signs in" on a provider's consent page. */
export interface DemoUser {
  /** Stable subject identifier. */
  sub: string;
  givenName: string;
  familyName: string;
  email: string;
}

export interface OAuthPaths {
  authorize: string;
  token: string;
  revoke: string;
  userinfo: string;
  jwks: string;
  discovery: string;
}

export interface IdTokenBase {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  nonce: string | null;
}

export interface OAuthProvider {
  provider: Provider;
  /** "Xero" / "Intuit" (consent page, error pages). */
  label: string;
  /** Absolute paths on the sandbox server. */
  paths: OAuthPaths;
  /** The issuer is the sandbox base URL + this path. */
  issuerPath: string;
  user: DemoUser;
  /** Xero lets the user connect several organisations at once; QuickBooks one company. */
  multiCompany: boolean;
  /** Access-token lifetime in seconds (Xero 1800, Intuit 3600). */
  accessTokenSeconds: number;
  idTokenSeconds: number;
  scopeAllowed(scope: string): boolean;
  /** Whether the scopes ask for ledger access, so a company must be chosen. */
  needsCompany(scopes: string[]): boolean;
  /** Whether the token response carries a refresh token for these scopes. */
  refreshFor(scopes: string[]): boolean;
  tokenBody(grant: Grant, idToken: string | null, withRefresh: boolean): Record<string, unknown>;
  /** An OAuth error body in the provider's shape. */
  errorBody(error: string, description: string): Record<string, unknown>;
  /** Extra query parameters on the redirect back to the client (besides code and state). */
  callbackParams(scopes: string[], companyIds: string[]): Record<string, string>;
  idTokenClaims(base: IdTokenBase, scopes: string[], companyIds: string[]): Record<string, unknown>;
  userinfo(scopes: string[]): Record<string, unknown>;
  discovery(baseUrl: string): Record<string, unknown>;
  /** How a company is described on the consent page. */
  describeCompany(company: SbCompany): string;
}

/** Scopes as the space-separated list OAuth uses (empty entries dropped, order kept, no repeats). */
export function parseScopes(scope: string): string[] {
  return [...new Set(scope.split(/[\s+]+/).filter(Boolean))];
}
