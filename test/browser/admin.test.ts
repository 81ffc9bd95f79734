// The administration page in a real browser: an API key created and shown once (it works, it is
// nowhere on the page after a reload, revoked it is refused), the audit log filtered by action,
// a user created with a generated password who signs in with it, disabled (their session ends),
// enabled and given a new password; users searched (in the address) and paged with Load more; a
// viewer who sees no controls and whom the API refuses; axe and screenshots at desktop and phone sizes.
import type { Browser, Page } from 'playwright-core';
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
import { signIn } from '../helpers/process.js';

const VIEWER = { email: 'vera@example.com', password: 'quiet-meadow-viewer-77' };

/** The secret a shown-once panel holds. */
async function shownSecret(page: Page, panelName: RegExp): Promise<string> {
  const panel = page.getByRole('region', { name: panelName });
  await panel.waitFor();
  expect(await panel.textContent()).toMatch(/will not be shown again/);
  return ((await panel.locator('code[data-secret]').textContent()) ?? '').trim();
}

describe.runIf(browserAvailable)('the administration page', () => {
  let vigil: Console;
  let browser: Browser;
  beforeAll(async () => {
    [vigil, browser] = await Promise.all([startConsole({ cameras: 1 }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.close();
  });

  const withKey = (key: string, route: string, init: RequestInit = {}) =>
    fetch(`${vigil.url}${route}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });

  it('shows an API key once: it works, a reload shows only its prefix, and revoked it is refused; the audit log finds its creation', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 2 }).waitFor();
    await page.getByText('No API keys in force.').waitFor();

    await page.getByRole('button', { name: 'New API key' }).click();
    // The form says what is wrong before asking the API.
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Give the key a name').waitFor();
    await page.getByLabel('Name').fill('ci-reader');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByLabel('Expires after (days)').fill('30');
    await page.getByRole('button', { name: 'Create key' }).click();

    const key = await shownSecret(page, /New API key “ci-reader”/);
    expect(key).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-keys-created-desktop');

    // The key works as its role allows: a viewer reads cameras, and may not write them.
    expect((await withKey(key, '/api/v1/cameras')).status).toBe(200);
    expect((await withKey(key, '/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'x', role: 'admin' }) })).status).toBe(
      403,
    );

    await page.getByRole('button', { name: 'Done, I have saved it' }).click();
    await page.getByRole('region', { name: /New API key/ }).waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(key);

    // After a reload the key is nowhere on the page; its name and prefix are.
    await page.reload();
    const row = page.getByRole('row', { name: /ci-reader/ });
    await row.waitFor();
    expect(await row.textContent()).toContain(key.slice(0, 12));
    expect(await row.textContent()).toContain('In force');
    expect(await page.content()).not.toContain(key);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-keys-desktop');

    // Revoking asks first; cancelling changes nothing.
    await row.getByRole('button', { name: 'Revoke key ci-reader' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the key “ci-reader”?' });
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-keys-revoke-desktop');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // By keyboard too: Escape cancels, and focus goes back to the button that opened the dialog.
    await row.getByRole('button', { name: 'Revoke key ci-reader' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Revoke key ci-reader');
    expect((await withKey(key, '/api/v1/cameras')).status).toBe(200);
    await row.getByRole('button', { name: 'Revoke key ci-reader' }).click();
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('No API keys in force.').waitFor();
    await expect.poll(async () => (await withKey(key, '/api/v1/cameras')).status, { timeout: 15_000 }).toBe(401);
    await page.getByLabel('Show revoked keys too').check();
    await page
      .getByRole('row', { name: /ci-reader/ })
      .getByText(/Revoked/)
      .waitFor();

    // The audit log, filtered by action, shows the creation; the filter lives in the address.
    await page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 2 }).waitFor();
    await page.getByLabel('Action').fill('Not An Action');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('An action is lower-case words').waitFor();
    await page.getByLabel('Action').fill('api_key.create');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=api_key\.create/);
    const records = page.locator('table.audit-table tbody tr:not(.audit-details)');
    await expect.poll(() => records.count(), { timeout: 15_000 }).toBe(1);
    const record = records.first();
    expect(await record.textContent()).toContain('api_key.create');
    expect(await record.textContent()).toContain(ADMIN.email);
    await record.getByRole('button', { name: /Details/ }).click();
    const details = page.locator('tr.audit-details:not([hidden])');
    await details.waitFor();
    expect(await details.textContent()).toContain('"name": "ci-reader"');
    expect(await details.textContent()).not.toContain(key);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-audit-desktop');

    // A reload keeps the filter; the revocation is found by its family.
    await page.reload();
    await expect.poll(() => page.getByLabel('Action').inputValue()).toBe('api_key.create');
    await page.getByLabel('Action').fill('api_key.*');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => records.count(), { timeout: 15_000 }).toBe(2);
    expect(await records.first().textContent()).toContain('api_key.revoke');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.url()).toMatch(/\/admin\?section=audit$/);
    await context.close();
  });

  it('creates a user with a generated password shown once, who signs in with it; disables, enables and resets them', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/admin?section=users`);
    await page.getByRole('row', { name: new RegExp(ADMIN.email) }).waitFor();

    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByLabel('Email').fill('ana@example.com');
    await page.getByLabel('Name (optional)').fill('Ana Lima');
    await page.getByLabel('Password (optional)').fill('short');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('A password has at least 12 characters.').waitFor();
    await page.getByLabel('Password (optional)').fill('');
    await page.getByLabel('Role of grant 1').selectOption('operator');
    // A second row, then removed again: the editor adds and removes rows.
    await page.getByRole('button', { name: 'Add a grant' }).click();
    await page.getByLabel('Unit of grant 2').fill('bad code!');
    await page.getByText('A unit code is letters').waitFor();
    await page.getByRole('button', { name: 'Remove grant 2' }).click();
    expect(await page.getByLabel('Unit of grant 2').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create user' }).click();

    const password = await shownSecret(page, /Password for ana@example\.com/);
    expect(password.length).toBeGreaterThanOrEqual(12);
    const anaRow = page.getByRole('row', { name: /ana@example\.com/ });
    await anaRow.waitFor();
    expect(await anaRow.textContent()).toMatch(/Active/);
    expect(await anaRow.textContent()).toMatch(/operator\s*everywhere/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-users-desktop');
    await page.getByRole('button', { name: 'Done, I have saved it' }).click();

    // Ana signs in with the shown password in a browser of her own; an operator reads only the audit log.
    const anaContext = await newContext(browser);
    const anaPage = await anaContext.newPage();
    await signInPage(anaPage, vigil.url, { email: 'ana@example.com', password });
    await anaPage.getByRole('link', { name: 'Administration' }).click();
    await anaPage.getByRole('heading', { name: 'Audit log', level: 2 }).waitFor();
    const sections = anaPage.getByRole('navigation', { name: 'Administration sections' }).getByRole('link');
    expect(await sections.allTextContents()).toEqual(['Audit log']);

    // Her page: a new name, then disabled (confirmed): her session ends.
    await anaRow.getByRole('link', { name: 'ana@example.com' }).click();
    await page.getByRole('heading', { name: 'ana@example.com', level: 2 }).waitFor();
    await page.getByLabel('Name shown for this user').fill('Ana M. Lima');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('✓ Name saved.').waitFor();
    await page.getByRole('button', { name: 'Disable user…' }).click();
    const disable = page.getByRole('dialog', { name: 'Disable ana@example.com?' });
    await disable.getByRole('button', { name: 'Disable user' }).click();
    await page.getByRole('button', { name: 'Enable user…' }).waitFor();
    await screenshot(page, 'admin-user-desktop');
    await anaPage.reload();
    await anaPage.getByRole('heading', { name: /Sign in to Vigil/ }).waitFor({ timeout: 30_000 });
    await anaContext.close();

    // Enabled again, with a reset password: the new one works, the old one does not.
    await page.getByRole('button', { name: 'Enable user…' }).click();
    await page.getByRole('dialog', { name: 'Enable ana@example.com?' }).getByRole('button', { name: 'Enable user' }).click();
    await page.getByRole('button', { name: 'Disable user…' }).waitFor();
    await page.getByRole('button', { name: 'Reset password…' }).click();
    await page
      .getByRole('dialog', { name: /Reset the password/ })
      .getByRole('button', { name: 'Reset password' })
      .click();
    const fresh = await shownSecret(page, /New password for ana@example\.com/);
    expect(fresh).not.toBe(password);
    await expect(signIn(vigil.url, { email: 'ana@example.com', password })).rejects.toThrow(/401/);
    await signIn(vigil.url, { email: 'ana@example.com', password: fresh });

    // Grants replaced: a viewer on a unit.
    await vigil.call('POST', '/api/v1/organization-units', { code: 'NORTH', name: 'North', unitType: 'SITE', effectiveDate: '2020-01-01' });
    await page.getByLabel('Role of grant 1').selectOption('viewer');
    await page.getByLabel('Unit of grant 1').fill('NORTH');
    await page.getByRole('button', { name: 'Save grants' }).click();
    await page.getByText('✓ Grants saved').waitFor();
    const ana = (await vigil.call<{ items: { email: string; grants: unknown[] }[] }>('GET', '/api/v1/users?q=ana')).items[0];
    expect(ana?.grants).toEqual([{ role: 'viewer', orgUnitCode: 'NORTH' }]);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it('shows a viewer no controls, and the API refuses their writes', async () => {
    await vigil.call('POST', '/api/v1/organization-units', { code: 'SOUTH', name: 'South', unitType: 'SITE', effectiveDate: '2020-01-01' });
    const camera = await vigil.call<{ id: string }>('POST', '/api/v1/cameras', {
      orgUnitCode: 'SOUTH',
      name: 'Gate',
      sourceUrl: vigil.sim.streamUrl(1),
    });
    await vigil.call('POST', '/api/v1/users', {
      email: VIEWER.email,
      name: 'Vera',
      password: VIEWER.password,
      grants: [{ role: 'viewer' }],
    });

    // The controls are there for an admin, so their absence below is the viewer's grants at work.
    const adminContext = await newContext(browser);
    const adminPage = await adminContext.newPage();
    await signInPage(adminPage, vigil.url);
    await adminPage.goto(`${vigil.url}/cameras`);
    await adminPage.getByRole('button', { name: 'Add camera' }).waitFor();
    await adminPage.goto(`${vigil.url}/cameras/${camera.id}`);
    await adminPage.getByRole('button', { name: 'Start', exact: true }).waitFor();
    await adminPage.getByRole('button', { name: 'Stop', exact: true }).waitFor();
    await adminContext.close();

    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url, VIEWER);
    const nav = page.getByRole('navigation', { name: 'Primary' });
    await nav.getByRole('link', { name: 'Overview' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Administration' }).count()).toBe(0);

    // The cameras pages: no adding, no start or stop. Waiting for the camera first, so the absence is
    // not just a page that has not loaded yet.
    await page.goto(`${vigil.url}/cameras`);
    await page.getByRole('heading', { name: 'Cameras', level: 1 }).waitFor();
    await page.getByText('Gate').first().waitFor();
    expect(await page.getByRole('button', { name: /Add camera/i }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /Add camera/i }).count()).toBe(0);
    await page.goto(`${vigil.url}/cameras/${camera.id}`);
    await page.getByRole('heading', { name: 'Gate', level: 1 }).waitFor();
    for (const control of [/^Start/, /^Stop/, /^Restart/, /^Deactivate/, /^Activate/]) {
      expect(await page.getByRole('button', { name: control }).count()).toBe(0);
    }

    // The administration page, asked for directly, has nothing for a viewer.
    await page.goto(`${vigil.url}/admin?section=users`);
    await page.getByText('Your grants do not include any administration').waitFor();
    expect(await page.getByRole('button', { name: /New user|New API key|Revoke/ }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    // And the API refuses what the page does not offer.
    const viewer = await signIn(vigil.url, VIEWER);
    const write = await fetch(`${vigil.url}/api/v1/cameras/${camera.id}/start`, { method: 'POST', headers: viewer, body: '{}' });
    expect(write.status).toBe(403);
    const users = await fetch(`${vigil.url}/api/v1/users`, { headers: viewer });
    expect(users.status).toBe(403);
    await context.close();
  });

  it('fits a phone: users, a user, keys and the audit log, nothing cut off sideways', async () => {
    await vigil.call('POST', '/api/v1/api-keys', {
      name: 'prometheus-scraper-north-site',
      role: 'viewer',
      orgUnitCode: 'NORTH',
      expiresInDays: 365,
    });
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/admin`);
    await page.getByRole('row', { name: /vera@example\.com/ }).waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-phone');

    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByRole('button', { name: 'Add a grant' }).click();
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, 'admin-users-form-phone');

    await page.getByRole('link', { name: 'ana@example.com' }).click();
    await page.getByRole('heading', { name: 'ana@example.com', level: 2 }).waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-user-phone');

    await page.goto(`${vigil.url}/admin?section=keys`);
    await page.getByRole('row', { name: /prometheus-scraper-north-site/ }).waitFor();
    await page.getByRole('button', { name: 'New API key' }).click();
    await page.getByLabel('Name').fill('phone-key');
    await page.getByRole('button', { name: 'Create key' }).click();
    await shownSecret(page, /New API key “phone-key”/);
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-keys-phone');

    await page.goto(`${vigil.url}/admin?section=audit&action=user.*`);
    const records = page.locator('table.audit-table tbody tr:not(.audit-details)');
    await records.first().waitFor();
    await records
      .first()
      .getByRole('button', { name: /Details/ })
      .click();
    await page.locator('tr.audit-details:not([hidden])').waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-audit-phone');
    await context.close();
  });

  it('searches users, with the search in the address, and pages through them with Load more', async () => {
    for (let i = 0; i < 52; i += 13) {
      await Promise.all(
        Array.from({ length: 13 }, (_, j) =>
          vigil.call('POST', '/api/v1/users', {
            email: `bulk-${String(i + j).padStart(2, '0')}@example.com`,
            grants: [{ role: 'viewer' }],
          }),
        ),
      );
    }
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/admin?section=users`);
    await page.getByRole('row', { name: new RegExp(ADMIN.email) }).waitFor();
    await page.getByLabel('Search').fill('bulk-');
    await page.waitForURL(/q=bulk-/);
    const rows = page.locator('table.admin-table tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(52);
    await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });
    expect(await rows.last().textContent()).toContain('bulk-51@example.com');
    // The address keeps the search: a reload shows the same list.
    await page.reload();
    await expect.poll(() => page.getByLabel('Search').inputValue()).toBe('bulk-');
    await page.getByLabel('Status').selectOption('disabled');
    await page.getByText('No user matches this search.').waitFor();
    await context.close();
  });
});
