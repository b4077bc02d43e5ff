import { emptyDemoFirm, startTestApp } from '../support/app';
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { organisations } from '../../server/db/schema';
import type { Arcus, } from '../../root/runtime';
import { launchBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Settings › Connections in Chromium', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const database = await testDatabase();
    // The demo firm is shared by the files of this worker: start it without organisations.
    await emptyDemoFirm(database.db);
    arcus = await startTestApp('connections-ui', database);
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  /** Slow the sandbox's API for one company, so the progress bar is there to be seen. */
  async function slowDown(companyId: string) {
    const res = await fetch(`${arcus.url}/sandbox/admin/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${arcus.sandbox!.sandbox.ctx.options.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'slow', companyId, count: 6, delayMs: 600 }),
    });
    expect(res.status).toBe(201);
  }

  const card = (name: string) => page.getByTestId('organisation-card').filter({ hasText: name });

  it('offers Sign in with Xero / Intuit next to the demo', async () => {
    await page.goto(`${arcus.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Arcus' }).waitFor();
    expect(await page.getByRole('link', { name: 'Sign in with Xero' }).getAttribute('href')).toBe('/oauth/xero/sign-in');
    expect(await page.getByRole('link', { name: 'Sign in with Intuit' }).getAttribute('href')).toBe('/oauth/quickbooks/sign-in');
    await screenshot(page, 'connections-sign-in');
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio' }).waitFor();
  });

  it('connects a Xero organisation through the consent page and watches its first sync', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    await page.getByText('No ledgers connected yet').waitFor();
    await screenshot(page, 'connections-empty');

    const harbour = arcus.sandbox!.sandbox.companyIds.map((id) => arcus.sandbox!.sandbox.ctx.store.company(id)).find((c) => c.name === 'Harbour Joinery Ltd')!;
    await slowDown(harbour.id);
    await page.getByRole('link', { name: 'Connect to Xero' }).click();
    await page.getByRole('heading', { name: /Allow .* to access your Xero account\?/ }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sandbox/xero/identity/connect/authorize');
    // Tick just one organisation.
    await page.getByLabel(/Kiwi Plumbing Co/).uncheck();
    await expect(page.getByLabel(/Harbour Joinery Ltd/).isChecked()).resolves.toBe(true);
    await screenshot(page, 'connections-xero-consent');
    await page.getByRole('button', { name: 'Allow access' }).click();

    await page.waitForURL(`${arcus.url}/settings/connections`);
    await page.getByText('Connected to Xero').waitFor();
    const org = card('Harbour Joinery Ltd');
    await org.waitFor();
    await org.getByRole('progressbar', { name: 'Sync progress' }).waitFor({ timeout: 10_000 });
    // For the picture, wait until it has made some progress (if the run is not already done).
    await org
      .getByText(/Syncing \w[\w ]*… [1-9][\d,]* records? so far/)
      .waitFor({ timeout: 15_000 })
      .then(() => screenshot(page, 'connections-xero-syncing'))
      .catch(() => undefined);
    await org.getByText('Synced', { exact: true }).waitFor({ timeout: 90_000 });
    await expect(org.getByRole('progressbar').count()).resolves.toBe(0);
    await expect(org.getByTestId('last-run').textContent()).resolves.toMatch(/Last full sync finished .*invoices?.* API calls?/);
    await expect(card('Kiwi Plumbing Co').count()).resolves.toBe(0);
  });

  it('connects a QuickBooks company the same way; both show as synced', { timeout: 150_000 }, async () => {
    const redwood = arcus.sandbox!.sandbox.companyIds.map((id) => arcus.sandbox!.sandbox.ctx.store.company(id)).find((c) => c.name === 'Redwood Dental Group')!;
    await slowDown(redwood.id);
    await page.getByRole('link', { name: 'Connect to QuickBooks' }).click();
    await page.getByRole('heading', { name: /Allow .* to access your Intuit account\?/ }).waitFor();
    await page.getByLabel(/Redwood Dental Group/).check();
    await screenshot(page, 'connections-quickbooks-consent');
    await page.getByRole('button', { name: 'Allow access' }).click();
    await page.waitForURL(`${arcus.url}/settings/connections`);
    await page.getByText('Connected to QuickBooks').waitFor();
    const org = card('Redwood Dental Group');
    await org.getByRole('progressbar', { name: 'Sync progress' }).waitFor({ timeout: 10_000 });
    await org.getByText('Synced', { exact: true }).waitFor({ timeout: 90_000 });
    await expect(card('Harbour Joinery Ltd').getByText('Synced', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(org.getByText(/USD · America\/New_York · US/).isVisible()).resolves.toBe(true);
    // Close the notifications for a clean picture.
    for (const close of await page.locator('.mantine-Notification-root button').all()) await close.click();
    await screenshot(page, 'connections-synced');

    // Other files in this worker's database keep organisations of their own firms (some also
    // named Harbour Joinery Ltd): look only at this sandbox's companies.
    const harbour = arcus.sandbox!.sandbox.companyIds.map((id) => arcus.sandbox!.sandbox.ctx.store.company(id)).find((c) => c.name === 'Harbour Joinery Ltd')!;
    const rows = await arcus.database.db.select().from(organisations).where(eq(organisations.status, 'active'));
    const names = rows.filter((r) => r.externalId === redwood.id || r.externalId === harbour.id).map((r) => r.name);
    expect(names.sort()).toEqual(['Harbour Joinery Ltd', 'Redwood Dental Group']);
  });

  it('asks before disconnecting, and then says so in words', async () => {
    const org = card('Redwood Dental Group');
    await org.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Redwood Dental Group?' });
    await dialog.getByRole('button', { name: 'Disconnect' }).waitFor();
    // Let the modal's opening transition finish before the picture.
    await page.waitForTimeout(400);
    await screenshot(page, 'connections-disconnect-confirm');
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.waitFor({ state: 'detached' });
    await org.getByText('Disconnected', { exact: true }).first().waitFor();
    await expect(org.getByText(/Disconnected from Arcus by Dana Demo on .* Synced history is kept\./).isVisible()).resolves.toBe(true);
    await expect(org.getByRole('button', { name: 'Delete synced data…' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'connections-disconnected');
  });
});
