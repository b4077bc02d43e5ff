/** Debian's Chromium (/usr/bin/chromium) driven by playwright-core; no browser is ever downloaded. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { services } from './services';
import { realClockEnv } from './child-env';
import { scratchDir } from './scratch';

export const SCREENSHOTS = path.resolve('test/artifacts/screenshots');

export async function launchBrowser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(scratchDir('chromium'), {
    executablePath: services.chromiumPath,
    // Chromium does not start under libfaketime: it keeps the machine's clock; the app's is pinned with ARCUS_NOW.
    env: realClockEnv(),
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Chromium signed in to the demo as its administrator, on the app's first screen. */
export async function demoBrowser(url: string, timeoutMs = 20_000): Promise<{ browser: BrowserContext; page: Page }> {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  page.setDefaultTimeout(timeoutMs);
  await page.goto(`${url}/`);
  await page.getByRole('button', { name: 'Sign in to the demo' }).click();
  await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
  return { browser, page };
}
