/**
 * The collector's log in Chromium (the app's clock pinned; no ledger on this server, so ledger
 * notes wait in the outbox): on the customer page a call form refuses what is missing on its
 * fields, then a call with a next step is logged and is on the timeline and in the follow-ups at
 * once; three identical "Mark contacted" show as one entry ×3; at a phone's width (390 px) a call
 * is logged on an invoice from its Actions menu and shows in its activity drawer. Screenshots at
 * each step.
 */
import { and, eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import { activities, collectorTasks, contacts, invoices } from '../../server/db/schema';
import type { Database } from '../../server/db/client';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { demoBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { MONDAY, seedOrg } from '../reminders/seed';

describeWith(['pg', 'chromium'], 'the collector’s log in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let firmId: string;
  let contactId: string;

  beforeAll(async () => {
    database = await testDatabase();
    const demo = await emptyDemoFirm(database.db);
    firmId = demo.firmId;
    const org = await seedOrg(database.db, firmId, {
      timezone: 'Europe/London',
      contacts: [{ externalId: 'ui-c1', name: 'Bayside Cafe' }],
      invoices: [
        { number: 'UI-1', due: -20, contact: 'ui-c1', amount: '500.00' },
        { number: 'UI-2', due: -5, contact: 'ui-c1', amount: '80.00' },
      ],
    });
    const [c] = await database.db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.organisationId, org.id), eq(contacts.externalId, 'ui-c1')));
    contactId = c!.id;
    // "Mark contacted" three times this morning, by the demo user.
    for (const [i, at] of ['09:02', '10:15', '11:40'].entries())
      await database.db.insert(activities).values({ firmId, organisationId: org.id, actorUserId: demo.userId, actorType: 'user', kind: 'contact.contacted', contactId, summary: 'Contacted Bayside Cafe', details: { contactExternalId: 'ui-c1', n: i }, createdAt: new Date(`${MONDAY}T${at}:00Z`) });
    arcus = await startTestApp('collector-log-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T12:00:00Z` });
    ({ browser, page } = await demoBrowser(arcus.url));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 60_000);

  const followUpDay = addDays(MONDAY, 4); // Friday

  it('logs a call with a next step on the customer page: field errors first, then on the timeline and in the follow-ups at once', { timeout: 90_000 }, async () => {
    await page.goto(`${arcus.url}/customers/${contactId}`);
    await page.getByRole('heading', { name: 'Bayside Cafe', level: 2 }).waitFor();
    const activity = page.getByTestId('customer-activity');
    const log = page.getByTestId('collector-log');
    // Three identical entries in a row are one, counted, with their time span.
    const contacted = activity.getByTestId('activity-entry').filter({ hasText: 'Contacted Bayside Cafe' });
    await contacted.getByText('×3').waitFor();
    await expect(contacted.count()).resolves.toBe(1);
    await expect(contacted.textContent()).resolves.toMatch(/23 Nov, \d\d:\d\d – 23 Nov, \d\d:\d\d/);
    await log.getByText('No tasks.', { exact: false }).waitFor();

    await log.getByRole('button', { name: 'Log call' }).click();
    const dialog = page.getByRole('dialog', { name: 'Log a call about Bayside Cafe' });
    await dialog.getByLabel('Next step').fill('Call back about the remittance');
    await dialog.getByRole('button', { name: 'Log call' }).click();
    // Every problem on its own field, at once.
    await dialog.getByText('Choose what happened on the call.').waitFor();
    await dialog.getByText('Choose the day to follow up.').waitFor();
    await screenshot(page, 'collector-log-call-errors');

    await dialog.getByRole('combobox', { name: 'What happened' }).click();
    await page.getByRole('option', { name: 'Left a voicemail' }).click();
    await dialog.getByLabel('Summary').fill('Asked for the remittance advice');
    await dialog.getByLabel('Follow up on').fill(followUpDay);
    await screenshot(page, 'collector-log-call-form');
    await dialog.getByRole('button', { name: 'Log call' }).click();
    await dialog.waitFor({ state: 'detached' });

    await activity.getByTestId('activity-entry').filter({ hasText: `Call — left a voicemail: Asked for the remittance advice · Next: Call back about the remittance by ${followUpDay}` }).waitFor();
    const followUp = log.getByTestId('follow-up').filter({ hasText: 'Call back about the remittance' });
    await followUp.getByText('27 Nov 2026').waitFor();
    await screenshot(page, 'collector-log-customer');
    const [task] = await database.db.select().from(collectorTasks).where(eq(collectorTasks.firmId, firmId));
    expect(task).toMatchObject({ title: 'Call back about the remittance', dueOn: followUpDay, status: 'open', invoiceId: null });

    // Done: off the follow-ups, on the timeline.
    await followUp.getByRole('button', { name: 'Mark “Call back about the remittance” done' }).click();
    await activity.getByText('Follow-up done: Call back about the remittance').waitFor();
    await log.getByText('No tasks.', { exact: false }).waitFor();
  });

  it('at a phone’s width, logs a call on an invoice from its Actions menu and shows it in the activity drawer', { timeout: 90_000 }, async () => {
    const phone = await browser.newPage();
    phone.setDefaultTimeout(20_000);
    await phone.setViewportSize({ width: 390, height: 844 });
    try {
      await phone.goto(`${arcus.url}/customers/${contactId}`);
      await phone.getByRole('heading', { name: 'Bayside Cafe', level: 2 }).waitFor();
      await phone.getByRole('button', { name: 'Actions for UI-2' }).click();
      await phone.getByRole('menuitem', { name: 'Log call…' }).click();
      const dialog = phone.getByRole('dialog', { name: 'Log a call about invoice UI-2' });
      await dialog.getByRole('combobox', { name: 'What happened' }).click();
      await phone.getByRole('option', { name: 'Promised to pay' }).click();
      await dialog.getByLabel('Next step').fill('Check the payment arrived');
      await dialog.getByLabel('Follow up on').fill(followUpDay);
      expect(await dialog.evaluate((d) => [...d.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).length)).toBe(0);
      await screenshot(phone, 'collector-log-phone-form');
      await dialog.getByRole('button', { name: 'Log call' }).click();
      await dialog.waitFor({ state: 'detached' });

      await phone.getByRole('button', { name: 'Actions for UI-2' }).click();
      await phone.getByRole('menuitem', { name: 'Show activity' }).click();
      const drawer = phone.getByRole('dialog', { name: 'Activity on UI-2' });
      await drawer.getByTestId('activity-entry').filter({ hasText: `Call — promised to pay · Next: Check the payment arrived by ${followUpDay}` }).waitFor();
      await drawer.getByTestId('follow-up').filter({ hasText: 'Check the payment arrived' }).getByText('27 Nov 2026').waitFor();
      // The drawer and what is in it fit the phone's width.
      const overflow = await drawer.evaluate((d) => [...d.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.textContent?.slice(0, 40)));
      expect(overflow).toEqual([]);
      await screenshot(phone, 'collector-log-phone-drawer');
      const [inv] = await database.db.select({ id: invoices.id }).from(invoices).where(and(eq(invoices.firmId, firmId), eq(invoices.number, 'UI-2')));
      const tasks = await database.db.select().from(collectorTasks).where(eq(collectorTasks.invoiceId, inv!.id));
      expect(tasks.map((t) => [t.title, t.dueOn, t.status])).toEqual([['Check the payment arrived', followUpDay, 'open']]);
    } finally {
      await phone.close();
    }
  });
});
