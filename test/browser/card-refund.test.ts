/**
 * "Refund to card" in Chromium (issue #19, decision 055), as an administrator, at 390 px and at
 * desktop width: a payment that came in by card through the pay link (sandbox payment provider) and
 * looks like a duplicate offers "Refund to card" beside "Refund", with the most that can go back to
 * the card in words; more than that is refused beside the amount; clicking it takes the item off the
 * queue with one `refund` write-back carrying one card refund. No id or enum on the page.
 */
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { cardRefunds, checkouts, payLinks, payments, writebacks } from '../../server/db/schema';
import { ensureStatementLink } from '../../server/pay/links';
import { STATEMENTS_NOW, seedStatementsFirm } from '../statements/seed';
import { startTestApp } from '../support/app';
import { screenshot as fullPage, launchChromium, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return fullPage(page, name);
}

describeWith(['pg', 'chromium'], 'Refund to card in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let firmId = '';
  let adminId = '';
  let seeded: Awaited<ReturnType<typeof seedStatementsFirm>>;

  /** A bank payment of `amount` on 18 November and the same amount by card through the pay link on 20 November: a possible duplicate. */
  async function cardDuplicate(contactExternalId: string, amount: string, tag: string) {
    const db = database.db;
    const org = seeded.xeroOrg;
    await db.insert(payments).values([
      { firmId, organisationId: org, externalId: `${tag}-bank`, contactExternalId, date: '2026-11-18', currency: 'GBP', amount, reference: 'BACS', status: 'authorised', raw: {} },
      { firmId, organisationId: org, externalId: `${tag}-card`, contactExternalId, date: '2026-11-20', currency: 'GBP', amount, reference: 'Arcus pay link', status: 'authorised', raw: {} },
    ]);
    await ensureStatementLink(db, { firmId, organisationId: org, contactExternalId }, { appUrl: 'http://arcus.test', linkKey: Buffer.alloc(32, 7), enqueueExecute: async () => undefined });
    const [link] = await db.select().from(payLinks).where(and(eq(payLinks.organisationId, org), eq(payLinks.contactExternalId, contactExternalId)));
    const [checkout] = await db
      .insert(checkouts)
      .values({ firmId, organisationId: org, payLinkId: link!.id, provider: 'sandbox', providerSessionId: `cs_sandbox_${tag}`, providerPaymentId: `pi_sandbox_${tag}`, amount, currency: 'GBP', allocations: [], status: 'completed', completedAt: new Date('2026-11-20T09:00:00Z') })
      .returning();
    await db.insert(writebacks).values({ firmId, organisationId: org, kind: 'payment', purpose: 'payment', sourceKey: `payment:${checkout!.id}:${tag}`, externalId: `${tag}-card`, contactExternalId, amount, currency: 'GBP', request: {}, status: 'confirmed', requestedBy: 'debtor' });
  }

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('card-refund-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: STATEMENTS_NOW, PAYMENTS_PROVIDER: 'sandbox' });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    adminId = made.user.id;
    seeded = await seedStatementsFirm(database, firmId);
    await cardDuplicate('c-north', '80.00', 'north');
    await cardDuplicate('c-quiet', '60.00', 'quiet');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId: adminId, firmId }, { viewport: { width, height: 900 } });

  for (const [label, width, customer, amount] of [
    ['phone', 390, 'North Yard', '80.00'],
    ['desktop', 1280, 'Quiet Shop', '60.00'],
  ] as const) {
    it(`offers "Refund to card" on a card payment that looks like a duplicate and refunds it once (${label})`, async () => {
      const page = await pageAs(width);
      await page.goto(`${arcus.url}/exceptions`);
      const card = page.getByTestId('exception').filter({ hasText: customer }).filter({ hasText: 'Possible duplicate payment' });
      await card.getByRole('button', { name: 'Refund to card' }).waitFor();
      expect(await card.getByRole('button').allInnerTexts()).toEqual(['Keep as credit', 'Refund', 'Refund to card']);
      expect(await card.getByLabel('Amount to refund').inputValue()).toBe(amount);
      expect(await card.innerText()).toContain(`For “Refund to card”: up to GBP ${amount}, back to the card used on the pay link through the sandbox payment provider, then recorded in Xero and the customer emailed.`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(describeIdentifiers('the exceptions page', await page.locator('main').innerText())).toEqual([]);

      await card.getByRole('textbox', { name: 'Reason' }).fill('Paid twice: the card payment goes back');
      await card.getByLabel('Amount to refund').fill('999.00');
      await card.getByRole('button', { name: 'Refund to card' }).click();
      await card.getByText(/Refund at most GBP/).waitFor();
      await screenshot(page, `exceptions-refund-to-card-${label}`);
      // The refused amount made no refund for this payment (the other case's row, if it ran first, is its own).
      const thisPayment = and(eq(cardRefunds.firmId, firmId), eq(cardRefunds.providerPaymentId, `pi_sandbox_${label === 'phone' ? 'north' : 'quiet'}`));
      expect(await database.db.select().from(cardRefunds).where(thisPayment)).toHaveLength(0);

      await card.getByLabel('Amount to refund').fill(amount);
      await card.getByRole('button', { name: 'Refund to card' }).click();
      await card.waitFor({ state: 'detached' });
      const rows = await database.db.select().from(cardRefunds).where(thisPayment);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ provider: 'sandbox', amount: `${amount}00` });
      const [wb] = await database.db.select().from(writebacks).where(eq(writebacks.id, rows[0]!.writebackId));
      expect(wb).toMatchObject({ kind: 'refund', amount: `${amount}00` });
      expect((wb!.request as { cardRefundId?: string }).cardRefundId).toBe(rows[0]!.id);
      await screenshot(page, `exceptions-refund-to-card-done-${label}`);
      await page.context().close();
    }, 120_000);
  }
});
