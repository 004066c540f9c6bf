// Debian's Chromium driven by playwright-core, for tests of the pages in a real browser: launched
// with a fresh profile and the flags this environment needs (never a browser download). Each
// page is watched for what must never happen on the hub's pages: a dialog (an injected script
// running), a Content-Security-Policy violation, an uncaught script error. Screenshots of each
// page at a laptop and a phone size go to test-artifacts/screenshots/ (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-artifacts/screenshots/', import.meta.url));
export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Launches Chromium with a fresh temporary profile (Playwright makes and removes it). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM} — run: sudo bash scripts/provision/apps.sh`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** What went wrong on a page that should not have. */
export interface PageWatch {
  dialogs: string[];
  cspViolations: string[];
  errors: string[];
}

/**
 * Opens a page in a new context (its own cookies), watching for dialogs (dismissed and recorded),
 * CSP violations and script errors on the hub's own pages (not on the user's server, whose app
 * is not ours to judge).
 */
export async function openPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: LAPTOP });
  const page = await context.newPage();
  const watch: PageWatch = { dialogs: [], cspViolations: [], errors: [] };
  const ours = () => !new URL(page.url()).pathname.startsWith('/user/');
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('console', (message) => {
    if (ours() && message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text()))
      watch.cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => {
    if (ours()) watch.errors.push(error.message);
  });
  return { context, page, watch };
}

/** Signs in through the login page and waits for the home page. */
export async function signIn(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(`${url}/hub/login`);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/hub/home');
}

/**
 * Stands in for `user`'s apps behind the proxy: a fake spawner's servers have an address that
 * does not answer, so the page the browser is taken to once a server is ready comes from here.
 */
export async function standInForApps(page: Page, user: string): Promise<void> {
  await page.route(`**/user/${user}/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: `<title>App</title><h1>The app of ${user}</h1>` }),
  );
}

/** A page of its own (see openPage) signed in as `name`, with the user's apps stood in for. */
export async function openSignedIn(
  browser: Browser,
  url: string,
  name: string,
  password: string,
): Promise<{ page: Page; watch: PageWatch }> {
  const { page, watch } = await openPage(browser);
  await standInForApps(page, name);
  await signIn(page, url, name, password);
  return { page, watch };
}

// Runs in the page: every visible form field and button without an accessible name.
const UNNAMED = `[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter((el) => el.getClientRects().length > 0 || el.closest('.tile'))
  .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 120))`;

/**
 * Saves full-page screenshots of the current page at laptop and phone size, then restores the
 * size. On the hub's pages, first checks that every field and button has a name (a label).
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith('/user/')) {
    const unnamed = (await page.evaluate(UNNAMED)) as string[];
    if (unnamed.length > 0)
      throw new Error(`fields without a label on ${page.url()}:\n${unnamed.join('\n')}`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize() ?? LAPTOP;
  for (const size of [LAPTOP, PHONE]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${SCREENSHOTS}${name}-${size.width}x${size.height}.png`, fullPage: true });
  }
  await page.setViewportSize(before);
}
