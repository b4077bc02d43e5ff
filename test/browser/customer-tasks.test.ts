/**
 * Adding a task on the customer page in Chromium (docs/decisions/025), the app's clock pinned to
 * the scoring fixture's day: a collector opens a customer, is told in words what the empty form
 * lacks, adds a call about one of the customer's invoices due today, finds it under My work's
 * "Tasks due", and closes it on the customer page with an outcome (a skip without a reason is
 * refused in words). The form at 390 px fits without sideways scroll.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { collectorTasks, contacts, memberships, users } from '../../server/db/schema';
import { buildFixture, NOW, type ScoringFixture, TODAY } from '../scoring/fixture';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Tasks on the customer page in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let fx: ScoringFixture;
  let calId: string;
  let customerId: string;

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    const db = database.db;
    const [cal] = await db.insert(users).values({ email: `cal-${randomUUID().slice(0, 8)}@firm.example`, name: 'Cal Collector', authProvider: 'test', authSubject: randomUUID() }).returning();
    calId = cal!.id;
    await db.insert(memberships).values({ firmId: fx.firmId, userId: calId, role: 'collector' });
    const [c] = await db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.firmId, fx.firmId), eq(contacts.organisationId, fx.orgA.id), eq(contacts.externalId, 'chronic')));
    customerId = c!.id;
    arcus = await startTestApp('customer-tasks-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  async function pageAsCal(viewport: { width: number; height: number }): Promise<Page> {
    return (await signInAs(browser, arcus, database, { userId: calId, firmId: fx.firmId }, viewport, 20_000)).page;
  }

  it('the add-task form fits a phone and says what is missing in words (phone)', { timeout: 60_000 }, async () => {
    const page = await pageAsCal({ width: 390, height: 844 });
    await page.goto(`${arcus.url}/customers/${customerId}`);
    const log = page.getByTestId('collector-log');
    await log.getByRole('button', { name: 'Add task' }).waitFor();
    const sideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(await sideways()).toBe(true);
    await log.getByRole('button', { name: 'Add task' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a task for Chronic Late Co' });
    await dialog.getByRole('button', { name: 'Add task' }).click();
    await dialog.getByText('Say what is to be done.').waitFor();
    // The form lies within the screen.
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await dialog.getByText('Choose the day it is due.').waitFor();
    // Who does it: the collector themself by default, by name.
    expect(await dialog.getByRole('textbox', { name: 'Who does it' }).or(dialog.getByRole('combobox', { name: 'Who does it' })).first().inputValue()).toBe('Cal Collector (you)');
    await screenshot(page, 'customer-task-form-errors-phone');
    expect(await page.locator('body').innerText()).not.toMatch(/follow_up|[0-9a-f]{8}-[0-9a-f]{4}-/);
    await page.close();
  });

  it('a collector adds a call about an invoice, sees it in My work and marks it done with an outcome (desktop)', { timeout: 120_000 }, async () => {
    const page = await pageAsCal({ width: 1280, height: 800 });
    await page.goto(`${arcus.url}/customers/${customerId}`);
    const log = page.getByTestId('collector-log');
    await log.getByRole('button', { name: 'Add task' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a task for Chronic Late Co' });
    await dialog.getByLabel('What is to be done').fill('Ask for the remittance advice');
    await dialog.getByLabel('Due on').fill(TODAY);
    await dialog.getByRole('combobox', { name: 'About an invoice' }).click();
    const option = page.getByRole('option').first();
    const invoiceWords = (await option.innerText()).trim();
    expect(invoiceWords).toMatch(/^Invoice \S+$/);
    await option.click();
    await screenshot(page, 'customer-task-form-desktop');
    await dialog.getByRole('button', { name: 'Add task' }).click();
    await dialog.waitFor({ state: 'detached' });
    const task = log.getByTestId('follow-up').filter({ hasText: 'Call: Ask for the remittance advice' });
    await task.getByText('Today').waitFor();
    expect(await task.innerText()).toContain('Cal Collector');
    const [row] = await database.db.select().from(collectorTasks).where(eq(collectorTasks.firmId, fx.firmId));
    expect(row).toMatchObject({ kind: 'call', title: 'Ask for the remittance advice', dueOn: TODAY, status: 'open', assignedUserId: calId, contactExternalId: 'chronic', createdByUserId: calId });
    expect(row!.invoiceId).not.toBeNull();
    await screenshot(page, 'customer-task-listed-desktop');

    await page.goto(`${arcus.url}/my-work`);
    const due = page.getByTestId('my-work-follow-ups');
    await due.getByText('Call: Ask for the remittance advice').waitFor();
    await due.getByText('Chronic Late Co').first().waitFor();
    await screenshot(page, 'customer-task-my-work-desktop');

    await page.goto(`${arcus.url}/customers/${customerId}`);
    await task.getByRole('button', { name: 'Close “Ask for the remittance advice” with an outcome' }).click();
    const outcome = task.getByTestId('task-outcome');
    await outcome.getByRole('button', { name: 'Skip task' }).click();
    await outcome.getByText('Say why it is skipped.').waitFor();
    await outcome.getByLabel('What came of it').fill('They sent it the same afternoon.');
    await screenshot(page, 'customer-task-outcome-desktop');
    await outcome.getByRole('button', { name: 'Mark done' }).click();
    await log.getByText('No tasks.', { exact: false }).waitFor();
    await page.getByTestId('customer-activity').getByText('Call done: Ask for the remittance advice — They sent it the same afternoon.').waitFor();
    const [closed] = await database.db.select().from(collectorTasks).where(eq(collectorTasks.id, row!.id));
    expect(closed).toMatchObject({ status: 'done', outcome: 'They sent it the same afternoon.', doneByUserId: calId });

    await page.goto(`${arcus.url}/my-work`);
    await page.getByTestId('my-work-follow-ups').getByText('No tasks due today.').waitFor();
    await page.close();
  });
});
