/**
 * The customer page in Chromium at desktop (1280) and phone (390 px) width, as an administrator and
 * as a viewer (each width a firm of its own, so nothing depends on the other test):
 * - a payment plan's state and each invoice's state read as words in sentence case ("Active",
 *   "Overdue"), never the stored value or a shouted "ACTIVE";
 * - "Refund to card" (decision 055) on the Payments list for the card payment the Exceptions queue
 *   offers to refund (paid twice): the queue's own card in a dialog — the most that can go back to the
 *   card in words, more than that refused beside the amount, a reason — then one `refund` write-back
 *   with one card refund through POST /api/exceptions/decide, and the item gone from the queue;
 *   a bank payment offers no card refund, and a viewer (looking first) sees no button.
 * Screenshots in test/artifacts/screenshots/customer-refund-*.
 */
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { cardRefunds, checkouts, exceptionDecisions, memberships, payLinks, paymentPlanInstalments, paymentPlans, payments, users, writebacks } from '../../server/db/schema';
import { ensureStatementLink } from '../../server/pay/links';
import { STATEMENTS_NOW, seedStatementsFirm } from '../statements/seed';
import { startTestApp } from '../support/app';
import { screenshot as fullPage, launchChromium, noSideways, signedInPage, VIEWPORTS } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return fullPage(page, name);
}

describeWith(['pg', 'chromium'], 'The customer page: states in words, and Refund to card on the Payments list', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('customer-refund-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: STATEMENTS_NOW, PAYMENTS_PROVIDER: 'sandbox' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  /** A firm of its own: North Yard paid 80.00 by bank on 18 November and the same by card through the pay link on 20 November, and has a payment plan. */
  async function firmWithCardDuplicate() {
    const made = await createFirm(database, 'admin');
    const firmId = made.firm.id;
    const seeded = await seedStatementsFirm(database, firmId);
    const db = database.db;
    const org = seeded.xeroOrg;
    const contactExternalId = 'c-north';
    await db.insert(payments).values([
      { firmId, organisationId: org, externalId: 'north-bank', contactExternalId, date: '2026-11-18', currency: 'GBP', amount: '80.00', reference: 'BACS', status: 'authorised', raw: {} },
      { firmId, organisationId: org, externalId: 'north-card', contactExternalId, date: '2026-11-20', currency: 'GBP', amount: '80.00', reference: 'Arcus pay link', status: 'authorised', raw: {} },
    ]);
    await ensureStatementLink(db, { firmId, organisationId: org, contactExternalId }, { appUrl: 'http://arcus.test', linkKey: Buffer.alloc(32, 7), enqueueExecute: async () => undefined });
    const [link] = await db.select().from(payLinks).where(and(eq(payLinks.organisationId, org), eq(payLinks.contactExternalId, contactExternalId)));
    const [checkout] = await db
      .insert(checkouts)
      .values({ firmId, organisationId: org, payLinkId: link!.id, provider: 'sandbox', providerSessionId: `cs_sandbox_north_${firmId.slice(0, 8)}`, providerPaymentId: `pi_sandbox_north_${firmId.slice(0, 8)}`, amount: '80.00', currency: 'GBP', allocations: [], status: 'completed', completedAt: new Date('2026-11-20T09:00:00Z') })
      .returning();
    await db.insert(writebacks).values({ firmId, organisationId: org, kind: 'payment', purpose: 'payment', sourceKey: `payment:${checkout!.id}:north`, externalId: 'north-card', contactExternalId, amount: '80.00', currency: 'GBP', request: {}, status: 'confirmed', requestedBy: 'debtor' });
    const [plan] = await db.insert(paymentPlans).values({ firmId, organisationId: org, contactExternalId, frequency: 'monthly', startDate: '2026-12-01', total: '80.00', currency: 'GBP', invoiceIds: [] }).returning();
    await db.insert(paymentPlanInstalments).values([
      { firmId, planId: plan!.id, seq: 1, dueDate: '2026-12-01', amount: '40.00', status: 'pending' },
      { firmId, planId: plan!.id, seq: 2, dueDate: '2027-01-01', amount: '40.00' },
    ]);
    const s = `viewer-${Math.random().toString(36).slice(2, 10)}`;
    const [viewer] = await db.insert(users).values({ email: `${s}@firm.example`, name: `Viewer ${s}`, authProvider: 'test', authSubject: s }).returning();
    await db.insert(memberships).values({ firmId, userId: viewer!.id, role: 'viewer' });
    return { firmId, admin: { userId: made.user.id, firmId }, viewer: { userId: viewer!.id, firmId }, customerId: seeded.customer['c-north']!, checkoutId: checkout!.id };
  }

  for (const [name, viewport] of VIEWPORTS) {
    it(`${name}: plan and invoice states in words; Refund to card from the Payments list, as on Exceptions; a viewer has no button`, { timeout: 120_000 }, async () => {
      const f = await firmWithCardDuplicate();
      // A viewer first (the refund still open): the payments, and no button to refund or reverse one.
      const reader = await signedInPage(browser, arcus, database, f.viewer, { viewport });
      await reader.goto(`${arcus.url}/customers/${f.customerId}`);
      const seen = reader.getByTestId('customer-payments');
      await seen.getByText('Arcus pay link', { exact: false }).waitFor();
      expect(await seen.getByRole('button').count()).toBe(0);
      await reader.context().close();

      const page = await signedInPage(browser, arcus, database, f.admin, { viewport });
      await page.goto(`${arcus.url}/customers/${f.customerId}`);

      // States in words, as written (innerText keeps CSS text-transform: an uppercased badge would read "ACTIVE").
      const plans = page.getByTestId('plans-card');
      await plans.getByText('Active', { exact: true }).waitFor();
      const plansText = await plans.innerText();
      expect(plansText).toContain('Active');
      expect(plansText).not.toMatch(/ACTIVE|\bactive\b/);
      await plans.getByRole('button', { name: 'Schedule' }).click();
      await plans.getByText('Upcoming', { exact: true }).first().waitFor();
      await plans.getByText('Due', { exact: true }).first().waitFor();
      expect(await plans.innerText()).not.toMatch(/UPCOMING|\bDUE\b|\bpending\b|\bdue\b$/m);
      // The invoices' states (the figures' small-caps headings such as "Overdue" above them are labels, not states).
      const invoicesTable = page.locator('main table').filter({ hasText: 'INV-3' });
      const body = await invoicesTable.innerText();
      expect(body).toContain('Overdue');
      // Line by line: no bare stored state ("overdue", "open") and none shouted ("OVERDUE", "OPEN", "PAID").
      expect(body.split('\n').map((l) => l.trim()).filter((l) => /^(overdue|open|paid|active|OVERDUE|OPEN|PAID|ACTIVE)$/.test(l))).toEqual([]);

      // The Payments list: the card payment offers "Refund to card", the bank one does not.
      const list = page.getByTestId('customer-payments');
      const card = list.getByTestId('customer-payment').filter({ hasText: 'Arcus pay link' });
      const bank = list.getByTestId('customer-payment').filter({ hasText: 'BACS' });
      await card.getByRole('button', { name: 'Refund to card' }).waitFor();
      expect(await bank.getByRole('button', { name: 'Refund to card' }).count()).toBe(0);
      expect(await noSideways(page)).toBe(true);
      expect(describeIdentifiers(`${name} customer page`, await page.locator('main').innerText())).toEqual([]);
      await list.scrollIntoViewIfNeeded();
      await list.screenshot({ path: `test/artifacts/screenshots/customer-refund-${name}-1-payments.png` });
      await screenshot(page, `customer-refund-${name}-1b-page`);

      // The queue's own card: the most that goes back to the card in words, more refused beside the amount.
      await card.getByRole('button', { name: 'Refund to card' }).click();
      const dialog = page.getByRole('dialog', { name: 'Refund to card' });
      const item = dialog.getByTestId('exception');
      await item.getByText('Possible duplicate payment').waitFor();
      expect(await item.getByRole('button').allInnerTexts()).toEqual(['Refund to card']);
      expect(await item.getByLabel('Amount to refund').inputValue()).toBe('80.00');
      expect(await item.innerText()).toContain('For “Refund to card”: up to GBP 80.00, back to the card used on the pay link through the sandbox payment provider, then recorded in Xero and the customer emailed.');
      // Only the card refund is offered here, so only it is described.
      expect(await item.innerText()).not.toContain('For “Refund”:');
      expect(describeIdentifiers(`${name} refund dialog`, await dialog.innerText())).toEqual([]);
      await item.getByRole('textbox', { name: 'Reason' }).fill('Paid twice: the card payment goes back');
      await item.getByLabel('Amount to refund').fill('999.00');
      await item.getByRole('button', { name: 'Refund to card' }).click();
      await item.getByText(/Refund at most GBP/).waitFor();
      expect(await database.db.select().from(cardRefunds).where(eq(cardRefunds.firmId, f.firmId))).toHaveLength(0);
      expect(await noSideways(page)).toBe(true);
      await screenshot(page, `customer-refund-${name}-2-dialog-refused`);

      // Refunded once, through the Exceptions decision: one card refund with its `refund` write-back.
      await item.getByLabel('Amount to refund').fill('80.00');
      await item.getByRole('button', { name: 'Refund to card' }).click();
      await dialog.waitFor({ state: 'detached' });
      const rows = await database.db.select().from(cardRefunds).where(eq(cardRefunds.firmId, f.firmId));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ provider: 'sandbox', amount: '80.0000', checkoutId: f.checkoutId });
      const [wb] = await database.db.select().from(writebacks).where(eq(writebacks.id, rows[0]!.writebackId));
      expect(wb).toMatchObject({ kind: 'refund' });
      expect((wb!.request as { cardRefundId?: string }).cardRefundId).toBe(rows[0]!.id);
      expect(await database.db.select().from(exceptionDecisions).where(eq(exceptionDecisions.firmId, f.firmId))).toHaveLength(1);
      // Decided: no longer offered here.
      await expect.poll(() => card.getByRole('button', { name: 'Refund to card' }).count(), { timeout: 20_000 }).toBe(0);
      await screenshot(page, `customer-refund-${name}-3-refunded`);
      await page.context().close();

    });
  }
});
