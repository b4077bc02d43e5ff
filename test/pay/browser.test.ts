/**
 * The debtor's pay page in Chromium, with the sandbox payment provider: opens a statement link
 * (no sign-in), sees the discount banner, pays one invoice through the sandbox checkout, comes
 * back to the thank-you state, then promises a date for another invoice. Screenshots in
 * test/artifacts/screenshots/pay-*.png.
 */
import { and, eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import type { Database } from '../../server/db/client';
import { activities, checkouts, discountOffers, jobEvents, reminderInvoiceHolds, writebacks } from '../../server/db/schema';
import { executeJobId } from '../../server/writebacks/enqueue';
import { until } from '../support/until';
import { addDays } from '../../kernel/dates';
import { ensureStatementLink, type PayLink } from '../../server/pay/links';
import type { Arcus } from '../../root/runtime';
import { PROMISE_RECORDED } from '../../server/scoring/in-motion';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedPayOrg } from './seed';

describeWith(['pg', 'chromium'], 'The pay page in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let seed: Awaited<ReturnType<typeof seedPayOrg>>;
  let link: PayLink;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('pay-ui', database, { LEDGER_SANDBOX: 'off' });
    seed = await seedPayOrg(database, {
      invoices: [
        { number: 'INV-2041', contact: 'c-bayside', amount: '1840.00', due: -16 },
        { number: 'INV-2055', contact: 'c-bayside', amount: '320.50', due: 6 },
      ],
    });
    await database.db.insert(discountOffers).values({ firmId: seed.firmId, organisationId: seed.org.id, invoiceId: seed.invoice('INV-2055').id, rateBp: 200, discount: '6.41', currency: 'GBP', expiresOn: addDays(seed.today, 4) });
    link = await ensureStatementLink(database.db, { firmId: seed.firmId, organisationId: seed.org.id, contactExternalId: 'c-bayside' }, { appUrl: arcus.url, linkKey: arcus.config.payLinkKey });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 60_000);

  it('shows the organisation, the invoices, the amount to pay and the discount banner, without signing in', async () => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(link.url);
    await page.getByRole('heading', { name: 'Harbour Joinery Ltd' }).waitFor();
    await page.getByRole('heading', { name: 'Bayside Cafe Ltd' }).waitFor();
    await expect(page.getByTestId('pay-total').textContent()).resolves.toBe('£2,154.09');
    await page.getByText('Save 2% by paying by').waitFor();
    await page.getByRole('table', { name: 'Invoices' }).getByText('INV-2041').waitFor();
    expect(await page.getByRole('button', { name: 'Sign in to the demo' }).count()).toBe(0);
    await screenshot(page, 'pay-page');
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });

  it('pays one invoice through the sandbox checkout and comes back to the thank-you state', async () => {
    onTestFailed(async () => void (await screenshot(page, 'pay-failed')));
    await page.getByRole('checkbox', { name: 'Select INV-2055' }).uncheck();
    await page.getByRole('button', { name: 'Pay now £1,840.00' }).click();
    await page.waitForURL(/\/pay\/sandbox-checkout\/cs_sandbox_/);
    await page.getByText('1840.00 GBP').first().waitFor();
    await screenshot(page, 'pay-sandbox-checkout');
    await page.getByRole('button', { name: 'Pay 1840.00 GBP' }).click();
    await page.waitForURL(/\?checkout=/);
    await page.getByText('Thank you — payment received').waitFor();
    await page.getByRole('table', { name: 'Invoices' }).getByText('Processing', { exact: true }).last().waitFor();
    await screenshot(page, 'pay-paid');
    const inv = seed.invoice('INV-2041');
    const [co] = await database.db.select().from(checkouts).where(eq(checkouts.organisationId, seed.org.id));
    expect(co).toMatchObject({ status: 'completed', amount: '1840.0000', provider: 'sandbox' });
    const wbs = await database.db.select().from(writebacks).where(and(eq(writebacks.firmId, seed.firmId), eq(writebacks.kind, 'payment')));
    expect(wbs).toHaveLength(1);
    expect(wbs[0]).toMatchObject({ invoiceExternalId: inv.externalId, amount: '1840.0000', requestedBy: 'debtor' });
    // The payment's write-back was queued (and picked up) through the app's own queue.
    await until(async () => (await database.db.select().from(jobEvents).where(eq(jobEvents.jobId, executeJobId(wbs[0]!.id)))).length > 0, 20_000, 'the payment write-back job');
  });

  it('promises a payment date for the other invoice', async () => {
    const date = addDays(seed.today, 10);
    await page.getByRole('checkbox', { name: 'Select INV-2055' }).check();
    await page.getByRole('button', { name: 'I’ll pay on…' }).click();
    await page.getByLabel('I will pay on').fill(date);
    await screenshot(page, 'pay-promise-form');
    await page.getByRole('button', { name: 'Confirm payment date' }).click();
    await page.getByText('Thank you — we have noted your payment date').waitFor();
    await screenshot(page, 'pay-promised');
    const inv = seed.invoice('INV-2055');
    const acts = await database.db.select().from(activities).where(and(eq(activities.firmId, seed.firmId), eq(activities.kind, PROMISE_RECORDED)));
    expect(acts.map((a) => a.invoiceId)).toEqual([inv.id]);
    expect((acts[0]!.details as { promisedDate: string }).promisedDate).toBe(date);
    const [hold] = await database.db.select().from(reminderInvoiceHolds).where(eq(reminderInvoiceHolds.invoiceExternalId, inv.externalId));
    expect(hold!.pausedUntil).toBe(date);
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(link.url);
    await page.getByRole('heading', { name: 'Harbour Joinery Ltd' }).waitFor();
    await page.getByRole('button', { name: 'Something’s wrong' }).click();
    await page.getByLabel('What is wrong?').first().waitFor();
    await screenshot(page, 'pay-mobile');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pageErrors).toEqual([]);
  });
});
