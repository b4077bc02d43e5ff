/**
 * Autopay in the browser (issue #19, server/autopay/), at desktop and phone (390 px) width: the
 * debtor opens the pay page, saves a card on the sandbox provider's card page, is back on the pay
 * page with "Visa •••• 4242, expires 12/2029", turns autopay on for future invoices and sees it on;
 * then a collector opens the customer page, reads the Autopay card in words and turns autopay off.
 * No identifier, enum value or provider reference on any of these pages; nothing wider than a phone.
 * The app's own sandbox payment provider (ARCUS_DEMO on); no ledger sandbox, so no `seed:`.
 */
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { autopayMandates, chargeAttempts, invoices, savedPaymentMethods } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { launchChromium, noSideways, SCREENSHOTS, screenshot as take, signedInPage, VIEWPORTS } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { type FirmData, seedFirm } from '../support/firm-data';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

/** Full-page pictures from the top. */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return take(page, name);
}

/** Words only: no identifier-shaped token, no enum value or provider word a person should not read. */
async function expectPlainWords(page: Page, where: string): Promise<string> {
  const text = await page.locator('body').innerText();
  expect(describeIdentifiers(where, text)).toEqual([]);
  expect(text, where).not.toMatch(/\b(seti|pm|cus)_|\bsandbox\b/i);
  // An enum value on a line (or after a colon) of its own: "invoices", "active", "card_declined"…
  const bare = text.split(/\n|:\s/).map((l) => l.trim()).filter((l) => /^(invoices|plan|active|paused|cancelled|pending|saved|replaced|failed|succeeded|open|visa|card)$/.test(l));
  expect(bare, where).toEqual([]);
  return text;
}

describeWith(['pg', 'chromium'], 'Autopay on the pay page and the customer page, in the browser', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: Browser;

  beforeAll(async () => {
    database = await testDatabase();
    // The clock pinned: the sandbox saves a card expiring in December three years on (12/2029).
    arcus = await startTestApp('autopay-ui', database, { ARCUS_NOW: '2026-03-01T10:00:00Z' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  /** A firm of its own with a collector, one customer with an open invoice and a pay link; no card or autopay yet. */
  async function freshCustomer(tag: string): Promise<{ a: FirmData; collector: { userId: string; firmId: string } }> {
    const { firm, user } = await createFirm(database, 'collector');
    const a = await seedFirm(database.db, firm.id, tag);
    await database.db.update(invoices).set({ status: 'authorised' }).where(eq(invoices.id, a.invoiceId));
    // seedFirm leaves a pending card setup, a mandate and a failed charge: start this customer clean.
    await database.db.delete(chargeAttempts).where(eq(chargeAttempts.organisationId, a.orgId));
    await database.db.delete(autopayMandates).where(eq(autopayMandates.organisationId, a.orgId));
    await database.db.delete(savedPaymentMethods).where(eq(savedPaymentMethods.organisationId, a.orgId));
    return { a, collector: { userId: user.id, firmId: firm.id } };
  }

  for (const [name, viewport] of VIEWPORTS) {
    it(`${name}: the debtor saves a card and turns autopay on; a collector sees it in words and turns it off`, { timeout: 120_000 }, async () => {
      const { a, collector } = await freshCustomer(`Autopay ${name}`);

      // The debtor: the pay page, no card yet.
      const debtor = await (await browser.newContext({ viewport })).newPage();
      debtor.setDefaultTimeout(20_000);
      await debtor.goto(`${arcus.url}/pay/${a.payToken}`);
      const section = debtor.getByTestId('autopay-section');
      await expect.poll(() => section.isVisible()).toBe(true);
      await expect.poll(() => section.innerText()).toContain('Pay automatically');
      expect(await section.getByRole('switch').count()).toBe(0);
      await expectPlainWords(debtor, `${name} pay page, no card`);
      expect(await noSideways(debtor)).toBe(true);
      await screenshot(debtor, `autopay-${name}-1-pay-no-card`);

      // The sandbox provider's card page: pick the card that goes through and save it.
      await section.getByRole('button', { name: 'Save a card' }).click();
      await debtor.waitForURL(/\/pay\/sandbox-setup\//);
      expect(await noSideways(debtor)).toBe(true);
      await screenshot(debtor, `autopay-${name}-2-sandbox-card-page`);
      // The card that goes through is the one picked unless the debtor chooses another.
      expect(await debtor.getByLabel('Visa ending 4242 — payments go through').isChecked()).toBe(true);
      await debtor.getByRole('button', { name: 'Save card' }).click();

      // Back on the pay page: the card in words, and the choices.
      await debtor.waitForURL(/\/pay\/[A-Za-z0-9_-]+\?card=/);
      await expect.poll(() => section.innerText(), { timeout: 20_000 }).toContain('Visa •••• 4242, expires 12/2029');
      await expect.poll(() => section.innerText()).toContain('Your card is saved');
      const future = section.getByRole('switch', { name: 'Future invoices, on their due date' });
      expect(await future.isChecked()).toBe(false);
      expect(await section.getByRole('button', { name: 'Update your card' }).isVisible()).toBe(true);
      await expectPlainWords(debtor, `${name} pay page, card saved`);
      expect(await noSideways(debtor)).toBe(true);
      await screenshot(debtor, `autopay-${name}-3-pay-card-saved`);

      // Autopay on for future invoices.
      await future.click({ force: true });
      await expect.poll(() => future.isChecked(), { timeout: 20_000 }).toBe(true);
      await expect.poll(() => section.innerText()).toMatch(/Future invoices, on their due date\s+On\b/);
      // Still on after a reload: it is saved, not just the switch's state.
      await debtor.reload();
      await expect.poll(() => section.getByRole('switch', { name: 'Future invoices, on their due date' }).isChecked(), { timeout: 20_000 }).toBe(true);
      await expectPlainWords(debtor, `${name} pay page, autopay on`);
      expect(await noSideways(debtor)).toBe(true);
      await screenshot(debtor, `autopay-${name}-4-pay-autopay-on`);
      // The section speaks the page's language like the rest of it (messages/fr.ts).
      await debtor.goto(`${debtor.url().split('?')[0]}?lang=fr`);
      await expect.poll(() => section.innerText(), { timeout: 20_000 }).toContain('Payer automatiquement');
      const fr = await section.innerText();
      expect(fr).toContain('Visa •••• 4242, expire fin 12/2029');
      expect(fr).toMatch(/Les prochaines factures, à leur échéance\s+Activé/);
      expect(fr).not.toMatch(/Future invoices|Saved card|Update your card|\bOn\b|\bOff\b/);
      expect(await noSideways(debtor)).toBe(true);
      await screenshot(debtor, `autopay-${name}-4b-pay-autopay-on-french`);
      await debtor.context().close();

      // A collector: the customer page's Autopay card, in words.
      const staff = await signedInPage(browser, arcus, database, collector, { viewport });
      await staff.goto(`${arcus.url}/customers/${a.contactId}`);
      const card = staff.getByTestId('customer-autopay');
      await expect.poll(() => card.isVisible(), { timeout: 20_000 }).toBe(true);
      const before = await card.innerText();
      expect(before).toContain('On for invoices as they fall due');
      expect(before).toContain('Visa •••• 4242, expires 12/2029');
      await expectPlainWords(staff, `${name} customer page, autopay on`);
      expect(await noSideways(staff)).toBe(true);
      await card.scrollIntoViewIfNeeded();
      await screenshot(staff, `autopay-${name}-5-customer-autopay-on`);
      await card.screenshot({ path: path.join(SCREENSHOTS, `autopay-${name}-5b-customer-autopay-card.png`) });

      await card.getByRole('button', { name: 'Turn autopay off' }).click();
      await expect.poll(() => card.innerText(), { timeout: 20_000 }).toContain('Not on autopay');
      expect(await card.getByRole('button', { name: 'Turn autopay off' }).count()).toBe(0);
      await expectPlainWords(staff, `${name} customer page, autopay off`);
      expect(await noSideways(staff)).toBe(true);
      await screenshot(staff, `autopay-${name}-6-customer-autopay-off`);
      await card.screenshot({ path: path.join(SCREENSHOTS, `autopay-${name}-6b-customer-autopay-card-off.png`) });
      const [m] = await database.db.select({ status: autopayMandates.status }).from(autopayMandates).where(eq(autopayMandates.organisationId, a.orgId));
      expect(m?.status).toBe('cancelled');
      await staff.context().close();
    });
  }
});
