/**
 * The sync log and the reminder re-check switch in Chromium (the app's clock pinned, no ledger on
 * this server): Settings › Connections › an organisation › Sync log shows each run's kind, start
 * and end in the organisation's zone, what it read and its API calls, and a QuickBooks error in
 * words with "Reference for QuickBooks support: <intuit_tid>", 20 runs a page; Settings ›
 * Collections' "Check the ledger before sending reminders" switch saves for the firm. Screenshots.
 * (The intuit_tid reaching the stored error from a real QuickBooks answer: test/sync/intuit-tid.test.ts.)
 */
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { organisations, syncRuns } from '../../server/db/schema';
import { loadReminderFirmSettings, updateReminderFirmSettings } from '../../server/reminders/firm-settings';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { demoBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { MONDAY, seedOrg } from '../reminders/seed';

const TID = '1-6790c4f2-4b5a0c3e2b6d8f1a9c7e5d3b';

describeWith(['pg', 'chromium'], 'the sync log and the ledger re-check switch in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let orgId: string;
  let firmId: string;

  beforeAll(async () => {
    database = await testDatabase();
    const demo = await emptyDemoFirm(database.db);
    firmId = demo.firmId;
    const org = await seedOrg(database.db, firmId, { timezone: 'America/New_York', countryCode: 'US', provider: 'quickbooks', contacts: [], invoices: [] });
    orgId = org.id;
    await database.db.update(organisations).set({ name: 'Redwood Dental Group' }).where(eq(organisations.id, orgId));
    const base = Date.parse(`${MONDAY}T02:00:00Z`);
    const at = (minutes: number) => new Date(base - minutes * 60_000);
    // 22 nightly runs that went well (oldest first), then one the rate limit paused and one QuickBooks failed.
    const rows: (typeof syncRuns.$inferInsert)[] = [];
    for (let d = 23; d >= 2; d--) {
      rows.push({ firmId, organisationId: orgId, kind: 'incremental', status: 'succeeded', startedAt: at(d * 1440), finishedAt: at(d * 1440 - 1), createdAt: at(d * 1440), counts: { invoices: d % 3, payments: d % 2, contacts: 0 }, apiCalls: 4 });
    }
    rows.push({
      firmId,
      organisationId: orgId,
      kind: 'webhook',
      status: 'succeeded',
      startedAt: at(60),
      finishedAt: at(55),
      createdAt: at(60),
      counts: { invoices: 2 },
      apiCalls: 7,
      errors: [{ at: at(59).toISOString(), attempt: 1, code: 'rate_limited', message: 'Reading QuickBooks Invoice records failed (429): ThrottleExceeded (intuit_tid 1-aa)', reference: { name: 'intuit_tid', value: '1-aa11bb22' } }],
    });
    rows.push({
      firmId,
      organisationId: orgId,
      kind: 'full',
      status: 'failed',
      startedAt: at(10),
      finishedAt: at(9),
      createdAt: at(10),
      counts: { contacts: 12 },
      apiCalls: 3,
      errors: [{ at: at(9).toISOString(), attempt: 3, code: 'validation', message: `Reading QuickBooks Invoice records failed (400): Invalid query (4000) (intuit_tid ${TID})`, reference: { name: 'intuit_tid', value: TID } }],
    });
    await database.db.insert(syncRuns).values(rows);
    await updateReminderFirmSettings(database.db, firmId, { recheckLedger: true });
    arcus = await startTestApp('sync-log-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T12:00:00Z` });
    ({ browser, page } = await demoBrowser(arcus.url));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 60_000);

  it('opens an organisation’s sync log from its card: runs in words, the QuickBooks error with its reference, 20 a page', { timeout: 90_000 }, async () => {
    await page.goto(`${arcus.url}/settings/connections`);
    const card = page.getByTestId('organisation-card').filter({ hasText: 'Redwood Dental Group' });
    await card.getByRole('link', { name: 'Sync log' }).click();
    await page.getByRole('heading', { name: 'Sync log — Redwood Dental Group' }).waitFor();
    const table = page.getByRole('table', { name: 'Sync runs' });
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(20);
    const failed = rows.first();
    await expect(failed.textContent()).resolves.toContain('Full sync');
    await expect(failed.textContent()).resolves.toContain('Failed');
    await expect(failed.textContent()).resolves.toContain('12 contacts');
    await expect(failed.textContent()).resolves.toContain('QuickBooks refused one of Arcus’s requests as invalid.');
    await expect(failed.textContent()).resolves.toContain(`Reference for QuickBooks support: ${TID}`);
    // Start and end in the organisation's zone (New York), as a person reads them.
    await expect(failed.textContent()).resolves.toMatch(/\d{2}:\d{2} E[SD]T/);
    const paused = rows.nth(1);
    await expect(paused.textContent()).resolves.toContain('Changes QuickBooks reported');
    await expect(paused.textContent()).resolves.toContain('QuickBooks asked Arcus to slow down');
    await expect(paused.textContent()).resolves.toContain('Reference for QuickBooks support: 1-aa11bb22');
    // Nothing of the stored technical text reaches the page: no codes, no statuses, no field names.
    const text = (await page.getByRole('main').textContent()) ?? '';
    for (const raw of ['validation', 'rate_limited', 'intuit_tid', '(400)', 'Invalid query', 'incremental', 'succeeded', 'webhook']) expect(text).not.toContain(raw);
    await screenshot(page, 'sync-log-page-1');

    await page.getByRole('button', { name: '2' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    await expect(rows.last().textContent()).resolves.toContain('Changes since the last sync');
    await expect(rows.last().textContent()).resolves.toContain('None');
    await screenshot(page, 'sync-log-page-2');
  });

  it('Settings › Collections: “Check the ledger before sending reminders” toggles for the firm', { timeout: 60_000 }, async () => {
    await page.goto(`${arcus.url}/settings/collections`);
    const toggle = page.getByRole('switch', { name: 'Check the ledger before sending reminders' });
    await toggle.waitFor();
    await page.getByText('reads its invoices from Xero or QuickBooks again').waitFor();
    const before = await toggle.isChecked();
    expect(before).toBe(true);
    await toggle.click({ force: true });
    await expect.poll(async () => (await loadReminderFirmSettings(database.db, firmId)).recheckLedger).toBe(!before);
    await expect.poll(() => toggle.isChecked()).toBe(!before);
    await screenshot(page, 'collections-recheck-ledger');
    await page.reload();
    await expect.poll(() => page.getByRole('switch', { name: 'Check the ledger before sending reminders' }).isChecked()).toBe(!before);
    await page.getByRole('switch', { name: 'Check the ledger before sending reminders' }).click({ force: true });
    await expect.poll(async () => (await loadReminderFirmSettings(database.db, firmId)).recheckLedger).toBe(before);
  });
});
