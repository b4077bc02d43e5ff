/**
 * "Cancel service" on the customer page in Chromium (issue #19), as an administrator at desktop width
 * and at 390 px: choose the invoice, the period read from its line, the cancellation date and the
 * method → the preview in words (credit per line, taken off what is owed, left as credit with the
 * sentence sending it to Exceptions, what stops) → confirm → one credit-note write-back. No id, enum
 * or machine date on the dialog; nothing wider than a phone.
 */
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { contacts, invoiceLines, invoices, writebacks } from '../../server/db/schema';
import { seedOrg } from '../reminders/seed';
import { startTestApp } from '../support/app';
import { launchChromium, noSideways, screenshot, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Cancel service in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let firmId = '';
  let adminId = '';
  let customerId = '';
  let orgId = '';

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('cancellations-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-11-23T10:00:00Z' });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    adminId = made.user.id;
    const org = await seedOrg(database.db, firmId, {
      timezone: 'Europe/London',
      contacts: [{ externalId: 'c-acme', name: 'Acme Studio', emails: [{ address: 'ap@acme.example', primary: true, includeInEmails: true }] }],
      invoices: [{ number: 'INV-100', due: -10, contact: 'c-acme', amount: '1320.00' }],
    });
    orgId = org.id;
    // Support for 2026 (1,000.00 + 200.00 VAT) and setup (100.00 + 20.00 VAT); 1,220.00 of it paid.
    const [inv] = await database.db
      .update(invoices)
      .set({ issueDate: '2026-01-01', subTotal: '1100.00', totalTax: '220.00', amountDue: '100.00', amountPaid: '1220.00' })
      .where(and(eq(invoices.organisationId, org.id), eq(invoices.number, 'INV-100')))
      .returning();
    await database.db.insert(invoiceLines).values([
      { firmId, invoiceId: inv!.id, lineNo: 1, description: 'Support 1 January 2026 to 31 December 2026', lineAmount: '1000.00', taxAmount: '200.00', unitAmount: '1000.00' },
      { firmId, invoiceId: inv!.id, lineNo: 2, description: 'Setup', lineAmount: '100.00', taxAmount: '20.00', unitAmount: '100.00' },
    ]);
    const [c] = await database.db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.organisationId, org.id), eq(contacts.externalId, 'c-acme')));
    customerId = c!.id;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId: adminId, firmId }, { viewport: { width, height: 900 } });

  async function previewFor(page: Page) {
    try {
      return await previewSteps(page);
    } catch (err) {
      await screenshot(page, 'cancel-service-failed');
      throw err;
    }
  }

  async function previewSteps(page: Page) {
    await page.goto(`${arcus.url}/customers/${customerId}`);
    await page.getByRole('button', { name: 'Cancel service' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('cancel-choose').waitFor();
    await dialog.getByRole('checkbox', { name: /INV-100/ }).check();
    // The period comes from the support line's description; the cancellation date is the app's today.
    expect(await dialog.getByLabel('Service from').inputValue()).toBe('2026-01-01');
    expect(await dialog.getByLabel('Paid up to').inputValue()).toBe('2027-01-01');
    expect(await dialog.getByLabel('Cancelled from').inputValue()).toBe('2026-11-23');
    // No reason: said beside the field, nothing previewed.
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByText('Say why the service is cancelled.').waitFor();
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('The customer closed the studio');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByTestId('cancel-preview').waitFor();
    return dialog;
  }

  it('previews in words and confirms once (desktop)', async () => {
    const page = await pageAs(1280);
    const dialog = await previewFor(page);
    const text = await dialog.innerText();
    // 39 of 365 days unused: 106.85 + 21.37 on support, 10.68 + 2.14 on setup = 141.04; 100.00 owed.
    expect(text).toContain('£141.04');
    expect(text).toContain('£128.22');
    expect(text).toContain('£12.82');
    expect(text).toContain('£41.04 will be left as credit for the customer — apply it to another invoice or keep it as credit from Exceptions.');
    expect(text).toContain('Reminders stop for invoice INV-100: nothing more is owed on it.');
    expect(text).toContain('Service from 1 January 2026 until 1 January 2027, cancelled from 23 November 2026');
    expect(describeIdentifiers('the cancellation preview', text)).toEqual([]);
    await screenshot(page, 'cancel-service-preview-desktop');
    await dialog.getByRole('button', { name: 'Confirm cancellation' }).click();
    await dialog.getByTestId('cancel-done').waitFor();
    expect(await dialog.innerText()).toContain('The service is cancelled.');
    await screenshot(page, 'cancel-service-done-desktop');
    const rows = await database.db.select().from(writebacks).where(eq(writebacks.organisationId, orgId));
    expect(rows.map((r) => [r.kind, r.purpose, r.amount])).toEqual([['credit_note', 'cancellation', '141.0400']]);
    await page.context().close();
  }, 120_000);

  it('fits a phone (390 px)', async () => {
    const page = await pageAs(390);
    const dialog = await previewFor(page);
    expect(await dialog.innerText()).toContain('£41.04 will be left as credit for the customer — apply it to another invoice or keep it as credit from Exceptions.');
    expect(await noSideways(page)).toBe(true);
    await screenshot(page, 'cancel-service-preview-phone');
    await dialog.getByRole('button', { name: 'Back' }).click();
    await dialog.getByTestId('cancel-choose').waitFor();
    await screenshot(page, 'cancel-service-choose-phone');
    await page.context().close();
  }, 120_000);
});
