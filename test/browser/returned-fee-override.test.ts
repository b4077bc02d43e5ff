/**
 * Decision 056 in Chromium, at desktop width and at 390 px: an administrator sets one client's own
 * returned-payment fee where the client's collections settings are (Settings › Client defaults ›
 * Each client's settings): a bad amount is refused in words on its field, then "No fee" is saved
 * and shown as "Overridden for this client" beside the firm's fee, in force for that client only,
 * and reset again. Screenshots in test/artifacts/screenshots/returned-fee-override-*.
 */
import { and, eq } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { settingOverrides } from '../../server/db/schema';
import { effectiveReturnedFeePolicy } from '../../server/returns/policy';
import { buildFixture, NOW, type ScoringFixture } from '../scoring/fixture';
import { startTestApp } from '../support/app';
import { launchBrowser, noSideways, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const IDENTIFIERS = /[0-9a-f]{8}-[0-9a-f]{4}-|\b(returnedPaymentFee|enabled|percent|late_fee)\b/;
const VIEWPORTS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describeWith(['pg', 'chromium'], 'A client’s own returned-payment fee in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let fx: ScoringFixture;

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    arcus = await startTestApp('returned-fee-override-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  for (const [tag, viewport] of VIEWPORTS) {
    it(`an administrator gives a client “No fee”: a bad amount refused in words first, then overridden and in force for that client only, then reset (${tag})`, { timeout: 90_000 }, async () => {
      const { page, api } = await signInAs(browser, arcus, database, { userId: fx.userId, firmId: fx.firmId }, viewport, 20_000);
      expect((await api('/returned-payments/policy', { method: 'PUT', body: { enabled: true, amount: '25', cap: null, countries: ['GB', 'US'] } })).status).toBe(200);
      await api(`/settings/organisations/${fx.orgA.id}/reset`, { method: 'POST', body: { group: 'returnedPaymentFee' } });

      await page.goto(`${arcus.url}/settings/defaults`);
      await page.getByRole('combobox', { name: 'Client' }).click();
      await page.getByRole('option', { name: 'Harbour Supplies' }).click();
      const fee = page.getByTestId('client-setting').filter({ hasText: 'Returned-payment fee' });
      await fee.getByText('Firm default', { exact: true }).waitFor();
      await fee.getByText('A fee of 25.00 when a payment comes back, where the firm’s countries allow it').waitFor();
      await fee.getByRole('button', { name: 'Set for this client' }).click();

      const form = page.getByTestId('override-form');
      await form.getByText('Only Harbour Supplies follows this; every other client keeps the firm default.').waitFor();
      await form.getByLabel('Fee amount').fill('ten dollars');
      await form.getByRole('button', { name: 'Save for this client' }).click();
      await form.getByText(/^Enter an amount such as 25 or 12\.50/).waitFor();
      await screenshot(page, `returned-fee-override-error-${tag}`);
      expect(await page.getByRole('dialog').innerText()).not.toMatch(IDENTIFIERS);
      expect((await database.db.select().from(settingOverrides).where(and(eq(settingOverrides.organisationId, fx.orgA.id), eq(settingOverrides.settingGroup, 'returnedPaymentFee')))).length).toBe(0);

      await form.getByText('No fee', { exact: true }).click();
      await form.getByText('Nothing is charged when one of this client’s customers’ payments comes back.').waitFor();
      await screenshot(page, `returned-fee-override-form-${tag}`);
      await form.getByRole('button', { name: 'Save for this client' }).click();
      await fee.getByText('Overridden for this client').waitFor();
      await fee.getByText('No fee: nothing is charged when a payment comes back').waitFor();
      await fee.getByText('Firm default: A fee of 25.00 when a payment comes back, where the firm’s countries allow it').waitFor();
      await page.getByTestId('firm-default').filter({ hasText: 'Returned-payment fee' }).getByText('1 of 2 clients has its own setting.').waitFor();
      await screenshot(page, `returned-fee-override-set-${tag}`);
      expect(await noSideways(page)).toBe(true);
      expect(await page.locator('body').innerText()).not.toMatch(IDENTIFIERS);
      // In force for this client only: the returned-payment flow reads the effective policy.
      expect((await effectiveReturnedFeePolicy(database.db, fx.firmId, fx.orgA.id)).enabled).toBe(false);
      expect(await effectiveReturnedFeePolicy(database.db, fx.firmId, fx.orgB.id)).toMatchObject({ enabled: true, amount: '25' });

      await fee.getByRole('button', { name: 'Reset to default' }).click();
      await fee.getByText('Firm default', { exact: true }).waitFor();
      expect((await effectiveReturnedFeePolicy(database.db, fx.firmId, fx.orgA.id)).enabled).toBe(true);
      await page.close();
    });
  }
});
