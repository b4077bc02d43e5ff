/**
 * Connecting ledgers end to end over HTTP: Arcus's OAuth routes against the sandbox ledger's
 * real OAuth server and consent pages (started on 127.0.0.1:0), on real PostgreSQL. Syncs are
 * recorded rather than run (the sync engine is tested on its own), so this file sees exactly
 * which were asked for.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_DEMO_COMPANIES } from '../../integrations/sandbox/demo';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import { openTokens } from '../../server/connections/tokens';
import type { Database } from '../../server/db/client';
import { activities, connections, invoices, memberships, organisations, users } from '../../server/db/schema';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { type Harness, startHarness } from './harness';
import { consentForm, signInAs, TestBrowser } from './support';

const SEED = 9202;

describeWith('pg', 'connecting Xero and QuickBooks over OAuth', () => {
  let database: Database;
  let sandbox: SandboxServer;
  let arcus: Harness;
  let firm1: Awaited<ReturnType<typeof createFirm>>;
  let admin: TestBrowser;
  const created: string[] = [];

  const companies = () => sandbox.sandbox.companyIds.map((id) => sandbox.sandbox.ctx.store.company(id));
  const xeroCos = () => companies().filter((c) => c.provider === 'xero');
  const qboCos = () => companies().filter((c) => c.provider === 'quickbooks');

  beforeAll(async () => {
    database = await testDatabase();
    sandbox = await startSandbox({ port: 0, seed: SEED, demo: { companies: DEFAULT_DEMO_COMPANIES.map((c) => ({ ...c, customers: 4, invoices: 12 })) }, log: () => undefined });
    arcus = await startHarness(database, sandbox.url);
    firm1 = await createFirm(database, 'admin');
    created.push(firm1.firm.id);
    admin = new TestBrowser(arcus.url);
    await signInAs(admin, database, arcus.config.sessionSecret, { userId: firm1.user.id, firmId: firm1.firm.id });
  });
  afterAll(async () => {
    if (created.length) await database.db.update(organisations).set({ status: 'disconnected' }).where(inArray(organisations.firmId, created));
    await arcus?.close();
    await new Promise<void>((r) => sandbox?.close(() => r()));
  });

  /** Start a connect (or sign-in) in Arcus and arrive on the sandbox's consent page. */
  async function toConsent(browser: TestBrowser, path: string) {
    const { hops, final } = await browser.follow(path);
    expect(hops[0]!.status).toBe(302);
    const authorize = new URL(hops[0]!.location!);
    expect(authorize.origin).toBe(new URL(sandbox.url).origin);
    expect(final.status).toBe(200);
    const html = await final.text();
    return { authorize, form: consentForm(html), consentUrl: hops.at(-1)!.url };
  }

  /** Answer the consent page like a person: tick companies, press Allow or Cancel. */
  async function answer(consentUrl: string, form: ReturnType<typeof consentForm>, companyIds: string[], decision: 'allow' | 'cancel' = 'allow') {
    const body = new URLSearchParams({ request_id: form.requestId, decision });
    for (const c of companyIds) body.append('company', c);
    const res = await fetch(new URL(form.action, consentUrl), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.status).toBe(302);
    return res.headers.get('location')!;
  }

  async function connect(browser: TestBrowser, provider: 'xero' | 'quickbooks', companyIds: string[], query = '') {
    const { authorize, form, consentUrl } = await toConsent(browser, `/oauth/${provider}/connect${query}`);
    const callback = await answer(consentUrl, form, companyIds);
    const { hops } = await browser.follow(callback);
    return { authorize, form, callback, landing: new URL(hops.at(-1)!.location ?? hops.at(-1)!.url, arcus.url), hops };
  }

  const orgsOf = (firmId: string) => database.db.select().from(organisations).where(eq(organisations.firmId, firmId));

  it('Connect to Xero: PKCE + signed state, consent, one organisation per tenant with its name, tokens sealed, a full sync each', async () => {
    arcus.requested.length = 0;
    const { authorize, form, landing, callback } = await connect(admin, 'xero', xeroCos().map((c) => c.id));
    // The authorization request Arcus made.
    expect(authorize.pathname).toBe('/xero/identity/connect/authorize');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${arcus.url}/oauth/xero/callback`);
    expect(authorize.searchParams.get('scope')).toContain('offline_access');
    expect(authorize.searchParams.get('state')!.split('.')).toHaveLength(3);
    expect(form.companies.map((c) => c.id).sort()).toEqual(xeroCos().map((c) => c.id).sort());
    expect(new URL(callback).searchParams.get('state')).toBe(authorize.searchParams.get('state'));
    // Back in Arcus.
    expect(landing.pathname).toBe('/settings/connections');
    expect(Object.fromEntries(landing.searchParams)).toMatchObject({ connected: '2', provider: 'xero' });

    const orgs = await orgsOf(firm1.firm.id);
    expect(orgs.map((o) => o.name).sort()).toEqual(xeroCos().map((c) => c.name).sort());
    for (const o of orgs) {
      const c = sandbox.sandbox.ctx.store.company(o.externalId);
      expect(o).toMatchObject({ provider: 'xero', status: 'active', baseCurrency: c.baseCurrency, timezone: c.timezone, countryCode: c.countryCode });
      expect(o.syncSlotMinute).toBeGreaterThanOrEqual(0);
      expect(o.nextSyncAt!.getTime()).toBeGreaterThan(Date.now());
    }
    expect(arcus.requested.map((r) => r.kind)).toEqual(['full', 'full']);
    expect(arcus.requested.map((r) => r.organisationId).sort()).toEqual(orgs.map((o) => o.id).sort());

    // The tokens are in the database only sealed.
    const grants = sandbox.sandbox.ctx.grants.all().filter((g) => g.provider === 'xero');
    const rows = await database.db.select().from(connections).where(inArray(connections.organisationId, orgs.map((o) => o.id)));
    expect(rows).toHaveLength(2);
    const dump = JSON.stringify(rows);
    for (const g of grants) {
      expect(dump).not.toContain(g.accessToken);
      expect(dump).not.toContain(g.refreshToken);
    }
    for (const row of rows) {
      const opened = openTokens(arcus.config.tokenEncryptionKey, row);
      expect(grants.some((g) => g.accessToken === opened.accessToken && g.refreshToken === opened.refreshToken)).toBe(true);
      expect(row.providerConnectionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.status).toBe('active');
    }
    const acts = await database.db.select().from(activities).where(and(eq(activities.firmId, firm1.firm.id), eq(activities.kind, 'organisation.connected')));
    expect(acts).toHaveLength(2);
  });

  it('Connect to QuickBooks: the realm from the callback, the company named from CompanyInfo, a time zone from its country', async () => {
    arcus.requested.length = 0;
    const bakery = qboCos()[1]!;
    const { authorize, form, callback, landing } = await connect(admin, 'quickbooks', [bakery.id]);
    expect(authorize.pathname).toBe('/qbo/connect/oauth2');
    expect(authorize.searchParams.get('scope')).toContain('com.intuit.quickbooks.accounting');
    expect(form.companies).toHaveLength(2);
    expect(new URL(callback).searchParams.get('realmId')).toBe(bakery.id);
    expect(Object.fromEntries(landing.searchParams)).toMatchObject({ connected: '1', provider: 'quickbooks' });
    const [org] = (await orgsOf(firm1.firm.id)).filter((o) => o.provider === 'quickbooks');
    expect(org).toMatchObject({ externalId: bakery.id, name: bakery.name, baseCurrency: 'CAD', countryCode: 'CA', timezone: 'America/Toronto', status: 'active' });
    expect(arcus.requested).toEqual([{ organisationId: org!.id, kind: 'full' }]);

    // The callback replayed (a reused state) is refused and connects nothing more.
    arcus.requested.length = 0;
    const replay = await admin.follow(callback);
    expect(new URL(replay.hops[0]!.location!, arcus.url).searchParams.get('error')).toBe('state_invalid');
    expect(arcus.requested).toEqual([]);
  });

  it('refuses a tampered state, and a callback without a session that started it', async () => {
    const { authorize, form, consentUrl } = await toConsent(admin, '/oauth/quickbooks/connect');
    const callback = new URL(await answer(consentUrl, form, [qboCos()[0]!.id]));
    const state = authorize.searchParams.get('state')!;
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${state.slice(0, 5)}${state[5] === 'A' ? 'B' : 'A'}${state.slice(6)}`);
    const a = await admin.follow(tampered.toString());
    expect(new URL(a.hops[0]!.location!, arcus.url).searchParams.get('error')).toBe('state_invalid');
    // Another browser (no session) with the genuine callback.
    const stranger = new TestBrowser(arcus.url);
    const b = await stranger.follow(callback.toString());
    expect(new URL(b.hops[0]!.location!, arcus.url).searchParams.get('signin_error')).toBe('state_invalid');
    expect((await orgsOf(firm1.firm.id)).filter((o) => o.externalId === qboCos()[0]!.id)).toHaveLength(0);
  });

  it('Cancel on the consent page comes back with a friendly access_denied', async () => {
    const { form, consentUrl } = await toConsent(admin, '/oauth/xero/connect');
    const callback = await answer(consentUrl, form, [], 'cancel');
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    const { hops } = await admin.follow(callback);
    const landing = new URL(hops[0]!.location!, arcus.url);
    expect(landing.pathname).toBe('/settings/connections');
    expect(Object.fromEntries(landing.searchParams)).toEqual({ error: 'access_denied', provider: 'xero' });
  });

  it('lists the organisations for the firm, with status in words, next sync and no secrets', async () => {
    const res = await admin.json<{ organisations: Record<string, unknown>[] }>('/api/organisations');
    expect(res.status).toBe(200);
    expect(res.body.organisations).toHaveLength(3);
    for (const o of res.body.organisations) {
      expect(o).toMatchObject({ status: 'active', statusText: 'Connected', syncing: false, latestRun: null });
      expect(typeof o['nextSyncAt']).toBe('string');
      expect(JSON.stringify(o)).not.toMatch(/token/i);
    }
  });

  it('Sync now asks for an incremental (or full) sync; roles: viewer reads, collector syncs, admin manages', async () => {
    const [org] = await orgsOf(firm1.firm.id);
    arcus.requested.length = 0;
    expect((await admin.json(`/api/organisations/${org!.id}/sync`, { method: 'POST', body: {} })).status).toBe(202);
    expect((await admin.json(`/api/organisations/${org!.id}/sync`, { method: 'POST', body: { full: true } })).status).toBe(202);
    expect(arcus.requested).toEqual([
      { organisationId: org!.id, kind: 'incremental' },
      { organisationId: org!.id, kind: 'full' },
    ]);
    // Colleagues in the same firm with lesser roles.
    const roleUser = async (role: 'viewer' | 'collector') => {
      const [u] = await database.db.insert(users).values({ email: `${role}-${randomUUID()}@firm.example`, name: `A ${role}`, authProvider: 'test', authSubject: randomUUID() }).returning();
      await database.db.insert(memberships).values({ firmId: firm1.firm.id, userId: u!.id, role });
      const b = new TestBrowser(arcus.url);
      await signInAs(b, database, arcus.config.sessionSecret, { userId: u!.id, firmId: firm1.firm.id });
      return b;
    };
    const viewer = await roleUser('viewer');
    const collector = await roleUser('collector');
    expect((await viewer.json('/api/organisations')).status).toBe(200);
    expect((await viewer.json(`/api/organisations/${org!.id}/sync`, { method: 'POST', body: {} })).status).toBe(403);
    expect((await collector.json(`/api/organisations/${org!.id}/sync`, { method: 'POST', body: {} })).status).toBe(202);
    expect((await collector.json(`/api/organisations/${org!.id}/disconnect`, { method: 'POST', body: {} })).status).toBe(403);
    expect((await collector.json(`/api/organisations/${org!.id}`, { method: 'PATCH', body: { timezone: 'UTC' } })).status).toBe(403);
    const noConnect = await collector.follow('/oauth/xero/connect');
    expect(new URL(noConnect.hops[0]!.location!, arcus.url).searchParams.get('error')).toBe('forbidden');
    // Without the CSRF token, writes are refused.
    collector.csrf = '';
    expect((await collector.json(`/api/organisations/${org!.id}/sync`, { method: 'POST', body: {} })).status).toBe(403);
  });

  it('the time zone is changed in Settings (IANA only) and moves the nightly run', async () => {
    const [org] = (await orgsOf(firm1.firm.id)).filter((o) => o.provider === 'quickbooks');
    const bad = await admin.json<{ error: { code: string; message: string } }>(`/api/organisations/${org!.id}`, { method: 'PATCH', body: { timezone: 'Mars/Olympus' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('Choose a time zone from the list, such as Europe/London.');
    expect((await admin.json(`/api/organisations/${org!.id}`, { method: 'PATCH', body: { name: 'x' } })).status).toBe(400);
    const ok = await admin.json<{ organisation: { timezone: string; nextSyncAt: string } }>(`/api/organisations/${org!.id}`, { method: 'PATCH', body: { timezone: 'America/Vancouver' } });
    expect(ok.status).toBe(200);
    expect(ok.body.organisation.timezone).toBe('America/Vancouver');
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Vancouver', hour: '2-digit', hourCycle: 'h23' }).format(new Date(ok.body.organisation.nextSyncAt));
    expect(Number(local)).toBeGreaterThanOrEqual(1);
    expect(Number(local)).toBeLessThanOrEqual(7);
  });

  it('another firm sees none of these organisations: 404 on every route, and cannot connect a tenant already taken', async () => {
    const firm2 = await createFirm(database, 'admin');
    created.push(firm2.firm.id);
    const other = new TestBrowser(arcus.url);
    await signInAs(other, database, arcus.config.sessionSecret, { userId: firm2.user.id, firmId: firm2.firm.id });
    expect((await other.json<{ organisations: unknown[] }>('/api/organisations')).body.organisations).toEqual([]);
    for (const org of await orgsOf(firm1.firm.id)) {
      expect((await other.json(`/api/organisations/${org.id}`)).status).toBe(404);
      expect((await other.json(`/api/organisations/${org.id}/sync`, { method: 'POST', body: {} })).status).toBe(404);
      expect((await other.json(`/api/organisations/${org.id}/disconnect`, { method: 'POST', body: {} })).status).toBe(404);
      expect((await other.json(`/api/organisations/${org.id}`, { method: 'PATCH', body: { timezone: 'UTC' } })).status).toBe(404);
      expect((await other.json(`/api/organisations/${org.id}/data`, { method: 'DELETE', body: { confirm: org.name } })).status).toBe(404);
      const reconnect = await other.follow(`/oauth/${org.provider}/connect?organisation=${org.id}`);
      expect(new URL(reconnect.hops[0]!.location!, arcus.url).searchParams.get('error')).toBe('reconnect_mismatch');
    }
    expect((await other.json('/api/organisations/not-a-uuid')).status).toBe(404);
    // The same Xero organisation, connected by firm 2 as well: refused in words, nothing created.
    const { landing } = await connect(other, 'xero', [xeroCos()[0]!.id]);
    expect(landing.searchParams.get('error')).toBe('already_connected_elsewhere');
    // Why, counted: the page says exactly this (not "another firm, or unreadable").
    expect(landing.searchParams.get('elsewhere')).toBe('1');
    expect(landing.searchParams.get('unreadable')).toBeNull();
    expect(await orgsOf(firm2.firm.id)).toEqual([]);
  });

  it('Disconnect revokes at the provider, keeps synced history, and deleting data is separate and explicit', async () => {
    const [org] = (await orgsOf(firm1.firm.id)).filter((o) => o.provider === 'quickbooks');
    const [conn] = await database.db.select().from(connections).where(eq(connections.organisationId, org!.id));
    const tokens = openTokens(arcus.config.tokenEncryptionKey, conn!);
    const apiCall = () => fetch(`${sandbox.url}/qbo/v3/company/${org!.externalId}/companyinfo/${org!.externalId}`, { headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' } });
    expect((await apiCall()).status).toBe(200);
    // Some synced history to keep.
    await database.db.insert(invoices).values({ firmId: firm1.firm.id, organisationId: org!.id, externalId: '9001', contactExternalId: '1', issueDate: '2026-10-01', currency: 'CAD', total: '100.00', amountDue: '100.00', status: 'authorised' });

    const res = await admin.json<{ organisation: Record<string, unknown>; revokedAtProvider: boolean }>(`/api/organisations/${org!.id}/disconnect`, { method: 'POST', body: {} });
    expect(res.status).toBe(200);
    expect(res.body.revokedAtProvider).toBe(true);
    expect(res.body.organisation).toMatchObject({ status: 'disconnected', nextSyncAt: null, connectionStatus: 'revoked', documents: { invoices: 1, contacts: 0 } });
    expect(String(res.body.organisation['statusText'])).toMatch(/^Disconnected — Disconnected from Arcus by User \w+ on \d{1,2} \w{3} \d{4}\. Synced history is kept\.$/);
    // The grant is dead at the sandbox, the tokens gone from our database.
    expect((await apiCall()).status).toBe(401);
    const refresh = await fetch(`${sandbox.url}/qbo/oauth2/v1/tokens/bearer`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('arcus-sandbox:arcus-sandbox-secret').toString('base64')}` }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken }) });
    expect(refresh.status).toBe(400);
    const [after] = await database.db.select().from(connections).where(eq(connections.organisationId, org!.id));
    expect(after).toMatchObject({ status: 'revoked', accessTokenEnc: '', refreshTokenEnc: '' });
    expect(await database.db.select().from(invoices).where(eq(invoices.organisationId, org!.id))).toHaveLength(1);
    // A disconnected organisation cannot be synced.
    expect((await admin.json(`/api/organisations/${org!.id}/sync`, { method: 'POST', body: {} })).status).toBe(409);

    // Deleting the data needs the name typed exactly.
    const wrong = await admin.json<{ error: { code: string } }>(`/api/organisations/${org!.id}/data`, { method: 'DELETE', body: { confirm: 'something else' } });
    expect(wrong.body.error.code).toBe('confirmation_mismatch');
    expect(await database.db.select().from(invoices).where(eq(invoices.organisationId, org!.id))).toHaveLength(1);
    const done = await admin.json<{ organisation: { documents: { invoices: number }; statusText: string } }>(`/api/organisations/${org!.id}/data`, { method: 'DELETE', body: { confirm: org!.name } });
    expect(done.status).toBe(200);
    expect(done.body.organisation.documents.invoices).toBe(0);
    // The card no longer claims the history is kept: it says what the deletion removed and what stays.
    expect(done.body.organisation.statusText).not.toMatch(/history is kept/i);
    expect(done.body.organisation.statusText).toMatch(
      /^Disconnected — Synced data deleted from Arcus by User \w+ on \d{1,2} \w{3} \d{4}: its contacts, invoices, payments and credit notes are no longer in Arcus \(nothing was changed in QuickBooks\)\. The activity timeline and audit log are kept\./,
    );
    expect(await database.db.select().from(invoices).where(eq(invoices.organisationId, org!.id))).toHaveLength(0);
  });

  it('a Xero organisation disconnected in Xero is detected and shown; Reconnect brings it back', async () => {
    const { detectProviderDisconnect } = await import('../../server/connections/detect');
    const [org] = (await orgsOf(firm1.firm.id)).filter((o) => o.provider === 'xero').sort((a, b) => a.name.localeCompare(b.name));
    const [conn] = await database.db.select().from(connections).where(eq(connections.organisationId, org!.id));
    const { accessToken } = openTokens(arcus.config.tokenEncryptionKey, conn!);
    expect(await detectProviderDisconnect(arcus.deps, org!.id)).toBe('connected');
    // The user removes Arcus from this organisation in Xero.
    const removed = await fetch(`${sandbox.url}/xero/connections/${conn!.providerConnectionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } });
    expect(removed.status).toBe(204);
    expect(await detectProviderDisconnect(arcus.deps, org!.id)).toBe('disconnected');
    const view = (await admin.json<{ organisation: { status: string; statusText: string } }>(`/api/organisations/${org!.id}`)).body.organisation;
    expect(view.status).toBe('disconnected');
    expect(view.statusText).toMatch(/^Disconnected — Disconnected in Xero on \d{1,2} \w{3} \d{4}\. Reconnect to resume syncing/);
    // The other Xero organisation from the same consent is still connected.
    const [sibling] = (await orgsOf(firm1.firm.id)).filter((o) => o.provider === 'xero' && o.id !== org!.id);
    expect(await detectProviderDisconnect(arcus.deps, sibling!.id)).toBe('connected');

    arcus.requested.length = 0;
    const { landing } = await connect(admin, 'xero', [org!.externalId], `?organisation=${org!.id}`);
    expect(Object.fromEntries(landing.searchParams)).toMatchObject({ connected: '1', reconnected: '1', provider: 'xero' });
    const [back] = await database.db.select().from(organisations).where(eq(organisations.id, org!.id));
    expect(back).toMatchObject({ status: 'active', statusReason: null });
    expect(back!.nextSyncAt).not.toBeNull();
    expect(arcus.requested).toEqual([{ organisationId: org!.id, kind: 'full' }]);
    const [conn2] = await database.db.select().from(connections).where(eq(connections.organisationId, org!.id));
    expect(conn2!.id).toBe(conn!.id);
    expect(conn2!.status).toBe('active');
    // Reconnect with a different organisation ticked is refused in words.
    const mismatch = await connect(admin, 'xero', [sibling!.externalId], `?organisation=${org!.id}`);
    expect(mismatch.landing.searchParams.get('error')).toBe('reconnect_mismatch');
  });

  it('Sign in with Xero creates the user and their firm, then signs the same user in again', async () => {
    const visitor = new TestBrowser(arcus.url);
    const { authorize, form, consentUrl } = await toConsent(visitor, '/oauth/xero/sign-in');
    expect(authorize.searchParams.get('scope')).toBe('openid profile email');
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(form.companies).toEqual([]);
    const callback = await answer(consentUrl, form, []);
    const { hops } = await visitor.follow(callback);
    expect(hops[0]!.location).toBe('/settings/connections?welcome=1');
    await visitor.refreshCsrf();
    const me = (await visitor.json<{ user: { id: string; name: string; email: string; role: string }; firm: { id: string; name: string } }>('/api/session')).body;
    expect(me.user).toMatchObject({ name: 'Dana Demo', email: 'dana@demo-firm.example', role: 'admin' });
    expect(me.firm.name).toBe('Dana Demo’s firm');
    const [u] = await database.db.select().from(users).where(eq(users.id, me.user.id));
    expect(u).toMatchObject({ authProvider: 'xero', authSubject: 'd4a7e2c95f1b4e0f9a3c6b8d2e1f0a57' });
    created.push(me.firm.id);
    // Sign out, sign in again: the same user and firm, no new firm.
    expect((await visitor.json('/api/auth/sign-out', { method: 'POST', body: {} })).status).toBe(200);
    const again = await toConsent(visitor, '/oauth/xero/sign-in');
    const back = await visitor.follow(await answer(again.consentUrl, again.form, []));
    expect(back.hops[0]!.location).toBe('/');
    const me2 = (await visitor.json<{ user: { id: string }; firm: { id: string } }>('/api/session')).body;
    expect(me2.user.id).toBe(me.user.id);
    expect(me2.firm.id).toBe(me.firm.id);
    expect(await database.db.select().from(memberships).where(eq(memberships.userId, me.user.id))).toHaveLength(1);
  });

  it('Sign in with Intuit creates its own user and firm; a cancelled sign-in says so', async () => {
    const visitor = new TestBrowser(arcus.url);
    const { authorize, form, consentUrl } = await toConsent(visitor, '/oauth/intuit/sign-in');
    expect(authorize.pathname).toBe('/qbo/connect/oauth2');
    const { hops } = await visitor.follow(await answer(consentUrl, form, []));
    expect(hops[0]!.location).toMatch(/^\/(settings\/connections\?welcome=1)?$/);
    const me = (await visitor.json<{ user: { id: string }; firm: { id: string } }>('/api/session')).body;
    const [u] = await database.db.select().from(users).where(eq(users.id, me.user.id));
    expect(u).toMatchObject({ authProvider: 'intuit', authSubject: '7c1e9a42-3b5d-4f60-8e2a-9d4c6b1f0e35' });
    created.push(me.firm.id);

    const quitter = new TestBrowser(arcus.url);
    const c = await toConsent(quitter, '/oauth/quickbooks/sign-in');
    const out = await quitter.follow(await answer(c.consentUrl, c.form, [], 'cancel'));
    expect(out.hops[0]!.location).toBe('/?signin_error=access_denied&provider=quickbooks');
    expect((await quitter.json<{ user: unknown }>('/api/session')).body.user).toBeNull();
  });

  it('says which sign-in buttons to show', async () => {
    const s = await new TestBrowser(arcus.url).json<{ signIn: unknown }>('/api/session');
    expect(s.body.signIn).toEqual({ xero: true, quickbooks: true });
  });
});
