/**
 * The pay page in the customer's language (issue #20, decision 041), in Chromium: an English
 * organisation whose customer is set to French sees the page in French — words, dates
 * ("15 décembre 2026") and amounts ("1 840,00 €") — and can switch to another language, which
 * changes the words and formats at once. Desktop and 390 px screenshots:
 * test/artifacts/screenshots/pay-fr-*.png. The clock is pinned (ARCUS_NOW).
 */
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { contacts, invoices, organisations, reminderCustomers } from '../../server/db/schema';
import { ensureStatementLink, type PayLink } from '../../server/pay/links';
import type { Arcus } from '../../root/runtime';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const NOW = '2026-12-15T10:00:00Z';
const NNBSP = '\u202f';
const NBSP = '\u00a0';

describeWith(['pg', 'chromium'], 'The pay page in French', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let link: PayLink;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('pay-languages-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW });
    const db = database.db;
    const firmId = (await createFirm(database)).firm.id;
    // An English-speaking organisation (GB); the customer is French in Arcus.
    const [org] = await db.insert(organisations).values({ firmId, provider: 'xero', externalId: `tenant-${randomUUID()}`, name: 'Harbour Joinery Ltd', baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB' }).returning();
    const [contact] = await db.insert(contacts).values({ firmId, organisationId: org!.id, externalId: 'c-port', name: 'Café du Port SARL', emails: [{ address: 'compta@cafe-du-port.example', primary: true, includeInEmails: true }] }).returning();
    await db.insert(invoices).values([
      { firmId, organisationId: org!.id, externalId: `inv-${randomUUID()}`, contactExternalId: 'c-port', contactId: contact!.id, number: 'F-2041', issueDate: '2026-10-31', dueDate: '2026-11-30', currency: 'EUR', total: '1840.00', amountDue: '1840.00', status: 'authorised' },
      { firmId, organisationId: org!.id, externalId: `inv-${randomUUID()}`, contactExternalId: 'c-port', contactId: contact!.id, number: 'F-2055', issueDate: '2026-11-21', dueDate: '2026-12-21', currency: 'EUR', total: '320.50', amountDue: '320.50', status: 'authorised' },
    ]);
    await db.insert(reminderCustomers).values({ firmId, organisationId: org!.id, contactExternalId: 'c-port', language: 'fr' });
    link = await ensureStatementLink(db, { firmId, organisationId: org!.id, contactExternalId: 'c-port' }, { appUrl: arcus.url, linkKey: arcus.config.payLinkKey });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 60_000);

  it('opens in the customer’s language: French words, dates and amounts', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(link.url);
    await page.getByRole('heading', { name: 'Harbour Joinery Ltd' }).waitFor();
    await page.getByText('Paiement à', { exact: true }).waitFor();
    await expect(page.getByTestId('pay-total').textContent()).resolves.toBe(`2${NNBSP}160,50${NBSP}€`);
    const table = page.getByRole('table', { name: 'Factures' });
    await table.getByRole('columnheader', { name: 'Échéance' }).waitFor();
    await table.getByRole('columnheader', { name: 'Montant dû' }).waitFor();
    await table.getByText('30 novembre 2026').waitFor();
    await table.getByText(`1${NNBSP}840,00${NBSP}€`).waitFor();
    await table.getByText('En retard').last().waitFor();
    await page.getByRole('button', { name: `Payer 2${NNBSP}160,50${NBSP}€` }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
    const body = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    expect(body).not.toMatch(/Payment to|Amount due|Overdue|Pay now|Invoices|\bDue\b|Dec 2026|€\d/);
    expect(await page.getByTestId('pay-language').inputValue()).toBe('fr');
    await expect(page.getByTestId('pay-language').locator('option:checked').textContent()).resolves.toBe('Français');
    await screenshot(page, 'pay-fr-desktop');
  });

  it('fits a 390 px phone, in French', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(link.url);
    await page.getByText('Paiement à', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Il y a un problème' }).click();
    await page.getByLabel('Quel est le problème').first().waitFor();
    await screenshot(page, 'pay-fr-mobile');
    // The whole table fits: nothing scrolls sideways inside it either.
    const tableOverflow = await page.getByRole('table', { name: 'Factures' }).evaluate((t) => t.scrollWidth - (t.parentElement?.clientWidth ?? t.scrollWidth));
    expect(tableOverflow).toBeLessThanOrEqual(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('switches language: German words and formats at once', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(link.url);
    await page.getByText('Paiement à', { exact: true }).waitFor();
    await page.getByTestId('pay-language').selectOption({ label: 'Deutsch' });
    await page.getByText('Zahlung an').waitFor();
    await expect(page.getByTestId('pay-total').textContent()).resolves.toBe(`2.160,50${NBSP}€`);
    await page.getByRole('table', { name: 'Rechnungen' }).getByText('30. November 2026').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(pageErrors).toEqual([]);
  });
});
