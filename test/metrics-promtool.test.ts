// Acceptance: a live scrape of /metrics, after traffic that gives most series samples (requests,
// rate limits, org-unit writes, a running camera, the PostgreSQL pool when configured), passes
// `promtool check metrics`, the validator Prometheus itself ships. CI installs promtool (Debian
// package `prometheus`) and must run this; elsewhere it skips, saying so, when promtool is absent.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const promtoolPresent = spawnSync(PROMTOOL, ['--version']).status === 0;
const inCi = process.env.CI === 'true';

// In CI the suite runs whether or not promtool is there, and fails when it is not.
const skipped = promtoolPresent ? '' : ' (skipped: promtool is not installed; apt-get install prometheus)';
describe.runIf(promtoolPresent || inCi)(`metrics pass promtool check metrics${skipped}`, () => {
  let vigil: TestVigil;
  let sim: CameraSimulator;

  beforeAll(async () => {
    expect(promtoolPresent, `${PROMTOOL} was not found: CI must install it (Debian package prometheus)`).toBe(true);
    sim = await startCameraSimulator({ count: 1, fps: 10 });
    vigil = await startTestVigil({
      listen: true,
      defaultMetrics: true,
      env: { VIGIL_CAMERA_AUTO_START: 'false', VIGIL_RATE_LIMIT_MAX: '5' },
    });
  });
  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
  });

  it('a scrape after traffic passes promtool check metrics', async () => {
    const auth = await vigil.adminAuth();
    const headers = { ...auth, 'content-type': 'application/json' };
    const post = (path: string, body: object) => fetch(`${vigil.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const unit = await post('/api/v1/organization-units', {
      code: 'ACME',
      name: 'Acme',
      unitType: 'ORGANIZATION',
      effectiveDate: '2026-01-01',
    });
    expect(unit.status).toBe(201);
    const camera = await post('/api/v1/cameras', { orgUnitCode: 'ACME', name: 'Gate', sourceUrl: sim.streamUrl(1), expectedFps: 10 });
    expect(camera.status).toBe(201);
    const { id } = (await camera.json()) as { id: string };
    expect((await post(`/api/v1/cameras/${id}/start`, {})).status).toBe(200);
    await pollUntil(
      async () => (await fetch(`${vigil.url}/api/v1/cameras/${id}/status`, { headers: auth })).json() as Promise<{ state: string }>,
      (s) => s.state === 'running',
      { timeoutMs: 15_000, what: 'the camera to run' },
    );
    // A refusal, a 404 and a rate-limited burst, so that those series have samples too.
    await fetch(`${vigil.url}/no/such/path`);
    for (let i = 0; i < 8; i++) await fetch(`${vigil.url}/api/v1/cameras`, { headers: auth });

    const scrape = await fetch(`${vigil.url}/metrics`);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    for (const name of [
      'http_requests_total',
      'temporal_operations_total',
      'camera_frames_total',
      'http_rate_limited_total',
      'process_cpu_seconds_total',
    ]) {
      // Some series of each has a sample above zero (a CPU time such as 0.99 s included).
      const values = [...text.matchAll(new RegExp(`^${name}(?:\\{.*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]));
      expect(
        values.some((v) => v > 0),
        `${name}: ${values.join(', ')}`,
      ).toBe(true);
    }
    if (vigil.database.kind === 'postgres') expect(text).toMatch(/^db_pool_connections\{/m);

    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    expect({ status: check.status, output: `${check.stdout}${check.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });
});
