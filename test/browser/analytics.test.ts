import { startTestApp } from '../support/app';
/**
 * Analytics in Chromium: sign in to the demo, Portfolio → an organisation's dashboard (hover a
 * KPI for its formula) → tabs → a customer → back; export CSV. The demo firm's ledgers are
 * seeded straight into the database (the demo's sandbox auto-connect is switched off).
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import type { Arcus, } from '../../root/runtime';
import { seedDemoLedger } from '../analytics/demo-ledger';
import { seedContacts } from '../analytics/seed';
import { launchBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

// Pinned mid-month, so the trend's last month is a month to date.
const NOW = '2026-03-12T15:00:00Z';
const TODAY = '2026-03-12';

describeWith(['pg', 'chromium'], 'analytics in Chromium', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const database = await testDatabase();
    arcus = await startTestApp('analytics-ui', database, { LOG_LEVEL: 'silent', ARCUS_NOW: NOW });
    const { firmId } = await ensureDemoFirm(database.db);
    const harbour = await seedDemoLedger(database.db, firmId, { name: 'Harbour Joinery', provider: 'xero', baseCurrency: 'USD', seed: 11, invoices: 260, lateness: 30, unpaid: 0.03, today: TODAY });
    await seedDemoLedger(database.db, firmId, { name: 'Thames Studio', provider: 'quickbooks', baseCurrency: 'GBP', seed: 12, invoices: 180, lateness: 4, unpaid: 0.004, today: TODAY });
    await seedDemoLedger(database.db, firmId, { name: 'Cape Traders', provider: 'xero', baseCurrency: 'ZAR', seed: 13, invoices: 120, lateness: 60, unpaid: 0.06, today: TODAY });
    // A customer without invoices: its figures are blank, each with a reason.
    await seedContacts(database.db, firmId, harbour.id, [{ externalId: 'quiet-1', name: 'Quiet Quarry' }]);
    browser = await launchBrowser();
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  it('walks Portfolio → dashboard → customer and back, and exports CSV', async () => {
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio', level: 2 }).waitFor();
    const table = page.getByRole('table', { name: 'Portfolio' });
    await table.getByRole('link', { name: 'Harbour Joinery', exact: true }).waitFor();
    // ZAR has no demo rate to USD: shown in its own currency, out of the totals, said so.
    await page.getByText('no rate to USD').waitFor();
    await page.getByText(/Cape Traders \(ZAR\) is not in these totals: there is no ZAR to USD rate/).waitFor();
    await screenshot(page, 'analytics-portfolio');

    // Needs-help reasons on hover.
    const badge = table.getByText('Needs help').first();
    if (await badge.count()) {
      await badge.hover();
      await page.getByRole('tooltip').waitFor();
      await page.waitForTimeout(400); // the tooltip's fade-in
      await screenshot(page, 'analytics-portfolio-needs-help');
      await page.mouse.move(0, 0);
    }

    // CSV export of the portfolio.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^portfolio-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^organisation,provider,status,currency,/);
    expect(csv).toContain('Harbour Joinery,xero,active,USD,USD,1,');

    // Dashboard.
    await table.getByRole('link', { name: 'Harbour Joinery', exact: true }).click();
    await page.getByRole('heading', { name: 'Harbour Joinery', level: 2, exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/organisations\/[0-9a-f-]{36}$/);
    const dso = page.locator('[data-kpi="dso"]');
    await dso.waitFor();
    await page.locator('.recharts-surface').first().waitFor();
    await page.waitForTimeout(600); // chart animation
    await screenshot(page, 'analytics-dashboard');
    await dso.hover();
    const tip = page.getByRole('tooltip');
    await tip.waitFor();
    expect(await tip.textContent()).toContain('DSO = AR(to) / S × D');
    await page.waitForTimeout(400);
    await screenshot(page, 'analytics-dashboard-kpi-formula');
    await page.mouse.move(0, 0);

    // The trend's last month is not over: marked as month to date, not drawn as a plunge.
    const partial = page.getByTestId('partial-month-note').first();
    expect(await partial.textContent()).toBe('Mar 26 is month to date (to 12 Mar 2026), drawn dashed: a month that is not over yet reads lower or higher than a whole one.');
    await page.getByText('Mar 26 (to date)').first().waitFor();
    expect(await page.locator('.recharts-line path[stroke-dasharray="5 4"]').count()).toBeGreaterThan(0);

    // Tabs: segments by tracking category, data quality, targets.
    await page.getByRole('tab', { name: 'Segments' }).click();
    await page.getByText('By tracking category').click();
    await page.getByRole('table', { name: 'Segments' }).getByText('North').waitFor();
    await screenshot(page, 'analytics-segments');
    await page.getByRole('tab', { name: 'Data quality' }).click();
    await page.getByRole('table', { name: 'Data quality' }).getByText('accounts@@acme', { exact: false }).waitFor();
    await screenshot(page, 'analytics-data-quality');
    await page.getByRole('tab', { name: 'Targets' }).click();
    await page.getByRole('button', { name: 'Add target' }).click();
    await page.getByText(/DSO -15% by/).waitFor();
    await screenshot(page, 'analytics-targets');

    // Customers of this organisation: days late, ADD and countback DSO instead of a per-customer DSO.
    await page.getByRole('tab', { name: 'Customers' }).click();
    const customers = page.getByRole('table', { name: 'Customers' });
    await customers.waitFor();
    const headers = await customers.locator('thead th').allTextContents();
    expect(headers.join('|')).toMatch(/Avg days late.*ADD.*Countback DSO.*CEI/);
    expect(headers.some((h) => /^DSO/.test(h.trim()))).toBe(false);
    // The customer without invoices: blank figures that say why, on hover too.
    const quiet = customers.locator('tr', { hasText: 'Quiet Quarry' });
    expect(await quiet.locator('[data-why="No invoices yet"]').count()).toBe(4);
    await quiet.locator('[data-why]').first().hover();
    await page.getByRole('tooltip').waitFor();
    expect(await page.getByRole('tooltip').textContent()).toBe('No invoices yet');
    await page.waitForTimeout(400);
    await screenshot(page, 'analytics-org-customers');
    await page.mouse.move(0, 0);
    // A payment date in another year carries its year; one in this year does not.
    const lastPaid = (await customers.locator('tbody tr td:last-child').allTextContents()).filter((t) => t !== '—');
    expect(lastPaid.length).toBeGreaterThan(0);
    for (const d of lastPaid) expect(d).toMatch(/^\d{1,2} [A-Z][a-z]{2}( 20(?!26)\d\d)?$/);

    // A customer, then back.
    await page.getByRole('tab', { name: 'Overview' }).click();
    const top = page.getByRole('table', { name: 'Top overdue customers' }).locator('tbody').getByRole('button').first();
    const name = (await top.textContent())!;
    await top.click();
    await page.getByRole('heading', { name, level: 2 }).waitFor();
    await page.getByText('Payment history (24 months)').waitFor();
    // Days late, ADD and countback DSO, not a per-customer DSO.
    for (const label of ['Avg days late', 'ADD', 'Countback DSO', 'CEI']) await page.locator(`[data-fact="${label}"]`).waitFor();
    expect(await page.locator('[data-fact="DSO"]').count()).toBe(0);
    expect(await page.locator('[data-fact="Countback DSO"]').textContent()).toMatch(/^Countback DSO(\d[\d,.]* d|—.+)$/);
    await page.locator('.recharts-surface').first().waitFor();
    await page.waitForTimeout(600);
    await screenshot(page, 'analytics-customer');
    await page.goBack();
    await page.getByRole('heading', { name: 'Harbour Joinery', level: 2, exact: true }).waitFor();

    // Customers and invoices sections.
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('table', { name: 'Customers' }).waitFor();
    await screenshot(page, 'analytics-customers');
    await nav.getByRole('link', { name: 'Invoices' }).click();
    await page.getByRole('table', { name: 'Invoices' }).waitFor();
    await page.locator('label[for$="-overdue"]').click();
    await page.getByRole('table', { name: 'Invoices' }).getByText('overdue').first().waitFor();
    await screenshot(page, 'analytics-invoices');
  }, 180_000);
});
