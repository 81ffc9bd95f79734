// The console's shell in a real browser: sign-in (cookie mode), the overview, a refused password,
// an API error shown in words with its request id, a lost connection shown and recovered from, and
// sign-out; axe-core on each, and screenshots at desktop and phone sizes.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  PHONE,
  browserAvailable,
  launchBrowser,
  newContext,
  overflowsSideways,
  screenshot,
  seriousViolations,
  signInPage,
  startConsole,
} from '../helpers/browser.js';
import type { Console } from '../helpers/browser.js';

describe.runIf(browserAvailable)('the console shell', () => {
  let vigil: Console;
  let browser: Browser;
  beforeAll(async () => {
    [vigil, browser] = await Promise.all([startConsole(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.close();
  });

  it('refuses a wrong password in words, signs in with the right one, shows the overview, and signs out', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${vigil.url}/`);
    await page.getByRole('heading', { name: /Sign in to Vigil/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'signin-desktop');

    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('That email and password do not match');
    expect(await alert.textContent()).toMatch(/Request ID: \S+/);

    await signInPage(page, vigil.url);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('heading', { name: 'Firing alerts' }).waitFor();
    expect((await context.cookies()).map((c) => c.name).sort()).toEqual(['vigil_access', 'vigil_csrf', 'vigil_refresh']);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'overview-desktop');

    // A reload keeps the session (cookies), and an unknown page says so.
    await page.goto(`${vigil.url}/cameras/a/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: /Sign in to Vigil/ }).waitFor();
    expect((await context.cookies()).filter((c) => c.name === 'vigil_access')).toEqual([]);
    // Signed out means signed out: the API refuses the old session.
    await page.reload();
    await page.getByRole('heading', { name: /Sign in to Vigil/ }).waitFor();
    await context.close();
  });

  it('renews a session whose access token lapsed, without asking to sign in again', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    // The access cookie is gone (as when it expires); the refresh cookie remains.
    const kept = (await context.cookies()).filter((c) => c.name !== 'vigil_access');
    await context.clearCookies();
    await context.addCookies(kept);
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect((await context.cookies()).some((c) => c.name === 'vigil_access')).toBe(true);
    await context.close();
  });

  it('shows a lost connection and recovers from it by itself', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.getByRole('heading', { name: 'Firing alerts' }).waitFor();
    await context.setOffline(true);
    // The overview's next refresh fails: the page says the connection is lost.
    await page.getByText('Connection to Vigil lost').waitFor({ timeout: 60_000 });
    await context.setOffline(false);
    await page.getByText('Connection restored').waitFor({ timeout: 30_000 });
    await context.close();
  });

  it('fits a phone: nothing sticks out sideways, and the menu opens to every page', async () => {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await page.goto(`${vigil.url}/`);
    await screenshot(page, 'signin-phone');
    await signInPage(page, vigil.url);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Organization' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'overview-phone-menu');
    await context.close();
  });
});
