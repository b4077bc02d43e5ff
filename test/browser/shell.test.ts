
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus, } from '../../root/runtime';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'the app shell in Chromium', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  beforeAll(async () => {
    const database = await testDatabase();
    arcus = await startTestApp('ui', database);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  it('signs in to the demo and moves through every section', async () => {
    const page = await browser.newPage();
    await page.goto(`${arcus.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Arcus' }).waitFor();
    await screenshot(page, 'foundation-sign-in');
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio' }).waitFor();
    expect(page.url()).toBe(`${arcus.url}/portfolio`);
    await expect(page.getByText('Northwind Accounting Partners').isVisible()).resolves.toBe(true);
    await screenshot(page, 'foundation-shell-portfolio');
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    for (const section of ['Worklist', 'Customers', 'Invoices', 'Reminders', 'Settings']) {
      await nav.getByRole('link', { name: section }).click();
      await page.getByRole('heading', { name: section, level: 2 }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/${section.toLowerCase()}`);
    }
    await screenshot(page, 'foundation-shell-settings');
    // Signing out returns to the sign-in page.
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Arcus' }).waitFor();
  });
});
