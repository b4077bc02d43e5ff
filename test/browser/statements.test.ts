/**
 * Statements and the Exceptions queue in Chromium (issue #19), as an administrator, at desktop
 * width and at 390 px: the customer page links to the statement; the statement shows its balances
 * and aging, downloads a PDF, and "Email statement" names who would get it (unsubscribed addresses
 * left out); the Exceptions entry in the navigation lists each exception in words, QuickBooks money
 * with "Keep as credit" only and a sentence why, and applying an overpayment to an invoice takes it
 * off the queue with one write-back. No id, enum or machine date on either page.
 */
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toMinor } from '../../kernel/money';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { exceptionDecisions, writebacks } from '../../server/db/schema';
import { STATEMENTS_NOW, seedStatementsFirm } from '../statements/seed';
import { startTestApp } from '../support/app';
import { screenshot as fullPage, launchChromium, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

/** The whole page from the top (the shell's header is fixed: a scrolled page would show it mid-way). */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return fullPage(page, name);
}

describeWith(['pg', 'chromium'], 'Statements and exceptions in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let firmId = '';
  let adminId = '';
  let seeded: Awaited<ReturnType<typeof seedStatementsFirm>>;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('statements-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: STATEMENTS_NOW });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    adminId = made.user.id;
    seeded = await seedStatementsFirm(database, firmId);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId: adminId, firmId }, { viewport: { width, height: 900 }, downloads: true });

  /** Nothing wider than the window: the page scrolls only down (tables scroll inside their own box). */
  async function noSidewaysScroll(page: Page) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }

  for (const [label, width] of [
    ['desktop', 1280],
    ['phone', 390],
  ] as const) {
    it(`opens a customer's statement from the customer page and downloads the PDF (${label})`, async () => {
      const page = await pageAs(width);
      await page.goto(`${arcus.url}/customers/${seeded.customer['c-bayside']}`);
      await page.getByRole('link', { name: 'Statement', exact: true }).click();
      await page.getByText('Closing balance').waitFor();
      const body = await page.locator('main').innerText();
      expect(body).toContain('Bayside Cafe Ltd · Open items · as of 23 November 2026');
      expect(body).toContain('GBP 350.00');
      expect(body).toContain('Credit not yet applied');
      expect(body).toContain('=HYPERLINK("http://evil.example")');
      expect(body).toContain('14 October 2026 (40 days overdue)');
      expect(describeIdentifiers('the statement page', body)).toEqual([]);
      await noSidewaysScroll(page);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PDF' }).click()]);
      const file = await download.path();
      expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
      expect(download.suggestedFilename()).toBe('Statement-Bayside-Cafe-Ltd-2026-11-23.pdf');

      // Activity for a period: opening and closing balance.
      await page.getByText('Activity', { exact: true }).first().click();
      await page.getByText('Opening balance').waitFor();
      await screenshot(page, `statement-activity-${label}`);

      await page.getByRole('button', { name: 'Email statement' }).click();
      const dialog = page.getByRole('dialog', { name: 'Email this statement?' });
      await dialog.getByText('sam@bayside.example').waitFor();
      const said = await dialog.innerText();
      expect(said).not.toContain('ap@bayside.example');
      expect(said).toContain('One address that unsubscribed is left out.');
      await screenshot(page, `statement-email-${label}`);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await page.getByText('Open items', { exact: true }).first().click();
      await page.getByText('Credit not yet applied').waitFor();
      await screenshot(page, `statement-${label}`);
      await page.context().close();
    });
  }

  it('lists exceptions in words and applies an overpayment to an invoice (desktop, then 390 px)', async () => {
    const page = await pageAs(1280);
    await page.goto(`${arcus.url}/portfolio`);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Exceptions' }).click();
    await page.getByTestId('exception').first().waitFor();
    expect(await page.getByTestId('exception').count()).toBe(2);
    const body = await page.locator('main').innerText();
    expect(body).toContain('An overpayment of GBP 150.00 received on 1 October 2026 (reference BACS 1041): GBP 150.00 is not applied to any invoice.');
    expect(body).toContain('GBP 75.00 received on 2 October 2026 (reference CHK 88) is not applied to any invoice.');
    expect(describeIdentifiers('the exceptions page', body)).toEqual([]);
    // A QuickBooks payment on account can be kept or refunded (decision 047), not applied.
    const qbo = page.getByTestId('exception').filter({ hasText: 'Lakeside Dental' });
    expect(await qbo.getByRole('button').allInnerTexts()).toEqual(['Keep as credit', 'Refund']);
    expect(await qbo.getByTestId('action-note').innerText()).toMatch(/^In QuickBooks, applying this money to an invoice means changing the payment itself/);
    await screenshot(page, 'exceptions-desktop');

    const phone = await pageAs(390);
    await phone.goto(`${arcus.url}/exceptions`);
    await phone.getByTestId('exception').first().waitFor();
    await noSidewaysScroll(phone);
    await screenshot(phone, 'exceptions-phone');
    await phone.context().close();

    const xero = page.getByTestId('exception').filter({ hasText: 'Bayside Cafe Ltd' });
    // No reason: said beside the field, nothing decided.
    await xero.getByRole('button', { name: 'Apply to another open invoice' }).click();
    await xero.getByText('Say why.').waitFor();
    expect(await database.db.select().from(exceptionDecisions).where(eq(exceptionDecisions.organisationId, seeded.xeroOrg))).toHaveLength(0);
    expect(await xero.getByLabel('Invoice to apply it to').inputValue()).toBe('=HYPERLINK("http://evil.example") — GBP 300.00 due 14 October 2026');
    await xero.getByRole('textbox', { name: 'Reason' }).fill('Customer asked to use it on the October invoice');
    await xero.getByRole('button', { name: 'Apply to another open invoice' }).click();
    await page.getByTestId('exception').filter({ hasText: 'Bayside Cafe Ltd' }).waitFor({ state: 'detached' });
    expect(await page.getByTestId('exception').count()).toBe(1);
    const rows = await database.db.select().from(writebacks).where(eq(writebacks.organisationId, seeded.xeroOrg));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kind).toBe('allocation');
    expect(toMinor(rows[0]!.amount!)).toBe(15_000);
    await page.context().close();
  });
});
