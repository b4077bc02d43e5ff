import { emptyDemoFirm, startTestApp } from '../support/app';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import type { Arcus, } from '../../root/runtime';
import { launchBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedHabits, seedOrg } from '../scoring/seed';

describeWith(['pg', 'chromium'], 'the worklist and cash forecast in Chromium', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let harbourId: string;

  beforeAll(async () => {
    const database = await testDatabase();
    const db = database.db;
    // The demo firm is shared by this worker's files: give it exactly these organisations.
    const demo = await emptyDemoFirm(db);
    const today = todayIn('UTC');
    const harbour = await seedOrg(db, demo.firmId, 'Harbour Supplies');
    harbourId = harbour.id;
    await seedHabits(
      db,
      demo.firmId,
      harbour.id,
      [
        { externalId: 'chronic', name: 'Chronic Late Co', late: 28, jitter: 5, first: addDays(today, -700), amount: 4200 },
        { externalId: 'prompt', name: 'Prompt Payers Inc', late: -4, jitter: 3, first: addDays(today, -690), amount: 2500 },
        { externalId: 'steady', name: 'Steady & Sons', late: -3, jitter: 4, every: 21, first: addDays(today, -650), amount: 1800 },
        { externalId: 'newbie', name: 'Newbie GmbH', late: 0, jitter: 0, every: 30, first: addDays(today, -45), count: 2, amount: 3000 },
      ],
      today,
      61,
    );
    const late = await seedOrg(db, demo.firmId, 'Latecomers Ltd', { provider: 'quickbooks' });
    await seedHabits(
      db,
      demo.firmId,
      late.id,
      [
        { externalId: 'slow-1', name: 'Slowpoke Trading', late: 40, jitter: 6, every: 12, first: addDays(today, -700), amount: 900 },
        { externalId: 'slow-2', name: 'Tardy Traders', late: 18, jitter: 6, every: 16, first: addDays(today, -700), amount: 1200 },
      ],
      today,
      62,
    );
    arcus = await startTestApp('worklist-ui', database);
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  const cards = () => page.getByTestId('worklist-customer');

  it('ranks customers, explains why, and marks one contacted', { timeout: 120_000 }, async () => {
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio' }).waitFor();
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Worklist' }).click();
    await page.getByRole('heading', { name: 'Worklist', level: 2 }).waitFor();
    await cards().first().waitFor({ timeout: 60_000 });
    expect(new URL(page.url()).pathname).toBe('/worklist');
    // The chronic late payer with the big overdue invoices comes first; the prompt payer is far below.
    await expect(cards().first().textContent()).resolves.toContain('Chronic Late Co');
    const names = await page.getByTestId('worklist-customer-name').allTextContents();
    expect(names.indexOf('Chronic Late Co')).toBeLessThan(names.indexOf('Prompt Payers Inc'));
    await screenshot(page, 'worklist-ranked');

    // Hover the risk badge: its reasons in words.
    await cards().first().getByText(/^Risk \d+$/).hover();
    await page.getByRole('tooltip').getByText(/pays \d+ days late on average over \d+ invoices/).waitFor();
    await screenshot(page, 'worklist-reason-tooltip');
    await page.mouse.move(0, 0);

    // Why is the first invoice here?
    await cards().first().getByRole('button', { name: /Why is this invoice ranked here/ }).first().click();
    await page.getByText('Value of acting now', { exact: true }).waitFor();
    // A percentage as the client shows it (scoring/format.ts percent): "37%", or ">99%" / "<1%" at the ends.
    await expect(page.getByText(/× (\d+|>99|<1)% risk of being paid late/).first().isVisible()).resolves.toBe(true);
    await screenshot(page, 'worklist-why-here');
    await page.keyboard.press('Escape');

    // Mark contacted: the customer shows it and drops down the list (its value halves for a week).
    await cards().first().getByRole('button', { name: 'Mark Chronic Late Co contacted' }).click();
    const chronic = cards().filter({ hasText: 'Chronic Late Co' });
    await chronic.getByText(/contacted today by Dana Demo/).first().waitFor();
    await expect(chronic.getByRole('button', { name: 'Mark Chronic Late Co contacted' }).textContent()).resolves.toBe('Contacted again');
    await screenshot(page, 'worklist-contacted');

    // Filter by organisation.
    await page.getByRole('combobox', { name: 'Organisation' }).click();
    await page.getByRole('option', { name: 'Latecomers Ltd' }).click();
    // The previous list stays on screen while the filtered one loads: wait for the filtered one.
    const others = async () => (await cards().evaluateAll((els) => els.map((e) => e.textContent ?? ''))).filter((t) => !t.includes('Latecomers Ltd'));
    await expect.poll(others, { timeout: 15_000 }).toEqual([]);
    await cards().filter({ hasText: 'Slowpoke Trading' }).first().waitFor();
    // This app's ledger is its in-process sandbox, so "Open in QuickBooks" opens the sandbox's own page, not app.qbo.intuit.com.
    await expect(cards().first().getByRole('link', { name: 'Open in QuickBooks' }).first().getAttribute('href')).resolves.toMatch(new RegExp(`^${arcus.url}/sandbox/qbo/app/tenant-[^/]+/(customers|invoices)/`));
  });

  it('shows the cash forecast with its band, last quarter against actual, and the backtest', { timeout: 120_000 }, async () => {
    await page.getByRole('link', { name: 'Cash forecast' }).click();
    await page.getByRole('heading', { name: 'Cash forecast', level: 2 }).waitFor();
    await page.getByRole('img', { name: /Portfolio: expected collections per week/ }).waitFor({ timeout: 60_000 });
    await page.getByTestId('last-quarter').locator('svg .recharts-line').first().waitFor();
    await expect(page.getByRole('paragraph').filter({ hasText: 'Expected in 13 weeks' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'worklist-forecast-portfolio');

    await page.getByRole('combobox', { name: 'Show' }).click();
    await page.getByRole('option', { name: 'Harbour Supplies' }).click();
    await page.getByRole('img', { name: /Harbour Supplies: expected collections per week/ }).waitFor({ timeout: 60_000 });
    const card = page.getByTestId('backtest-card');
    await card.getByText('Ranks late payers first (AUC, higher is better)').waitFor({ timeout: 60_000 });
    // Harbour Supplies is a Xero organisation: backtested by the no-fit method, nothing trained.
    await expect(card.textContent()).resolves.toMatch(/Method: fixed rules, nothing trained\. Each of the \d+ invoices issued since/);
    await screenshot(page, 'worklist-forecast-organisation');
  });

  it('puts risk and segment badges on the customer lists and pages, and the backtest on the organisation page', { timeout: 120_000 }, async () => {
    await page.goto(`${arcus.url}/organisations/${harbourId}`);
    await page.getByRole('heading', { name: 'Harbour Supplies', level: 2 }).waitFor();
    await page.getByTestId('backtest-card').getByText('Ranks late payers first (AUC, higher is better)').waitFor({ timeout: 60_000 });
    await screenshot(page, 'worklist-organisation-backtest');

    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { name: 'Customers', level: 2 }).waitFor();
    const panel = page.getByTestId('customer-risk-panel');
    await panel.waitFor({ timeout: 60_000 });
    const chronicRow = panel.getByRole('row').filter({ hasText: 'Chronic Late Co' });
    await expect(chronicRow.getByText('Chronic late', { exact: true }).isVisible()).resolves.toBe(true);
    await chronicRow.getByText(/^Risk \d+$/).hover();
    await page.getByRole('tooltip').getByText(/pays \d+ days late on average/).waitFor();
    await screenshot(page, 'worklist-customers-risk');
    await page.mouse.move(0, 0);

    await chronicRow.getByRole('link', { name: 'Chronic Late Co' }).click();
    await page.getByRole('heading', { name: 'Chronic Late Co', level: 2 }).waitFor();
    await page.getByTestId('customer-risk-line').waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('customer-risk-line').textContent()).resolves.toMatch(/Chronic late.*likely to pay the next invoice late/);
    await screenshot(page, 'worklist-customer-page-risk');
  });
});
