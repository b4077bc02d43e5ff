import { startTestApp } from '../support/app';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import type { Arcus, } from '../../root/runtime';
import { MONDAY, seedOrg } from '../reminders/seed';
import { launchBrowser, screenshot as take } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

/** Full-page pictures from the top, so the fixed header sits where it belongs. */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return take(page, name);
}

describeWith(['pg', 'chromium'], 'Reminders in Chromium', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let orgId: string;

  beforeAll(async () => {
    const database = await testDatabase();
    const demo = await ensureDemoFirm(database.db);
    const org = await seedOrg(database.db, demo.firmId, {
      timezone: 'Europe/London',
      contacts: [
        { externalId: 'b-bayside', name: 'Bayside Cafe Ltd', firstName: 'Sam', emails: [{ address: 'accounts@baysidecafe.example', primary: true }, { address: 'sam@baysidecafe.example', includeInEmails: true }] },
        { externalId: 'b-north', name: 'North Yard Builders', firstName: 'Priya', emails: [{ address: 'ap@northyard.example', primary: true }] },
        { externalId: 'b-bounce', name: 'Old Mill Bakery', emails: [{ address: 'orders@oldmill.invalid', primary: true }] },
      ],
      invoices: [
        { number: 'INV-2041', due: -16, contact: 'b-bayside', amount: '1840.00' },
        { number: 'INV-2055', due: -9, contact: 'b-bayside', amount: '320.50' },
        { number: 'INV-2060', due: -2, contact: 'b-north', amount: '5600.00' },
        { number: 'INV-2071', due: 2, contact: 'b-north', amount: '980.00' },
        { number: 'INV-2033', due: -20, contact: 'b-bounce', amount: '415.20' },
        { number: 'INV-2012', due: -35, contact: 'b-north', amount: '2250.00' },
      ],
      settings: { enabled: false },
    });
    orgId = org.id;
    // The seeded invoices are dated from MONDAY: the app runs as of that Monday morning.
    arcus = await startTestApp('reminders-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T09:00:00Z` });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 60_000);

  it('settings: switches reminders on with an all-day window and the organisation’s branding', async () => {
    await page.goto(`${arcus.url}/reminders/settings?org=${orgId}`);
    await page.getByRole('heading', { name: 'Reminders', exact: true }).waitFor();
    await page.getByText('Reminders off').waitFor();
    await page.getByLabel('Send reminders for this organisation').check();
    await page.getByLabel('From').fill('00:00');
    await page.getByLabel('Until').fill('23:59');
    for (const d of ['Sat', 'Sun']) await page.getByText(d, { exact: true }).click();
    await page.getByLabel('Brand colour').fill('#0b7285');
    await page.getByLabel('Signature').fill('The accounts team\nHarbour Test Ltd');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByText('Reminders on').waitFor();
    await screenshot(page, 'reminders-settings');
  });

  it('policy editor: an organisation policy with an approval step and a repeat', async () => {
    await page.getByRole('tab', { name: 'Policies' }).click();
    await page.getByText('No policies yet').waitFor();
    await page.getByRole('button', { name: 'New policy' }).click();
    const dialog = page.getByRole('dialog', { name: 'New policy' });
    await dialog.getByLabel('Name').fill('Harbour standard');
    await screenshot(page, 'reminders-policy-editor');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await dialog.waitFor({ state: 'detached' });
    const card = page.getByTestId('policy-card').filter({ hasText: 'Harbour standard' });
    await card.waitFor();
    await expect(card.getByText('30 days after due, then every 14 d ×6').isVisible()).resolves.toBe(true);
    await screenshot(page, 'reminders-policies');
  });

  it('template editor: refuses an unknown merge field with its position, previews on real data, saves', async () => {
    await page.getByRole('tab', { name: 'Templates' }).click();
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name').fill('Friendly nudge');
    await page.getByLabel('Subject').fill('{{customer.name}}: {{invoice.numbr}} is {{invoice.status}}');
    const problems = page.getByText(/1 problem: the template cannot be saved/);
    await problems.waitFor();
    await page.getByText('Subject, line 1, column 20: Unknown merge field “invoice.numbr”').waitFor();
    await expect(page.getByRole('button', { name: 'Save template' }).isDisabled()).resolves.toBe(true);
    await screenshot(page, 'reminders-template-invalid');
    await page.getByLabel('Subject').fill('{{customer.name}}: {{invoice.number}} is {{invoice.status}}');
    await problems.waitFor({ state: 'detached' });
    const preview = page.getByTestId('template-preview');
    await preview.getByText(/Subject: Bayside Cafe Ltd: INV-2041 is \d+ days overdue/).waitFor();
    const frame = page.frameLocator('iframe[title="Email preview"]');
    await frame.getByText('INV-2041').first().waitFor();
    await screenshot(page, 'reminders-template-preview');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByRole('table', { name: 'Templates' }).getByText('Friendly nudge').waitFor();
  });

  it('tomorrow: what the policy will send', async () => {
    await page.getByRole('tab', { name: 'Tomorrow' }).click();
    await page.getByRole('table', { name: 'Emails that day' }).waitFor();
    await expect(page.getByRole('table', { name: 'Emails that day' }).getByText('North Yard Builders').first().isVisible()).resolves.toBe(true);
    await screenshot(page, 'reminders-tomorrow');
  });

  it('outbox: a run sends, shows a failure and waits for approval where the policy says so', async () => {
    await page.getByRole('tab', { name: 'Outbox & sent' }).click();
    await page.getByRole('button', { name: 'Run now' }).click();
    const table = page.getByRole('table', { name: 'Reminders' });
    await table.getByText('Sent').first().waitFor({ timeout: 20_000 });
    await table.getByText('Failed', { exact: true }).waitFor({ timeout: 20_000 });
    await expect(table.getByText(/refused the message \(550\)/).isVisible()).resolves.toBe(true);
    await table.getByText('Needs approval').waitFor();
    await screenshot(page, 'reminders-outbox');
    await table.getByRole('button', { name: 'Approve' }).click();
    await table.getByText('Needs approval').waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('one reminder, and the customer’s timeline', async () => {
    const table = page.getByRole('table', { name: 'Reminders' });
    await table.getByRole('row').filter({ hasText: 'INV-2041' }).first().getByRole('link').first().click();
    await page.getByText('What was sent').waitFor({ timeout: 10_000 });
    await page.frameLocator('iframe[title="Sent email"]').getByText('INV-2041').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'reminders-send');
    await page.getByRole('link', { name: 'Bayside Cafe Ltd' }).click();
    await page.getByRole('heading', { name: 'Bayside Cafe Ltd' }).waitFor();
    await page.getByText('Reminder timeline').waitFor();
    await screenshot(page, 'reminders-customer');
  });

  it('the demo mailbox shows what went out', async () => {
    await page.goto(`${arcus.url}/mailbox`);
    await page.getByRole('heading', { name: 'Demo mailbox' }).waitFor();
    await page.getByTestId('mailbox-item').first().waitFor();
    expect(await page.getByTestId('mailbox-item').count()).toBeGreaterThanOrEqual(3);
    await page.getByTestId('mailbox-item').filter({ hasText: 'INV-2041' }).first().click();
    await page.frameLocator('iframe[title="Message"]').getByText('INV-2041').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'reminders-mailbox');
  });
});
