/**
 * Words people use (issue #15), in Chromium at desktop width: the main forms are submitted with
 * bad input — the debtor's pay page (a promise date out of range, a dispute without a reason), a
 * new target, the collections policy and an organisation's reminder settings. Every error must
 * sit on its own field (the input is marked invalid and described by its message), a form shows
 * all of its problems at once, and no text on the page has an identifier-shaped token (field key,
 * enum value, code, id, ISO date). Screenshots of each form with its errors.
 */
import { eq } from 'drizzle-orm';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { invoices } from '../../server/db/schema';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { launchBrowser, screenshot as take } from '../support/browser';
import { testDatabase } from '../support/db';
import { type FirmData, seedFirm } from '../support/firm-data';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

/** The message Mantine shows under an input, found the way a screen reader finds it (aria-describedby). */
async function errorOf(input: Locator): Promise<string> {
  await expect.poll(() => input.getAttribute('aria-invalid'), { timeout: 10_000 }).toBe('true');
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter((id) => id.endsWith('-error'));
  expect(ids, 'the input is described by its error').toHaveLength(1);
  return (await input.page().locator(`[id="${ids[0]}"]`).innerText()).trim();
}

/** Full-page pictures from the top, so the fixed header sits where it belongs. */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return take(page, name);
}

/** No identifier-shaped token anywhere in what the page shows. */
async function expectPlainWords(page: Page, where: string): Promise<void> {
  const text = await page.locator('body').innerText();
  expect(describeIdentifiers(where, text)).toEqual([]);
}

describeWith(['pg', 'chromium'], 'Words people use, in the browser', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let a: FirmData;

  beforeAll(async () => {
    database = await testDatabase();
    const demo = await emptyDemoFirm(database.db);
    a = await seedFirm(database.db, demo.firmId, 'Words');
    // The seeded invoice open, as a synced one is: the pay page offers a promise and a dispute.
    await database.db.update(invoices).set({ status: 'authorised' }).where(eq(invoices.id, a.invoiceId));
    // The clock pinned: the pay page's promise window is 1 March – 30 April 2026.
    arcus = await startTestApp('error-words-ui', database, { ARCUS_NOW: '2026-03-01T10:00:00Z' });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  it('the debtor’s pay page: a promise date out of range and a dispute without a reason, each on its field', { timeout: 90_000 }, async () => {
    await page.goto(`${arcus.url}/pay/${a.payToken}`);
    await page.getByRole('button', { name: 'I’ll pay on…' }).click();
    const date = page.getByLabel('I will pay on');
    await date.fill('2026-12-25');
    await page.getByRole('button', { name: 'Confirm payment date' }).click();
    expect(await errorOf(date)).toBe('Choose a date between 1 March 2026 and 30 April 2026.');
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
    await expectPlainWords(page, 'pay page, promise');
    await screenshot(page, 'words-pay-promise');

    await page.getByRole('button', { name: 'Something’s wrong' }).click();
    await page.getByRole('button', { name: /^Send to / }).click();
    expect(await errorOf(page.getByRole('textbox', { name: 'What is wrong?' }).or(page.getByRole('combobox', { name: 'What is wrong?' })).first())).toBe('Choose what is wrong.');
    await expectPlainWords(page, 'pay page, dispute');
    await screenshot(page, 'words-pay-dispute');
  });

  it('staff forms: a target, the collections policy and reminder settings show every problem on its field', { timeout: 120_000 }, async () => {
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();

    // A new target with no goal and no due date: both problems at once.
    await page.goto(`${arcus.url}/organisations/${a.orgId}`);
    await page.getByRole('tab', { name: 'Targets' }).click();
    const goal = page.getByLabel('Change (%)');
    await goal.fill('');
    const due = page.getByLabel('Due', { exact: true });
    await due.fill('');
    await page.getByRole('button', { name: 'Add target' }).click();
    expect(await errorOf(goal)).toBe('The goal is required.');
    expect(await errorOf(due)).toBe('Enter a date.');
    await expectPlainWords(page, 'new target');
    await screenshot(page, 'words-target');

    // The collections policy: three fields wrong, three messages, each on its field.
    await page.goto(`${arcus.url}/settings/collections`);
    const settings = page.getByTestId('collections-settings');
    const threshold = settings.getByLabel('Approval threshold');
    await threshold.fill('a lot');
    const percent = settings.getByLabel('Percent');
    await percent.fill('150');
    const discount = settings.getByLabel('Discount');
    await discount.fill('100');
    await settings.getByRole('button', { name: 'Save collections policy' }).click();
    expect(await errorOf(threshold)).toBe('Enter an amount such as 25 or 12.50.');
    expect(await errorOf(percent)).toBe('Enter a percentage of 100 or less.');
    expect(await errorOf(discount)).toBe('Enter a percentage under 100.');
    await settings.getByText('Not saved: check the 3 fields marked in red.').waitFor();
    await expectPlainWords(page, 'collections policy');
    await screenshot(page, 'words-collections');

    // An organisation's reminder settings: a window that ends before it starts and two addresses wrong, at once.
    await page.goto(`${arcus.url}/reminders/settings?org=${a.orgId}`);
    await page.getByLabel('From', { exact: true }).fill('17:00');
    const until = page.getByLabel('Until', { exact: true });
    await until.fill('09:00');
    const replyTo = page.getByLabel('Replies go to');
    await replyTo.fill('accounts at client');
    const logo = page.getByLabel('Logo URL');
    await logo.fill('ftp://logo');
    await page.getByRole('button', { name: 'Save settings' }).click();
    expect(await errorOf(replyTo)).toBe('Enter an email address, or leave it empty.');
    expect(await errorOf(logo)).toBe('Enter a web address starting with https://, or leave it empty.');
    expect(await errorOf(until)).toBe('The sending window must end after it starts.');
    await expectPlainWords(page, 'reminder settings');
    await screenshot(page, 'words-reminder-settings');
  });
});
