/**
 * The monthly client report in Chromium, as a manager (staff route) and as the organisation's
 * client contact (from their navigation), at desktop width and at 390 px. Figures hand-computed in
 * test/reports/seed.ts; no id, key or ISO date on the page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { memberships, users } from '../../server/db/schema';
import { seedReportClient } from '../reports/seed';
import { startTestApp } from '../support/app';
import { launchChromium, screenshot, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'The monthly client report in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let client: Awaited<ReturnType<typeof seedReportClient>>;
  let firmId = '';
  let managerId = '';

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('client-report-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-08-10T12:00:00Z' });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    client = await seedReportClient(database, firmId);
    const [m] = await database.db.insert(users).values({ email: `manager-${firmId.slice(0, 8)}@firm.example`, name: 'Maya Manager', authProvider: 'test', authSubject: `manager-${firmId}` }).returning();
    await database.db.insert(memberships).values({ firmId, userId: m!.id, role: 'manager' });
    managerId = m!.id;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (userId: string, width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId, firmId }, { viewport: { width, height: 900 } });

  async function checkReport(page: Page) {
    await page.getByText('Key figures against baseline and target').waitFor();
    await expect(page.getByRole('heading', { name: `${client.name}: July 2026` })).toBeTruthy();
    const body = await page.locator('body').innerText();
    expect(body).toContain(`${client.name}: July 2026`);
    expect(body).toContain('92.00 days');
    expect(body).toContain('46.00 days');
    expect(body).toContain('−46.00 days');
    expect(body).toContain('US$500.00');
    expect(body).toContain('After reminders');
    expect(describeIdentifiers('the report page', body)).toEqual([]);
  }

  for (const [label, width] of [
    ['desktop', 1280],
    ['phone', 390],
  ] as const) {
    it(`shows a manager the report (${label})`, async () => {
      const page = await pageAs(managerId, width);
      await page.goto(`${arcus.url}/organisations/${client.organisationId}/report?month=2026-07`);
      await checkReport(page);
      await screenshot(page, `client-report-manager-${label}`);
      await page.context().close();
    });

    it(`shows the client contact the report from their navigation (${label})`, async () => {
      const page = await pageAs(client.contactUserId, width);
      await page.goto(`${arcus.url}/`);
      await page.getByRole('tab', { name: 'Monthly report' }).click();
      await checkReport(page);
      await screenshot(page, `client-report-contact-${label}`);
      await page.context().close();
    });
  }
});
