/**
 * Settings › Privacy in Chromium, end to end in the demo: find a customer, download their data
 * (JSON and CSV), erase it, see the erasure and the audit log, set a retention period, download the
 * firm's data and close the account. Screenshots at desktop and phone width.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { activities, contacts, firms, invoices, organisations, privacySettings, reminderSends } from '../../server/db/schema';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { launchBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Settings › Privacy in Chromium', () => {
  let arcus: Arcus;
  let database: Database;
  let browser: BrowserContext;
  let page: Page;
  let demo: { firmId: string; userId: string };
  let contactId: string;
  const tag = randomUUID().slice(0, 6);
  const customer = `Marlow Bakery ${tag}`;
  const email = `accounts-${tag}@marlow-bakery.example`;

  beforeAll(async () => {
    database = await testDatabase();
    demo = await emptyDemoFirm(database.db);
    const db = database.db;
    const [org] = await db.insert(organisations).values({ firmId: demo.firmId, provider: 'xero', externalId: `t-${tag}`, name: 'Harbour Joinery Ltd', baseCurrency: 'GBP', timezone: 'Europe/London' }).returning();
    const [c] = await db
      .insert(contacts)
      .values({ firmId: demo.firmId, organisationId: org!.id, externalId: `c-${tag}`, name: customer, emails: [{ address: email, primary: true }], phones: [{ type: 'mobile', number: '+44 7700 900123' }] })
      .returning();
    contactId = c!.id;
    for (const n of [1, 2]) {
      await db.insert(invoices).values({ firmId: demo.firmId, organisationId: org!.id, externalId: `i-${n}-${tag}`, contactExternalId: `c-${tag}`, contactId, number: `INV-00${n}`, issueDate: '2026-03-01', dueDate: '2026-03-31', currency: 'GBP', total: '480.00', amountDue: '480.00', status: 'authorised' });
    }
    await db.insert(reminderSends).values({
      id: randomUUID(),
      firmId: demo.firmId,
      organisationId: org!.id,
      subjectType: 'invoice',
      subjectId: `i-1-${tag}`,
      stepKey: 'first',
      contactExternalId: `c-${tag}`,
      status: 'sent',
      plannedFor: '2026-04-02',
      messageId: `<${tag}@arcus.test>`,
      claimedAt: new Date('2026-04-02T09:00:00Z'),
      sentAt: new Date('2026-04-02T09:00:05Z'),
      updatedAt: new Date('2026-04-02T09:00:05Z'),
      recipients: [email],
      subjectLine: 'INV-001 is overdue',
      bodyText: 'Dear Marlow Bakery, INV-001 for £480.00 is now overdue.',
    });
    await db.insert(activities).values({ firmId: demo.firmId, organisationId: org!.id, actorType: 'debtor', kind: 'invoice.disputed', contactId, summary: `${customer} disputed INV-002`, details: { text: 'We never received the second delivery', contactExternalId: `c-${tag}` } });
    // The demo's own data is seeded above; the sandbox ledger is not needed here.
    arcus = await startTestApp('privacy-ui', database, { LEDGER_SANDBOX: 'off' });
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  async function download(name: string | RegExp): Promise<string> {
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
    return readFileSync((await d.path())!, 'utf8');
  }

  it('downloads a customer’s data and erases it', async () => {
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio' }).waitFor();
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Privacy' }).click();
    await page.getByRole('heading', { name: 'A customer’s data request' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings/privacy');

    await page.getByLabel('Find a customer').fill('marlow');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.getByTestId('privacy-matches').getByRole('row').filter({ hasText: customer });
    await row.waitFor();
    await screenshot(page, 'privacy-search');
    await row.getByRole('button', { name: 'Choose' }).click();

    const json = JSON.parse(await download('Download their data')) as { customer: { name: string; emails: { address: string }[] }; reminderEmails: { body: string }[]; timeline: { text: string }[]; invoices: unknown[] };
    expect(json.customer.name).toBe(customer);
    expect(json.customer.emails[0]!.address).toBe(email);
    expect(json.reminderEmails[0]!.body).toContain('INV-001 for £480.00');
    expect(json.timeline.map((t) => t.text)).toContain('We never received the second delivery');
    expect(json.invoices).toHaveLength(2);
    const csv = await download('Download as a spreadsheet (CSV)');
    expect(csv).toContain(`Customer,,Email,${email}`);

    await page.getByRole('button', { name: 'Erase their personal data…' }).click();
    const dialog = page.getByRole('dialog', { name: `Erase ${customer}’s personal data?` });
    await dialog.getByRole('button', { name: 'Erase personal data' }).waitFor();
    await page.waitForTimeout(400);
    await screenshot(page, 'privacy-erase-confirm');
    await dialog.getByRole('button', { name: 'Erase personal data' }).click();
    const done = page.getByTestId('erasure-done');
    await done.waitFor();
    await expect(done.textContent()).resolves.toMatch(/shown as “Erased customer [0-9A-F]{6}”\. Kept 2 invoices, 0 payments, 0 credit notes/);
    await page.getByTestId('privacy-erasures').getByText('The customer asked for their personal data to be erased', { exact: false }).or(page.getByTestId('privacy-erasures').getByText('the customer asked for their personal data to be erased')).waitFor();
    await screenshot(page, 'privacy-erased');

    const [c] = await database.db.select().from(contacts).where(eq(contacts.id, contactId));
    expect(c).toMatchObject({ name: expect.stringMatching(/^Erased customer /), emails: [], phones: [] });
    const kept = await database.db.select({ total: invoices.total }).from(invoices).where(eq(invoices.contactId, contactId));
    expect(kept.map((k) => k.total)).toEqual(['480.0000', '480.0000']);
    // The name no longer finds anyone.
    await page.getByLabel('Find a customer').fill('marlow');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No customer matches “marlow”.').waitFor();
  });

  it('sets a retention period and shows the audit log', async () => {
    await page.getByLabel('Text of reminder emails sent').fill('365');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await page.getByText('Retention saved').waitFor();
    const [s] = await database.db.select().from(privacySettings).where(eq(privacySettings.firmId, demo.firmId));
    expect(s).toMatchObject({ emailBodyDays: 365, activityNoteDays: null, closedDebtorDays: null });
    await page.reload();
    const audit = page.getByTestId('audit-log');
    for (const what of ['Erased a customer’s personal data', 'Exported a customer’s personal data', 'Changed retention periods', 'Signed in']) await audit.getByText(what).first().waitFor();
    await expect(audit.textContent()).resolves.not.toContain('Marlow');
    await expect(audit.textContent()).resolves.toContain('Dana Demo');
    const csv = await download('Download the audit log (CSV)');
    expect(csv.split('\r\n')[0]).toBe('When (UTC),Who,What,Details');
    expect(csv).toContain('Erased a customer’s personal data');
    await screenshot(page, 'privacy-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await screenshot(page, 'privacy-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('downloads the firm’s data and closes the account', async () => {
    const bundle = JSON.parse(await download('Download all of the firm’s data')) as { firm: { id: string; name: string }; tables: Record<string, unknown[]> };
    expect(bundle.firm.name).toBe('Northwind Accounting Partners');
    expect(bundle.tables['invoices']).toHaveLength(2);
    await page.getByRole('button', { name: 'Close the account…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Close the account?' });
    const confirm = dialog.getByRole('button', { name: 'Close the account permanently' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel(/Type the firm’s name/).fill('Northwind Accounting Partners');
    await page.waitForTimeout(400);
    await screenshot(page, 'privacy-close-confirm');
    await confirm.click();
    await page.getByRole('heading', { name: 'Sign in to Arcus' }).waitFor();
    await screenshot(page, 'privacy-closed');
    expect(await database.db.select().from(firms).where(eq(firms.id, demo.firmId))).toEqual([]);
    expect(await database.db.select().from(invoices).where(eq(invoices.firmId, demo.firmId))).toEqual([]);
  });
});
