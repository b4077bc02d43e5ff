/**
 * The Billing review queue in Chromium (issue #21), at desktop width and at 390 px: a draft due
 * before it was issued, to a customer with no email, is listed with both findings in words; the
 * person who asked for approval sees why they cannot approve it (no Approve button); a second
 * administrator approves it from the queue — it leaves the queue and one `authorise_invoice`
 * write-back is requested. Settings › Billing policies refuses a bad policy in words and saves a
 * good one. No id, enum or machine date on the pages.
 */
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { refreshReview, requestApproval } from '../../server/billing-review/service';
import type { Database } from '../../server/db/client';
import { billingPolicies, billingReviewItems, invoices, memberships, users, writebacks } from '../../server/db/schema';
import { seedOrg } from '../reminders/seed';
import { startTestApp } from '../support/app';
import { screenshot as fullPage, launchChromium, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

const NOW = '2026-11-23T10:00:00Z';

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return fullPage(page, name);
}

describeWith(['pg', 'chromium'], 'Billing review in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let firmId = '';
  let askerId = '';
  let approverId = '';
  let orgId = '';

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('billing-review-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    askerId = made.user.id;
    await database.db.update(users).set({ name: 'Pat Preparer' }).where(eq(users.id, askerId));
    const [b] = await database.db.insert(users).values({ email: `ada-${firmId}@firm.example`, name: 'Ada Approver', authProvider: 'test', authSubject: `ada-${firmId}` }).returning();
    await database.db.insert(memberships).values({ firmId, userId: b!.id, role: 'admin' });
    approverId = b!.id;
    const org = await seedOrg(database.db, firmId, {
      timezone: 'Europe/London',
      contacts: [
        { externalId: 'c-nomail', name: 'Nomail Trading Ltd', emails: [] },
        { externalId: 'c-ok', name: 'Harbour Books', emails: [{ address: 'ap@harbour.example', primary: true, includeInEmails: true }] },
      ],
      invoices: [{ number: 'INV-1', due: -5, contact: 'c-ok', amount: '400.00' }],
    });
    orgId = org.id;
    await database.db.insert(invoices).values([
      { firmId, organisationId: orgId, externalId: 'd-1', contactExternalId: 'c-nomail', number: 'INV-0107', issueDate: '2026-11-20', dueDate: '2026-11-13', currency: 'GBP', total: '450.00', amountDue: '450.00', status: 'draft' },
      { firmId, organisationId: orgId, externalId: 'd-2', contactExternalId: 'c-ok', number: 'INV-0108', issueDate: '2026-11-21', dueDate: '2026-12-21', currency: 'GBP', total: '400.00', amountDue: '400.00', status: 'draft' },
    ]);
    await refreshReview(database.db, { firmId, organisationId: orgId }, new Date(NOW));
    const [item] = await database.db.select().from(billingReviewItems).where(and(eq(billingReviewItems.firmId, firmId), eq(billingReviewItems.invoiceExternalId, 'd-1')));
    await requestApproval(database.db, { firmId, userId: askerId }, item!.id, null, new Date(NOW));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (userId: string, width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId, firmId }, { viewport: { width, height: 900 } });

  async function noSidewaysScroll(page: Page) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }

  it('the asker sees the findings and why they cannot approve (390 px)', async () => {
    const page = await pageAs(askerId, 390);
    await page.goto(`${arcus.url}/billing-review`);
    const card = page.getByTestId('review-item').filter({ hasText: 'Nomail Trading Ltd' });
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('The customer has no email address in the ledger, so the invoice cannot be emailed.');
    expect(text).toContain('Due 13 November 2026, before it was issued on 20 November 2026.');
    expect(text).toContain('Asked for approval by Pat Preparer on 23 November 2026');
    expect(await card.getByTestId('approve-note').innerText()).toBe('You asked for this approval, so another person must approve it (peer review).');
    expect(await card.getByRole('button').allInnerTexts()).toEqual(['Send back']);
    expect(describeIdentifiers('the billing review page', await page.locator('main').innerText())).toEqual([]);
    await noSidewaysScroll(page);
    await screenshot(page, 'billing-review-phone');
    await page.context().close();
  });

  it('a second administrator approves it from the queue: one write-back (desktop)', async () => {
    const page = await pageAs(approverId, 1280);
    await page.goto(`${arcus.url}/portfolio`);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Billing review' }).click();
    const card = page.getByTestId('review-item').filter({ hasText: 'Nomail Trading Ltd' });
    await card.waitFor();
    expect(await page.getByTestId('review-item').count()).toBe(2);
    expect(await page.getByTestId('review-item').filter({ hasText: 'Harbour Books' }).innerText()).toContain('The checks found nothing to look at.');
    await screenshot(page, 'billing-review-desktop');
    // Send back needs a comment: said beside the field.
    await card.getByRole('button', { name: 'Send back' }).click();
    await card.getByText('Say what needs changing.').waitFor();
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('review-item').filter({ hasText: 'Nomail Trading Ltd' }).waitFor({ state: 'detached' });
    const rows = await database.db.select().from(writebacks).where(eq(writebacks.organisationId, orgId));
    expect(rows.map((r) => [r.kind, r.sourceKey?.startsWith('review:')])).toEqual([['authorise_invoice', true]]);
    await page.context().close();
  });

  it('the organisation dashboard shows billing accuracy in words (390 px)', async () => {
    const page = await pageAs(approverId, 390);
    await page.goto(`${arcus.url}/organisations/${orgId}`);
    const card = page.getByTestId('billing-accuracy');
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('Invoices issued 1 October 2026 to 31 October 2026.');
    expect(text).toContain('The share of invoices not voided, credited or amended within 30 days of their issue date.');
    expect(describeIdentifiers('the billing accuracy card', text)).toEqual([]);
    await noSidewaysScroll(page);
    await card.scrollIntoViewIfNeeded();
    await fullPage(page, 'billing-accuracy-phone');
    await page.context().close();
  });

  it('Settings › Billing policies: refused in words, then saved (desktop and 390 px)', async () => {
    for (const width of [1280, 390]) {
      const page = await pageAs(approverId, width);
      await page.goto(`${arcus.url}/settings/policies`);
      await page.getByTestId('billing-policies').waitFor();
      await page.getByLabel('Customer type').fill(width === 1280 ? 'Retail' : 'Public sector');
      await page.getByLabel('Payment terms (days after the invoice date)').fill('400');
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page.getByText('Payment terms can be at most 365 days.').waitFor();
      await page.getByLabel('Payment terms (days after the invoice date)').fill('14');
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page.getByTestId('billing-policy').filter({ hasText: width === 1280 ? 'Retail' : 'Public sector' }).waitFor();
      expect(describeIdentifiers('the billing policies page', await page.locator('main').innerText())).toEqual([]);
      await noSidewaysScroll(page);
      await screenshot(page, `billing-policies-${width === 1280 ? 'desktop' : 'phone'}`);
      await page.context().close();
    }
    expect((await database.db.select().from(billingPolicies).where(eq(billingPolicies.firmId, firmId))).map((p) => [p.customerType, p.termsDays]).sort()).toEqual([
      ['Public sector', 14],
      ['Retail', 14],
    ]);
  });
});
