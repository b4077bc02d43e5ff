/**
 * The debtor's pay page in Chromium at desktop (1280) and phone (390 px) width, with a statement of
 * several invoices (long numbers, large amounts, an early-payment discount):
 * - the invoice table stays inside its card: the page never scrolls sideways
 *   (document.documentElement.scrollWidth <= window.innerWidth), and at 390 px each invoice reads as
 *   a stacked row (number, due day, amount, state) with nothing cut off;
 * - autopay paused says who paused it, in the debtor's words: "Paused by you" (the debtor paused it),
 *   "Paused by <organisation>" (a collector paused it), "Paused after failed payments" (Arcus, after
 *   the last retry failed) — and the same in French.
 * Screenshots in test/artifacts/screenshots/pay-phone-*.
 */
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { pauseMandate } from '../../server/autopay/pause';
import type { Database } from '../../server/db/client';
import { autopayMandates, chargeAttempts, discountOffers, invoices, organisations, savedPaymentMethods } from '../../server/db/schema';
import { ensureStatementLink } from '../../server/pay/links';
import { startTestApp } from '../support/app';
import { launchChromium, noSideways, screenshot as take, VIEWPORTS } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { seedFirm } from '../support/firm-data';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return take(page, name);
}

const ORG = 'Harbour Joinery Ltd';

describeWith(['pg', 'chromium'], 'The pay page at phone width: the invoice table and who paused autopay', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: Browser;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('pay-phone-ui', database, { ARCUS_NOW: '2026-03-01T10:00:00Z' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  /** A customer with four open invoices on a statement link, a saved card and autopay on for invoices. */
  async function statementCustomer(tag: string) {
    const { firm } = await createFirm(database, 'collector');
    const a = await seedFirm(database.db, firm.id, tag);
    const db = database.db;
    await db.update(organisations).set({ name: ORG }).where(eq(organisations.id, a.orgId));
    await db.update(invoices).set({ status: 'authorised' }).where(eq(invoices.id, a.invoiceId));
    const extra = await db
      .insert(invoices)
      .values([
        { number: 'INV-2026-000417-REVISED', amount: '1234567.89', due: '2026-02-14' },
        { number: 'INV-2026-000452', amount: '98765.43', due: '2026-03-20' },
        { number: 'SUBSCRIPTION-RENEWAL-2026-Q2', amount: '12.50', due: '2026-04-30' },
      ].map((i, n) => ({ firmId: a.firmId, organisationId: a.orgId, externalId: `${a.invoiceExternalId}-extra-${n}`, number: i.number, contactExternalId: a.contactExternalId, issueDate: '2026-01-15', dueDate: i.due, currency: 'USD', total: i.amount, amountDue: i.amount, status: 'authorised' })))
      .returning();
    await db.insert(discountOffers).values({ firmId: a.firmId, organisationId: a.orgId, invoiceId: extra[1]!.id, rateBp: 200, discount: '1975.31', currency: 'USD', expiresOn: '2026-03-05' });
    await db.update(savedPaymentMethods).set({ status: 'active', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2029, savedAt: new Date('2026-02-01T10:00:00Z') }).where(eq(savedPaymentMethods.organisationId, a.orgId));
    const link = await ensureStatementLink(db, { firmId: a.firmId, organisationId: a.orgId, contactExternalId: a.contactExternalId }, { appUrl: arcus.url, linkKey: arcus.config.payLinkKey });
    return { a, url: link.url };
  }

  for (const [name, viewport] of VIEWPORTS) {
    it(`${name}: the invoice table fits the window, and paused autopay says who paused it`, { timeout: 120_000 }, async () => {
      const { a, url } = await statementCustomer(`Pay phone ${name}`);
      const page = await (await browser.newContext({ viewport })).newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(url);
      const table = page.getByRole('table', { name: 'Invoices' });
      await table.getByText('INV-2026-000417-REVISED').waitFor();

      // Nothing wider than the window: the page only scrolls down.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(await noSideways(page)).toBe(true);
      // Each invoice's number, amount and state are inside the window, not off to the right.
      for (const text of ['INV-2026-000417-REVISED', 'SUBSCRIPTION-RENEWAL-2026-Q2', '$1,234,567.89', '$12.50']) {
        const box = await table.getByText(text, { exact: false }).first().boundingBox();
        expect(box, text).not.toBeNull();
        expect(box!.x, text).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, text).toBeLessThanOrEqual(viewport.width);
      }
      const rows = table.locator('tbody tr');
      expect(await rows.count()).toBe(4);
      if (name === 'phone') {
        // Stacked: the table is no wider than its card, and the overdue state is read beside each amount.
        expect(await table.evaluate((t) => t.scrollWidth <= (t.parentElement as HTMLElement).clientWidth)).toBe(true);
        expect(await rows.filter({ hasText: 'INV-2026-000417-REVISED' }).innerText()).toContain('Overdue');
      }
      expect(describeIdentifiers(`${name} pay page`, await page.locator('body').innerText())).toEqual([]);
      await screenshot(page, `pay-phone-${name}-1-invoices`);

      // Autopay paused by the debtor: "Paused by you".
      const section = page.getByTestId('autopay-section');
      const scope = { firmId: a.firmId, organisationId: a.orgId, contactExternalId: a.contactExternalId };
      const now = new Date('2026-03-01T10:00:00Z');
      await database.db.delete(chargeAttempts).where(eq(chargeAttempts.mandateId, a.mandateId));
      expect(await pauseMandate(database.db, scope, a.mandateId, { kind: 'debtor' }, now)).toBe(true);
      await page.reload();
      await expect.poll(() => section.innerText(), { timeout: 20_000 }).toMatch(/Future invoices, on their due date\s+Paused by you/);
      expect(await section.innerText()).not.toContain('failed payments');
      expect(await noSideways(page)).toBe(true);
      await section.scrollIntoViewIfNeeded();
      await screenshot(page, `pay-phone-${name}-2-paused-by-you`);

      // Paused by a collector: said as the organisation the debtor pays.
      await database.db.update(autopayMandates).set({ status: 'active', pausedReason: null }).where(eq(autopayMandates.id, a.mandateId));
      expect(await pauseMandate(database.db, scope, a.mandateId, { kind: 'collector', userId: a.memberUserId }, now)).toBe(true);
      await page.reload();
      await expect.poll(() => section.innerText(), { timeout: 20_000 }).toMatch(new RegExp(`Future invoices, on their due date\\s+Paused by ${ORG}`));
      expect(await section.innerText()).not.toMatch(/failed payments|collector/);
      await screenshot(page, `pay-phone-${name}-3-paused-by-organisation`);
      // The same in French.
      await page.goto(`${url}?lang=fr`);
      await expect.poll(() => section.innerText(), { timeout: 20_000 }).toContain(`Suspendu par ${ORG}`);

      // Paused by Arcus after the last retry failed (charge.ts's reason): "Paused after failed payments".
      await database.db.update(autopayMandates).set({ status: 'paused', pausedReason: 'The last 4 charges failed: the card was declined.', failingSince: now }).where(eq(autopayMandates.id, a.mandateId));
      await page.goto(`${url}?lang=en`);
      await expect.poll(() => section.innerText(), { timeout: 20_000 }).toMatch(/Future invoices, on their due date\s+Paused after failed payments/);
      expect(await section.innerText()).not.toMatch(/Paused by/);
      expect(await noSideways(page)).toBe(true);
      await screenshot(page, `pay-phone-${name}-4-paused-after-failures`);
      await page.context().close();
    });
  }
});
