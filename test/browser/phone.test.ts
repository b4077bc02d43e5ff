/**
 * A phone that works (issue #15): the worklist, a customer page, approvals and the reminders pages
 * at 390 px wide — the page never scrolls sideways, and no button or badge is cut off at the right
 * edge. Screenshots of each at phone size.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, todayIn } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import { contacts } from '../../server/db/schema';
import { seedHabits, seedOrg } from '../scoring/seed';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { launchBrowser, screenshot } from '../support/browser';
import { describeIdentifiers } from '../support/identifier-shapes';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { and, eq } from 'drizzle-orm';

const WIDTH = 390;

/** What sticks out of a 390 px page: the page's own overflow, and visible controls past the right edge. */
async function overflow(page: Page): Promise<{ scrollWidth: number; cut: string[]; wide: string[] }> {
  return page.evaluate((width) => {
    const cut: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('button, a, [class*="Badge"], input, [role="tab"]')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // Inside a horizontally scrolling box (a wide table) is fine: that box scrolls, the page does not.
      let inScroller = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if ((o === 'auto' || o === 'scroll') && p.scrollWidth > p.clientWidth) inScroller = true;
      }
      // Wholly off screen (the navigation drawer while closed) is not cut; partly off screen is.
      const partly = (r.left < width && r.right > width + 1) || (r.right > 0 && r.left < -1);
      if (!inScroller && partly) cut.push(`${el.tagName.toLowerCase()} “${(el.textContent ?? el.getAttribute('aria-label') ?? '').trim().slice(0, 40)}” ${Math.round(r.left)}–${Math.round(r.right)}`);
    }
    // A badge squeezed until its words end in an ellipsis is cut too.
    for (const el of document.querySelectorAll<HTMLElement>('[class*="Badge-label"]')) {
      if (el.getBoundingClientRect().width > 0 && el.scrollWidth > el.clientWidth + 1) cut.push(`badge “${(el.textContent ?? '').trim()}” squeezed to ${el.clientWidth} px`);
    }
    // When the page is wider than the screen, name the widest things that stick out (so a failure says where).
    const wide: string[] = [];
    if (document.documentElement.scrollWidth > width) {
      for (const el of document.querySelectorAll<HTMLElement>('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > width + 1 && r.width > 0 && ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1)) wide.push(`${el.tagName.toLowerCase()}.${(el.className || '').toString().split(' ')[0]} “${(el.textContent ?? '').trim().slice(0, 30)}” to ${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, cut, wide: wide.slice(0, 5) };
  }, WIDTH);
}

describeWith(['pg', 'chromium'], 'at a phone’s width (390 px)', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let customerId: string;

  beforeAll(async () => {
    const database = await testDatabase();
    const db = database.db;
    const demo = await emptyDemoFirm(db);
    const today = todayIn('UTC');
    const org = await seedOrg(db, demo.firmId, 'Harbour Supplies International');
    await seedHabits(
      db,
      demo.firmId,
      org.id,
      [
        { externalId: 'chronic', name: 'Chronic Late Company of Great Britain', late: 28, jitter: 5, first: addDays(today, -700), amount: 4200 },
        { externalId: 'prompt', name: 'Prompt Payers Inc', late: -4, jitter: 3, first: addDays(today, -690), amount: 2500 },
      ],
      today,
      71,
    );
    const [c] = await db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.organisationId, org.id), eq(contacts.externalId, 'chronic')));
    customerId = c!.id;
    arcus = await startTestApp('phone-ui', database);
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.setViewportSize({ width: WIDTH, height: 844 });
    page.setDefaultTimeout(20_000);
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio', level: 2 }).waitFor();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  const pages: { name: string; path: () => string; ready: (p: Page) => Promise<unknown> }[] = [
    { name: 'worklist', path: () => '/worklist', ready: (p) => p.getByTestId('worklist-customer').first().waitFor() },
    { name: 'customer', path: () => `/customers/${customerId}`, ready: (p) => p.getByRole('heading', { name: 'Chronic Late Company of Great Britain', level: 2 }).waitFor() },
    { name: 'approvals', path: () => '/approvals', ready: (p) => p.getByRole('heading', { name: 'Approvals', level: 2 }).waitFor() },
    { name: 'reminders', path: () => '/reminders', ready: (p) => p.getByRole('heading', { name: 'Reminders', level: 2 }).waitFor() },
    { name: 'reminders-outbox', path: () => '/reminders/outbox', ready: (p) => p.getByRole('heading', { name: 'Reminders', level: 2 }).waitFor() },
    { name: 'reminders-policies', path: () => '/reminders/policies', ready: (p) => p.getByRole('heading', { name: 'Reminders', level: 2 }).waitFor() },
    { name: 'reminders-templates', path: () => '/reminders/templates', ready: (p) => p.getByRole('heading', { name: 'Reminders', level: 2 }).waitFor() },
    { name: 'reminders-settings', path: () => '/reminders/settings', ready: (p) => p.getByRole('heading', { name: 'Reminders', level: 2 }).waitFor() },
  ];

  for (const target of pages) {
    it(`${target.name}: nothing scrolls sideways or is cut off`, async () => {
      await page.goto(`${arcus.url}${target.path()}`);
      await target.ready(page);
      await page.waitForLoadState('networkidle');
      const full = await screenshot(page, `phone-${target.name}`);
      // And the first screen as a phone shows it.
      await page.screenshot({ path: full.replace(/\.png$/, '-top.png') });
      const seen = await overflow(page);
      expect(seen.cut).toEqual([]);
      expect(seen.scrollWidth, seen.wide.join('; ')).toBeLessThanOrEqual(WIDTH);
      // And nothing on it reads like an internal identifier, code or ISO date.
      expect(describeIdentifiers(target.name, await page.locator('body').innerText())).toEqual([]);
    });
  }
});
