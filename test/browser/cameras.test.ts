// The camera wall and a camera's page in a real browser: a simulated camera added through the page's
// form and its live picture on the wall (a frame loaded, then a newer one); filters by state and
// label kept in the address; the camera page's controls (stop, start) changing the state, its log and
// its chart of the last hour; only tiles on screen asking for frames; axe-core, screenshots at
// desktop and phone sizes, nothing sticking out sideways on a phone.
import type { Browser, Page, Request } from 'playwright-core';
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

const BASE = '/api/v1/cameras';
const BULK = 30;

/**
 * A fingerprint of the pixels the live picture of camera `name` shows (0 while it shows none). It
 * runs in the page, written as text because this file is compiled without the DOM's types.
 */
function pixels(page: Page, name: string): Promise<number> {
  return page.evaluate<number>(`(() => {
    const img = [...document.querySelectorAll('img')].find((i) => i.alt === ${JSON.stringify(`Live picture of ${name}`)});
    if (!img || !img.complete || img.naturalWidth === 0) return 0;
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 7;
    for (let i = 0; i < data.length; i += 4) hash = (hash * 31 + data[i] + data[i + 1] * 3 + data[i + 2] * 7) % 2147483647;
    return hash || 1;
  })()`);
}

const snapshotCamera = (request: Request) => /\/api\/v1\/cameras\/([0-9a-f-]{36})\/snapshot/.exec(request.url())?.[1];

describe.runIf(browserAvailable)('the camera pages', () => {
  let vigil: Console;
  let browser: Browser;
  let gateId: string;

  beforeAll(async () => {
    [vigil, browser] = await Promise.all([startConsole({ cameras: BULK + 2 }), launchBrowser()]);
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'S1', name: 'Harbour site', unitType: 'SITE', parentCode: 'ACME' },
      { code: 'S2', name: 'Depot', unitType: 'SITE', parentCode: 'ACME' },
    ]) {
      await vigil.call('POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2026-01-01' });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.close();
  });

  it('adds a simulated camera through the form and shows its live picture on the wall', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/cameras`);
    await page.getByRole('heading', { name: 'Cameras', level: 1 }).waitFor();
    await page.getByText('No cameras yet').waitFor();

    await page.getByRole('button', { name: 'Add camera' }).click();
    const form = page.getByRole('region', { name: 'Add a camera' });
    // Checked before sending, in words, on the fields.
    await form.getByRole('button', { name: 'Add camera' }).click();
    await form.getByText('Enter a name.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'cameras-add-desktop');
    await form.getByLabel('Org unit').fill('S1');
    await form.getByLabel('Name', { exact: true }).fill('Gate 1');
    await form.getByLabel('Source URL').fill(vigil.sim.streamUrl(1));
    await form.getByLabel('Source type').selectOption('mjpeg');
    await form.getByLabel('Expected frames per second').fill('5');
    await form.getByLabel('Labels').fill('gate, outdoor');
    expect(await form.getByLabel('Start it now').isChecked()).toBe(true);
    await form.getByRole('button', { name: 'Add camera' }).click();
    await page.getByText('Camera “Gate 1” added and starting.').waitFor({ timeout: 30_000 });

    const tile = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Gate 1' }) });
    const image = tile.getByRole('img', { name: 'Live picture of Gate 1' });
    // A frame is shown, then a newer one: the picture is live.
    await expect.poll(() => pixels(page, 'Gate 1'), { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);
    const first = { pixels: await pixels(page, 'Gate 1'), src: await image.getAttribute('src') };
    await expect
      .poll(
        async () =>
          (await image.getAttribute('src')) !== first.src &&
          (await pixels(page, 'Gate 1')) !== first.pixels &&
          (await pixels(page, 'Gate 1')) > 0,
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      .toBe(true);
    await tile.getByText('running').waitFor({ timeout: 30_000 });
    gateId = /\/api\/v1\/cameras\/([0-9a-f-]{36})\//.exec((await image.getAttribute('src')) ?? '')![1]!;

    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'cameras-wall-desktop');
    await context.close();
  });

  it('filters the wall by state and label, kept in the address', async () => {
    const dock = await vigil.call<{ id: string }>('POST', BASE, {
      orgUnitCode: 'S2',
      name: 'Dock',
      sourceUrl: vigil.sim.streamUrl(2),
      labels: ['dock'],
    });
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/cameras`);
    const wall = page.getByRole('list', { name: 'Camera wall' });
    const names = () => wall.getByRole('heading').allTextContents();
    await expect.poll(names, { timeout: 30_000 }).toEqual(['Gate 1', 'Dock']);
    await wall.getByText('Stopped: no picture.').waitFor();

    await page.getByLabel('State', { exact: true }).selectOption('stopped');
    await expect.poll(names, { timeout: 30_000 }).toEqual(['Dock']);
    expect(new URL(page.url()).search).toBe('?state=stopped');
    await page.getByLabel('State', { exact: true }).selectOption('running');
    await expect.poll(names, { timeout: 30_000 }).toEqual(['Gate 1']);
    // The address is the filter: a reload or a shared link shows the same wall.
    await page.goto(`${vigil.url}/cameras?label=dock`);
    await expect.poll(names, { timeout: 30_000 }).toEqual(['Dock']);
    expect(await page.getByLabel('Label', { exact: true }).inputValue()).toBe('dock');
    await page.getByLabel('Search', { exact: true }).fill('gate');
    await expect.poll(() => new URL(page.url()).search, { timeout: 10_000 }).toBe('?label=dock&q=gate');
    await page.getByText('No camera matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(names, { timeout: 30_000 }).toEqual(['Gate 1', 'Dock']);
    // An overview link's unit filter.
    await page.goto(`${vigil.url}/cameras?unit=S2`);
    await expect.poll(names, { timeout: 30_000 }).toEqual(['Dock']);
    await page.goto(`${vigil.url}/cameras?state=asleep`);
    await page.getByText('“asleep” is not a camera state.').waitFor();

    // Deactivating and deleting ask first.
    await page.goto(`${vigil.url}/cameras/${dock.id}`);
    await page.getByRole('heading', { name: 'Dock', level: 1 }).waitFor();
    const controls = page.getByRole('region', { name: 'Controls' });
    await controls.getByRole('button', { name: 'Deactivate…' }).click();
    await controls.getByText('Deactivate “Dock”? It stops now').waitFor();
    await controls.getByRole('button', { name: 'Yes, deactivate' }).click();
    await page.getByRole('region', { name: 'Status' }).getByText('deactivated').first().waitFor({ timeout: 30_000 });
    expect(await controls.getByRole('button', { name: 'Start', exact: true }).isDisabled()).toBe(true);
    await controls.getByRole('button', { name: 'Activate' }).click();
    await controls.getByText('Activated. It can be started again.').waitFor();
    const settings = page.getByRole('region', { name: 'Settings' });
    await settings.getByRole('button', { name: 'Delete camera…' }).click();
    await settings.getByRole('button', { name: 'Cancel' }).click();
    await settings.getByRole('button', { name: 'Delete camera…' }).click();
    await settings.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByText('Camera “Dock” deleted.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/cameras');
    await expect.poll(names, { timeout: 30_000 }).toEqual(['Gate 1']);
    await context.close();
  });

  it('shows a camera’s page: status, controls that stop and start it, its log and its last hour', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/cameras`);
    // A tile's link opens the camera's page in place: no new document is loaded.
    const documents: string[] = [];
    page.on('request', (request) => void (request.resourceType() === 'document' && documents.push(request.url())));
    await page.getByRole('link', { name: 'Gate 1' }).click();
    await page.getByRole('heading', { name: 'Gate 1', level: 1 }).waitFor();
    expect(documents).toEqual([]);
    const status = page.getByRole('region', { name: 'Status' });
    await status.getByText('running').first().waitFor({ timeout: 30_000 });
    await expect.poll(() => pixels(page, 'Gate 1'), { timeout: 30_000 }).toBeGreaterThan(0);

    const controls = page.getByRole('region', { name: 'Controls' });
    await controls.getByRole('button', { name: 'Stop', exact: true }).click();
    await controls.getByText('Stopped.', { exact: true }).waitFor({ timeout: 30_000 });
    await status.getByText('stopped').first().waitFor();
    await page.getByText('Stopped: start the camera to see it.').waitFor();
    await controls.getByRole('button', { name: 'Start', exact: true }).click();
    await controls.getByText('Start requested.', { exact: true }).waitFor({ timeout: 30_000 });
    await status.getByText('running').first().waitFor({ timeout: 30_000 });

    const log = page.getByRole('list', { name: 'Log entries, newest first' });
    await log.getByText('stop by you').waitFor({ timeout: 30_000 });
    await log.getByText('start by you').first().waitFor({ timeout: 30_000 });
    await log.getByText('running → stopped').first().waitFor({ timeout: 30_000 });
    // The last hour: a sample every 10 s while it runs.
    await page.getByText(/Sampled for .* of the last hour: \d+\.\d fps on average/).waitFor({ timeout: 60_000 });

    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'camera-page-desktop');

    // Editing: a change saved with the revision it was made on.
    const settings = page.getByRole('region', { name: 'Settings' });
    await settings.getByRole('button', { name: 'Edit camera' }).click();
    await settings.getByLabel('Labels').fill('gate, outdoor, north');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    await settings.getByText('Saved.').waitFor();
    expect((await vigil.call<{ labels: string[] }>('GET', `${BASE}/${gateId}`)).labels).toEqual(['gate', 'outdoor', 'north']);
    await context.close();
  });

  it('fits a phone: the wall in one column and the camera page, nothing sticking out sideways', async () => {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/cameras`);
    await expect.poll(() => pixels(page, 'Gate 1'), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'cameras-wall-phone');
    await page.getByRole('button', { name: 'Add camera' }).click();
    await page.getByRole('region', { name: 'Add a camera' }).getByLabel('Source URL').waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    await screenshot(page, 'cameras-add-phone');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('link', { name: 'Gate 1' }).click();
    await page.getByRole('heading', { name: 'Gate 1', level: 1 }).waitFor();
    await page.getByText(/Sampled for/).waitFor({ timeout: 60_000 });
    await page.getByRole('list', { name: 'Log entries, newest first' }).waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'camera-page-phone');
    await context.close();
  });

  it('asks for frames of the tiles on screen only', async () => {
    const ids: string[] = [];
    for (let n = 0; n < BULK; n++) {
      const camera = await vigil.call<{ id: string }>('POST', BASE, {
        orgUnitCode: 'S1',
        name: `Bulk ${String(n + 1).padStart(2, '0')}`,
        sourceUrl: vigil.sim.streamUrl(n + 3),
        labels: ['bulk'],
      });
      await vigil.call('POST', `${BASE}/${camera.id}/start`, {});
      ids.push(camera.id);
    }
    // Three columns, two rows or so on screen.
    const context = await newContext(browser, { width: 800, height: 700 });
    const page = await context.newPage();
    const asked: { id: string; at: number }[] = [];
    page.on('request', (request) => {
      const id = snapshotCamera(request);
      if (id) asked.push({ id, at: Date.now() });
    });
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/cameras?label=bulk`);
    const wall = page.getByRole('list', { name: 'Camera wall' });
    await expect.poll(() => wall.getByRole('heading').count(), { timeout: 30_000 }).toBe(BULK);
    await expect.poll(() => pixels(page, 'Bulk 01'), { timeout: 60_000 }).toBeGreaterThan(0);
    // A few seconds of the wall at the top: frames for the first tiles only, about one a second each.
    const since = Date.now();
    await expect.poll(() => asked.filter((a) => a.at >= since && a.id === ids[0]).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const top = new Set(asked.map((a) => a.id));
    expect(top.size).toBeGreaterThan(0);
    expect(top.size).toBeLessThanOrEqual(9);
    expect(top.has(ids[BULK - 1]!)).toBe(false);

    // Scrolled to the end: the last tiles are asked for, the first ones no longer.
    await wall.getByRole('link', { name: `Bulk ${BULK}` }).scrollIntoViewIfNeeded();
    await expect.poll(() => asked.some((a) => a.id === ids[BULK - 1]), { timeout: 30_000 }).toBe(true);
    const scrolled = Date.now();
    await expect
      .poll(() => asked.filter((a) => a.at >= scrolled && a.id === ids[BULK - 1]).length, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(3);
    // At most the one request under way when the first tile left the screen.
    expect(asked.filter((a) => a.at >= scrolled && a.id === ids[0]).length).toBeLessThanOrEqual(1);
    const bottom = new Set(asked.filter((a) => a.at >= scrolled).map((a) => a.id));
    expect(bottom.size).toBeLessThanOrEqual(10);
    // Last: a full-page screenshot shows every tile at once (and so asks for all their frames).
    await screenshot(page, 'cameras-wall-many');
    await context.close();
  });

  it("asks for the wall's cameras and their states while the page's code still loads", async () => {
    await vigil.call('POST', BASE, { orgUnitCode: 'S1', name: 'Early bird', sourceUrl: vigil.sim.streamUrl(2) });
    const context = await newContext(browser, { width: 1366, height: 900 });
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    const seen: string[] = [];
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname === BASE || pathname === `${BASE}/batch-status`) seen.push(pathname);
    });
    // The wall page's own code is held back until both requests are under way (or 30 s pass): were
    // they made by the page after its first render, they would come only after the timeout.
    const released: boolean[] = [];
    await page.route(/\/assets\/Cameras-[^/]+\.js$/, async (route) => {
      const until = Date.now() + 30_000;
      const both = () => seen.includes(BASE) && seen.includes(`${BASE}/batch-status`);
      while (!both() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      released.push(both());
      await route.continue();
    });
    await page.goto(`${vigil.url}/cameras`);
    await expect
      .poll(() => page.getByRole('list', { name: 'Camera wall' }).getByRole('heading').count(), { timeout: 60_000 })
      .toBeGreaterThan(0);
    // Every chunk of the page was let through because both requests had been made, not by the timeout.
    expect(released.length).toBeGreaterThan(0);
    expect(released.every(Boolean)).toBe(true);
    // The page found the answers in the cache: one list request and one batch of states so far.
    expect(seen.filter((p) => p === BASE)).toHaveLength(1);
    await context.close();
  });
});
