// The `cameras{state}` gauge, scraped from /metrics: every state of the state machine is there (0 when
// no camera is in it), and every camera is counted in the state its status shows, including those no
// process runs (stopped, deactivated).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { CAMERA_STATES } from '../src/modules/cameras/runtime/worker.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

const BASE = '/api/v1/cameras';

describe('cameras{state} gauge', () => {
  let vigil: TestVigil;
  let sim: CameraSimulator;
  let admin: Record<string, string>;

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    vigil.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
  async function gauge(): Promise<Record<string, number>> {
    const body = (await vigil.app.inject({ method: 'GET', url: '/metrics' })).body;
    const counts: Record<string, number> = {};
    for (const match of body.matchAll(/^cameras\{state="([a-z]+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
    return counts;
  }
  async function camera(n: number): Promise<string> {
    const res = await call('POST', BASE, { orgUnitCode: 'SITE', name: `cam ${n}`, sourceUrl: sim.streamUrl(n), expectedFps: 5 });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  }

  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 4, fps: 5 });
    vigil = await startTestVigil({
      // A lease cycle every 500 ms: the gauge of cameras no process runs is refreshed at each.
      env: { VIGIL_CAMERA_AUTO_START: 'false', VIGIL_CAMERA_LEASE_MS: '3000' },
    });
    admin = await vigil.adminAuth();
    const unit = await call('POST', '/api/v1/organization-units', {
      code: 'SITE',
      name: 'Site',
      unitType: 'SITE',
      effectiveDate: '2026-01-01',
    });
    expect(unit.statusCode, unit.body).toBe(201);
  });
  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
  });

  it('lists every state, 0 when no camera is in it', async () => {
    expect(Object.keys(await gauge()).sort()).toEqual([...CAMERA_STATES].sort());
    expect(Object.values(await gauge()).every((n) => n === 0)).toBe(true);
  });

  it('counts every camera in the state its status shows: running, stopped, deactivated and in error', async () => {
    const running = await camera(1);
    await camera(2); // registered, never started: stopped
    const deactivated = await camera(3);
    const refused = await camera(4);
    expect((await call('POST', `${BASE}/${deactivated}/deactivate`)).statusCode).toBe(200);
    sim.setFault(4, { mode: '401' });
    for (const id of [running, refused]) expect((await call('POST', `${BASE}/${id}/start`)).statusCode).toBe(200);

    const expected = { stopped: 1, starting: 0, running: 1, degraded: 0, reconnecting: 0, error: 1, deactivated: 1 };
    const seen = await pollUntil(gauge, (counts) => JSON.stringify(counts) === JSON.stringify({ ...counts, ...expected }), {
      timeoutMs: 20_000,
      what: `cameras{state} to read ${JSON.stringify(expected)}`,
    });
    expect(seen).toEqual(expected);

    // Stopping a camera moves it from running to stopped.
    expect((await call('POST', `${BASE}/${running}/stop`)).statusCode).toBe(200);
    await pollUntil(gauge, (counts) => counts.stopped === 2 && counts.running === 0, {
      timeoutMs: 20_000,
      what: 'the stopped camera to be counted',
    });
  });
});
