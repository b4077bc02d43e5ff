/**
 * Texts in Chromium (issue #20, docs/decisions/043): the sequence editor offers Email / Text message /
 * Letter / Call task in words; a text step takes its own message with a length warning past two text
 * messages; the policy saves with it; the customer page lists the customer's texts (a failed one
 * marked, STOP shown). Desktop and 390 px, with screenshots.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { contacts, smsMessages, smsOptOuts } from '../../server/db/schema';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import { MONDAY, seedOrg } from '../reminders/seed';
import { startTestApp } from '../support/app';
import { launchBrowser, noSideways, screenshot, VIEWPORTS } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Text steps in Chromium', () => {
  let database: Database;
  let firmId: string;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let csrf: string;

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  async function call(method: string, path: string, body?: unknown): Promise<any> {
    const res = await page.request.fetch(`${arcus.url}/api${path}`, { method, data: body, headers: csrf ? { 'x-csrf-token': csrf } : {} });
    if (!res.ok()) throw new Error(`${method} /api${path} answered ${res.status()}: ${await res.text()}`);
    return res.status() === 204 ? null : res.json();
  }

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await ensureDemoFirm(database.db)).firmId;
    arcus = await startTestApp('sms-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T09:00:00Z` });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
    csrf = (await call('GET', '/session')).csrfToken;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 60_000);

  for (const [name, viewport] of VIEWPORTS) {
    it(`${name}: a policy with a text step and a call step`, async () => {
      const org = await seedOrg(database.db, firmId, { timezone: 'Europe/London', contacts: [{ externalId: 's-bay', name: 'Bayside Cafe Ltd', firstName: 'Sam' }], invoices: [{ number: 'INV-3001', due: -5, contact: 's-bay' }], settings: { enabled: false } });
      const { policies } = await call('GET', '/reminders/policies');
      for (const p of policies.filter((p: { organisationId: string | null }) => p.organisationId === null)) await call('DELETE', `/reminders/policies/${p.id}`);
      await page.setViewportSize(viewport);
      await page.goto(`${arcus.url}/reminders/policies?org=${org.id}`);
      await page.getByRole('button', { name: 'New policy' }).click();
      const dialog = page.getByRole('dialog', { name: 'New policy' });
      await dialog.getByLabel('Name').fill(`Texts first (${name})`);
      await dialog.getByLabel('Step 1 channel').click();
      const options = await page.getByRole('option').allTextContents();
      expect(options).toEqual(expect.arrayContaining(['Email', 'Text message', 'Call task']));
      expect(options.join(' ')).not.toMatch(/\bsms\b|\bcall\b/);
      await page.getByRole('option', { name: 'Text message' }).click();
      const text = dialog.getByLabel('Step 1 text message');
      await text.fill('Hi {{contact.first_name}}, invoice {{invoice.number}} is {{invoice.status}}. '.repeat(8));
      await dialog.getByText(/text messages with typical merge values: keep it to 2 or fewer/).waitFor();
      await text.fill('Hi {{contact.first_name}}, invoice {{invoice.number}} ({{invoice.amount_due}}) is {{invoice.status}}. Pay: {{payment_link}}');
      await dialog.getByText(/About one text message with typical merge values/).waitFor();
      await dialog.getByLabel('Step 2 channel').click();
      await page.getByRole('option', { name: 'Call task' }).click();
      await dialog.getByLabel('Step 2 call script').fill('Ask {{contact.first_name}} when {{invoice.number}} will be paid.');
      await screenshot(page, `sms-policy-editor-${name}`);
      await dialog.getByRole('button', { name: 'Save policy' }).click();
      await dialog.waitFor({ state: 'detached' });
      const card = page.getByTestId('policy-card').filter({ hasText: `Texts first (${name})` });
      await card.waitFor();
      await expect(card.getByText('(text message)').count()).resolves.toBeGreaterThan(0);
      expect(await noSideways(page)).toBe(true);
      await screenshot(page, `sms-policies-${name}`);
      const saved = (await call('GET', '/reminders/policies')).policies.find((p: { organisationId: string }) => p.organisationId === org.id);
      expect(saved.steps.slice(0, 2).map((s: { channel: string; message?: string }) => [s.channel, s.message])).toEqual([
        ['sms', 'Hi {{contact.first_name}}, invoice {{invoice.number}} ({{invoice.amount_due}}) is {{invoice.status}}. Pay: {{payment_link}}'],
        ['call', 'Ask {{contact.first_name}} when {{invoice.number}} will be paid.'],
      ]);

      // The customer's texts on the customer page.
      const [c] = await database.db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.organisationId, org.id), eq(contacts.externalId, 's-bay')));
      const at = new Date(`${MONDAY}T09:00:00Z`);
      await database.db.insert(smsMessages).values([
        { firmId, organisationId: org.id, contactExternalId: 's-bay', direction: 'out', number: '+447911123456', body: 'Hi Sam, invoice INV-3001 (£1,250.00) is 5 days overdue. Reply STOP to opt out.', provider: 'sandbox', providerMessageId: `SBui${name}1`, status: 'undelivered', errorCode: '30003', createdAt: at, updatedAt: at },
        { firmId, organisationId: org.id, contactExternalId: 's-bay', direction: 'in', number: '+447911123456', body: 'STOP', provider: 'sandbox', providerMessageId: `SBui${name}2`, status: 'received', keyword: 'stop', createdAt: new Date(at.getTime() + 60_000), updatedAt: at },
      ]);
      await database.db.insert(smsOptOuts).values({ firmId, organisationId: org.id, number: '+447911123456', keyword: 'stop' });
      await page.goto(`${arcus.url}/customers/${c!.id}`);
      const sms = page.getByTestId('customer-sms');
      await sms.waitFor();
      await sms.getByText('Not delivered (carrier error 30003)').waitFor();
      await sms.getByText('Opted out (STOP)').waitFor();
      await sms.getByText(/\+44 7911 123456 replied STOP/).waitFor();
      expect(await noSideways(page)).toBe(true);
      await sms.scrollIntoViewIfNeeded();
      await screenshot(page, `sms-customer-history-${name}`);
    }, 90_000);
  }
});
