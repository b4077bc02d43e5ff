/**
 * Two settings screens of the firm's practice in Chromium (issue #17), the app's clock pinned to
 * the scoring fixture's day, at desktop width and at 390 px:
 *  - the client-approval policy card (Settings › Connections, per organisation, docs/decisions/024):
 *    an administrator changes what waits for the client and it is kept after a reload; a collector
 *    is offered no controls and the API refuses them with a sentence (403);
 *  - the Assignment panel (Settings › Team, docs/decisions/023): a manager sets an owner, applies a
 *    rule and moves one person's customers to another; the collector then finds those customers in
 *    My work; a viewer is refused the screen and the API.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { BrowserContext, } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { clientApprovalPolicies, customerAssignments, memberships, organisationOwners, users } from '../../server/db/schema';
import { buildFixture, NOW, type ScoringFixture } from '../scoring/fixture';
import { startTestApp } from '../support/app';
import { launchBrowser, noSideways, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const IDENTIFIERS = /[0-9a-f]{8}-[0-9a-f]{4}-|\bround_robin\b|\bclient_contact\b|\blate_fees?\b|\bcredits_above\b|\bfollow_up\b/;
const VIEWPORTS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describeWith(['pg', 'chromium'], 'Client-approval policy and Assignment panel in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let fx: ScoringFixture;
  const people: Record<'manager' | 'collector' | 'viewer', string> = { manager: '', collector: '', viewer: '' };

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    const names = { manager: 'Mia Manager', collector: 'Cal Collector', viewer: 'Vic Viewer' } as const;
    for (const role of ['manager', 'collector', 'viewer'] as const) {
      const [u] = await database.db.insert(users).values({ email: `${role}-${randomUUID().slice(0, 8)}@firm.example`, name: names[role], authProvider: 'test', authSubject: randomUUID() }).returning();
      await database.db.insert(memberships).values({ firmId: fx.firmId, userId: u!.id, role });
      people[role] = u!.id;
    }
    arcus = await startTestApp('practice-settings-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  const pageAs = (userId: string, viewport: { width: number; height: number }) => signInAs(browser, arcus, database, { userId, firmId: fx.firmId }, viewport, 20_000);

  for (const [tag, viewport] of VIEWPORTS) {
    it(`an administrator changes what waits for the client and it is kept after a reload (${tag})`, { timeout: 90_000 }, async () => {
      await database.db.delete(clientApprovalPolicies).where(eq(clientApprovalPolicies.firmId, fx.firmId));
      const { page } = await pageAs(fx.userId, viewport);
      await page.goto(`${arcus.url}/settings/connections`);
      const card = page.getByTestId('client-approval-policy').filter({ hasText: 'Harbour Supplies' });
      await card.getByText('What waits for Harbour Supplies’s approval').waitFor();
      const lateFees = card.getByRole('switch', { name: 'Late fees' });
      expect(await lateFees.isChecked()).toBe(false);
      // A click on the switch itself (at phone width the sticky header can sit over it once scrolled into view).
      const flip = (name: string) => card.getByRole('switch', { name }).dispatchEvent('click');
      await flip('Late fees');
      await flip('Credits above an amount');
      await flip('Escalating reminders');
      // A wrong amount is refused in words, on its field.
      await card.getByLabel('Amount', { exact: true }).fill('a lot');
      await card.getByRole('button', { name: 'Save what waits for the client' }).click();
      const amountError = card.locator('.mantine-InputWrapper-error');
      await amountError.waitFor();
      expect(await amountError.innerText()).toMatch(/[a-z]{3,} [a-z]{2,}/i);
      await card.getByLabel('Amount', { exact: true }).fill('250');
      await card.getByRole('button', { name: 'Save what waits for the client' }).click();
      await card.getByRole('status').getByText('Saved.').waitFor();
      await screenshot(page, `client-approval-policy-saved-${tag}`);
      expect(await noSideways(page)).toBe(true);

      await page.reload();
      await card.getByText('What waits for Harbour Supplies’s approval').waitFor();
      await expect.poll(() => card.getByRole('switch', { name: 'Late fees' }).isChecked()).toBe(true);
      expect(await card.getByRole('switch', { name: 'Escalating reminders' }).isChecked()).toBe(true);
      expect(await card.getByRole('switch', { name: 'Payment plans' }).isChecked()).toBe(false);
      expect(Number(await card.getByLabel('Amount', { exact: true }).inputValue())).toBe(250);
      const [row] = await database.db.select().from(clientApprovalPolicies).where(and(eq(clientApprovalPolicies.firmId, fx.firmId), eq(clientApprovalPolicies.organisationId, fx.orgA.id)));
      expect(row).toMatchObject({ lateFees: true, paymentPlans: false, reminderEscalations: true });
      expect(Number(row!.creditsAbove)).toBe(250);
      // The other organisation's policy is untouched.
      const other = page.getByTestId('client-approval-policy').filter({ hasText: 'Latecomers Ltd' });
      expect(await other.getByRole('switch', { name: 'Late fees' }).isChecked()).toBe(false);
      expect(await page.locator('body').innerText()).not.toMatch(IDENTIFIERS);
      await page.close();
    });

    it(`a collector is offered no policy controls and the API refuses them in words (${tag})`, { timeout: 60_000 }, async () => {
      const { page, api } = await pageAs(people.collector, viewport);
      await page.goto(`${arcus.url}/settings/connections`);
      const card = page.getByTestId('client-approval-policy').filter({ hasText: 'Harbour Supplies' });
      await card.getByText('Only a manager or an administrator can change this.').waitFor();
      expect(await card.getByRole('button', { name: 'Save what waits for the client' }).count()).toBe(0);
      expect(await card.getByRole('switch', { name: 'Late fees' }).isDisabled()).toBe(true);
      await screenshot(page, `client-approval-policy-collector-${tag}`);
      expect(await noSideways(page)).toBe(true);
      const refused = await api(`/organisations/${fx.orgA.id}/client-approvals`, { method: 'PUT', body: { lateFees: false, creditsAbove: null, paymentPlans: false } });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe('Only a manager or an administrator can choose what waits for the client.');
      await page.close();
    });
  }

  it('a manager sets an owner, applies a rule and moves customers; the collector finds them in My work (desktop and phone)', { timeout: 150_000 }, async () => {
    await database.db.delete(customerAssignments).where(eq(customerAssignments.firmId, fx.firmId));
    const { page } = await pageAs(people.manager, VIEWPORTS[0][1]);
    await page.goto(`${arcus.url}/settings/team`);
    const panel = page.getByTestId('assignment-panel');
    await panel.getByRole('heading', { name: 'Assignment' }).waitFor();

    // The owner of Harbour Supplies.
    await panel.getByLabel('Owner of Harbour Supplies').click();
    await page.getByRole('option', { name: 'Mia Manager' }).click();
    await expect.poll(async () => (await database.db.select().from(organisationOwners).where(and(eq(organisationOwners.firmId, fx.firmId), eq(organisationOwners.organisationId, fx.orgA.id))))[0]?.userId).toBe(people.manager);

    // A rule: every customer of Latecomers Ltd to the manager.
    await panel.getByRole('combobox', { name: 'Organisation' }).click();
    await page.getByRole('option', { name: 'Latecomers Ltd' }).click();
    await panel.getByRole('combobox', { name: 'Assign to' }).click();
    await page.getByRole('option', { name: /Mia Manager/ }).click();
    await panel.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByText('3 customers assigned.').waitFor();

    // Move the manager's Latecomers customers to the collector.
    await panel.getByRole('combobox', { name: 'From', exact: true }).click();
    await page.getByRole('option', { name: /Mia Manager/ }).click();
    await panel.getByRole('combobox', { name: 'To', exact: true }).click();
    await page.getByRole('option', { name: /Cal Collector/ }).click();
    await panel.getByRole('button', { name: 'Move their Latecomers Ltd customers' }).click();
    await page.getByText('3 customers moved.').waitFor();
    const latecomers = panel.getByRole('row').filter({ hasText: 'Latecomers Ltd' });
    await expect.poll(() => latecomers.innerText()).toContain('Cal Collector (3)');
    await screenshot(page, 'assignment-panel-manager-desktop');
    expect(await page.locator('body').innerText()).not.toMatch(IDENTIFIERS);
    await page.setViewportSize(VIEWPORTS[1][1]);
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'assignment-panel-manager-phone');
    expect(await noSideways(page)).toBe(true);
    await page.close();

    const rows = await database.db.select().from(customerAssignments).where(eq(customerAssignments.firmId, fx.firmId));
    expect(rows.map((r) => r.contactExternalId).sort()).toEqual(['slow-1', 'slow-2', 'slow-3']);
    expect(new Set(rows.map((r) => r.userId))).toEqual(new Set([people.collector]));

    for (const [tag, viewport] of VIEWPORTS) {
      const cal = await pageAs(people.collector, viewport);
      await cal.page.goto(`${arcus.url}/my-work`);
      await cal.page.getByRole('heading', { name: 'My work' }).waitFor();
      const names = cal.page.getByTestId('worklist-customer-name');
      await expect.poll(() => names.count(), { timeout: 30_000 }).toBe(3);
      expect((await names.allInnerTexts()).sort()).toEqual(['Slow One', 'Slow Three', 'Slow Two']);
      expect(await cal.page.locator('body').innerText()).not.toContain('Chronic Late Co');
      expect(await noSideways(cal.page)).toBe(true);
      await screenshot(cal.page, `assignment-collector-my-work-${tag}`);
      await cal.page.close();
    }
  });

  it('a viewer is refused the Assignment panel and its API, in words', { timeout: 60_000 }, async () => {
    const { page, api } = await pageAs(people.viewer, VIEWPORTS[1][1]);
    await page.goto(`${arcus.url}/settings/team`);
    await page.getByText('Only a manager or an administrator can see the team.').waitFor();
    expect(await page.getByRole('button', { name: 'Assign', exact: true }).count()).toBe(0);
    await screenshot(page, 'assignment-panel-viewer-phone');
    const rule = await api('/assignments/rules', { method: 'POST', body: { rule: 'all', organisationId: fx.orgA.id, userId: people.viewer } });
    expect(rule.status).toBe(403);
    expect(rule.body.error.message).toBe('Only a manager or an administrator can assign work.');
    const move = await api('/assignments/reassign', { method: 'POST', body: { fromUserId: people.collector, toUserId: people.manager } });
    expect(move.status).toBe(403);
    const owner = await api(`/organisations/${fx.orgA.id}/owner`, { method: 'PUT', body: { userId: people.manager } });
    expect(owner.status).toBe(403);
    await page.close();
  });
});
