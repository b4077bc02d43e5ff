/**
 * Issue #17's "Done when", end to end in one flow (docs/decisions/017, 018, 023, 024): a fresh firm
 * with two sandbox organisations (synced over real HTTP), mail through a real SMTP server that keeps
 * each message's bytes, the app's clock pinned (and the sandbox on the same clock).
 *
 *  1. The administrator invites a collector and a client contact in Settings › Team (Chromium);
 *     both links are read from the SMTP server; each is accepted in a fresh browser.
 *  2. The administrator assigns every customer of both organisations to the collector (Assignment
 *     panel); the collector's My work lists customers of both organisations in the worklist's rank
 *     order (by value, largest first).
 *  3. The organisation's client-approval policy holds late fees; the collector asks for one; it
 *     waits (not in the ledger) until the client contact approves it in their view; then it is
 *     confirmed and in the sandbox ledger exactly once.
 *  4. The organisation's sender identity is verified against a fake DNS zone; a reminder run sends;
 *     the SMTP server's copy is From the client's address, and its DKIM signature (d= the client's
 *     domain) verifies against the published key (RFC 6376 verifier, test/sender/dkim-verify.ts).
 *  5. The collector and the client contact, with their own sessions from this flow, get 403 on
 *     administrators' routes — each route's permission read from the table (server/auth/permissions.ts);
 *     every route × every role is test/isolation/role-matrix.test.ts.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type SandboxServer } from '../../integrations/sandbox/server';
import { startingAt } from '../../kernel/clock';
import { todayIn } from '../../kernel/dates';
import { type Arcus, startArcus } from '../../root/runtime';
import { can, ROUTE_PERMISSIONS, type Role } from '../../server/auth/permissions';
import { updateCollectionsPolicy } from '../../server/collections/policy';
import type { Database } from '../../server/db/client';
import { customerAssignments, invoices, memberships, syncRuns, users, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { getWorklist } from '../../server/scoring/worklist';
import type { TxtResolver } from '../../server/sender/dns';
import { connectSandboxCompany } from '../../server/sync/sandbox-connect';
import { requestSync } from '../../server/sync/request';
import { screenshot as take } from '../support/browser';
import { realClockEnv } from '../support/child-env';
import { createFirm, testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith, services } from '../support/services';
import { writeSession } from '../support/session';
import { until } from '../support/until';
import { header, type RawCapture, startRawCapture, verifyDkim } from '../sender/dkim-verify';

// A Monday, 10:00 in London: inside the default sending hours (09:00–17:00, Monday to Friday).
const NOW = '2026-12-07T10:00:00Z';
const CLIENT_DOMAIN = 'harbour-joinery.example';
const CLIENT_FROM = `accounts@${CLIENT_DOMAIN}`;

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return take(page, `firm-practice-${name}`);
}

/** The DNS the domain check asks: what the test publishes, nothing else. */
function zoneResolver(zone: Map<string, string[][]>): TxtResolver {
  return {
    async resolveTxt(name) {
      const v = zone.get(name);
      if (!v) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return v;
    },
  };
}

describeWith(['pg', 'chromium'], 'The firm’s practice, end to end (issue #17)', () => {
  const clock = startingAt(NOW);
  const zone = new Map<string, string[][]>();
  let database: Database;
  let sandbox: SandboxServer;
  let smtp: RawCapture;
  let arcus: Arcus;
  let browser: Browser;
  let firmId = '';
  let adminId = '';
  let harbour = { id: '', companyId: '', name: '' };
  let redwood = { id: '', companyId: '', name: '' };
  const suffix = Math.random().toString(36).slice(2, 8);
  const collectorEmail = `casey-${suffix}@firm.example`;
  const clientEmail = `clara-${suffix}@${CLIENT_DOMAIN}`;

  beforeAll(async () => {
    database = await testDatabase();
    smtp = await startRawCapture();
    sandbox = await startSandbox({
      port: 0,
      autoConsent: true,
      seed: 2717, // its own seed: tenant ids follow the seed, and a tenant connected to one firm cannot join another in the shared test database
      now: () => clock.ms(),
      demo: {
        companies: [
          { provider: 'xero', name: 'Harbour Joinery Ltd', baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB', customers: 6, invoices: 60, industry: 'joinery' },
          { provider: 'quickbooks', name: 'Redwood Dental Group', baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB', customers: 6, invoices: 60, industry: 'dental' },
        ],
      },
      log: () => undefined,
    });
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('firm-practice'), ARCUS_DEMO: 'off', SMTP_URL: smtp.url, MAIL_FROM: 'Arcus <reminders@arcus.test>' },
      database,
      clock,
      log: createLogger('silent'),
      sandbox: { url: sandbox.url },
      hooks: { dnsResolver: zoneResolver(zone) },
    });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    adminId = made.user.id;
    await database.db.update(users).set({ name: 'Ada Admin' }).where(eq(users.id, adminId));
    // Late fees are asked for by hand here (not assessed nightly); no firm approval threshold.
    await updateCollectionsPolicy(database.db, firmId, { approvalThreshold: null, lateFees: { enabled: false, kind: 'flat', amount: '15.00', graceDays: 0, period: 'once', post: 'invoice' } });
    const deps = { db: database.db, factory: arcus.factory, tokenKey: arcus.config.tokenEncryptionKey };
    const [xeroCo, qboCo] = sandbox.sandbox.companyIds as [string, string];
    for (const [companyId, provider, set] of [
      [xeroCo, 'xero', (o: typeof harbour) => (harbour = o)],
      [qboCo, 'quickbooks', (o: typeof harbour) => (redwood = o)],
    ] as const) {
      const conn = await connectSandboxCompany(deps, { firmId, provider, companyId });
      const runId = await requestSync(arcus.queue, database.db, { organisationId: conn.organisationId, kind: 'full' });
      await until(
        async () => {
          const [run] = await database.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
          if (run?.status === 'failed') throw new Error('the sandbox sync failed');
          return run?.status === 'succeeded';
        },
        120_000,
        `the ${provider} sync`,
      );
      set({ id: conn.organisationId, companyId, name: sandbox.sandbox.ctx.store.company(companyId).name });
    }
    browser = await chromium.launch({ executablePath: services.chromiumPath, env: realClockEnv(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
    await new Promise<void>((resolve) => (sandbox ? sandbox.close(() => resolve()) : resolve()));
    sandbox?.closeAllConnections?.();
    await smtp?.close();
  }, 120_000);

  /** A browser context signed in as an existing member (the administrator the firm was made with). */
  async function contextAs(userId: string): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { cookie } = await writeSession(database, arcus.config.sessionSecret, { userId, firmId });
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: arcus.url }]);
    return context;
  }

  /** The link in the last message the SMTP server received for `to`, decoded as a mail client would. */
  async function linkFor(to: string, path: 'invite' | 'magic'): Promise<string> {
    const raw = await until(async () => smtp.messages.filter((m) => m.to.includes(to)).at(-1), 30_000, `a message to ${to}`);
    const parsed = await simpleParser(raw.raw);
    const found = new RegExp(`${arcus.url.replace(/[.:/]/g, '\\$&')}/${path}/[A-Za-z0-9_-]{43}`).exec(parsed.text ?? '')?.[0];
    expect(found, `the message to ${to} carries the ${path} link`).toBeDefined();
    return found!;
  }

  /** A Mantine select: open it by its label, choose the option. */
  async function choose(scope: Page | ReturnType<Page['getByTestId']>, page: Page, label: string, option: string | RegExp) {
    await scope.getByRole('textbox', { name: label }).or(scope.getByRole('combobox', { name: label })).first().click();
    await page.getByRole('option', { name: option }).first().click();
  }

  /** Accept an invitation in a fresh browser (no cookies): name, accept, signed in. */
  async function accept(link: string, name: string, shot: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(link);
    await page.getByRole('heading', { name: /Join .* in Arcus/ }).waitFor();
    await screenshot(page, `${shot}-invitation`);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    return { context, page };
  }

  it('walks the Done-when: invite, accept, assign, My work, client-approved late fee, DKIM-signed reminder, refusals', async () => {
    const db = database.db;

    // 1. Invitations, through Settings › Team.
    const adminContext = await contextAs(adminId);
    const admin = await adminContext.newPage();
    admin.setDefaultTimeout(30_000);
    await admin.goto(`${arcus.url}/settings/team`);
    await admin.getByRole('heading', { name: 'Invite someone' }).waitFor();
    await admin.getByLabel('Email address').fill(collectorEmail);
    await expect(admin.getByRole('combobox', { name: 'Role' }).inputValue()).resolves.toBe('Collector');
    await admin.getByRole('button', { name: 'Send invitation' }).click();
    await admin.getByText(collectorEmail).first().waitFor();

    await admin.getByLabel('Email address').fill(clientEmail);
    await choose(admin, admin, 'Role', /^Client contact/);
    await choose(admin, admin, 'Organisations they may see', harbour.name);
    await admin.keyboard.press('Escape');
    await screenshot(admin, '01-admin-inviting-client-contact');
    await admin.getByRole('button', { name: 'Send invitation' }).click();
    await admin.getByText(clientEmail).first().waitFor();
    await admin.getByText(/Valid until 14 December 2026/).first().waitFor();
    await screenshot(admin, '02-admin-invitations-sent');

    // Both links from the SMTP server; both accepted in fresh browsers.
    const collectorLink = await linkFor(collectorEmail, 'invite');
    const clientLink = await linkFor(clientEmail, 'invite');
    const { context: collectorContext, page: collector } = await accept(collectorLink, 'Casey Collector', '03-collector');
    await collector.getByRole('heading', { name: 'Portfolio' }).waitFor();
    const { context: clientContext, page: client } = await accept(clientLink, 'Clara Client', '04-client');
    await client.getByRole('heading', { name: 'Your receivables' }).waitFor();
    await screenshot(client, '05-client-signed-in');
    const [collectorMember] = await db
      .select({ userId: memberships.userId, role: memberships.role })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.firmId, firmId), eq(users.email, collectorEmail)));
    expect(collectorMember?.role).toBe('collector');

    // 2. Assignment, in Settings › Team › Assignment: every customer of both organisations to Casey.
    await admin.reload();
    const panel = admin.getByTestId('assignment-panel');
    await panel.waitFor();
    for (const org of [harbour, redwood]) {
      await choose(panel, admin, 'Organisation', org.name);
      // A Mantine select deselects when its chosen option is clicked again: choose only when needed.
      if (!(await panel.getByRole('textbox', { name: 'Assign to' }).or(panel.getByRole('combobox', { name: 'Assign to' })).first().inputValue()).startsWith('Casey Collector')) await choose(panel, admin, 'Assign to', /^Casey Collector/);
      await panel.getByRole('button', { name: 'Assign', exact: true }).click();
      await until(async () => (await db.select().from(customerAssignments).where(and(eq(customerAssignments.organisationId, org.id), eq(customerAssignments.userId, collectorMember!.userId)))).length > 0, 30_000, `customers of ${org.name} assigned`);
    }
    await screenshot(admin, '06-admin-assigned');
    const assigned = await db.select().from(customerAssignments).where(and(eq(customerAssignments.firmId, firmId), eq(customerAssignments.userId, collectorMember!.userId)));
    expect(new Set(assigned.map((a) => a.organisationId))).toEqual(new Set([harbour.id, redwood.id]));

    // My work: the collector's customers from both organisations, in the worklist's rank order.
    const collectorApi = await collector.request.get(`${arcus.url}/api/my-work?limit=100`);
    expect(collectorApi.status()).toBe(200);
    const mine = (await collectorApi.json()) as { worklist: { customers: { name: string; organisationId: string; rank: number; value: number }[] } };
    const ranked = mine.worklist.customers;
    expect(ranked.length).toBeGreaterThan(2);
    expect(new Set(ranked.map((c) => c.organisationId))).toEqual(new Set([harbour.id, redwood.id]));
    expect(ranked.map((c) => c.rank)).toEqual(ranked.map((_, i) => i + 1));
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.value).toBeGreaterThanOrEqual(ranked[i]!.value);
    // The same order as the firm's whole worklist, restricted to Casey's customers (the ranking is not forked).
    const keys = new Set(assigned.map((a) => `${a.organisationId}|${a.contactExternalId}`));
    const whole = await getWorklist(db, { firmId, userId: adminId, role: 'admin' }, { now: clock.now(), limit: 500 });
    const expected = whole.customers.filter((c) => keys.has(`${c.organisationId}|${c.contactExternalId}`)).map((c) => c.name);
    expect(ranked.map((c) => c.name)).toEqual(expected);
    await collector.goto(`${arcus.url}/my-work`);
    await collector.getByRole('heading', { name: 'My work' }).waitFor();
    const names = collector.getByTestId('worklist-customer-name');
    await expect.poll(() => names.count(), { timeout: 30_000 }).toBe(Math.min(expected.length, 25));
    expect(await names.allInnerTexts()).toEqual(expected.slice(0, await names.count()));
    const myWorkText = await collector.locator('body').innerText();
    expect(myWorkText).toContain(harbour.name);
    expect(myWorkText).toContain(redwood.name);
    expect(myWorkText).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|\bclient_contact\b/);
    await screenshot(collector, '07-collector-my-work');

    // 3. Harbour's client approves its late fees; the collector asks for one on an overdue invoice.
    const adminCsrf = ((await (await admin.request.get(`${arcus.url}/api/session`)).json()) as { csrfToken: string }).csrfToken;
    const policy = await admin.request.put(`${arcus.url}/api/organisations/${harbour.id}/client-approvals`, { data: { lateFees: true, creditsAbove: null, paymentPlans: false }, headers: { 'x-csrf-token': adminCsrf } });
    expect(policy.status()).toBe(200);
    const today = todayIn('Europe/London', clock.now());
    const [inv] = await db
      .select({ id: invoices.id, number: invoices.number, externalId: invoices.externalId, currency: invoices.currency })
      .from(invoices)
      .where(and(eq(invoices.organisationId, harbour.id), eq(invoices.status, 'authorised'), sql`${invoices.dueDate} < ${today}::date`, sql`${invoices.amountDue} >= 50`))
      .orderBy(invoices.externalId)
      .limit(1);
    expect(inv, 'an overdue invoice in the sandbox company').toBeDefined();
    const feesInLedger = () =>
      (sandbox.sandbox.ctx.store.list('invoices', harbour.companyId) as { id: string; reference?: string; total: number }[]).filter((i) => (i.reference ?? '').startsWith(`Late fee on ${inv!.number || inv!.externalId}`));
    const collectorCsrf = ((await (await collector.request.get(`${arcus.url}/api/session`)).json()) as { csrfToken: string }).csrfToken;
    const applied = await collector.request.post(`${arcus.url}/api/collections/late-fees/apply`, { data: { organisationId: harbour.id, invoiceId: inv!.id }, headers: { 'x-csrf-token': collectorCsrf } });
    expect(applied.status()).toBe(201);
    const requested = ((await applied.json()) as { requested: { writebackId: string; status: string; amount: string }[] }).requested;
    expect(requested).toMatchObject([{ amount: '15.00', status: 'awaiting_client' }]);
    const feeId = requested[0]!.writebackId;
    // It waits: not queued, not in the ledger.
    const [waiting] = await db.select().from(writebacks).where(eq(writebacks.id, feeId));
    expect(waiting).toMatchObject({ status: 'awaiting_client', externalId: null });
    expect(feesInLedger()).toHaveLength(0);

    // The client contact approves in their own view.
    await client.getByRole('tab', { name: /Approvals/ }).click();
    await client.getByRole('heading', { name: 'Waiting for your approval' }).waitFor();
    const card = client.getByTestId('client-approval').filter({ hasText: 'A late fee' });
    await card.waitFor();
    await screenshot(client, '08-client-approval-waiting');
    const cardText = await card.innerText();
    expect(cardText).toContain('15.00');
    expect(cardText).not.toMatch(/late_fee|awaiting_client|[0-9a-f]{8}-[0-9a-f]{4}-/);
    await card.getByRole('button', { name: 'Approve' }).click();
    await client.getByText('Approved. It is on its way to your accounts.').waitFor();
    await screenshot(client, '09-client-approved');
    const written = await until(async () => {
      const [w] = await db.select().from(writebacks).where(eq(writebacks.id, feeId));
      if (w?.status === 'failed' || w?.status === 'cancelled') throw new Error(`the late fee ended ${w.status}`);
      return w?.status === 'confirmed' ? w : undefined;
    }, 90_000, 'the late fee to be confirmed');
    const inLedger = feesInLedger();
    expect(inLedger).toHaveLength(1);
    expect(inLedger[0]).toMatchObject({ id: written.externalId, total: 1500 });

    // 4. Harbour's sender identity: saved, its records published in the fake zone, checked → verified.
    const saved = await admin.request.put(`${arcus.url}/api/sender-identity/${harbour.id}`, { data: { senderName: 'Harbour Joinery Accounts', fromAddress: CLIENT_FROM, footer: 'Harbour Joinery Ltd, 1 Quay Street, Bristol' }, headers: { 'x-csrf-token': adminCsrf } });
    expect(saved.status()).toBe(200);
    const records = ((await saved.json()) as { identity: { records: { kind: string; name: string; value: string }[] } }).identity.records;
    for (const r of records) zone.set(r.name, [...(zone.get(r.name) ?? []), r.value.match(/.{1,255}/g)!]);
    const checked = await admin.request.post(`${arcus.url}/api/sender-identity/${harbour.id}/check`, { headers: { 'x-csrf-token': adminCsrf } });
    expect(((await checked.json()) as { identity: { verified: boolean } }).identity.verified).toBe(true);

    // A reminder run for Harbour: reminders on, the first run previewed and confirmed (as "Run now" does).
    const before = smtp.messages.length;
    const on = await admin.request.put(`${arcus.url}/api/reminders/settings/${harbour.id}`, { data: { enabled: true, senderName: 'Harbour Joinery Accounts' }, headers: { 'x-csrf-token': adminCsrf } });
    expect(on.status()).toBe(200);
    const plan = (await (await admin.request.post(`${arcus.url}/api/reminders/run/${harbour.id}/plan`, { headers: { 'x-csrf-token': adminCsrf } })).json()) as { plan: { confirmation: { token: string } | null } };
    const run = await admin.request.post(`${arcus.url}/api/reminders/run/${harbour.id}`, { data: plan.plan.confirmation ? { confirmation: plan.plan.confirmation.token } : {}, headers: { 'x-csrf-token': adminCsrf } });
    expect(run.status()).toBe(202);
    const reminder = await until(async () => smtp.messages.slice(before).find((m) => (header(m.raw, 'from') ?? '').includes(CLIENT_FROM)), 90_000, 'a reminder from the client’s address');
    expect(header(reminder.raw, 'from')).toBe(`Harbour Joinery Accounts <${CLIENT_FROM}>`);
    const dkim = records.find((r) => r.kind === 'dkim')!;
    const published = /p=([A-Za-z0-9+/=]+)/.exec(dkim.value)![1]!;
    const verified = verifyDkim(reminder.raw, published);
    expect(verified).toMatchObject({ domain: CLIENT_DOMAIN, selector: dkim.name.split('.')[0], bodyHashOk: true, signatureOk: true });
    expect(verified.signedHeaders).toEqual(expect.arrayContaining(['from', 'subject', 'to', 'date', 'message-id']));
    // The verifier can fail: the same message with another From does not verify.
    const forged = Buffer.from(reminder.raw.toString('latin1').replace(`<${CLIENT_FROM}>`, `<accounts@${CLIENT_DOMAIN}.evil>`), 'latin1');
    expect(verifyDkim(forged, published).signatureOk).toBe(false);
    // Every reminder of Harbour went from the client, signed; none from the firm's address.
    const harbourMail = smtp.messages.slice(before).filter((m) => (header(m.raw, 'subject') ?? '') !== '' && !(header(m.raw, 'from') ?? '').includes('arcus.test'));
    for (const m of harbourMail) expect(verifyDkim(m.raw, published).signatureOk).toBe(true);

    // 5. Administrators' routes refuse the collector and the client contact from this same flow.
    const clientCsrf = ((await (await client.request.get(`${arcus.url}/api/session`)).json()) as { csrfToken: string }).csrfToken;
    const adminRoutes: { route: string; method: 'post' | 'put'; path: string; data: unknown }[] = [
      { route: 'POST /api/team/invitations', method: 'post', path: '/api/team/invitations', data: { email: `x-${suffix}@example.com`, role: 'viewer' } },
      { route: 'PUT /api/sender-identity/:organisationId', method: 'put', path: `/api/sender-identity/${harbour.id}`, data: { fromAddress: 'evil@evil.example' } },
      { route: 'PUT /api/settings/organisations/:organisationId', method: 'put', path: `/api/settings/organisations/${harbour.id}`, data: { group: 'lateFees', value: null } },
      { route: 'POST /api/reminders/run/:organisationId', method: 'post', path: `/api/reminders/run/${harbour.id}`, data: {} },
    ];
    for (const { route, method, path, data } of adminRoutes) {
      const permission = ROUTE_PERMISSIONS[route];
      expect(permission, `${route} is in the table`).toBeDefined();
      expect(permission === 'public' || permission === 'signed_in_redirect').toBe(false);
      const perm = permission as Exclude<typeof permission, 'public' | 'signed_in_redirect' | undefined>;
      expect(can({ role: 'admin' }, perm)).toBe(true);
      for (const [role, page, csrf] of [
        ['collector', collector, collectorCsrf],
        ['client_contact', client, clientCsrf],
      ] as [Role, Page, string][]) {
        expect(can({ role }, perm), `the table refuses ${route} to ${role}`).toBe(false);
        const res = await page.request[method](`${arcus.url}${path}`, { data, headers: { 'x-csrf-token': csrf } });
        expect(res.status(), `${route} as ${role}`).toBe(403);
      }
    }
    // And nothing they tried changed: no new invitation, the sender is still the client's.
    const identity = (await (await admin.request.get(`${arcus.url}/api/sender-identity/${harbour.id}`)).json()) as { identity: { fromAddress: string } };
    expect(identity.identity.fromAddress).toBe(CLIENT_FROM);
    const [latest] = await db.select().from(syncRuns).where(eq(syncRuns.organisationId, harbour.id)).orderBy(desc(syncRuns.createdAt)).limit(1);
    expect(latest?.status).toBe('succeeded');

    await collectorContext.close();
    await clientContext.close();
    await adminContext.close();
  }, 600_000);
});
