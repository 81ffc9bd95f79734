// The event review page in a real browser against a real `vigil serve`: three events reported by
// a detector with a snapshot and a box are reviewed with the keyboard (c confirms, f marks a false
// positive, each moving on to the next one awaiting review), checked through the API, then a
// bulk confirmation; the counts name the type. axe-core and screenshots at desktop and phone sizes.
import type { Browser } from 'playwright-core';
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

interface StoredEvent {
  id: string;
  status: string;
  occurredAt: string;
}

describe.runIf(browserAvailable)('the event review page', () => {
  let vigil: Console;
  let browser: Browser;
  let ids: string[];
  const statusOf = async (id: string) => (await vigil.call<StoredEvent>('GET', `/api/v1/events/${id}`)).status;

  beforeAll(async () => {
    [vigil, browser] = await Promise.all([startConsole({ cameras: 1, env: { VIGIL_CAMERA_AUTO_START: 'false' } }), launchBrowser()]);
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'K1', name: 'Kitchen', unitType: 'SITE', parentCode: 'ACME' },
    ]) {
      await vigil.call('POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2026-01-01' });
    }
    const camera = await vigil.call<{ id: string }>('POST', '/api/v1/cameras', {
      orgUnitCode: 'K1',
      name: 'Prep table',
      sourceUrl: vigil.sim.streamUrl(1),
      expectedFps: 5,
    });
    const key = await vigil.call<{ key: string }>('POST', '/api/v1/api-keys', {
      name: 'hairnet detector',
      role: 'detector',
      orgUnitCode: 'K1',
    });
    const detector = { 'content-type': 'application/json', authorization: `Bearer ${key.key}` };
    const jpeg = Buffer.from(await (await fetch(vigil.sim.snapshotUrl(1))).arrayBuffer()).toString('base64');
    const now = Date.now();
    const answer = await vigil.call<{ items: { result: string; event: StoredEvent }[] }>(
      'POST',
      '/api/v1/events',
      {
        events: [0, 1, 2].map((i) => ({
          cameraId: camera.id,
          type: 'no_hairnet',
          // The newest first in the list: event 0 is the newest.
          occurredAt: new Date(now - (i + 1) * 60_000).toISOString(),
          confidence: 0.9 - i / 10,
          bbox: { x: 0.1 + i / 10, y: 0.2, width: 0.3, height: 0.4 },
          attributes: { model: 'hairnet-v3' },
          snapshot: jpeg,
          idempotencyKey: `det-${i}`,
        })),
      },
      detector,
    );
    expect(answer.items.map((i) => i.result)).toEqual(['created', 'created', 'created']);
    ids = answer.items.map((i) => i.event.id);
    // One more, of another type, for the bulk action and the counts.
    const extra = await vigil.call<StoredEvent>(
      'POST',
      '/api/v1/events',
      { cameraId: camera.id, type: 'person', occurredAt: new Date(now - 10 * 60_000).toISOString(), confidence: 0.55 },
      detector,
    );
    ids.push(extra.id);
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.close();
  });

  it('reviews events with the keyboard, then in bulk, and counts them', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/events`);
    const focus = page.getByRole('region', { name: /no_hairnet event 1 of 4/ });
    await focus.waitFor();
    // The snapshot is shown with the box over it.
    const image = focus.getByRole('img', { name: /Snapshot of no_hairnet on Prep table/ });
    await image.waitFor();
    await expect.poll(() => image.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBeGreaterThan(0);
    await focus.getByText('Detection box at 10% from the left and 20% from the top, 30% wide and 40% high (outlined).').waitFor();
    const box = await focus.locator('.bbox').boundingBox();
    const frame = await image.boundingBox();
    expect(box && frame).toBeTruthy();
    expect(Math.abs(box!.x - (frame!.x + frame!.width * 0.1))).toBeLessThan(3);
    expect(Math.abs(box!.width - frame!.width * 0.3)).toBeLessThan(3);
    expect(await page.getByRole('button', { name: /^Confirm/ }).getAttribute('aria-keyshortcuts')).toBe('c');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'events-desktop');

    // Keys typed into a field are text, not shortcuts.
    const typeFilter = page.getByRole('textbox', { name: 'Type', exact: true });
    await typeFilter.click();
    await page.keyboard.press('c');
    expect(await typeFilter.inputValue()).toBe('c');
    expect(await statusOf(ids[0]!)).toBe('pending');
    await typeFilter.fill('');
    await page.getByRole('heading', { name: 'Event review' }).click();

    await page.keyboard.press('c');
    await page.getByRole('region', { name: /event 2 of 4/ }).waitFor();
    await expect.poll(() => statusOf(ids[0]!)).toBe('confirmed');
    await page.keyboard.press('f');
    await page.getByRole('region', { name: /event 3 of 4/ }).waitFor();
    await expect.poll(() => statusOf(ids[1]!)).toBe('false_positive');
    expect(await statusOf(ids[2]!)).toBe('pending');
    // k goes back to the one just marked; it shows its new status.
    await page.keyboard.press('k');
    await page
      .getByRole('region', { name: /event 2 of 4/ })
      .getByText('False positive', { exact: false })
      .first()
      .waitFor();
    await page.keyboard.press('j');

    // Bulk: select the two left (x on the focused one, a checkbox for the other), confirm them.
    await page.keyboard.press('x');
    await page.getByRole('checkbox', { name: /^Select person at/ }).check();
    await page.getByText('2 selected').waitFor();
    await page.getByRole('button', { name: 'Confirm selected' }).click();
    await page.getByText('Confirmed: 2 updated.').waitFor();
    await expect.poll(async () => Promise.all(ids.map(statusOf))).toEqual(['confirmed', 'false_positive', 'confirmed', 'confirmed']);

    // The counts: per type, with the statuses.
    const counts = page.getByRole('table', { name: 'Events per type (all time)' });
    await counts.getByRole('row', { name: /no_hairnet 3 0 2 1 0/ }).waitFor();
    await counts.getByRole('row', { name: /person 1 0 1 0 0/ }).waitFor();
    await page.getByText(/4 in 14 days/).waitFor();

    // Reviewed events can be listed too.
    await page.getByLabel('Status').selectOption({ label: 'False positive' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('region', { name: /no_hairnet event 1 of 1/ }).waitFor();
    await page.getByRole('button', { name: /Reopen/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it('fits a phone', async () => {
    const context = await newContext(browser, PHONE);
    const page = await context.newPage();
    await signInPage(page, vigil.url);
    await page.goto(`${vigil.url}/events?status=`);
    await page.getByRole('region', { name: /event 1 of 4/ }).waitFor();
    await page.getByRole('table', { name: 'Events per type (all time)' }).waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'events-phone');
    await context.close();
  });
});
