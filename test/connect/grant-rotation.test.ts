/**
 * One Xero consent covering two organisations gives one rotating refresh token. Both
 * connections must keep working after either refreshes: they rotate together as one grant.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import type { LedgerFactory } from '../../integrations/ledger/provider';
import type { TokenSet } from '../../integrations/ledger/types';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import { accessTokenFor, ReauthRequiredError, sealTokens } from '../../server/connections/tokens';
import type { Database } from '../../server/db/client';
import { connections, organisations } from '../../server/db/schema';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith('pg', 'a consent covering several Xero organisations', () => {
  let server: SandboxServer;
  let database: Database;
  let factory: LedgerFactory;
  const key = randomBytes(32);

  beforeAll(async () => {
    server = await startSandbox({ port: 0, autoConsent: true, seed: 11, demo: { companies: [{ provider: 'xero', customers: 3, invoices: 5 }, { provider: 'xero', customers: 3, invoices: 5 }] }, log: () => undefined });
    database = await testDatabase();
    const now = () => server.sandbox.ctx.store.clock.peek();
    factory = createLedgerFactory({ sandboxBaseUrl: server.url, xero: null, intuit: null, now });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A real authorization-code round trip for both companies at once. */
  async function consentForBoth(): Promise<TokenSet> {
    const oauth = factory.oauth('xero')!;
    const redirectUri = 'http://127.0.0.1/callback';
    const verifier = randomBytes(32).toString('base64url');
    const { createHash } = await import('node:crypto');
    const url = new URL(oauth.consentUrl({ state: 's', nonce: 'n', redirectUri, codeChallenge: createHash('sha256').update(verifier).digest('base64url') }));
    url.searchParams.set('sandbox_company', server.sandbox.companyIds.join(','));
    const res = await fetch(url, { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    return oauth.exchangeCode({ code, redirectUri, codeVerifier: verifier });
  }

  async function storeBoth(tokens: TokenSet, grantId: string | null) {
    const { firm } = await createFirm(database);
    const orgIds: string[] = [];
    for (const tenantId of server.sandbox.companyIds) {
      const [org] = await database.db
        .insert(organisations)
        .values({ firmId: firm.id, provider: 'xero', externalId: tenantId, name: tenantId, baseCurrency: 'GBP', timezone: 'Europe/London' })
        .returning();
      const id = randomUUID();
      // Already expired, so the first use of either connection refreshes.
      await database.db.insert(connections).values({ id, firmId: firm.id, organisationId: org!.id, provider: 'xero', ...sealTokens(key, id, tokens), accessTokenExpiresAt: new Date(0), grantId });
      orgIds.push(org!.id);
    }
    return orgIds;
  }

  const deps = () => ({ db: database.db, key, oauth: (p: 'xero' | 'quickbooks') => factory.oauth(p), now: () => server.sandbox.ctx.store.clock.peek() });

  it('refreshes once and keeps every connection of the grant working', async () => {
    const [a, b] = await storeBoth(await consentForBoth(), randomUUID());
    const [ta, tb] = await Promise.all([accessTokenFor(deps(), a!), accessTokenFor(deps(), b!)]);
    expect(ta.accessToken).toBe(tb.accessToken);
    // Both tokens work against the ledger for their own tenant.
    for (const t of [ta, tb]) {
      const org = await factory.api('xero', { accessToken: t.accessToken, tenantId: t.tenantId }).organisation();
      expect(org.externalId).toBe(t.tenantId);
    }
    const rows = await database.db.select().from(connections).where(eq(connections.organisationId, b!));
    expect(rows[0]!.status).toBe('active');
    expect(rows[0]!.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('without a shared grant the second connection is left with a dead refresh token', async () => {
    const [a, b] = await storeBoth(await consentForBoth(), null);
    await accessTokenFor(deps(), a!);
    // B still holds the refresh token A just rotated away: the ledger refuses it.
    await expect(accessTokenFor(deps(), b!)).rejects.toBeInstanceOf(Error);
    await expect(accessTokenFor(deps(), b!)).rejects.toBeInstanceOf(ReauthRequiredError);
    const [row] = await database.db.select().from(organisations).where(eq(organisations.id, b!));
    expect(row!.status).toBe('needs_reauth');
    expect(row!.statusReason).toMatch(/Xero refused to renew Arcus's access/);
  });
});
