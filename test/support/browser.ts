/** Debian's Chromium (/usr/bin/chromium) driven by playwright-core; no browser is ever downloaded. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Database } from '../../server/db/client';
import { realClockEnv } from './child-env';
import { scratchDir } from './scratch';
import { services } from './services';
import { signedIn, writeSession } from './session';

export const SCREENSHOTS = path.resolve('test/artifacts/screenshots');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** One persistent context (one set of cookies): for suites that act as one person at a time. */
export async function launchBrowser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(scratchDir('chromium'), {
    executablePath: services.chromiumPath,
    // Chromium does not start under libfaketime: it keeps the machine's clock; the app's is pinned with ARCUS_NOW.
    env: realClockEnv(),
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: CHROMIUM_ARGS,
  });
}

/** A Chromium whose pages each get a context of their own (signedInPage): for suites that act as several people. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: services.chromiumPath, env: realClockEnv(), headless: true, args: CHROMIUM_ARGS });
}

/** The two widths every screen is checked at. */
export const VIEWPORTS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

type Viewport = { width: number; height: number };
type RunningApp = { url: string; config: { sessionSecret: string } };

/** The session cookie as Playwright takes it (the value may itself hold '='). */
function sessionCookie(cookie: string, url: string) {
  const [name, ...value] = cookie.split('=');
  return { name: name!, value: value.join('='), url };
}

/** A page in a fresh context of `browser`, signed in as this person (their session written straight into the store). */
export async function signedInPage(browser: Browser, app: RunningApp, database: Database, who: { userId: string; firmId: string }, options: { viewport?: Viewport; timeoutMs?: number; downloads?: boolean } = {}): Promise<Page> {
  const { cookie } = await writeSession(database, app.config.sessionSecret, who);
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 }, ...(options.downloads ? { acceptDownloads: true } : {}) });
  await context.addCookies([sessionCookie(cookie, app.url)]);
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeoutMs ?? 20_000);
  return page;
}

/** The persistent context signed in as this person instead of whoever was before; a new page at `viewport`, their session, and an API client as them. */
export async function signInAs(context: BrowserContext, app: RunningApp, database: Database, who: { userId: string; firmId: string }, viewport: Viewport = { width: 1280, height: 800 }, timeoutMs?: number): Promise<{ page: Page; session: { cookie: string; csrf: string }; api: ReturnType<typeof signedIn> }> {
  const session = await writeSession(database, app.config.sessionSecret, who);
  await context.clearCookies();
  await context.addCookies([sessionCookie(session.cookie, app.url)]);
  const page = await context.newPage();
  if (timeoutMs !== undefined) page.setDefaultTimeout(timeoutMs);
  await page.setViewportSize(viewport);
  return { page, session, api: signedIn(`${app.url}/api`, session) };
}

/** Nothing wider than the window: the page scrolls only down. */
export const noSideways = (page: Page): Promise<boolean> => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

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
