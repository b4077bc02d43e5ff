/**
 * Settings › Client defaults in Chromium (issue #17; docs/decisions/028), at desktop width and at
 * 390 px, the app's clock pinned to the scoring fixture's day: an administrator sees the firm
 * defaults and one client's settings marked "Overridden for this client", opens "Apply to all
 * clients", reads which client changes and how before confirming, applies it, and resets another
 * override to the firm default; a viewer reads the same screen with no controls and the API
 * refuses them in words. Screenshots in test/artifacts/screenshots/client-defaults-*.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { BrowserContext, } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { memberships, settingOverrides, users } from '../../server/db/schema';
import { buildFixture, NOW, type ScoringFixture } from '../scoring/fixture';
import { startTestApp } from '../support/app';
import { launchBrowser, noSideways, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const IDENTIFIERS = /[0-9a-f]{8}-[0-9a-f]{4}-|\b(lateFees|earlyDiscount|approvalThreshold|clientApproval|sendingWindow|annual_rate|late_fee)\b/;
const VIEWPORTS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describeWith(['pg', 'chromium'], 'Client defaults and overrides in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let fx: ScoringFixture;
  let viewerId = '';

  beforeAll(async () => {
    database = await testDatabase();
    fx = await buildFixture(database);
    const [u] = await database.db.insert(users).values({ email: `viewer-${randomUUID().slice(0, 8)}@firm.example`, name: 'Vera Viewer', authProvider: 'test', authSubject: randomUUID() }).returning();
    await database.db.insert(memberships).values({ firmId: fx.firmId, userId: u!.id, role: 'viewer' });
    viewerId = u!.id;
    arcus = await startTestApp('client-defaults-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW.toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 120_000);

  const pageAs = (userId: string, viewport: { width: number; height: number }) => signInAs(browser, arcus, database, { userId, firmId: fx.firmId }, viewport, 20_000);

  for (const [tag, viewport] of VIEWPORTS) {
    it(`an administrator sees defaults and overrides, applies late fees to all clients after the preview, and resets sending hours (${tag})`, { timeout: 90_000 }, async () => {
      const { page, api } = await pageAs(fx.userId, viewport);
      // Harbour Supplies has its own late fee and sending hours; the firm default charges none.
      await api('/settings/defaults', { method: 'PUT', body: { group: 'lateFees', value: { enabled: false } } });
      expect((await api(`/settings/organisations/${fx.orgA.id}`, { method: 'PUT', body: { group: 'lateFees', value: { enabled: true, kind: 'flat', amount: '25', graceDays: 7, period: 'once' } } })).status).toBe(200);
      expect((await api(`/settings/organisations/${fx.orgA.id}`, { method: 'PUT', body: { group: 'sendingWindow', value: { startMinute: 480, endMinute: 720, businessDays: [1, 2, 3] } } })).status).toBe(200);

      await page.goto(`${arcus.url}/settings/defaults`);
      const defaults = page.getByTestId('firm-default');
      const lateFees = defaults.filter({ hasText: 'Late fees and interest' });
      await lateFees.getByText('Off: no late fees or interest are charged').waitFor();
      await lateFees.getByText('1 of 2 clients has its own setting.').waitFor();

      // Harbour Supplies' settings (the first client by name): overridden groups say so, with the firm default beside them.
      await page.getByRole('combobox', { name: 'Client' }).click();
      await page.getByRole('option', { name: 'Harbour Supplies' }).click();
      const setting = (title: string) => page.getByTestId('client-setting').filter({ hasText: title });
      await setting('Late fees and interest').getByText('Overridden for this client').waitFor();
      await setting('Late fees and interest').getByText('A fee of 25.00, 7 days after the due date, once').waitFor();
      await setting('Late fees and interest').getByText('Firm default: Off: no late fees or interest are charged').waitFor();
      expect(await setting('Early-payment discounts').getByText('Firm default', { exact: true }).count()).toBe(1);
      await screenshot(page, `client-defaults-overview-${tag}`);
      expect(await noSideways(page)).toBe(true);
      expect(await page.locator('body').innerText()).not.toMatch(IDENTIFIERS);

      // Apply to all clients: the dialog says who changes and how before anything is done.
      await lateFees.getByRole('button', { name: 'Apply to all clients' }).click();
      const dialog = page.getByTestId('apply-to-all');
      await dialog.getByText('1 of 2 clients will change.').waitFor();
      await dialog.getByText('Harbour Supplies').waitFor();
      await dialog.getByText('from “A fee of 25.00, 7 days after the due date, once” to “Off: no late fees or interest are charged”').waitFor();
      await screenshot(page, `client-defaults-apply-preview-${tag}`);
      expect(await page.getByRole('dialog').innerText()).not.toMatch(IDENTIFIERS);
      // Nothing has changed yet.
      expect((await database.db.select().from(settingOverrides).where(and(eq(settingOverrides.firmId, fx.firmId), eq(settingOverrides.settingGroup, 'lateFees')))).length).toBe(1);
      await dialog.getByRole('button', { name: 'Apply to all clients' }).click();
      await dialog.getByText('Done: 1 client changed and every client now follows the firm default.').waitFor();
      await screenshot(page, `client-defaults-applied-${tag}`);
      await dialog.getByRole('button', { name: 'Close' }).click();
      await lateFees.getByText('Every client follows this.').waitFor();
      await setting('Late fees and interest').getByText('Firm default', { exact: true }).waitFor();
      expect((await database.db.select().from(settingOverrides).where(and(eq(settingOverrides.firmId, fx.firmId), eq(settingOverrides.settingGroup, 'lateFees')))).length).toBe(0);

      // Reset one client's sending hours to the firm default.
      const hours = setting('Reminder sending hours');
      await hours.getByText('08:00 to 12:00, Monday to Wednesday').waitFor();
      await hours.getByRole('button', { name: 'Reset to default' }).click();
      await hours.getByText('Firm default', { exact: true }).waitFor();
      await hours.getByText('09:00 to 17:00, Monday to Friday').waitFor();
      expect(await hours.getByRole('button', { name: 'Reset to default' }).count()).toBe(0);
      await screenshot(page, `client-defaults-reset-${tag}`);
      expect(await noSideways(page)).toBe(true);
      await page.close();
    });

    it(`an administrator sets one client's own late fee in the firm default's form: errors in words on the field, then "Overridden for this client" and in force (${tag})`, { timeout: 90_000 }, async () => {
      const { page, api } = await pageAs(fx.userId, viewport);
      // Harbour Supplies starts on the firm default, which charges no late fees.
      await api('/settings/defaults', { method: 'PUT', body: { group: 'lateFees', value: { enabled: false } } });
      await api(`/settings/organisations/${fx.orgA.id}/reset`, { method: 'POST', body: { group: 'lateFees' } });
      await page.goto(`${arcus.url}/settings/defaults`);
      await page.getByRole('combobox', { name: 'Client' }).click();
      await page.getByRole('option', { name: 'Harbour Supplies' }).click();
      const lateFees = page.getByTestId('client-setting').filter({ hasText: 'Late fees and interest' });
      await lateFees.getByText('Firm default', { exact: true }).waitFor();
      expect(await lateFees.getByRole('button', { name: 'Reset to default' }).count()).toBe(0);
      await lateFees.getByRole('button', { name: 'Set for this client' }).click();

      const form = page.getByTestId('override-form');
      await form.getByText('Only Harbour Supplies follows this; every other client keeps the firm default.').waitFor();
      await form.getByRole('switch', { name: 'Charge automatically' }).click();
      await form.getByRole('textbox', { name: 'Kind' }).or(form.getByRole('combobox', { name: 'Kind' })).first().click();
      await page.getByRole('option', { name: 'Flat fee' }).click();
      await form.getByLabel('Fee', { exact: true }).fill('twelve pounds');
      await form.getByLabel('Grace period').fill('10');
      await form.getByRole('button', { name: 'Save for this client' }).click();
      // The server's sentence sits on the field; nothing was saved.
      await form.getByText(/^Enter an amount such as 25 or 12\.50/).waitFor();
      await screenshot(page, `client-defaults-override-error-${tag}`);
      expect(await page.getByRole('dialog').innerText()).not.toMatch(IDENTIFIERS);
      expect((await api(`/settings/organisations/${fx.orgA.id}`)).body.groups.find((g: { group: string }) => g.group === 'lateFees').overridden).toBe(false);

      await form.getByLabel('Fee', { exact: true }).fill('30');
      await form.getByRole('button', { name: 'Save for this client' }).click();
      await lateFees.getByText('Overridden for this client').waitFor();
      await lateFees.getByText(/A fee of 30\.00, 10 days after the due date/).waitFor();
      await lateFees.getByText('Firm default: Off: no late fees or interest are charged').waitFor();
      await lateFees.getByRole('button', { name: 'Reset to default' }).waitFor();
      await page.getByTestId('firm-default').filter({ hasText: 'Late fees and interest' }).getByText('1 of 2 clients has its own setting.').waitFor();
      await screenshot(page, `client-defaults-override-set-${tag}`);
      expect(await noSideways(page)).toBe(true);
      expect(await page.locator('body').innerText()).not.toMatch(IDENTIFIERS);
      // In force: the client's effective setting is its own; the other client keeps the default.
      const effective = (await api(`/settings/organisations/${fx.orgA.id}`)).body.groups.find((g: { group: string }) => g.group === 'lateFees');
      expect(effective).toMatchObject({ overridden: true, value: { enabled: true, kind: 'flat', graceDays: 10 } });
      expect(Number(effective.value.amount)).toBe(30);
      const other = (await api(`/settings/organisations/${fx.orgB.id}`)).body.groups.find((g: { group: string }) => g.group === 'lateFees');
      expect(other).toMatchObject({ overridden: false, value: { enabled: false } });

      await lateFees.getByRole('button', { name: 'Reset to default' }).click();
      await lateFees.getByText('Firm default', { exact: true }).waitFor();
      await page.close();
    });

    it(`a viewer reads the defaults and a client's settings with no controls, and the API refuses them in words (${tag})`, { timeout: 60_000 }, async () => {
      const admin = (await pageAs(fx.userId, viewport)).api;
      await admin(`/settings/organisations/${fx.orgA.id}`, { method: 'PUT', body: { group: 'approvalThreshold', value: { amount: '750' } } });
      const { page, api } = await pageAs(viewerId, viewport);
      await page.goto(`${arcus.url}/settings/defaults`);
      await page.getByText('Only a manager or an administrator can change them.').waitFor();
      await page.getByRole('combobox', { name: 'Client' }).click();
      await page.getByRole('option', { name: 'Harbour Supplies' }).click();
      const threshold = page.getByTestId('client-setting').filter({ hasText: 'Approval of ledger changes' });
      await threshold.getByText('Overridden for this client').waitFor();
      expect(await page.getByRole('button', { name: 'Apply to all clients' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Reset to default' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Change sending hours' }).count()).toBe(0);
      await screenshot(page, `client-defaults-viewer-${tag}`);
      expect(await noSideways(page)).toBe(true);
      expect(await page.locator('body').innerText()).not.toMatch(IDENTIFIERS);
      const refused = await api(`/settings/organisations/${fx.orgA.id}/reset`, { method: 'POST', body: { group: 'approvalThreshold' } });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe('Only a manager or an administrator can change the firm’s defaults or a client’s settings.');
      expect((await api('/settings/apply-to-all', { method: 'POST', body: { group: 'approvalThreshold' } })).status).toBe(403);
      await admin(`/settings/organisations/${fx.orgA.id}/reset`, { method: 'POST', body: { group: 'approvalThreshold' } });
      await page.close();
    });
  }
});
