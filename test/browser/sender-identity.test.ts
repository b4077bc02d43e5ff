/**
 * Reminders › Settings › Sender identity in Chromium at desktop width: the client's from address
 * and footer saved, a logo uploaded, the three DNS records shown with copy buttons, "Check now"
 * through a fake resolver (missing, then found), each record's status in words.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import { createLogger } from '../../server/logger';
import type { TxtResolver } from '../../server/sender/dns';
import { type Arcus, startArcus } from '../../root/runtime';
import { MONDAY, seedOrg } from '../reminders/seed';
import { demoBrowser, screenshot } from '../support/browser';
import { testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e2a8f5c10000000049454e44ae426082', 'hex');

describeWith(['pg', 'chromium'], 'Sender identity in Chromium', () => {
  let database: Database;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let orgId: string;
  const zone = new Map<string, string[][]>();
  const resolver: TxtResolver = {
    async resolveTxt(name) {
      const v = zone.get(name);
      if (!v) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return v;
    },
  };

  beforeAll(async () => {
    database = await testDatabase();
    const demo = await ensureDemoFirm(database.db);
    const org = await seedOrg(database.db, demo.firmId, { timezone: 'Europe/London', contacts: [], invoices: [], settings: { enabled: false, senderName: 'Harbour Accounts' } });
    orgId = org.id;
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('sender-ui'), ARCUS_DEMO: 'on', ARCUS_DEMO_CONNECT: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T10:00:00Z` },
      database,
      log: createLogger('silent'),
      hooks: { dnsResolver: resolver },
    });
    ({ browser, page } = await demoBrowser(arcus.url));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 60_000);

  it('saves the client’s address, uploads a logo, shows the records and checks them', async () => {
    await page.goto(`${arcus.url}/reminders/settings?org=${orgId}`);
    const card = page.getByTestId('sender-identity');
    await card.getByRole('heading', { name: 'Sender identity' }).waitFor();
    await card.getByText(/Reminders go from Harbour Accounts <.+>\. They will come from the client’s own address once its domain is verified\./).waitFor();

    // A bad address is refused beside its field.
    const from = card.getByLabel('From address');
    await from.fill('accounts at harbour');
    await card.getByRole('button', { name: 'Save sender identity' }).click();
    await card.getByText('Enter an address on the client’s own domain, like accounts@client.example.').waitFor();

    await from.fill('accounts@harbour.example');
    await card.getByLabel('Footer').fill('Harbour Test Ltd · 1 Quay Street, Bristol · Company no. 01234567');
    await card.getByRole('button', { name: 'Save sender identity' }).click();
    await card.getByText('DNS records for harbour.example').waitFor();
    expect(await card.getByText('Not checked yet.').count()).toBeGreaterThanOrEqual(3);
    await expect.poll(() => card.getByRole('button', { name: /^Copy the (SPF|DKIM|DMARC) record’s (name|value)$/ }).count()).toBe(6);

    await card.locator('input[type=file]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await card.getByRole('img', { name: 'Harbour Test Ltd logo' }).waitFor();
    await card.getByRole('button', { name: 'Replace logo' }).waitFor();

    await card.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => card.getByText('Not found: publish the DMARC record below.').count()).toBe(1);
    await card.getByText('Not found: publish the SPF record below.').waitFor();

    // The client publishes the records the card shows; the next check finds them.
    const res = await page.request.get(`${arcus.url}/api/sender-identity/${orgId}`);
    const { identity } = (await res.json()) as { identity: { records: { name: string; value: string }[] } };
    for (const r of identity.records) zone.set(r.name, [r.value.match(/.{1,255}/g)!]);
    await card.getByRole('button', { name: 'Check now' }).click();
    await card.getByText('harbour.example is verified').waitFor();
    await card.getByText('Found: the DKIM record is published.').waitFor();
    await card.getByText('Reminders go from Harbour Accounts <accounts@harbour.example>, signed for harbour.example.').waitFor();
    const text = await card.innerText();
    expect(text).not.toMatch(/\b(unchecked|mismatch|spf_status|undefined|null)\b/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'sender-identity');
  }, 90_000);
});
