/**
 * The client contact's own dashboard in Chromium (docs/decisions/029-client-dashboard.md), the
 * app's clock pinned to 17 June 2026, at desktop width and at 390 px: Clara, the client contact of
 * Harbour Supplies, sees its figures, this month's work and the late fee waiting for her (and opens
 * it in Approvals) — nothing of Latecomers Ltd, and none of the firm's navigation or controls.
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { type ClientDashboardFixture, seedClientDashboard } from '../client-dashboard/seed';
import { NOW } from '../scoring/fixture';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'The client contact’s dashboard in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let seed: ClientDashboardFixture;

  beforeAll(async () => {
    database = await testDatabase();
    seed = await seedClientDashboard(database);
    arcus = await startTestApp('client-dashboard-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  for (const [tag, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`a client contact sees their own organisation’s figures, this month’s work and what waits (${tag})`, { timeout: 60_000 }, async () => {
      const { page } = await signInAs(browser, arcus, database, { userId: seed.clientId, firmId: seed.fx.firmId }, viewport, 20_000);
      await page.goto(`${arcus.url}/`);
      await page.getByRole('heading', { name: 'Your receivables' }).waitFor();
      const cards = page.getByTestId('client-organisation');
      await cards.first().waitFor();
      expect(await cards.count()).toBe(1);
      const card = cards.first();
      await card.getByRole('heading', { name: 'Harbour Supplies' }).waitFor();
      for (const figure of ['Accounts receivable', 'Overdue share of AR', 'Days sales outstanding', 'Collection effectiveness index']) await card.getByText(figure, { exact: true }).waitFor();
      const month = await card.getByTestId('client-month').innerText();
      expect(month).toContain('in June 2026');
      expect(month).toMatch(/Reminders sent\s*2/);
      expect(month).toMatch(/Promises to pay recorded\s*1/);
      expect(await card.getByTestId('client-waiting').innerText()).toContain('1 change waits for your approval.');
      await screenshot(page, `client-dashboard-${tag}`);

      const body = await page.locator('body').innerText();
      expect(body).not.toContain('Latecomers');
      expect(body).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|\b(overdue_pct|dso_countback|awaiting_client|client_contact|late_fee)\b|\d{4}-\d{2}-\d{2}|AR\(/);
      // None of the firm's screens or controls.
      expect(await page.getByRole('navigation', { name: 'Main navigation' }).count()).toBe(0);
      for (const staff of ['Portfolio', 'Worklist', 'Settings', 'Sync now', 'Log call', 'Add task']) expect(await page.getByText(staff, { exact: true }).count(), staff).toBe(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

      await card.getByRole('link', { name: 'Review them' }).click();
      await page.getByRole('heading', { name: 'Waiting for your approval' }).waitFor();
      await page.getByTestId('client-approval').first().waitFor();
      expect(await page.getByTestId('client-approval').count()).toBe(1);
      await screenshot(page, `client-dashboard-approvals-${tag}`);
      await page.getByRole('tab', { name: 'Overview' }).click();
      await page.getByRole('heading', { name: 'Your receivables' }).waitFor();
      await page.close();
    });
  }
});
