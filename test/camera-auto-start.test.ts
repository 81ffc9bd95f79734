// Auto-start across a restart of the service: the built `vigil serve` on its embedded database,
// stopped with SIGTERM and started again on the same data, against real streams from the simulator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { pollUntil } from './helpers/poll.js';
import { freePort, runVigil, signIn } from './helpers/process.js';
import type { VigilProcess } from './helpers/process.js';

const ADMIN = { email: 'admin@example.com', password: 'harbour-lantern-test-42' };

describe('cameras with auto-start', () => {
  let sim: CameraSimulator;
  let dir: string;
  const processes: VigilProcess[] = [];

  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 5, fps: 5, width: 160, height: 120 });
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-autostart-'));
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(port: number) {
    const proc = runVigil(['serve'], {
      DATA_DIR: dir,
      PORT: String(port),
      VIGIL_ADMIN_EMAIL: ADMIN.email,
      VIGIL_ADMIN_PASSWORD: ADMIN.password,
      VIGIL_RATE_LIMIT_MAX: '1000000',
      VIGIL_RATE_LIMIT_AUTH_MAX: '1000000',
    });
    processes.push(proc);
    const line = await proc.waitForLog((r) => r.msg === 'vigil is serving', 60_000);
    const url = line.url as string;
    const headers = await signIn(url, ADMIN);
    const call = async (method: string, route: string, body?: object) => {
      const res = await fetch(`${url}${route}`, { method, headers, body: JSON.stringify(body ?? {}) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    return { proc, call };
  }
  const streaming = () => sim.stats().cameras.map((c) => c.openStreams);
  // Spawned processes on a loaded machine: bounded generously, against a hang only.
  const until = (what: string, condition: () => string) =>
    pollUntil(condition, (met) => met === 'yes', { timeoutMs: 60_000, intervalMs: 100, what });
  const streams = (expected: string) => () => (streaming().join() === expected ? 'yes' : `streams ${streaming().join()}`);

  it('run again when the service starts; the others keep the state operators left them in', async () => {
    const port = await freePort();
    const first = await serve(port);
    expect(
      (
        await first.call('POST', '/api/v1/organization-units', {
          code: 'SITE',
          name: 'Site',
          unitType: 'SITE',
          effectiveDate: '2026-01-01',
        })
      ).status,
    ).toBe(201);
    // A: auto-start, never started. B: started, no auto-start. C: auto-start, started then stopped.
    // D: neither. E: auto-start but deactivated.
    const plan = [
      { name: 'A', autoStart: true },
      { name: 'B', autoStart: false },
      { name: 'C', autoStart: true },
      { name: 'D', autoStart: false },
      { name: 'E', autoStart: true },
    ];
    const ids: string[] = [];
    for (const [i, camera] of plan.entries()) {
      const created = await first.call('POST', '/api/v1/cameras', { orgUnitCode: 'SITE', ...camera, sourceUrl: sim.streamUrl(i + 1) });
      expect(created.status).toBe(201);
      ids.push(created.body.id as string);
    }
    const [a, b, c, d, e] = ids as [string, string, string, string, string];
    expect((await first.call('POST', `/api/v1/cameras/${b}/start`)).status).toBe(200);
    expect((await first.call('POST', `/api/v1/cameras/${c}/start`)).status).toBe(200);
    expect((await first.call('POST', `/api/v1/cameras/${c}/stop`)).status).toBe(200);
    expect((await first.call('POST', `/api/v1/cameras/${e}/deactivate`)).status).toBe(200);
    await until('B alone streams', streams('0,1,0,0,0'));

    first.proc.child.kill('SIGTERM');
    expect((await first.proc.exited).code).toBe(0);
    await until('every stream closed', streams('0,0,0,0,0'));

    const second = await serve(port);
    await second.proc.waitForLog((r) => r.msg === 'auto-start cameras are wanted again' && r.cameras === 2);
    await until('A, B and C stream again', streams('1,1,1,0,0'));
    const states = await second.call('POST', '/api/v1/cameras/batch-status', { cameraIds: ids });
    const byId = new Map((states.body.items as { cameraId: string; state: string }[]).map((s) => [s.cameraId, s.state]));
    expect([a, b, c].map((id) => byId.get(id))).toEqual(['running', 'running', 'running']);
    expect([byId.get(d), byId.get(e)]).toEqual(['stopped', 'deactivated']);
    second.proc.child.kill('SIGTERM');
    expect((await second.proc.exited).code).toBe(0);
  }, 240_000);
});
