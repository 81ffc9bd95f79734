// The browser tier's fixtures: Debian's chromium driven by playwright-core, a real `vigil serve`
// (PGlite in a temporary data directory, or PostgreSQL when DATABASE_URL is set) with the camera
// simulator beside it, axe-core checks, and screenshots saved for people to look at.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startCameraSimulator } from '../../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../../src/tools/camera-sim/simulator.js';
import { packageRoot } from '../../src/platform/paths.js';
import { createTestDatabase, realDatabaseUrl } from './databases.js';
import type { TestDatabase } from './databases.js';
import { freePort, runVigil, signIn } from './process.js';
import type { VigilProcess } from './process.js';

export const ADMIN = { email: 'admin@example.com', password: 'harbour-lantern-test-42' };
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 900 };
export const screenshotDir = path.join(packageRoot, 'test-results', 'screenshots');

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser to drive, or undefined when none is installed (the tier then skips, except under CI). */
export const chromiumPath = CANDIDATES.find((candidate): candidate is string => !!candidate && existsSync(candidate));
/** Under CI the browser tier must run: a missing browser fails it instead of skipping it. */
export const browserAvailable = chromiumPath !== undefined || process.env.CI === 'true' || process.env.CI === '1';

/**
 * Chromium's switches for the tests and the web benchmark. The machine's network is closed: keep
 * Chromium from calling home at every start. Each new window (a context) would also load the
 * browser's own omnibox pages (about 400 chrome:// files and 1 to 2 s of CPU in a renderer of their
 * own) beside the page under test, on a machine of 2 cores: those two features keep it from that.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup',
];

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error('no chromium: install the Debian package chromium (.ci/run does) or set CHROMIUM_PATH');
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
}

export interface Console {
  url: string;
  proc: VigilProcess;
  sim: CameraSimulator;
  /** Bearer headers of the admin, for setting things up through the API. */
  admin: Record<string, string>;
  /** POST/PUT/PATCH as the admin; throws unless 2xx. */
  call<T = Record<string, unknown>>(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  close(): Promise<void>;
}

/** A real `vigil serve` with an admin, and a camera simulator of `cameras` cameras. */
export async function startConsole(options: { cameras?: number; env?: Record<string, string> } = {}): Promise<Console> {
  const sim = await startCameraSimulator({ count: options.cameras ?? 4, fps: 5, width: 320, height: 240 });
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-browser-'));
  const database: TestDatabase | undefined = realDatabaseUrl ? await createTestDatabase() : undefined;
  const proc = runVigil(['serve'], {
    DATA_DIR: dir,
    PORT: String(await freePort()),
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
    ...(database && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    LOG_LEVEL: 'info',
    VIGIL_ADMIN_EMAIL: ADMIN.email,
    VIGIL_ADMIN_PASSWORD: ADMIN.password,
    VIGIL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    VIGIL_RATE_LIMIT_MAX: '1000000',
    VIGIL_RATE_LIMIT_AUTH_MAX: '1000000',
    ...options.env,
  });
  let url: string;
  try {
    url = (await proc.waitForLog((r) => r.msg === 'vigil is serving', 120_000)).url as string;
  } catch (error) {
    proc.child.kill('SIGKILL');
    await sim.close();
    throw error;
  }
  const admin = await signIn(url, ADMIN);
  return {
    url,
    proc,
    sim,
    admin,
    async call<T>(method: string, route: string, body?: unknown, headers: Record<string, string> = admin) {
      const res = await fetch(`${url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async close() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
      const killer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
      await proc.exited;
      clearTimeout(killer);
      await sim.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser context (its own cookies) at a viewport size. */
export async function newContext(browser: Browser, viewport = DESKTOP): Promise<BrowserContext> {
  return browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
}

/** Signs in through the page's own form and waits for the console. */
export async function signInPage(page: Page, url: string, credentials: { email: string; password: string } = ADMIN): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 });
}

/** Serious and critical axe-core violations on the page as it is now (WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

/** Saves a screenshot as test-results/screenshots/<name>.png (full page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Whether anything on the page sticks out sideways (content cut off at phone width). */
export async function overflowsSideways(page: Page): Promise<boolean> {
  // Runs in the page, where `document` is the page's (this file is compiled without the DOM types).
  return page.evaluate<boolean>(`document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`);
}
