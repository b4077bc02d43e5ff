/**
 * Opportunities in Chromium, as a manager, on four demo-like clients (the demo's ledger generator,
 * test/analytics/demo-ledger.ts): the ranked clients with their numbers against the benchmark and
 * the cash released, the Benchmarks section, desktop and 390 px; the pitch PDF downloaded (its text
 * checked, its first page rendered to PNG when poppler's pdftoppm is installed); marking a pitch.
 * No id, key or ISO date on the page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { memberships, users } from '../../server/db/schema';
import { seedDemoLedger } from '../analytics/demo-ledger';
import { pdfText } from '../reports/seed';
import { startTestApp } from '../support/app';
import { launchChromium, SCREENSHOTS, screenshot, signedInPage } from '../support/browser';
import { createFirm, testDatabase } from '../support/db';
import { describeIdentifiers } from '../support/identifier-shapes';
import { describeWith } from '../support/services';

const NOW = '2026-03-12T15:00:00Z';
const TODAY = '2026-03-12';
const CLIENTS = [
  { name: 'Harbour Joinery', provider: 'xero', seed: 11, invoices: 260, lateness: 30, unpaid: 0.03 },
  { name: 'Thames Studio', provider: 'quickbooks', seed: 12, invoices: 180, lateness: 4, unpaid: 0.004 },
  { name: 'Cape Traders', provider: 'xero', seed: 13, invoices: 120, lateness: 60, unpaid: 0.06 },
  { name: 'Fjordline Outfitters', provider: 'quickbooks', seed: 14, invoices: 150, lateness: 15, unpaid: 0.02 },
] as const;

function pdftoppm(): string | null {
  for (const p of ['/usr/bin/pdftoppm', '/usr/local/bin/pdftoppm']) if (existsSync(p)) return p;
  return null;
}

describeWith(['pg', 'chromium'], 'Opportunities in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  let database: Database;
  let firmId = '';
  let managerId = '';

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('opportunities-ui', database, { ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', ARCUS_NOW: NOW });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    for (const c of CLIENTS) await seedDemoLedger(database.db, firmId, { ...c, baseCurrency: 'USD', today: TODAY });
    const [m] = await database.db.insert(users).values({ email: `manager-${firmId.slice(0, 8)}@firm.example`, name: 'Maya Manager', authProvider: 'test', authSubject: `manager-${firmId}` }).returning();
    await database.db.insert(memberships).values({ firmId, userId: m!.id, role: 'manager' });
    managerId = m!.id;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  const pageAs = (userId: string, width: number): Promise<Page> => signedInPage(browser, arcus, database, { userId, firmId }, { viewport: { width, height: 900 }, downloads: true, timeoutMs: 30_000 });

  async function ranked(page: Page): Promise<string[]> {
    await page.getByRole('heading', { name: 'Opportunities', level: 2 }).waitFor();
    await page.getByRole('table', { name: 'Quartiles' }).waitFor();
    const headings = await page.getByRole('heading', { level: 3 }).allInnerTexts();
    return headings.filter((h) => /^\d+\. /.test(h));
  }

  for (const [label, width] of [
    ['desktop', 1280],
    ['phone', 390],
  ] as const) {
    it(`ranks the demo clients with their numbers against the benchmark (${label})`, async () => {
      const page = await pageAs(managerId, width);
      await page.goto(`${arcus.url}/opportunities`);
      const names = await ranked(page);
      expect(names).toHaveLength(4);
      expect(names.map((n) => n.replace(/^\d+\. /, '')).sort()).toEqual(CLIENTS.map((c) => c.name).sort());
      const body = await page.locator('body').innerText();
      expect(body).toContain('Cash a benchmark DSO would release');
      expect(body).toContain('Not pitched yet');
      expect(body).toContain('Benchmarks');
      expect(body).toContain('The firm’s performance over time');
      expect(describeIdentifiers('the opportunities page', body)).toEqual([]);
      await screenshot(page, `opportunities-${label}`);
      await page.context().close();
    });
  }

  it('downloads the first client’s pitch PDF and marks it pitched', async () => {
    const page = await pageAs(managerId, 1280);
    await page.goto(`${arcus.url}/opportunities`);
    const [first] = await ranked(page);
    const name = first!.replace(/^\d+\. /, '');
    const card = page.getByRole('region', { name });
    const cash = await card.getByText(/^US\$[\d,]+\.\d\d$/).first().innerText();
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('link', { name: 'Pitch PDF' }).click()]);
    expect(download.suggestedFilename()).toBe(`${name.replace(/[^A-Za-z0-9]+/g, '-')}-proposal.pdf`);
    const file = (await download.path())!;
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(bytes);
    expect(text).toContain(`${name}: cash waiting in your receivables`);
    expect(text).toContain(cash);
    expect(text).toContain('Your numbers against similar clients');
    expect(text).toMatch(/credit control: US\$[\d,]+\.\d\d a month/);
    const tool = pdftoppm();
    if (tool) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      execFileSync(tool, ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, path.join(SCREENSHOTS, 'opportunities-pitch-page1')]);
      expect(existsSync(path.join(SCREENSHOTS, 'opportunities-pitch-page1.png'))).toBe(true);
    }

    await card.getByRole('textbox', { name: `Note about the pitch to ${name}` }).fill('Sent with the March figures');
    await card.getByRole('button', { name: 'Mark pitched' }).click();
    await card.getByText('Pitched on 12 March 2026 by Maya Manager').waitFor();
    await card.getByText('Note: Sent with the March figures').waitFor();
    await screenshot(page, 'opportunities-pitched');
    await page.context().close();
  });
});
