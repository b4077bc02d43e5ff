/**
 * Where the app stores send people, end to end over HTTP against the sandbox ledger's OAuth server
 * and consent pages, on real PostgreSQL: "Sign up with Xero" from the listing (one consent: a new
 * user, their firm and the chosen organisations), Intuit's launch URL (the same for QuickBooks;
 * signed in it opens the company), and Intuit's disconnect URL (marks a company disconnected only
 * when QuickBooks really refuses its access).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_DEMO_COMPANIES } from '../../integrations/sandbox/demo';
import { xeroProvider } from '../../integrations/sandbox/oauth/xero';
import { intuitProvider } from '../../integrations/sandbox/oauth/intuit';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import { openTokens } from '../../server/connections/tokens';
import type { Database } from '../../server/db/client';
import { connections, memberships, organisations, users } from '../../server/db/schema';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { type Harness, startHarness } from './harness';
import { consentForm, TestBrowser } from './support';

const SEED = 9416;

describeWith('pg', 'app-store entry points: sign up with Xero, Intuit launch and disconnect URLs', () => {
  let database: Database;
  let sandbox: SandboxServer;
  let arcus: Harness;
  const firms: string[] = [];

  const companies = () => sandbox.sandbox.companyIds.map((id) => sandbox.sandbox.ctx.store.company(id));
  const xeroCos = () => companies().filter((c) => c.provider === 'xero');
  const qboCos = () => companies().filter((c) => c.provider === 'quickbooks');

  /**
   * The sandbox has one demo person per provider: a user another test file made from them would
   * make this file's sign-up a sign-in. Detach any such user (before and after), so every file
   * that signs up or in meets a person Arcus has not seen.
   */
  async function forgetDemoPeople() {
    for (const [authProvider, sub] of [
      ['xero', xeroProvider.user.sub],
      ['intuit', intuitProvider.user.sub],
    ] as const) {
      await database.db
        .update(users)
        .set({ authSubject: `detached-${Math.random().toString(36).slice(2)}` })
        .where(and(eq(users.authProvider, authProvider), eq(users.authSubject, sub)));
    }
  }

  beforeAll(async () => {
    database = await testDatabase();
    sandbox = await startSandbox({ port: 0, seed: SEED, demo: { companies: DEFAULT_DEMO_COMPANIES.map((c) => ({ ...c, customers: 3, invoices: 8 })) }, log: () => undefined });
    arcus = await startHarness(database, sandbox.url);
    await forgetDemoPeople();
  });
  afterAll(async () => {
    if (firms.length) await database.db.update(organisations).set({ status: 'disconnected' }).where(inArray(organisations.firmId, firms));
    if (database) await forgetDemoPeople();
    await arcus?.close();
    await new Promise<void>((r) => sandbox?.close(() => r()));
  });

  async function toConsent(browser: TestBrowser, path: string) {
    const { hops, final } = await browser.follow(path);
    expect(hops[0]!.status).toBe(302);
    const authorize = new URL(hops.find((h) => h.location?.startsWith(sandbox.url))?.location ?? hops[0]!.location!);
    expect(authorize.origin).toBe(new URL(sandbox.url).origin);
    expect(final.status).toBe(200);
    return { hops, authorize, form: consentForm(await final.text()), consentUrl: hops.at(-1)!.url };
  }

  async function allow(browser: TestBrowser, consentUrl: string, form: ReturnType<typeof consentForm>, companyIds: string[]) {
    const body = new URLSearchParams({ request_id: form.requestId, decision: 'allow' });
    for (const c of companyIds) body.append('company', c);
    const res = await fetch(new URL(form.action, consentUrl), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.status).toBe(302);
    const { hops } = await browser.follow(res.headers.get('location')!);
    return new URL(hops.at(-1)!.location ?? hops.at(-1)!.url, arcus.url);
  }

  it('Sign up with Xero: one consent for identity and ledger; the user, their firm and the chosen organisations are ready', async () => {
    const visitor = new TestBrowser(arcus.url);
    const { authorize, form, consentUrl } = await toConsent(visitor, '/oauth/xero/sign-up');
    // Identity and exactly the accounting scopes Arcus uses, in one request.
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual(['openid', 'profile', 'email', 'offline_access', 'accounting.invoices', 'accounting.payments', 'accounting.contacts.read', 'accounting.settings.read']);
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]+\.[0-9a-z]+\.[\w-]{43}$/);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const chosen = xeroCos().map((c) => c.id);
    const landing = await allow(visitor, consentUrl, form, chosen);
    expect(landing.pathname).toBe('/settings/connections');
    expect(Object.fromEntries(landing.searchParams)).toEqual({ welcome: '1', connected: String(chosen.length), provider: 'xero' });

    await visitor.refreshCsrf();
    const me = (await visitor.json<{ user: { id: string; name: string; role: string }; firm: { id: string; name: string } }>('/api/session')).body;
    firms.push(me.firm.id);
    expect(me.user).toMatchObject({ name: 'Dana Demo', role: 'admin' });
    expect(me.firm.name).toBe('Dana Demo’s firm');
    const orgs = await database.db.select().from(organisations).where(eq(organisations.firmId, me.firm.id));
    expect(orgs.map((o) => o.externalId).sort()).toEqual([...chosen].sort());
    expect(orgs.every((o) => o.status === 'active' && o.provider === 'xero')).toBe(true);
    // The connections hold the sign-up's tokens (sealed): nightly syncs need its refresh token.
    const conns = await database.db.select().from(connections).where(inArray(connections.organisationId, orgs.map((o) => o.id)));
    expect(conns).toHaveLength(chosen.length);
    expect(conns.every((c) => c.status === 'active' && openTokens(arcus.config.tokenEncryptionKey, c).refreshToken.length > 0)).toBe(true);
    expect(arcus.requested.filter((r) => orgs.some((o) => o.id === r.organisationId)).map((r) => r.kind)).toEqual(chosen.map(() => 'full'));

    // The same person signing up again from the listing: signed in to the same firm, no second firm.
    const again = new TestBrowser(arcus.url);
    const c2 = await toConsent(again, '/oauth/xero/sign-up');
    const landing2 = await allow(again, c2.consentUrl, c2.form, [chosen[0]!]);
    expect(landing2.searchParams.get('welcome')).toBeNull();
    expect(landing2.searchParams.get('connected')).toBe('1');
    const me2 = (await again.json<{ user: { id: string }; firm: { id: string } }>('/api/session')).body;
    expect(me2).toMatchObject({ user: { id: me.user.id }, firm: { id: me.firm.id } });
    expect(await database.db.select().from(memberships).where(eq(memberships.userId, me.user.id))).toHaveLength(1);
  });

  it('a forged or replayed sign-up callback is refused before anything is created', async () => {
    const visitor = new TestBrowser(arcus.url);
    const { authorize } = await toConsent(visitor, '/oauth/xero/sign-up');
    const state = authorize.searchParams.get('state')!;
    const forged = await visitor.follow(`/oauth/xero/callback?code=x&state=${encodeURIComponent(`${state.slice(0, -3)}abc`)}`);
    expect(forged.hops[0]!.location).toBe('/?signin_error=state_invalid&provider=xero');
    const stranger = new TestBrowser(arcus.url);
    const replay = await stranger.follow(`/oauth/xero/callback?code=x&state=${encodeURIComponent(state)}`);
    expect(replay.hops[0]!.location).toBe('/?signin_error=state_invalid&provider=xero');
    expect((await stranger.json<{ user: unknown }>('/api/session')).body.user).toBeNull();
  });

  it('Intuit launch URL: signs up and connects the company; launched again while signed in, it opens the company', async () => {
    const visitor = new TestBrowser(arcus.url);
    const { authorize, form, consentUrl } = await toConsent(visitor, '/oauth/intuit/launch');
    expect(authorize.pathname).toBe('/qbo/connect/oauth2');
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual(['openid', 'profile', 'email', 'com.intuit.quickbooks.accounting']);
    const company = qboCos()[0]!;
    const landing = await allow(visitor, consentUrl, form, [company.id]);
    expect(Object.fromEntries(landing.searchParams)).toEqual({ welcome: '1', connected: '1', provider: 'quickbooks' });
    const me = (await visitor.json<{ firm: { id: string } }>('/api/session')).body;
    firms.push(me.firm.id);
    const [org] = await database.db.select().from(organisations).where(and(eq(organisations.firmId, me.firm.id), eq(organisations.externalId, company.id)));
    expect(org).toMatchObject({ provider: 'quickbooks', status: 'active' });

    const launched = await visitor.request(`/oauth/intuit/launch?realmId=${company.id}`);
    expect(launched.status).toBe(302);
    expect(launched.headers.get('location')).toBe(`/organisations/${org!.id}`);
  });

  it('Intuit disconnect URL: a visit alone changes nothing; after QuickBooks revokes access the company shows as disconnected in words', async () => {
    const visitor = new TestBrowser(arcus.url);
    const { form, consentUrl } = await toConsent(visitor, '/oauth/intuit/launch');
    const company = qboCos()[1]!;
    await allow(visitor, consentUrl, form, [company.id]);
    const me = (await visitor.json<{ firm: { id: string } }>('/api/session')).body;
    firms.push(me.firm.id);
    const [org] = await database.db.select().from(organisations).where(and(eq(organisations.firmId, me.firm.id), eq(organisations.externalId, company.id)));

    // Anyone can open the address: while QuickBooks still honours the access, nothing is marked.
    const stranger = new TestBrowser(arcus.url);
    const early = await stranger.follow(`/oauth/intuit/disconnect?realmId=${company.id}`);
    expect(early.hops[0]!.location).toBe('/?signin_error=disconnected_in_provider&provider=quickbooks');
    expect((await database.db.select().from(organisations).where(eq(organisations.id, org!.id)))[0]!.status).toBe('active');

    // The person disconnects Arcus inside QuickBooks: Intuit revokes the tokens, then sends them here.
    const [conn] = await database.db.select().from(connections).where(eq(connections.organisationId, org!.id));
    expect(sandbox.sandbox.ctx.grants.revoke(openTokens(arcus.config.tokenEncryptionKey, conn!).accessToken)).toBe(true);
    const landing = await visitor.follow('/oauth/intuit/disconnect');
    expect(landing.hops[0]!.location).toBe('/settings/connections?disconnected_in_provider=1&provider=quickbooks');
    const view = (await visitor.json<{ organisation: { status: string; statusText: string } }>(`/api/organisations/${org!.id}`)).body.organisation;
    expect(view.status).toBe('disconnected');
    expect(view.statusText).toMatch(/^Disconnected — Disconnected in QuickBooks on \d{1,2} \w{3} \d{4}\. Reconnect to resume syncing; synced history is kept\./);
    const [wiped] = await database.db.select().from(connections).where(eq(connections.organisationId, org!.id));
    expect(wiped).toMatchObject({ status: 'revoked', accessTokenEnc: '', refreshTokenEnc: '' });
  });
});
