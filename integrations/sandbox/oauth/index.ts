/**
 * The sandbox's OAuth 2 / OpenID Connect servers for Xero (/xero/...) and Intuit (/qbo/...),
 * mounted at the root of the sandbox app.
 */
import express from 'express';
import type { SandboxContext } from '../context';
import { type OAuthState, oauthFlowRouter } from './flow';
import { intuitProvider } from './intuit';
import { lazySigningKey, type SigningKey } from './keys';
import { XeroConnections, xeroConnectionsRouter, xeroProvider } from './xero';

export { intuitProvider } from './intuit';
export type { SigningKey } from './keys';
export type { DemoUser, OAuthProvider } from './provider';
export { XeroConnections, xeroProvider } from './xero';

export interface SandboxOAuth {
  router: express.Router;
  connections: XeroConnections;
  /** The id_token signing key (its public half is at the JWKS endpoints). */
  signingKey: () => SigningKey;
}

export function createSandboxOAuth(ctx: SandboxContext): SandboxOAuth {
  const connections = new XeroConnections(() => ctx.store.clock.peek());
  const state: OAuthState = {
    key: lazySigningKey(),
    pending: new Map(),
    publicRefreshTokens: new Set(),
    onGrant: (provider, grant) => {
      if (provider === 'xero' && grant.companyIds.length) connections.connect(grant.clientId, grant.companyIds);
    },
    onRevoke: (provider, grant) => {
      // Revoking a Xero token removes the connections it authorised.
      if (provider !== 'xero') return;
      for (const tenantId of grant.companyIds) {
        const c = connections.get(grant.clientId, tenantId);
        connections.remove(c);
      }
    },
  };
  const router = express.Router();
  router.use(oauthFlowRouter(ctx, xeroProvider, state));
  router.use(xeroConnectionsRouter(ctx, connections));
  router.use(oauthFlowRouter(ctx, intuitProvider, state));
  return { router, connections, signingKey: state.key };
}
