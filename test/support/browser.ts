/** Debian's Chromium (/usr/bin/chromium) driven by playwright-core; no browser is ever downloaded. */
import { mkdirSync, } from 'node:fs';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { services } from './services';
import { scratchDir } from './scratch';

export const SCREENSHOTS = path.resolve('test/artifacts/screenshots');

/**
 * Chromium does not start under libfaketime (the suite's clock-ahead run, README › Time), so it
 * runs on the machine's clock; what the app calls "now" is the app's own, pinned with ARCUS_NOW.
 */
function browserEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'LD_PRELOAD' && !e[0].startsWith('FAKETIME')));
}

export async function launchBrowser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(scratchDir('chromium'), {
    executablePath: services.chromiumPath,
    env: browserEnv(),
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
