/**
 * The action plan in Chromium (docs/decisions/025), the app's clock pinned to the scoring fixture's
 * day: an administrator opens a client's Targets tab, adds a step to a target assigned to a
 * collector, and marks it done; the target's steps read "1 of 1 steps done". Desktop width.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { collectorTasks, memberships, targets, users } from '../../server/db/schema';
import { buildFixture, NOW, type ScoringFixture, TODAY } from '../scoring/fixture';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'the action plan in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let fx: ScoringFixture;
  let targetId: string;

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    const db = database.db;
    const [cal] = await db.insert(users).values({ email: `cal-${randomUUID()}@firm.example`, name: 'Cal Collector', authProvider: 'test', authSubject: randomUUID() }).returning();
    await db.insert(memberships).values({ firmId: fx.firmId, userId: cal!.id, role: 'collector' });
    const [t] = await db
      .insert(targets)
      .values({ firmId: fx.firmId, organisationId: fx.orgA.id, metric: 'dso', baselineValue: '40', baselineDate: addDays(TODAY, -30), goalKind: 'absolute', goalValue: '30', dueDate: addDays(TODAY, 90) })
      .returning();
    targetId = t!.id;
    arcus = await startTestApp('action-plan-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  it('adds a step to a target, assigns it and marks it done (desktop)', { timeout: 90_000 }, async () => {
    const { page } = await signInAs(browser, arcus, database, { userId: fx.userId, firmId: fx.firmId });
    await page.goto(`${arcus.url}/organisations/${fx.orgA.id}`);
    await page.getByRole('tab', { name: 'Targets' }).click();
    const plan = page.getByTestId('action-plan-target');
    await plan.getByText('No steps yet.').waitFor();
    await plan.getByLabel('Step').fill('Call the ten largest debtors');
    await plan.getByRole('combobox', { name: 'Assignee' }).click();
    await page.getByRole('option', { name: 'Cal Collector' }).click();
    await plan.getByLabel('Deadline').fill(addDays(TODAY, 7));
    await plan.getByRole('button', { name: 'Add step' }).click();
    const step = plan.getByTestId('action-plan-step');
    await step.getByText('Review: Call the ten largest debtors').waitFor();
    await expect.poll(() => plan.getByTestId('action-plan-steps-done').textContent()).toBe('0 of 1 steps done');
    expect(await step.innerText()).toContain('Cal Collector');
    await step.getByLabel('Mark “Call the ten largest debtors” done').click();
    await expect.poll(() => plan.getByTestId('action-plan-steps-done').textContent(), { timeout: 15_000 }).toBe('1 of 1 steps done');
    const [row] = await database.db.select().from(collectorTasks).where(and(eq(collectorTasks.firmId, fx.firmId), eq(collectorTasks.targetId, targetId)));
    expect(row).toMatchObject({ status: 'done', title: 'Call the ten largest debtors', doneByUserId: fx.userId });
    await screenshot(page, 'action-plan-desktop');
    await page.close();
  });
});
