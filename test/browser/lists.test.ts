/**
 * No dead ends, in Chromium at desktop width: a worklist longer than a page is paged (every
 * customer reachable, the total and the range shown); the Customers list searches by name or
 * email and sorts by its columns on the server, with each customer's risk; the sandbox's invoice
 * page is where "Open in Xero" leads in the demo.
 */
import { and, eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import { contacts } from '../../server/db/schema';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { launchBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { type Habit, seedHabits, seedOrg } from '../scoring/seed';

const TODAY = '2026-06-17';
const CUSTOMERS = 57;

describeWith(['pg', 'chromium'], 'paged worklist and searchable, sortable customers in Chromium', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const database = await testDatabase();
    const demo = await emptyDemoFirm(database.db);
    const org = await seedOrg(database.db, demo.firmId, 'Longlist Trading');
    const habits: Habit[] = Array.from({ length: CUSTOMERS }, (_, i) => ({
      externalId: `c${String(i + 1).padStart(2, '0')}`,
      name: `Customer ${String(i + 1).padStart(2, '0')} Ltd`,
      late: (i * 7) % 45,
      jitter: 3,
      every: 30,
      first: addDays(TODAY, -400 + i),
      amount: 500 + i * 40,
    }));
    await seedHabits(database.db, demo.firmId, org.id, habits, TODAY, 71);
    await database.db
      .update(contacts)
      .set({ emails: [{ address: 'payables@harbour-logistics.example', primary: true }] })
      .where(and(eq(contacts.organisationId, org.id), eq(contacts.externalId, 'c42')));
    arcus = await startTestApp('lists-ui', database, { ARCUS_NOW: `${TODAY}T12:00:00Z` });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  it('pages the worklist: 50 a page, the total and range shown, every customer reachable', { timeout: 120_000 }, async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Worklist' }).click();
    const cards = page.getByTestId('worklist-customer');
    await cards.first().waitFor({ timeout: 60_000 });
    const summary = page.getByTestId('worklist-summary');
    await expect(summary.textContent()).resolves.toMatch(new RegExp(`^${CUSTOMERS} customers with \\d+ open invoices · values in \\w{3} · showing 1–50$`));
    await expect(cards.count()).resolves.toBe(50);
    const firstPage = await page.getByTestId('worklist-customer-name').allTextContents();
    await screenshot(page, 'lists-worklist-page-1');

    await page.getByRole('navigation', { name: 'Worklist pages', exact: true }).getByRole('button', { name: '2' }).click();
    await summary.getByText(`showing 51–${CUSTOMERS}`).waitFor();
    await expect(cards.count()).resolves.toBe(CUSTOMERS - 50);
    const secondPage = await page.getByTestId('worklist-customer-name').allTextContents();
    // Every customer once across the two pages.
    expect(new Set([...firstPage, ...secondPage]).size).toBe(CUSTOMERS);
    await screenshot(page, 'lists-worklist-page-2');

    await page.getByRole('navigation', { name: 'Worklist pages', exact: true }).getByRole('button', { name: 'Previous page' }).click();
    await summary.getByText('showing 1–50').waitFor();
    await expect(page.getByTestId('worklist-customer-name').first().textContent()).resolves.toBe(firstPage[0]);
  });

  it('searches customers by name or email and sorts by risk and name on the server', { timeout: 120_000 }, async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Customers' }).click();
    const table = page.getByRole('table', { name: 'Customers' });
    await table.waitFor({ timeout: 60_000 });
    const headers = await table.locator('thead th').allTextContents();
    expect(headers[1]).toMatch(/^Risk/);
    const rows = table.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(CUSTOMERS);
    // Every customer carries a risk band and score.
    const risks = await rows.locator('td:nth-child(2)').allTextContents();
    expect(risks.every((t) => /^(High|Elevated|Moderate|Low) · \d{1,3}$/.test(t))).toBe(true);

    // Sort by risk: highest first, then lowest first.
    const score = (t: string) => Number(t.split(' · ')[1]);
    const riskHeader = table.locator('thead').getByRole('button', { name: /^Risk/ });
    const scores = async () => (await rows.locator('td:nth-child(2)').allTextContents()).map(score);
    const sorted = (list: number[], dir: 1 | -1) => list.every((v, i) => i === 0 || (v - list[i - 1]!) * dir >= 0);
    await riskHeader.click();
    await table.locator('th[aria-sort="descending"]', { hasText: 'Risk' }).waitFor();
    await expect.poll(async () => sorted(await scores(), -1), { timeout: 20_000 }).toBe(true);
    expect(new Set(await scores()).size).toBeGreaterThan(1);
    await screenshot(page, 'lists-customers-by-risk');
    await riskHeader.click();
    await table.locator('th[aria-sort="ascending"]', { hasText: 'Risk' }).waitFor();
    await expect.poll(async () => sorted(await scores(), 1), { timeout: 20_000 }).toBe(true);

    // Sort by name (first click: Z→A, then A→Z).
    const nameHeader = table.locator('thead').getByRole('button', { name: 'Customer', exact: true });
    await nameHeader.click();
    await expect.poll(() => rows.first().locator('td').first().textContent(), { timeout: 20_000 }).toBe(`Customer ${CUSTOMERS} Ltd`);

    // Search by name, then by email.
    const search = page.getByRole('textbox', { name: 'Search customers by name or email' });
    await search.fill('customer 1');
    await page.getByTestId('search-count').getByText('10 of 57 customers match “customer 1”').waitFor();
    const names = await rows.locator('td:first-child').allTextContents();
    expect(names).toHaveLength(10);
    expect(names.every((n) => n.startsWith('Customer 1'))).toBe(true);
    await screenshot(page, 'lists-customers-search-name');
    await search.fill('HARBOUR-LOGISTICS');
    await page.getByTestId('search-count').getByText('1 of 57 customers match “HARBOUR-LOGISTICS”').waitFor();
    await expect(rows.locator('td:first-child').allTextContents()).resolves.toEqual(['Customer 42 Ltd']);
    await screenshot(page, 'lists-customers-search-email');
    await search.fill('nobody at all');
    await page.getByTestId('no-search-match').waitFor();
    await expect(page.getByTestId('no-search-match').textContent()).resolves.toBe('No customer’s name or email contains “nobody at all”.');
  });

  it("the customer's ledger link opens the sandbox's page in the demo", { timeout: 60_000 }, async () => {
    // The seeded organisation is not a sandbox company, so a demo company is used: its invoice page.
    const sandbox = arcus.sandbox!.sandbox;
    const company = [...sandbox.ctx.store.companies.values()].find((c) => c.provider === 'xero')!;
    const inv = sandbox.ctx.store.list('invoices', company.id).find((i) => i.status === 'PAID' || i.status === 'AUTHORISED')!;
    sandbox.ctx.store.addHistory(company.id, inv.id, 'Arcus: reminder 1 sent to <accounts@example.com> & noted');
    await page.goto(`${arcus.url}/sandbox/xero/app/${company.id}/invoices/${inv.id}`);
    await page.getByRole('heading', { name: `Invoice ${inv.number}` }).waitFor();
    await page.getByText('Arcus: reminder 1 sent to <accounts@example.com> & noted').waitFor();
    await screenshot(page, 'lists-sandbox-invoice-page');
    await page.getByRole('link', { name: sandbox.ctx.store.contact(company.id, inv.contactId).name }).click();
    await page.getByRole('heading', { name: sandbox.ctx.store.contact(company.id, inv.contactId).name }).waitFor();
    await expect(page.getByRole('link', { name: inv.number }).count()).resolves.toBe(1);
    await screenshot(page, 'lists-sandbox-contact-page');
  });
});
