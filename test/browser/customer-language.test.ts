/**
 * The customer's language on the customer page in Chromium (issue #20, decision 041): a collector
 * sees "As the organisation (English)", picks "Français" — shown by name, never by code — and the
 * choice is stored for the customer's reminders; a viewer sees the language's name, not a picker.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { contacts, memberships, reminderCustomers, users } from '../../server/db/schema';
import { buildFixture, NOW, type ScoringFixture } from '../scoring/fixture';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { until } from '../support/until';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'The customer’s language on the customer page', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let fx: ScoringFixture;
  const people: Record<'collector' | 'viewer', string> = { collector: '', viewer: '' };
  let customerId: string;

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    const db = database.db;
    for (const role of ['collector', 'viewer'] as const) {
      const [u] = await db.insert(users).values({ email: `${role}-${randomUUID().slice(0, 8)}@firm.example`, name: `A ${role}`, authProvider: 'test', authSubject: randomUUID() }).returning();
      await db.insert(memberships).values({ firmId: fx.firmId, userId: u!.id, role });
      people[role] = u!.id;
    }
    const [c] = await db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.firmId, fx.firmId), eq(contacts.organisationId, fx.orgA.id), eq(contacts.externalId, 'chronic')));
    customerId = c!.id;
    arcus = await startTestApp('customer-language-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  it('a collector sets the customer to French, by name', { timeout: 60_000 }, async () => {
    const { page } = await signInAs(browser, arcus, database, { userId: people.collector, firmId: fx.firmId }, { width: 1280, height: 900 }, 20_000);
    await page.goto(`${arcus.url}/customers/${customerId}`);
    const picker = page.locator('input[aria-label="Language for reminders and the pay page"]');
    await page.getByRole('heading', { name: 'Chronic Late Co' }).waitFor();
    await picker.waitFor();
    expect(await picker.inputValue()).toMatch(/^As the organisation \((English|Français|Deutsch|Español|Nederlands)\)$/);
    await picker.click();
    await page.getByRole('option', { name: 'Français' }).click();
    await until(async () => (await database.db.select().from(reminderCustomers).where(and(eq(reminderCustomers.organisationId, fx.orgA.id), eq(reminderCustomers.contactExternalId, 'chronic'))))[0]?.language === 'fr', 10_000, 'the language stored');
    await expect.poll(() => picker.inputValue(), { timeout: 10_000 }).toBe('Français');
    await screenshot(page, 'customer-language');
    expect(await page.locator('body').innerText()).not.toMatch(/\b(fr|en|de|es|nl)\b/);
  });

  it('a viewer sees the language by name, without a picker', { timeout: 60_000 }, async () => {
    const { page } = await signInAs(browser, arcus, database, { userId: people.viewer, firmId: fx.firmId }, { width: 390, height: 844 }, 20_000);
    await page.goto(`${arcus.url}/customers/${customerId}`);
    await page.getByTestId('customer-language').getByText('Français').waitFor();
    expect(await page.locator('input[aria-label="Language for reminders and the pay page"]').count()).toBe(0);
  });
});
