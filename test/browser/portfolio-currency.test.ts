/**
 * Money in the firm's currency, in Chromium at desktop width: the portfolio shows the reporting
 * currency picker, a stale rate's warning (the demo's GBP rate of 1 January 2020), a rate taken
 * from a ledger with its source, and the organisation left out of the totals by name; changing
 * the currency re-renders the portfolio in it. The app's clock is pinned (ARCUS_NOW).
 */
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Db } from '../../server/db/client';
import { exchangeRates, firms, memberships, organisations } from '../../server/db/schema';
import { seedDemoLedger } from '../analytics/demo-ledger';
import { seedInvoices, seedOrganisation } from '../analytics/seed';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { launchBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const NOW = '2026-03-12T15:00:00Z';
const TODAY = '2026-03-12';

describeWith(['pg', 'chromium'], 'the portfolio in the firm’s currency, in Chromium', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let db: Db;
  let firmId: string;
  let userId: string;

  beforeAll(async () => {
    const database = await testDatabase();
    db = database.db;
    // The demo firm is shared by this worker's files: give it exactly these organisations, in USD.
    ({ firmId, userId } = await emptyDemoFirm(db));
    await db.update(firms).set({ reportingCurrency: 'USD' }).where(eq(firms.id, firmId));
    // Exactly the demo's entered rates (another file may have added its own to the shared firm).
    await db.delete(exchangeRates).where(eq(exchangeRates.firmId, firmId));
    await db.insert(exchangeRates).values({ firmId, currency: 'GBP', reportingCurrency: 'USD', rateToReporting: '1.27', asOf: '2020-01-01' });
    await seedDemoLedger(db, firmId, { name: 'Harbour Joinery', provider: 'xero', baseCurrency: 'USD', seed: 21, invoices: 60, lateness: 20, unpaid: 0.05, today: TODAY });
    await seedDemoLedger(db, firmId, { name: 'Thames Studio', provider: 'quickbooks', baseCurrency: 'GBP', seed: 22, invoices: 40, lateness: 5, unpaid: 0.05, today: TODAY });
    await seedDemoLedger(db, firmId, { name: 'Cape Traders', provider: 'xero', baseCurrency: 'ZAR', seed: 23, invoices: 30, lateness: 40, unpaid: 0.05, today: TODAY });
    // Alpen AG (CHF): the demo enters no CHF rate; its USD invoice of 1 March at 0.88 CHF per USD gives 1 / 0.88.
    const alpen = await seedOrganisation(db, firmId, { name: 'Alpen AG', provider: 'xero', baseCurrency: 'CHF', timezone: 'Europe/Zurich' });
    await seedInvoices(
      db,
      firmId,
      alpen.id,
      [
        { externalId: 'a-1', number: 'A-1', contact: 'c-a', issue: '2026-03-01', due: '2026-03-31', total: '2500.00', currency: 'USD', rate: '0.88' },
        { externalId: 'a-2', number: 'A-2', contact: 'c-a', issue: '2026-02-10', due: '2026-03-12', total: '1200.00' },
      ],
      'CHF',
    );
    arcus = await startTestApp('portfolio-currency-ui', database, { LOG_LEVEL: 'silent', ARCUS_NOW: NOW });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
    // Leave the shared demo firm as other files expect it: in USD, without these organisations.
    await db?.update(firms).set({ reportingCurrency: 'USD' }).where(eq(firms.id, firmId));
    await db?.delete(organisations).where(eq(organisations.firmId, firmId));
  });

  it('shows the currency picker, the stale and missing rates in words, and follows a change of currency', async () => {
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio', level: 2 }).waitFor();
    await page.getByRole('table', { name: 'Portfolio' }).getByRole('link', { name: 'Alpen AG', exact: true }).waitFor();

    const picker = page.getByRole('combobox', { name: 'Reporting currency' });
    expect(await picker.inputValue()).toBe('USD — US Dollar');

    // The demo's GBP rate was entered for 1 January 2020: far more than 45 days before 12 March 2026.
    const stale = page.getByTestId('stale-rates');
    await stale.waitFor();
    expect(await stale.textContent()).toContain('The GBP rate is from 1 January 2020; figures in GBP may be off. Update it under Exchange rates on the Portfolio page.');
    expect(await stale.textContent()).not.toContain('CHF');
    // No ZAR rate, entered or in a ledger: Cape Traders is named, with the reason.
    expect(await page.getByTestId('missing-rates').textContent()).toContain('Cape Traders (ZAR) is not in these totals: there is no ZAR to USD rate, entered by your firm or found in a ledger.');
    // Where each rate came from: 1 / 0.88 = 1.13636363636… → 1.1363636364.
    const used = page.getByTestId('rates-used');
    expect(await used.textContent()).toContain('1 CHF = 1.1363636364 USD, from Xero invoice A-1 of Alpen AG, 1 March 2026');
    expect(await used.textContent()).toContain('1 GBP = 1.27 USD, entered by your firm, dated 1 January 2020 (more than 45 days old)');
    await page.getByText('Receivables (USD)').waitFor();
    await screenshot(page, 'portfolio-currency-usd');

    // Change the reporting currency: the portfolio re-renders in GBP.
    await picker.click();
    await page.getByRole('option', { name: 'GBP — British Pound' }).click();
    await page.getByText('Receivables (GBP)').waitFor();
    expect(await picker.inputValue()).toBe('GBP — British Pound');
    // In GBP no rate is entered and no ledger prices USD, CHF or ZAR in GBP: all but Thames are left out, by name.
    const missing = await page.getByTestId('missing-rates').textContent();
    expect(missing).toContain('Alpen AG (CHF), Cape Traders (ZAR) and Harbour Joinery (USD) are not in these totals');
    await screenshot(page, 'portfolio-currency-gbp');

    await picker.click();
    await page.getByRole('option', { name: 'USD — US Dollar' }).click();
    await page.getByText('Receivables (USD)').waitFor();

    // Someone who is not an admin sees the currency, read-only (roles are read on every request).
    await db.update(memberships).set({ role: 'viewer' }).where(eq(memberships.userId, userId));
    try {
      await page.reload();
      await page.getByText('Receivables (USD)').waitFor();
      expect(await picker.inputValue()).toBe('USD — US Dollar');
      expect(await picker.getAttribute('readonly')).not.toBeNull();
      expect(await page.getByRole('button', { name: 'Exchange rates' }).count()).toBe(0);
      await screenshot(page, 'portfolio-currency-viewer');
    } finally {
      await db.update(memberships).set({ role: 'admin' }).where(eq(memberships.userId, userId));
    }
  });
});
