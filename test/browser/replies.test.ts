/**
 * Replies in Chromium (issue #20): a reminder went out and the customer answered "we'll pay on the
 * 15th"; the customer page shows the conversation (our reminder, their reply with its suggestion and
 * why); My work lists the reply waiting, and Confirm records the promise — on a desktop and at 390 px
 * without sideways scroll, with no ids or internal values on screen.
 */
import { and, eq } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { activities, contacts, reminderSends } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { receiveParsed } from '../../server/replies/receive';
import { type Small, startSmall } from '../reminders/seed';
import { startTestApp } from '../support/app';
import { launchBrowser, screenshot, signInAs } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Replies in Chromium', () => {
  let arcus: Arcus;
  let browser: BrowserContext;
  let s: Small;
  let contactId: string;

  const replyOnce = async (n: number) => {
    const [send] = await s.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, s.org.id), eq(reminderSends.status, 'sent')));
    const raw = [
      'From: Sam Bayside <ap@bayside.example>',
      `To: reply+${send!.replyToken}@replies.arcus.test`,
      `Subject: Re: ${send!.subjectLine}`,
      `Message-ID: <ui-${n}-${s.org.id}@bayside.example>`,
      `In-Reply-To: ${send!.messageId}`,
      `Date: ${s.now().toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      "Hi, sorry for the delay - we'll pay on the 15th.",
      '',
    ].join('\r\n');
    await receiveParsed({ db: s.db, log: createLogger('silent'), now: s.now }, await simpleParser(raw));
  };

  beforeAll(async () => {
    s = await startSmall({ invoices: [{ number: 'INV-UI1', due: -10, contact: 'c-bayside' }] });
    s.env.replyDomain = 'replies.arcus.test';
    await s.driver().tick([s.org.id]);
    const [c] = await s.db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.organisationId, s.org.id), eq(contacts.externalId, 'c-bayside')));
    contactId = c!.id;
    arcus = await startTestApp('replies-ui', await testDatabase(), { LEDGER_SANDBOX: 'off', ARCUS_NOW: s.now().toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
    await s?.close();
  }, 120_000);

  for (const [n, tag, viewport] of [
    [1, 'desktop', { width: 1280, height: 800 }],
    [2, 'phone', { width: 390, height: 844 }],
  ] as const) {
    it(`the conversation on the customer page, and Confirm in My work (${tag})`, async () => {
      await replyOnce(n);
      const { page } = await signInAs(browser, arcus, await testDatabase(), { userId: s.userId, firmId: s.firmId }, viewport);

      await page.goto(`${arcus.url}/customers/${contactId}`);
      const conversation = page.getByTestId('customer-conversation');
      await conversation.getByText('Promise to pay by 15 December 2026').first().waitFor({ timeout: 30_000 });
      const text = await conversation.innerText();
      expect(text).toContain('Reminder');
      expect(text).toContain("we'll pay on the 15th");
      expect(text).toContain('Because it says: “we\'ll pay”, “on the 15th”');
      expect(text).not.toMatch(/copy_request|out_of_office|auto_reply|[0-9a-f]{8}-[0-9a-f]{4}-/);
      await conversation.scrollIntoViewIfNeeded();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await screenshot(page, `replies-conversation-${tag}`);

      await page.goto(`${arcus.url}/my-work`);
      const waiting = page.getByTestId('my-work-replies');
      await waiting.getByText('Suggested: Promise to pay by 15 December 2026').waitFor({ timeout: 30_000 });
      expect(await waiting.innerText()).toContain('Bayside Cafe Ltd');
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await waiting.scrollIntoViewIfNeeded();
      await screenshot(page, `replies-my-work-${tag}`);
      await waiting.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText('Promise to pay by 15 December 2026 recorded').waitFor({ timeout: 30_000 });
      await waiting.getByText('No replies wait for you.').waitFor({ timeout: 30_000 });
      const promises = await s.db.select().from(activities).where(and(eq(activities.organisationId, s.org.id), eq(activities.kind, 'promise.recorded')));
      expect(promises).toHaveLength(n);
      expect(promises.every((p) => (p.details as { promisedDate: string }).promisedDate === '2026-12-15')).toBe(true);
      await page.close();
    }, 120_000);
  }
});
