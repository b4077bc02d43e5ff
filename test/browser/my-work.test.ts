/**
 * My work in Chromium (docs/decisions/023-assignment-and-my-work.md), the app's clock pinned to the
 * scoring fixture's day: a collector assigned customers of two organisations sees exactly those, in
 * the worklist's order, with a follow-up due — on a desktop and at 390 px without sideways scroll.
 */
import { randomUUID } from 'node:crypto';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { collectorTasks, customerAssignments, memberships, users } from '../../server/db/schema';
import { getWorklist } from '../../server/scoring/worklist';
import { buildFixture, NOW, type ScoringFixture, TODAY } from '../scoring/fixture';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'My work in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let fx: ScoringFixture;
  let calId: string;
  let expected: string[];

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    const db = database.db;
    const [cal] = await db.insert(users).values({ email: `cal-${randomUUID()}@firm.example`, name: 'Cal Collector', authProvider: 'test', authSubject: randomUUID() }).returning();
    calId = cal!.id;
    await db.insert(memberships).values({ firmId: fx.firmId, userId: calId, role: 'collector' });
    const mine = [
      { organisationId: fx.orgA.id, contactExternalId: 'chronic' },
      { organisationId: fx.orgA.id, contactExternalId: 'steady' },
      { organisationId: fx.orgB.id, contactExternalId: 'slow-1' },
      { organisationId: fx.orgB.id, contactExternalId: 'slow-2' },
    ];
    await db.insert(customerAssignments).values(mine.map((c) => ({ ...c, firmId: fx.firmId, userId: calId })));
    await db.insert(collectorTasks).values({ firmId: fx.firmId, organisationId: fx.orgB.id, contactExternalId: 'slow-1', title: 'Call back about the overdue invoices', dueOn: TODAY, assignedUserId: calId });
    const keys = new Set(mine.map((c) => `${c.organisationId}|${c.contactExternalId}`));
    expected = (await getWorklist(db, { firmId: fx.firmId, userId: fx.userId, role: 'admin' }, { now: NOW })).customers.filter((c) => keys.has(`${c.organisationId}|${c.contactExternalId}`)).map((c) => c.name);
    expect(expected).toHaveLength(4);
    arcus = await startTestApp('my-work-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  for (const [tag, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`a collector's My work lists their customers from two organisations in rank order (${tag})`, async () => {
      const { page } = await signInAs(browser, arcus, database, { userId: calId, firmId: fx.firmId }, viewport);
      await page.goto(`${arcus.url}/my-work`);
      await page.getByRole('heading', { name: 'My work' }).waitFor();
      const names = page.getByTestId('worklist-customer-name');
      await expect.poll(() => names.count(), { timeout: 30_000 }).toBe(4);
      expect(await names.allInnerTexts()).toEqual(expected);
      const body = await page.locator('body').innerText();
      expect(body).toContain('Harbour Supplies');
      expect(body).toContain('Latecomers Ltd');
      expect(body).not.toContain('Prompt Payers Inc');
      expect(body).not.toContain('Slow Three');
      await page.getByTestId('my-work-follow-ups').getByText('Call back about the overdue invoices').waitFor();
      expect(body).not.toMatch(/chronic_late|round_robin|\bcollector\b|[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await screenshot(page, `my-work-${tag}`);
      await page.close();
    }, 60_000);
  }
});
