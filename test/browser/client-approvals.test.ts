/**
 * The client contact's queue in Chromium, at desktop width and at 390 px (a phone): they ask for a
 * sign-in link on the sign-in page, open the link from the captured mail, land on "Waiting for
 * your approval" with each change in words, approve one and decline another with a comment (an
 * empty comment is refused in words). Screenshots of each state.
 */
import { randomUUID } from 'node:crypto';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Mailer, OutgoingMessage } from '../../integrations/email/transport';
import { type Arcus, startArcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { clientApprovalPolicies, membershipOrganisations, memberships, users } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { requestWriteback } from '../../server/writebacks/request';
import { screenshot } from '../support/browser';
import { realClockEnv } from '../support/child-env';
import { createFirm, testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith, services } from '../support/services';
import { seedOrg } from '../reminders/seed';

describeWith(['pg', 'chromium'], 'The client contact’s approvals in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  const sent: OutgoingMessage[] = [];
  const mailer: Mailer = {
    async send(m) {
      sent.push(m);
      return { messageId: m.messageId, accepted: m.to, rejected: [], response: '250 OK' };
    },
    async close() {},
  };
  let firmId = '';
  let orgId = '';
  let adminId = '';

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('client-approvals-ui'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', MAIL_FROM: 'Arcus <arcus@arcus.test>' },
      database,
      mailer,
      log: createLogger('silent'),
    });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    adminId = made.user.id;
    const org = await seedOrg(database.db, firmId, {
      timezone: 'Europe/London',
      contacts: [{ externalId: 'c-bay', name: 'Bayside Cafe' }],
      invoices: [{ number: 'INV-101', due: -20, contact: 'c-bay', amount: '480.00' }],
    });
    orgId = org.id;
    await database.db.insert(clientApprovalPolicies).values({ firmId, organisationId: orgId, lateFees: true, creditsAbove: '100', paymentPlans: false });
    browser = await chromium.launch({ executablePath: services.chromiumPath, env: realClockEnv(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  /** A client contact of the organisation, and two changes waiting for them: a late fee and a credit above the amount. */
  async function prepare(tag: string) {
    const email = `clara-${tag}-${randomUUID().slice(0, 6)}@bayside-client.example`;
    const [u] = await database.db.insert(users).values({ email, name: 'Clara Client', authProvider: 'invitation', authSubject: `${email}-sub` }).returning();
    await database.db.insert(memberships).values({ firmId, userId: u!.id, role: 'client_contact' });
    await database.db.insert(membershipOrganisations).values({ firmId, userId: u!.id, organisationId: orgId });
    const deps = { db: database.db, enqueueExecute: async () => {}, now: () => arcus.clock.now() };
    const base = { firmId, organisationId: orgId, contactExternalId: 'c-bay', currency: 'GBP', requestedBy: 'user' as const, userId: adminId };
    const fee = await requestWriteback(deps, {
      ...base,
      kind: 'late_fee',
      purpose: 'late_fee',
      sourceKey: `late_fee:${tag}:${randomUUID()}`,
      amount: '25.00',
      request: { mode: 'invoice', contactExternalId: 'c-bay', date: '2026-12-01', dueDate: '2026-12-15', reference: 'Late fee on INV-101', currency: 'GBP', lines: [{ description: 'Late payment fee on INV-101', amount: '25.00' }] },
      summary: 'Late fee of £25.00 on INV-101',
    });
    const credit = await requestWriteback(deps, {
      ...base,
      kind: 'credit_note',
      purpose: 'goodwill',
      sourceKey: `credit:${tag}:${randomUUID()}`,
      amount: '150.00',
      request: { contactExternalId: 'c-bay', date: '2026-12-01', reference: 'Goodwill credit on INV-101', currency: 'GBP', lines: [{ description: 'Goodwill: delivery was late', amount: '150.00' }], allocateTo: { invoiceExternalId: 'inv-0-INV-101', amount: '150.00' } },
      summary: 'Goodwill credit of £150.00 on INV-101',
    });
    expect([fee.status, credit.status]).toEqual(['awaiting_client', 'awaiting_client']);
    return email;
  }

  for (const [tag, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`a client contact signs in by email link and approves and declines (${tag})`, async () => {
      const email = await prepare(tag);
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${arcus.url}/`);
      await page.getByLabel('Your email address').fill(email);
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await page.getByText('If that address belongs to someone at a firm, a link is on its way.').waitFor();
      await screenshot(page, `client-approvals-link-asked-${tag}`);
      const mail = sent.filter((m) => m.to.includes(email)).at(-1);
      const link = /https?:\/\/\S+\/magic\/[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0];
      expect(link, 'the email carries the sign-in link').toBeDefined();

      await page.goto(link!);
      // The link opens the client's Overview (docs/decisions/029); what waits is under Approvals.
      await page.getByRole('heading', { name: 'Your receivables' }).waitFor();
      await page.getByRole('tab', { name: /Approvals/ }).click();
      await page.getByRole('heading', { name: 'Waiting for your approval' }).waitFor();
      const cards = page.getByTestId('client-approval');
      await expect.poll(() => cards.count()).toBe(2);
      await page.getByText('Late fee of £25.00', { exact: false }).first().waitFor();
      await screenshot(page, `client-approvals-queue-${tag}`);
      const body = await page.locator('body').innerText();
      expect(body).toContain('Bayside Cafe');
      expect(body).toContain('Why: the invoice is overdue under your late-fee policy.');
      expect(body).not.toMatch(/late_fee|credit_note|awaiting_client|client_contact|goodwill\b(?! credit)|[0-9a-f]{8}-[0-9a-f]{4}-/);
      // No horizontal scroll at phone width.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

      const fee = cards.filter({ hasText: 'A late fee' });
      await fee.getByRole('button', { name: 'Approve' }).click();
      await page.getByText('Approved. It is on its way to your accounts.').waitFor();

      const credit = cards.filter({ hasText: 'A credit note' });
      await credit.getByRole('button', { name: 'Decline…' }).click();
      await credit.getByRole('button', { name: 'Decline', exact: true }).click();
      await page.getByText('Say why you decline, so your accountants know what to do instead.').waitFor();
      await screenshot(page, `client-approvals-decline-comment-${tag}`);
      await credit.getByLabel('Why do you decline?').fill('We already agreed a discount with them by phone.');
      await credit.getByRole('button', { name: 'Decline', exact: true }).click();
      await page.getByText('Declined. Your accountants see your comment.').waitFor();
      await screenshot(page, `client-approvals-decided-${tag}`);
      await page.reload();
      await page.getByText('Nothing is waiting for you').waitFor();
      await screenshot(page, `client-approvals-empty-${tag}`);
      await context.close();
    }, 90_000);
  }
});
