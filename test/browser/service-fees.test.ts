/**
 * "Service & fees" and Fees in Chromium, as a manager, at desktop width and at 390 px: the plan
 * form refuses a bad percentage in words, the plan is saved with the practice ledger's customer
 * suggested by name, July's fee is worked out (10% of 500.00 = 50.00, floor 75.00) and approved;
 * the firm's Fees list shows it. No id, key or ISO date on the pages.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { contacts, memberships, organisations, users } from '../../server/db/schema';
import { FeePlanSchema } from '../../server/fees/core';
import { setFeePlan, setPracticeLedger } from '../../server/fees/plans';
import { computeStatements } from '../../server/fees/statements';
import { seedReportClient } from '../reports/seed';
import { startTestApp } from '../support/app';
import { launchChromium, screenshot, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Service & fees in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let client: Awaited<ReturnType<typeof seedReportClient>>;
  let other: Awaited<ReturnType<typeof seedReportClient>>;
  let firmId = '';
  let managerId = '';
  const now = new Date('2026-08-10T12:00:00Z');

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('service-fees-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: now.toISOString() });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    client = await seedReportClient(database, firmId);
    other = await seedReportClient(database, firmId);
    const [practice] = await database.db.insert(organisations).values({ firmId, provider: 'xero', externalId: `practice-${firmId.slice(0, 6)}`, name: 'Our Practice Ltd', baseCurrency: 'USD', timezone: 'America/New_York' }).returning();
    await database.db.insert(contacts).values([
      { firmId, organisationId: practice!.id, externalId: 'pc-1', name: client.name, emails: [], isCustomer: true },
      { firmId, organisationId: practice!.id, externalId: 'pc-2', name: other.name, emails: [], isCustomer: true },
    ]);
    await setPracticeLedger(database.db, { firmId, organisationId: practice!.id, userId: null, now });
    // The other client already has a mixed plan and a worked-out July, for the phone-width views.
    const plan = FeePlanSchema.parse({
      components: [
        { type: 'fixed', amount: '250' },
        { type: 'tiered', measure: 'invoices', bands: [{ upTo: 50, amount: '100' }, { upTo: null, amount: '200' }] },
        { type: 'kpi_bonus', perDay: '5', sustainMonths: 3 },
      ],
    });
    await setFeePlan(database.db, { firmId, organisationId: other.organisationId, userId: null, input: { plan, ledgerContactId: 'pc-2' }, now });
    await computeStatements(database.db, { firmId, month: '2026-07', now, organisationId: other.organisationId });
    const [m] = await database.db.insert(users).values({ email: `fees-manager-${firmId.slice(0, 8)}@firm.example`, name: 'Maya Manager', authProvider: 'test', authSubject: `fees-manager-${firmId}` }).returning();
    await database.db.insert(memberships).values({ firmId, userId: m!.id, role: 'manager' });
    managerId = m!.id;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (userId: string, width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId, firmId }, { viewport: { width, height: 900 } });

  it('sets a plan, works out July’s fee and approves it (desktop)', async () => {
    const page = await pageAs(managerId, 1280);
    await page.goto(`${arcus.url}/organisations/${client.organisationId}`);
    await page.getByRole('link', { name: 'Service & fees' }).click();
    await page.getByRole('heading', { name: `${client.name}: service & fees` }).waitFor();
    expect(await page.getByRole('link', { name: 'Monthly report' }).getAttribute('href')).toBe(`/organisations/${client.organisationId}/report`);
    await page.getByRole('combobox', { name: 'Add a part' }).click();
    await page.getByRole('option', { name: 'Share of cash collected through Arcus' }).click();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('textbox', { name: 'Percentage' }).fill('ten');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('Enter a percentage such as 7.5.').waitFor();
    await page.getByRole('textbox', { name: 'Percentage' }).fill('10');
    await page.getByRole('textbox', { name: 'At least (USD)' }).fill('75.00');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('The plan is saved.').waitFor();
    await page.getByText(`Invoices go to ${client.name} in Our Practice Ltd.`).waitFor();
    await page.getByRole('button', { name: 'Work out the fee' }).click();
    await page.getByText('75.00 USD').first().waitFor();
    const body = await page.locator('body').innerText();
    expect(body).toContain('10% of 500.00 USD collected through Arcus this month = 50.00 USD. That is below the floor, so the floor of 75.00 USD applies.');
    expect(body).toContain('Draft: waiting for approval');
    expect(describeIdentifiers('the service & fees page', body)).toEqual([]);
    await screenshot(page, 'service-fees-desktop');
    await page.getByRole('button', { name: 'Approve and invoice' }).click();
    await page.getByText(/^Approved: the invoice/).waitFor();

    await page.goto(`${arcus.url}/fees?month=2026-07`);
    await page.getByRole('heading', { name: 'July 2026' }).waitFor();
    await page.getByRole('link', { name: client.name }).waitFor();
    const list = await page.locator('body').innerText();
    expect(await page.getByRole('combobox', { name: 'Practice ledger' }).inputValue()).toBe('Our Practice Ltd');
    expect(list).toMatch(/Approved: the invoice/);
    expect(list).toContain('75.00 USD');
    expect(describeIdentifiers('the fees page', list)).toEqual([]);
    await screenshot(page, 'fees-desktop');
    await page.context().close();
  });

  it('reads at 390 px: a mixed plan’s statement and the Fees list', async () => {
    const page = await pageAs(managerId, 390);
    await page.goto(`${arcus.url}/organisations/${other.organisationId}/fees?month=2026-07`);
    await page.getByRole('heading', { name: 'Fee for July 2026' }).waitFor();
    await page.getByText('A fixed 250.00 USD a month.').waitFor();
    const body = await page.locator('body').innerText();
    expect(body).toContain('1 invoice chased this month, in the band for 0 to 50 invoices: 100.00 USD.');
    expect(body).toContain('No bonus');
    expect(body).toContain('350.00 USD');
    expect(describeIdentifiers('the service & fees page', body)).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'service-fees-phone');
    await page.goto(`${arcus.url}/fees?month=2026-07`);
    await page.getByRole('link', { name: other.name }).waitFor();
    await screenshot(page, 'fees-phone');
    await page.context().close();
  });
});
