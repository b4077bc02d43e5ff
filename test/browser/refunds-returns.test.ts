/**
 * Refunds and returned payments in Chromium (issue #19), as an administrator, at desktop width and
 * at 390 px: the Exceptions queue offers "Refund" on an overpayment with the overpaid amount filled
 * in; more than that is refused beside the field; a partial refund takes the item off the queue with
 * one `refund` write-back. On the customer page a collector marks a synced payment as returned after
 * a confirmation in words; the Exceptions page then lists it with its status in words. Settings ›
 * Collections shows the returned-payment fee, off by default. No id or enum on the pages.
 */
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toMinor } from '../../kernel/money';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { invoices, paymentAllocations, payments, returnedPayments, writebacks } from '../../server/db/schema';
import { STATEMENTS_NOW, seedStatementsFirm } from '../statements/seed';
import { startTestApp } from '../support/app';
import { screenshot as fullPage, launchChromium, SCREENSHOTS, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return fullPage(page, name);
}

describeWith(['pg', 'chromium'], 'Refunds and returned payments in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let firmId = '';
  let adminId = '';
  let seeded: Awaited<ReturnType<typeof seedStatementsFirm>>;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('refunds-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: STATEMENTS_NOW });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    adminId = made.user.id;
    seeded = await seedStatementsFirm(database, firmId);
    // A synced payment of 120.00 from Bayside on INV-2, to mark as returned.
    const [inv2] = await database.db.select().from(invoices).where(and(eq(invoices.organisationId, seeded.xeroOrg), eq(invoices.number, 'INV-2')));
    const [p] = await database.db
      .insert(payments)
      .values({ firmId, organisationId: seeded.xeroOrg, externalId: 'xp-1', contactExternalId: 'c-bayside', date: '2026-11-10', currency: 'GBP', amount: '120.00', reference: 'DD 55', status: 'authorised', raw: {} })
      .returning();
    await database.db.insert(paymentAllocations).values({ firmId, organisationId: seeded.xeroOrg, paymentId: p!.id, invoiceExternalId: inv2!.externalId, amount: '120.00', date: '2026-11-10' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId: adminId, firmId }, { viewport: { width, height: 900 } });

  async function noSidewaysScroll(page: Page) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }

  it('refunds part of an overpayment from the Exceptions queue, once (390 px, then desktop)', async () => {
    const phone = await pageAs(390);
    await phone.goto(`${arcus.url}/exceptions`);
    const card = phone.getByTestId('exception').filter({ hasText: 'Bayside Cafe Ltd' });
    await card.getByRole('button', { name: 'Refund' }).waitFor();
    expect(await card.getByLabel('Amount to refund').inputValue()).toBe('150.00');
    await noSidewaysScroll(phone);
    await screenshot(phone, 'exceptions-refund-phone');
    await phone.context().close();

    const page = await pageAs(1280);
    await page.goto(`${arcus.url}/exceptions`);
    const xero = page.getByTestId('exception').filter({ hasText: 'Bayside Cafe Ltd' });
    await xero.getByRole('button', { name: 'Refund' }).waitFor();
    expect(await xero.getByRole('button').allInnerTexts()).toEqual(['Apply to another open invoice', 'Keep as credit', 'Refund']);
    await xero.getByRole('textbox', { name: 'Reason' }).fill('Customer asked for the overpayment back');
    await xero.getByLabel('Amount to refund').fill('150.01');
    await xero.getByRole('button', { name: 'Refund' }).click();
    await xero.getByText('Refund at most GBP 150.00.').waitFor();
    expect(await database.db.select().from(writebacks).where(eq(writebacks.organisationId, seeded.xeroOrg))).toHaveLength(0);
    await screenshot(page, 'exceptions-refund-desktop');

    await xero.getByLabel('Amount to refund').fill('90.00');
    await xero.getByRole('button', { name: 'Refund' }).click();
    await page.getByTestId('exception').filter({ hasText: 'Bayside Cafe Ltd' }).waitFor({ state: 'detached' });
    const rows = await database.db.select().from(writebacks).where(eq(writebacks.organisationId, seeded.xeroOrg));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kind).toBe('refund');
    expect(toMinor(rows[0]!.amount!)).toBe(9_000);
    // Paid out of the overpayment itself, not a new credit note (decision 047).
    expect((rows[0]!.request as { source?: { type: string } }).source?.type).toBe('overpayment');
    await page.context().close();
  }, 120_000);

  for (const [label, width] of [
    ['desktop', 1280],
    ['phone', 390],
  ] as const) {
    it(`marks a payment returned from the customer page with a confirmation in words; the Exceptions page lists it (${label})`, async () => {
      const page = await pageAs(width);
      await page.goto(`${arcus.url}/customers/${seeded.customer['c-bayside']}`);
      const card = page.getByTestId('customer-payments');
      const payment = card.getByTestId('customer-payment').filter({ hasText: '£120.00' });
      await payment.waitFor();
      expect(await payment.innerText()).toContain('on 10 November 2026');
      // The first run marks it (desktop); the second sees it marked.
      if ((await database.db.select().from(returnedPayments).where(eq(returnedPayments.organisationId, seeded.xeroOrg))).length === 0) {
        await payment.getByRole('button', { name: 'Mark as returned' }).click();
        const dialog = page.getByRole('dialog', { name: 'Mark the payment as returned' });
        const said = await dialog.getByTestId('return-confirmation').innerText();
        expect(said).toBe('The payment of £120.00 received on 10 November 2026 will be reversed in Xero, so invoice INV-2 will be owed again. Bayside Cafe Ltd will be told by email that the payment came back.');
        await dialog.getByRole('button', { name: 'Reverse the payment' }).click();
        await dialog.getByText('Say why the payment came back.').waitFor();
        await dialog.getByRole('textbox', { name: 'Why did it come back?' }).fill('Returned by the bank: insufficient funds');
        await screenshot(page, `customer-mark-returned-${label}`);
        await dialog.getByRole('button', { name: 'Reverse the payment' }).click();
        await dialog.waitFor({ state: 'detached' });
      }
      await payment.getByText('Returned by the bank: Being reversed in the ledger').waitFor();
      expect(await database.db.select().from(returnedPayments).where(eq(returnedPayments.organisationId, seeded.xeroOrg))).toHaveLength(1);
      const voids = await database.db.select().from(writebacks).where(and(eq(writebacks.organisationId, seeded.xeroOrg), eq(writebacks.kind, 'void')));
      expect(voids).toHaveLength(1);
      await noSidewaysScroll(page);
      await screenshot(page, `customer-payments-${label}`);

      await page.goto(`${arcus.url}/exceptions`);
      const returned = page.getByTestId('returned').first();
      await returned.waitFor();
      const text = await returned.innerText();
      expect(text).toContain('Returned by the bank');
      expect(text).toContain('Bayside Cafe Ltd');
      expect(text).toContain('Harbour Test Ltd · The customer has been told.');
      expect(text).toContain('£120.00');
      expect(text).toContain('Paid on 10 November 2026 against invoice INV-2 — Returned by the bank: insufficient funds');
      expect(text).toContain('Being reversed in the ledger');
      expect(describeIdentifiers('the exceptions page', await page.locator('main').innerText())).toEqual([]);
      await noSidewaysScroll(page);
      await screenshot(page, `exceptions-returned-${label}`);

      await page.goto(`${arcus.url}/settings/collections`);
      const fee = page.getByTestId('returned-fee-policy');
      await fee.getByTestId('returned-fee-summary').waitFor();
      expect(await fee.getByTestId('returned-fee-summary').innerText()).toBe('No fee is charged when a payment comes back.');
      expect(await fee.getByRole('switch', { name: 'Charge a returned-payment fee' }).isChecked()).toBe(false);
      // The fee card fits the window (the statutory-rates table above it scrolls on its own at 390 px; not this card's).
      const box = await fee.boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
      expect(await fee.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      await fee.scrollIntoViewIfNeeded();
      await fee.screenshot({ path: path.join(SCREENSHOTS, `settings-returned-fee-${label}.png`) });
      await page.context().close();
    }, 120_000);
  }
});
