/**
 * Sales commissions in Chromium (docs/decisions/036), at desktop width and at 390 px:
 * a salesperson sees only their own statement; the client contact approves from their Commissions
 * tab; a manager sees the organisation's Commissions page. March 2026 (hand-computed):
 * Ana Lopez 5% of 2,000.00 = 100.00; Ben Okafor 10% of 3,000.00 = 300.00. No id or key on a page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { saveSalesperson, saveSettings } from '../../server/commissions/config';
import { computeMonth } from '../../server/commissions/statements';
import type { Database } from '../../server/db/client';
import { invoiceLines, invoices, membershipOrganisations, memberships, organisations, paymentAllocations, payments, salespeople, users } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { launchChromium, screenshot, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Sales commissions in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let firmId = '';
  let orgId = '';
  const who: Record<string, string> = {};

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('commissions-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-04-10T12:00:00Z' });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    const db = database.db;
    const tag = firmId.slice(0, 8);
    const [org] = await db.insert(organisations).values({ firmId, provider: 'xero', externalId: `t-${tag}`, name: 'Harbour Tiles', baseCurrency: 'USD', timezone: 'America/New_York' }).returning();
    orgId = org!.id;
    for (const [ext, number, total, option, date] of [
      ['ia', 'INV-101', '2000.00', 'Ana Lopez', '2026-03-10'],
      ['ib', 'INV-102', '3000.00', 'Ben Okafor', '2026-03-12'],
    ] as const) {
      const [i] = await db.insert(invoices).values({ firmId, organisationId: orgId, externalId: ext, number, contactExternalId: 'c1', issueDate: '2026-02-01', dueDate: '2026-03-31', currency: 'USD', total, amountDue: '0', status: 'paid' }).returning();
      await db.insert(invoiceLines).values({ firmId, invoiceId: i!.id, lineNo: 1, lineAmount: total, tracking: [{ name: 'Salesperson', option }] });
      const [p] = await db.insert(payments).values({ firmId, organisationId: orgId, externalId: `p${ext}`, date, currency: 'USD', amount: total, status: 'authorised' }).returning();
      await db.insert(paymentAllocations).values({ firmId, organisationId: orgId, paymentId: p!.id, invoiceExternalId: ext, amount: total, date });
    }
    await saveSettings(db, firmId, orgId, { source: 'tracking', trackingCategory: 'Salesperson', adpCompanyCode: null, adpBatchId: null, adpEarningsCode: null });
    const plan = (rate: string) => ({ baseRate: rate, tiers: [], accelerator: null, cap: null, holdback: null });
    const ana = await saveSalesperson(db, firmId, orgId, null, { name: 'Ana Lopez', email: `ana-${tag}@harbour.example`, ledgerName: null, payrollId: null, canSignIn: true, plan: plan('0.05') });
    await saveSalesperson(db, firmId, orgId, null, { name: 'Ben Okafor', email: `ben-${tag}@harbour.example`, ledgerName: null, payrollId: null, canSignIn: true, plan: plan('0.1') });
    await computeMonth(db, { firmId, organisationId: orgId, month: '2026-03', now: new Date('2026-04-10T12:00:00Z') });
    const [row] = await db.select({ userId: salespeople.userId }).from(salespeople).where((await import('drizzle-orm')).eq(salespeople.id, ana.id));
    who.ana = row!.userId!;
    const [cc] = await db.insert(users).values({ email: `owner-${tag}@harbour.example`, name: 'Olive Owner', authProvider: 'test', authSubject: `cc-${tag}` }).returning();
    await db.insert(memberships).values({ firmId, userId: cc!.id, role: 'client_contact' });
    await db.insert(membershipOrganisations).values({ firmId, userId: cc!.id, organisationId: orgId });
    who.contact = cc!.id;
    const [m] = await db.insert(users).values({ email: `manager-${tag}@firm.example`, name: 'Maya Manager', authProvider: 'test', authSubject: `manager-${tag}` }).returning();
    await db.insert(memberships).values({ firmId, userId: m!.id, role: 'manager' });
    who.manager = m!.id;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (userId: string, width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId, firmId }, { viewport: { width, height: 900 } });

  for (const [label, width] of [
    ['desktop', 1280],
    ['phone', 390],
  ] as const) {
    it(`shows a salesperson only their own statement (${label})`, async () => {
      const page = await pageAs(who.ana!, width);
      await page.goto(`${arcus.url}/`);
      await page
        .getByRole('heading', { name: 'Your commission statements' })
        .waitFor()
        .catch(async (err) => {
          await screenshot(page, `commissions-salesperson-${label}-failed`);
          throw new Error(`${err}\n${await page.locator('body').innerText()}`);
        });
      await page.getByTestId('commission-statement').first().waitFor();
      const body = await page.locator('body').innerText();
      expect(body).toContain('March 2026');
      expect(body).toContain('INV-101');
      expect(body).toMatch(/To pay: 100\.00 USD/);
      expect(body).not.toContain('Ben Okafor');
      expect(body).not.toContain('INV-102');
      expect(await page.getByTestId('commission-statement').count()).toBe(1);
      expect(describeIdentifiers('the salesperson’s page', body)).toEqual([]);
      await screenshot(page, `commissions-salesperson-${label}`);
      // Any other page of the app is not theirs: the same screen.
      await page.goto(`${arcus.url}/organisations/${orgId}/commissions`);
      await page.getByRole('heading', { name: 'Your commission statements' }).waitFor();
      expect(await page.locator('body').innerText()).not.toContain('Ben Okafor');
      await page.context().close();
    });
  }

  it('lets the client contact approve from their Commissions tab, and a manager see the page (desktop and phone)', async () => {
    for (const [label, width] of [
      ['desktop', 1280],
      ['phone', 390],
    ] as const) {
      const page = await pageAs(who.contact!, width);
      await page.goto(`${arcus.url}/`);
      await page.getByRole('tab', { name: 'Commissions' }).click();
      await page.getByRole('heading', { name: 'Sales commissions' }).waitFor();
      await page.getByTestId('commission-statement').first().waitFor();
      await screenshot(page, `commissions-client-${label}`);
      if (label === 'phone') {
        await page.getByRole('button', { name: 'Approve Ana Lopez’s statement' }).click();
        await page.getByRole('button', { name: 'Approve Ana Lopez’s statement' }).waitFor({ state: 'detached' });
        await page.getByText('Approved by the client').first().waitFor();
      }
      await page.context().close();
    }
    for (const [label, width] of [
      ['desktop', 1280],
      ['phone', 390],
    ] as const) {
      const page = await pageAs(who.manager!, width);
      await page.goto(`${arcus.url}/organisations/${orgId}/commissions?month=2026-03`);
      await page.getByRole('heading', { name: 'Sales commissions — Harbour Tiles' }).waitFor();
      await page.getByTestId('commission-statement').first().waitFor();
      const body = await page.locator('body').innerText();
      expect(body).toContain('Ana Lopez');
      expect(body).toContain('Ben Okafor');
      expect(body).toContain('5% of cash collected.');
      expect(describeIdentifiers('the commissions page', body)).toEqual([]);
      await screenshot(page, `commissions-staff-${label}`);
      await page.context().close();
    }
  }, 120_000);
});
