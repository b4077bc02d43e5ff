/**
 * The per-organisation backtest in Chromium (issue #21), at desktop width and at 390 px: on the
 * organisation page, the method in words (fixed rules for a Xero organisation, a trained model
 * for a QuickBooks one), the calibration chart with its counts and the measures in words; on a
 * customer's page, its recent predictions against what happened. No id, enum or machine date
 * on the cards, nothing wider than the screen.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { startTestApp } from '../support/app';
import { screenshot as fullPage, launchChromium, noSideways, SCREENSHOTS, signedInPage, VIEWPORTS } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';
import { seedHabits, seedOrg } from '../scoring/seed';

const NOW = '2026-11-23T10:00:00Z';
const TODAY = '2026-11-23';

describeWith(['pg', 'chromium'], 'the per-organisation backtest in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let firmId = '';
  let userId = '';
  const orgs: { xero: string; quickbooks: string } = { xero: '', quickbooks: '' };
  let lateCustomerId = '';

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('backtest-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    userId = made.user.id;
    const habits = [
      { externalId: 'late', name: 'Chronic Late Co', late: 25, jitter: 6, first: addDays(TODAY, -700), amount: 4200 },
      { externalId: 'prompt', name: 'Prompt Payers Inc', late: -4, jitter: 3, first: addDays(TODAY, -690), amount: 2500 },
      { externalId: 'steady', name: 'Steady & Sons', late: 2, jitter: 8, every: 21, first: addDays(TODAY, -650), amount: 1800 },
    ];
    const xero = await seedOrg(database.db, firmId, 'Harbour Books', { provider: 'xero' });
    orgs.xero = xero.id;
    await seedHabits(database.db, firmId, xero.id, habits, TODAY, 81);
    const qbo = await seedOrg(database.db, firmId, 'Quay Traders', { provider: 'quickbooks' });
    orgs.quickbooks = qbo.id;
    await seedHabits(database.db, firmId, qbo.id, habits, TODAY, 82);
    const contacts = await database.db.query.contacts.findMany({ where: (c, { and, eq }) => and(eq(c.organisationId, xero.id), eq(c.externalId, 'late')) });
    lateCustomerId = contacts[0]!.id;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  /** The whole page from the top, and the card on its own (readable at phone width). */
  async function shoot(page: Page, testId: string, name: string) {
    await page.getByTestId(testId).screenshot({ path: `${SCREENSHOTS}/${name}-card.png` });
    await page.evaluate(() => window.scrollTo(0, 0));
    await fullPage(page, name);
  }

  async function cardText(page: Page, testId: string): Promise<string> {
    const text = (await page.getByTestId(testId).innerText()).replace(/\s+/g, ' ');
    expect(describeIdentifiers(testId, text)).toEqual([]);
    return text;
  }

  for (const [name, viewport] of VIEWPORTS) {
    it(`shows a Xero organisation's backtest by the no-fit method, with the calibration chart (${name})`, { timeout: 120_000 }, async () => {
      const page = await signedInPage(browser, arcus, database, { userId, firmId }, { viewport, timeoutMs: 60_000 });
      await page.goto(`${arcus.url}/organisations/${orgs.xero}`);
      await page.getByRole('heading', { name: 'Harbour Books', level: 2 }).waitFor();
      const card = page.getByTestId('backtest-card');
      await card.getByTestId('calibration-chart').locator('svg .recharts-bar-rectangle').first().waitFor();
      const text = await cardText(page, 'backtest-card');
      expect(text).toMatch(/Method: fixed rules, nothing trained\. Each of the \d+ invoices issued since 23 May 2026/);
      expect(text).toContain('data from Xero is never used to train a model');
      expect(text).not.toMatch(/Trained on/);
      expect(text).toMatch(/Predicted chances of paying late were off by \d+\.\d percentage points on average/);
      expect(text).toMatch(/\d+% of pay dates fell inside the predicted range, which aims to hold 80% of them/);
      // The table under the chart gives each bin's count; they add up to the invoices tested.
      const tested = Number(/Each of the (\d+) invoices/.exec(text)![1]);
      const counts = await card.getByTestId('calibration-table').locator('tbody tr td:nth-child(2)').allInnerTexts();
      expect(counts.reduce((s, c) => s + Number(c), 0)).toBe(tested);
      expect(await noSideways(page)).toBe(true);
      await shoot(page, 'backtest-card', `backtest-organisation-xero-${name}`);
      await page.context().close();
    });

    it(`shows a QuickBooks organisation's backtest by its trained model (${name})`, { timeout: 120_000 }, async () => {
      const page = await signedInPage(browser, arcus, database, { userId, firmId }, { viewport, timeoutMs: 60_000 });
      await page.goto(`${arcus.url}/organisations/${orgs.quickbooks}`);
      await page.getByRole('heading', { name: 'Quay Traders', level: 2 }).waitFor();
      await page.getByTestId('calibration-chart').locator('svg .recharts-bar-rectangle').first().waitFor();
      const text = await cardText(page, 'backtest-card');
      expect(text).toMatch(/Method: a model trained on the \d+ invoices paid before 23 May 2026/);
      expect(await noSideways(page)).toBe(true);
      await page.context().close();
    });

    it(`shows a customer's recent predictions against what happened (${name})`, { timeout: 120_000 }, async () => {
      const page = await signedInPage(browser, arcus, database, { userId, firmId }, { viewport, timeoutMs: 60_000 });
      await page.goto(`${arcus.url}/customers/${lateCustomerId}`);
      await page.getByRole('heading', { name: 'Chronic Late Co', level: 2 }).waitFor();
      const card = page.getByTestId('customer-predictions');
      await card.waitFor();
      const text = await cardText(page, 'customer-predictions');
      expect(text).toMatch(/Fixed rules from this customer’s own history, nothing trained, as each invoice was issued since 23 May 2026\. \d+ of \d+ paid inside the predicted range\./);
      const rows = card.locator('tbody tr');
      expect(await rows.count()).toBeGreaterThan(2);
      // This customer pays about 25 days late: what happened says so, and the chance given was high.
      await expect(rows.first().getByText('late', { exact: true }).isVisible()).resolves.toBe(true);
      await expect(rows.first().innerText()).resolves.toMatch(/(9\d|>99)%/);
      expect(await noSideways(page)).toBe(true);
      await shoot(page, 'customer-predictions', `backtest-customer-${name}`);
      await page.context().close();
    });
  }
});
