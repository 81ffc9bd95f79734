// The organization page in a real browser: a unit created through the page's form, the tree on a
// past date (before the unit existed: absent) and on future dates (a scheduled rename shows only
// from its day on), the unit's timeline, a suspension shown in words, import (checked, refused with
// its problems, done) and export; a viewer held to one region sees it alone and no forms; axe-core,
// and screenshots at desktop and phone sizes.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

/** Calendar arithmetic on YYYY-MM-DD, as the page does it (UTC: the browser and the server both run in UTC here). */
function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
/** "1 June 2026", as the page says a date. */
function day(iso: string): string {
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
}

const today = new Date().toISOString().slice(0, 10);
const renameDay = addDays(today, 60);

/** Waits until the tree shows `date` (not the previous date's tree kept while loading). */
async function treeOn(page: Page, date: string): Promise<void> {
  await page.getByRole('heading', { name: `Units on ${day(date)}`, exact: true }).waitFor({ timeout: 30_000 });
}

const tree = (page: Page) => page.getByRole('list', { name: /^Units on / });

describe.runIf(browserAvailable)('the organization page', () => {
  let vigil: Console;
  let browser: Browser;
  beforeAll(async () => {
    [vigil, browser] = await Promise.all([startConsole({ cameras: 1 }), launchBrowser()]);
    const unit = (code: string, name: string, unitType: string, parentCode: string | null) =>
      vigil.call('POST', '/api/v1/organization-units', { code, name, unitType, parentCode, effectiveDate: '2020-01-01' });
    await unit('ACME', 'Acme Security', 'ORGANIZATION', null);
    await unit('NORTH', 'North', 'REGION', 'ACME');
    await unit('SOUTH', 'South', 'REGION', 'ACME');
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.close();
  });

  it('creates a unit through the form; shows the tree on a past and a future date, the timeline, and a suspension', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.getByRole('link', { name: 'Organization' }).click();
    await treeOn(page, today);
    await page.getByText('Today’s tree').waitFor();
    await tree(page).getByRole('link', { name: 'North' }).waitFor();
    // Roots open at first; a branch opens and closes with its button.
    const acme = page.getByRole('button', { name: 'Units under Acme Security' });
    expect(await acme.getAttribute('aria-expanded')).toBe('true');
    // By keyboard as well as by pointer.
    await acme.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => acme.getAttribute('aria-expanded')).toBe('false');
    expect(await tree(page).getByRole('link', { name: 'North' }).count()).toBe(0);
    await acme.click();

    // Create: the form says what is missing before anything is sent.
    await page.getByRole('button', { name: 'Add a unit' }).click();
    await page.getByRole('button', { name: 'Create the unit' }).click();
    await page.getByText('Enter a name.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Harbour depot');
    await page.getByLabel('Code (optional)').fill('HARBOUR');
    await page.getByLabel('Parent').selectOption('NORTH');
    expect(await page.getByLabel('Type').inputValue()).toBe('SITE');
    expect(await page.getByLabel('In force from').inputValue()).toBe(today);
    await page.getByRole('button', { name: 'Create the unit' }).click();
    await page.getByText('Created “Harbour depot” (HARBOUR)').waitFor({ timeout: 30_000 });
    await page.waitForURL(/\/organization\/HARBOUR$/);
    await page.getByRole('heading', { name: 'Harbour depot', level: 2 }).waitFor();
    await tree(page).getByRole('link', { name: 'Harbour depot' }).waitFor();

    // A code already taken is refused in words, with the request id.
    await page.getByRole('button', { name: 'Add a unit', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Another');
    await page.getByLabel('Code (optional)').fill('HARBOUR');
    await page.getByRole('button', { name: 'Create the unit' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'already exists' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/Request ID: \S+/);
    await page.getByRole('button', { name: 'Cancel' }).click();

    // A month back, the unit did not exist yet: the tree leaves it out and the page says the date is past.
    await page.getByRole('button', { name: '−1 month' }).click();
    const monthAgo = new URL(page.url()).searchParams.get('asOf')!;
    expect(monthAgo < today).toBe(true);
    await treeOn(page, monthAgo);
    await page.getByText(`The tree as it was on ${day(monthAgo)}`).waitFor();
    expect(await tree(page).getByRole('link', { name: 'North' }).count()).toBe(1);
    expect(await tree(page).getByRole('link', { name: 'Harbour depot' }).count()).toBe(0);
    await page.getByText(`Harbour depot does not exist on ${day(monthAgo)}`).waitFor();
    // The date is in the address: a reload keeps it.
    await page.reload();
    await treeOn(page, monthAgo);
    expect(await page.getByLabel('Show the tree as of').inputValue()).toBe(monthAgo);
    await page.getByRole('button', { name: 'Today' }).click();
    await treeOn(page, today);

    // A rename scheduled in 60 days.
    await page.getByRole('button', { name: 'Rename or move' }).click();
    await page.getByLabel('Change from').fill(renameDay);
    await page.getByLabel('Name', { exact: true }).fill('Harbour terminal');
    await page.getByLabel('Reason (optional)').fill('new quay');
    await page.getByRole('button', { name: 'Save the change' }).click();
    await page.getByText(`HARBOUR renamed to “Harbour terminal”, from ${day(renameDay)}.`).waitFor({ timeout: 30_000 });

    // The timeline: the first version in force today, the rename scheduled.
    const versions = page.getByRole('region', { name: 'Timeline' }).getByRole('listitem');
    await expect.poll(() => versions.count(), { timeout: 30_000 }).toBe(2);
    expect(await versions.nth(0).textContent()).toContain(`${day(today)} – ${day(addDays(renameDay, -1))}`);
    expect(await versions.nth(0).textContent()).toContain('in force today');
    expect(await versions.nth(0).textContent()).toContain('Created as “Harbour depot” (SITE) under NORTH');
    expect(await versions.nth(1).textContent()).toContain(`from ${day(renameDay)} on`);
    expect(await versions.nth(1).textContent()).toContain('scheduled');
    expect(await versions.nth(1).textContent()).toContain('Renamed from “Harbour depot” to “Harbour terminal”');
    expect(await versions.nth(1).textContent()).toContain('Reason: new quay');

    // The changes in the unit and below over a period (a year either side by default).
    await page.getByRole('button', { name: 'Show the changes in a period' }).click();
    const changes = page.getByRole('table', { name: /^2 changes from / });
    await changes.waitFor({ timeout: 30_000 });
    expect(await changes.textContent()).toContain('Created as “Harbour depot” (SITE) under NORTH');
    expect(await changes.textContent()).toContain('Renamed from “Harbour depot” to “Harbour terminal”');

    // Today, and the day before the rename: the old name. From its day on: the new one.
    expect(await tree(page).getByRole('link', { name: 'Harbour depot' }).count()).toBe(1);
    await page.getByLabel('Show the tree as of').fill(addDays(renameDay, -1));
    await treeOn(page, addDays(renameDay, -1));
    expect(await tree(page).getByRole('link', { name: 'Harbour depot' }).count()).toBe(1);
    expect(await tree(page).getByRole('link', { name: 'Harbour terminal' }).count()).toBe(0);
    await page.getByLabel('Show the tree as of').fill(renameDay);
    await treeOn(page, renameDay);
    await page.getByText(`The tree as planned for ${day(renameDay)}`).waitFor();
    expect(await tree(page).getByRole('link', { name: 'Harbour terminal' }).count()).toBe(1);
    expect(await tree(page).getByRole('link', { name: 'Harbour depot' }).count()).toBe(0);
    await page.getByRole('heading', { name: 'Harbour terminal', level: 2 }).waitFor();
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(renameDay);

    // Suspend from today, after a confirmation: shown as "suspended" in words in the tree and the details.
    await page.getByRole('button', { name: 'Today' }).click();
    await treeOn(page, today);
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('button', { name: 'Suspend', exact: true }).last().click();
    await page.getByText('Say why: the reason is kept in the audit trail.').waitFor();
    await page.getByLabel('Reason', { exact: true }).fill('closed for works');
    await page.getByRole('button', { name: 'Suspend', exact: true }).last().click();
    await page.getByText(`Suspend “Harbour depot” from ${day(today)}?`).waitFor();
    await page.getByRole('button', { name: 'Yes, suspend' }).click();
    await page.getByText(`Suspended “Harbour depot” from ${day(today)}.`).waitFor({ timeout: 30_000 });
    const node = tree(page)
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: 'Harbour depot' }) })
      .last();
    await expect.poll(() => node.textContent(), { timeout: 30_000 }).toContain('suspended');
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    // The scheduled rename carries the suspension too (suspend applies to later versions).
    await expect.poll(() => versions.count()).toBe(2);
    expect(await versions.nth(0).textContent()).toMatch(/^.*in force today.*Created as “Harbour depot” \(SITE\) under NORTH, suspended/);

    await page.getByRole('button', { name: 'Rename or move' }).click();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'organization-desktop');

    // Reactivated from today (no confirmation needed to undo a suspension).
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByLabel('Reason', { exact: true }).fill('works done');
    await page.getByRole('button', { name: 'Reactivate', exact: true }).last().click();
    await page.getByText(`Reactivated “Harbour depot” from ${day(today)}.`).waitFor({ timeout: 30_000 });
    await expect.poll(() => node.textContent(), { timeout: 30_000 }).not.toContain('suspended');
    await context.close();
  });

  it('checks an import, lists a refused one’s problems, imports, finds the unit and exports', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/organization`);
    await treeOn(page, today);
    // An unknown unit and a date that is not one are said in words.
    await page.goto(`${vigil.url}/organization/NOPE?asOf=2026-02-30`);
    await page.getByRole('heading', { name: 'No unit NOPE' }).waitFor({ timeout: 30_000 });
    await page.getByText('The address asked for the date “2026-02-30”').waitFor();
    await page.getByRole('link', { name: 'Back to the tree' }).click();
    await treeOn(page, today);
    const file = page.getByLabel('File to import (CSV or JSON)');

    const bad = 'code,name,unitType,parentCode,effectiveDate\nDOCKS,,SITE,SOUTH,2020-01-01\nPIER,Pier,SITE,NOWHERE,2020-01-01\n';
    await file.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const problems = page.getByRole('table', { name: /problems?/ });
    await problems.waitFor({ timeout: 30_000 });
    expect(await problems.getByRole('row').count()).toBeGreaterThanOrEqual(3);
    expect(await problems.textContent()).toContain('name');
    await page.getByRole('alert').filter({ hasText: 'nothing was imported' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    const good = 'code,name,unitType,parentCode,effectiveDate\r\nDOCKS,"Docks, east",SITE,SOUTH,2020-01-01\r\n';
    await file.setInputFiles({ name: 'units.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByText('The file is valid: importing it would add 1 unit (1 version)').waitFor({ timeout: 30_000 });
    await page.getByLabel('Find a unit').fill('docks');
    await page.getByText('No unit’s name or code contains “docks”.').waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported 1 unit (1 version): DOCKS.').waitFor({ timeout: 30_000 });
    // The search shows the new unit with the units above it.
    await tree(page).getByRole('link', { name: 'Docks, east' }).waitFor({ timeout: 30_000 });
    await page.getByText('1 unit found').waitFor();
    expect(await tree(page).getByRole('link', { name: 'South' }).count()).toBe(1);
    expect(await tree(page).getByRole('link', { name: 'North' }).count()).toBe(0);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'CSV', exact: true }).first().click(),
    ]);
    expect(download.suggestedFilename()).toBe('org-units-all.csv');
    const text = readFileSync(await download.path(), 'utf8');
    expect(text.split(/\r?\n/)[0]).toContain('code');
    expect(text).toContain('"Docks, east"');
    expect(text).toContain('Harbour terminal');
    await context.close();
  });

  it('shows a viewer held to one region that region as its tree, and no forms', async () => {
    const viewer = { email: 'north.viewer@example.com', password: 'quiet-harbour-lamp-7731' };
    await vigil.call('POST', '/api/v1/users', { ...viewer, name: 'North viewer', grants: [{ role: 'viewer', orgUnitCode: 'NORTH' }] });
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url, viewer);
    await page.goto(`${vigil.url}/organization/HARBOUR`);
    await treeOn(page, today);
    await page.getByRole('heading', { name: 'Harbour depot', level: 2 }).waitFor();
    // Its region is the root of what it sees; the rest of the organization is not there.
    expect(await tree(page).getByRole('link').allTextContents()).toEqual(['North', 'Harbour depot']);
    await page.getByRole('region', { name: 'Timeline' }).getByRole('listitem').first().waitFor();
    for (const name of ['Add a unit', 'Rename or move', 'Suspend', 'Reactivate', 'Import', 'Check the file']) {
      expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    }
    expect(await page.getByLabel('File to import (CSV or JSON)').count()).toBe(0);
    // Export stays: reading is allowed.
    await page.getByRole('link', { name: 'CSV', exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it('fits a phone: a unit above the tree, nothing sticking out sideways', async () => {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/organization/HARBOUR`);
    await treeOn(page, today);
    await page.getByRole('heading', { name: 'Harbour depot', level: 2 }).waitFor();
    await page.getByRole('region', { name: 'Timeline' }).getByRole('listitem').first().waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'organization-phone');
    await page.getByRole('button', { name: 'Rename or move' }).click();
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, 'organization-phone-form');
    await page.goto(`${vigil.url}/organization`);
    await treeOn(page, today);
    await page.getByRole('button', { name: 'Add a unit' }).click();
    await page.getByRole('button', { name: 'Create the unit' }).click();
    await page.getByText('Enter a name.').waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'organization-phone-create');
    await context.close();
  });
});
