/**
 * Decision 056's screens in Chromium, at desktop (1280) and phone (390 px) width:
 * - Settings › Collections › Declined card retries: an administrator reads the default (1, 3, 7),
 *   a schedule past 30 days is refused in words beside the field, then 2, 5 and 10 is saved and
 *   read back in words (and stored);
 * - the customer page's Autopay card: a collector pauses autopay after a confirmation in words, sees
 *   it paused ("Paused by a collector") with "Resume autopay", resumes it after its own
 *   confirmation; a viewer sees the card but none of the buttons.
 * No identifier or enum value on screen; nothing wider than the window. Screenshots in
 * test/artifacts/screenshots/autopay-pause-retries-*.
 */
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { autopayMandates, firms, memberships, savedPaymentMethods, users } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { launchChromium, noSideways, SCREENSHOTS, screenshot as take, signedInPage, VIEWPORTS } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { seedFirm } from '../support/firm-data';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return take(page, name);
}

/** Words only: no identifier-shaped token and no enum or key a person should not read. */
async function expectPlainWords(where: string, text: string): Promise<void> {
  expect(describeIdentifiers(where, text)).toEqual([]);
  expect(text, where).not.toMatch(/\bretryDays\b|\bmandate\b|\bpausedReason\b|\bcard_declined\b/);
  const bare = text.split(/\n|:\s/).map((l) => l.trim()).filter((l) => /^(invoices|plan|active|paused|cancelled|collector|debtor)$/.test(l));
  expect(bare, where).toEqual([]);
}

/** The element fits the window: no part of it off to the side, nothing inside scrolling sideways. */
async function fits(el: Locator, width: number): Promise<void> {
  const box = await el.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(width);
  expect(await el.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
}

describeWith(['pg', 'chromium'], 'Declined card retries and pausing autopay, in the browser', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: Browser;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('autopay-pause-retries-ui', database, { ARCUS_NOW: '2026-03-01T10:00:00Z' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  /** A firm of its own (an administrator, a collector, a viewer), one customer on autopay with a saved card. */
  async function firmOnAutopay(tag: string) {
    const { firm, user: admin } = await createFirm(database, 'admin');
    const a = await seedFirm(database.db, firm.id, tag);
    await database.db.update(savedPaymentMethods).set({ status: 'active', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2029, savedAt: new Date('2026-02-01T10:00:00Z') }).where(eq(savedPaymentMethods.organisationId, a.orgId));
    const people: Record<'collector' | 'viewer', { userId: string; firmId: string }> = {} as never;
    for (const role of ['collector', 'viewer'] as const) {
      const s = `${role}-${Math.random().toString(36).slice(2, 10)}`;
      const [u] = await database.db.insert(users).values({ email: `${s}@firm.example`, name: `${role} ${s}`, authProvider: 'test', authSubject: s }).returning();
      await database.db.insert(memberships).values({ firmId: firm.id, userId: u!.id, role });
      people[role] = { userId: u!.id, firmId: firm.id };
    }
    return { a, admin: { userId: admin.id, firmId: firm.id }, ...people };
  }

  for (const [name, viewport] of VIEWPORTS) {
    it(`${name}: an administrator sets the retry days (a bad schedule refused in words first); a collector pauses and resumes autopay; a viewer cannot`, { timeout: 120_000 }, async () => {
      const { a, admin, collector, viewer } = await firmOnAutopay(`Pause ${name}`);

      // Settings › Collections: the default, a schedule past 30 days refused beside the field, then saved.
      const settings = await signedInPage(browser, arcus, database, admin, { viewport });
      await settings.goto(`${arcus.url}/settings/collections`);
      const retries = settings.getByTestId('retry-schedule');
      await retries.getByText('Declined card payments are tried again 1, 3 and 7 days after the first failure, then autopay pauses.').waitFor();
      const days = retries.getByLabel('Days after a failed charge');
      expect(await days.inputValue()).toBe('1, 3, 7');
      await days.fill('2, 40');
      await retries.getByRole('button', { name: 'Save retry days' }).click();
      await retries.getByText('A retry is at most 30 days after the first failure.').waitFor();
      expect(await days.getAttribute('aria-invalid')).toBe('true');
      await retries.scrollIntoViewIfNeeded();
      await fits(retries, viewport.width);
      await retries.screenshot({ path: path.join(SCREENSHOTS, `autopay-pause-retries-${name}-1-settings-error.png`) });
      await expectPlainWords(`${name} settings, error`, await retries.innerText());
      const [before] = await database.db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, admin.firmId));
      expect((before!.settings as { autopay?: unknown } | null)?.autopay).toBeUndefined();

      await days.fill('2, 5, 10');
      await retries.getByRole('button', { name: 'Save retry days' }).click();
      await retries.getByTestId('retry-schedule-summary').getByText('Declined card payments are tried again 2, 5 and 10 days after the first failure, then autopay pauses.').waitFor();
      expect(await retries.getByText('A retry is at most 30 days after the first failure.').count()).toBe(0);
      const [after] = await database.db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, admin.firmId));
      expect((after!.settings as { autopay: { retryDays: number[] } }).autopay.retryDays).toEqual([2, 5, 10]);
      await settings.reload();
      expect(await settings.getByTestId('retry-schedule').getByLabel('Days after a failed charge').inputValue()).toBe('2, 5, 10');
      await retries.scrollIntoViewIfNeeded();
      await fits(retries, viewport.width);
      await retries.screenshot({ path: path.join(SCREENSHOTS, `autopay-pause-retries-${name}-2-settings-saved.png`) });
      await screenshot(settings, `autopay-pause-retries-${name}-2b-settings-page`);
      await settings.context().close();

      // The customer page: a collector pauses autopay, after a confirmation in words.
      const staff = await signedInPage(browser, arcus, database, collector, { viewport });
      await staff.goto(`${arcus.url}/customers/${a.contactId}`);
      const card = staff.getByTestId('customer-autopay');
      await expect.poll(() => card.isVisible(), { timeout: 20_000 }).toBe(true);
      await expect.poll(() => card.innerText()).toContain('On for invoices as they fall due');
      expect(await card.getByRole('button', { name: 'Resume autopay' }).count()).toBe(0);
      await card.scrollIntoViewIfNeeded();
      await card.screenshot({ path: path.join(SCREENSHOTS, `autopay-pause-retries-${name}-3-customer-on.png`) });
      await card.getByRole('button', { name: 'Pause autopay' }).click();
      const dialog = staff.getByRole('dialog', { name: 'Pause autopay?' });
      await dialog.getByText('While autopay is paused, no card payment is taken and a failed payment is not tried again.', { exact: false }).waitFor();
      await expectPlainWords(`${name} pause confirmation`, await dialog.innerText());
      expect(await noSideways(staff)).toBe(true);
      await screenshot(staff, `autopay-pause-retries-${name}-4-pause-confirm`);
      // Nothing changes until it is confirmed.
      expect((await database.db.select({ s: autopayMandates.status }).from(autopayMandates).where(eq(autopayMandates.organisationId, a.orgId)))[0]!.s).toBe('active');
      await dialog.getByRole('button', { name: 'Pause autopay' }).click();
      await expect.poll(() => card.innerText(), { timeout: 20_000 }).toContain('Invoices as they fall due: Paused by a collector');
      await card.getByText('Autopay is paused for this customer', { exact: false }).waitFor();
      expect(await card.getByRole('button', { name: 'Pause autopay' }).count()).toBe(0);
      expect((await database.db.select({ s: autopayMandates.status }).from(autopayMandates).where(eq(autopayMandates.organisationId, a.orgId)))[0]!.s).toBe('paused');
      await expectPlainWords(`${name} customer page, paused`, await staff.locator('body').innerText());
      expect(await noSideways(staff)).toBe(true);
      await card.scrollIntoViewIfNeeded();
      await card.screenshot({ path: path.join(SCREENSHOTS, `autopay-pause-retries-${name}-5-customer-paused.png`) });
      await screenshot(staff, `autopay-pause-retries-${name}-5b-customer-page-paused`);

      // A viewer sees it paused, and no button to change it.
      const reader = await signedInPage(browser, arcus, database, viewer, { viewport });
      await reader.goto(`${arcus.url}/customers/${a.contactId}`);
      const seen = reader.getByTestId('customer-autopay');
      await expect.poll(() => seen.innerText(), { timeout: 20_000 }).toContain('Paused by a collector');
      expect(await seen.getByRole('button').count()).toBe(0);
      await seen.scrollIntoViewIfNeeded();
      await seen.screenshot({ path: path.join(SCREENSHOTS, `autopay-pause-retries-${name}-6-viewer.png`) });
      await reader.context().close();

      // Resumed, after its own confirmation.
      await card.getByRole('button', { name: 'Resume autopay' }).click();
      const resume = staff.getByRole('dialog', { name: 'Resume autopay?' });
      await resume.getByText('The saved card will be charged again as payments fall due.', { exact: false }).waitFor();
      await expectPlainWords(`${name} resume confirmation`, await resume.innerText());
      expect(await noSideways(staff)).toBe(true);
      await screenshot(staff, `autopay-pause-retries-${name}-7-resume-confirm`);
      await resume.getByRole('button', { name: 'Resume autopay' }).click();
      await expect.poll(() => card.innerText(), { timeout: 20_000 }).toContain('On for invoices as they fall due');
      await card.getByText('Autopay is back on', { exact: false }).waitFor();
      expect((await database.db.select({ s: autopayMandates.status }).from(autopayMandates).where(eq(autopayMandates.organisationId, a.orgId)))[0]!.s).toBe('active');
      await card.scrollIntoViewIfNeeded();
      await card.screenshot({ path: path.join(SCREENSHOTS, `autopay-pause-retries-${name}-8-customer-resumed.png`) });
      await staff.context().close();
    });
  }
});
