// A camera's status over the last hour (GET /api/v1/cameras/{camera_id}/history): sampled from a real
// stream every 10 s, scoped like the status (404 outside the caller's units), bad input refused in the
// unified shape, asked of the holding process when another one holds the camera, forgotten on delete.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

interface Sample {
  at: string;
  state: string;
  fps: number | null;
  reconnects: number;
}
interface History {
  intervalSeconds: number;
  items: Sample[];
}

const BASE = '/api/v1/cameras';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('camera history', () => {
  let vigil: TestVigil;
  let sim: CameraSimulator;
  let admin: Record<string, string>;
  let cameraId: string;

  const call = (headers: Record<string, string>, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    vigil.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  function expectUnified(res: Awaited<ReturnType<typeof call>>, status: number, code: string) {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json()).toEqual({
      code,
      message: expect.any(String),
      details: expect.any(Object),
      timestamp: expect.stringMatching(ISO),
      requestId: res.headers['x-request-id'],
    });
  }

  async function userAt(email: string, role: string, unit: string) {
    const db = vigil.database.db;
    await sql`insert into users (id, email, display_name, password_hash)
              select gen_random_uuid(), ${email}, ${email}, password_hash from users where email = ${TEST_ADMIN.email}`.execute(db);
    await sql`insert into role_grants (id, user_id, role, org_unit_code) select gen_random_uuid(), id, ${role}, ${unit} from users where email = ${email}`.execute(
      db,
    );
    const res = await call({}, 'POST', '/api/auth/login', { email, password: TEST_ADMIN.password });
    return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
  }

  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 2, fps: 10 });
    vigil = await startTestVigil({ env: { VIGIL_CAMERA_AUTO_START: 'false', VIGIL_AUDIT_VIEW_WINDOW_S: '86400' } });
    admin = await vigil.adminAuth();
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'S1', name: 'S1', unitType: 'SITE', parentCode: 'ACME' },
      { code: 'S2', name: 'S2', unitType: 'SITE', parentCode: 'ACME' },
    ]) {
      expect((await call(admin, 'POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2026-01-01' })).statusCode).toBe(201);
    }
    const created = await call(admin, 'POST', BASE, { orgUnitCode: 'S1', name: 'Gate', sourceUrl: sim.streamUrl(1), expectedFps: 10 });
    expect(created.statusCode, created.body).toBe(201);
    cameraId = created.json<{ id: string }>().id;
  });
  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
  });

  it('samples a running camera every 10 s: state, fps and reconnects, oldest first', async () => {
    const empty = await call(admin, 'GET', `${BASE}/${cameraId}/history`);
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json()).toEqual({ intervalSeconds: 10, items: [] });

    expect((await call(admin, 'POST', `${BASE}/${cameraId}/start`)).statusCode).toBe(200);
    // Bounded against a hang only: a sample comes within 10 s of the camera running, two within 20 s.
    const history = await pollUntil(
      async () => (await call(admin, 'GET', `${BASE}/${cameraId}/history`)).json<History>(),
      (h) => h.items.filter((s) => s.state === 'running').length >= 2,
      { timeoutMs: 45_000, intervalMs: 1_000, what: 'two samples of the running camera' },
    );
    for (const sample of history.items) {
      expect(sample).toEqual({ at: expect.stringMatching(ISO), state: expect.any(String), fps: expect.anything(), reconnects: 0 });
    }
    const running = history.items.filter((s) => s.state === 'running');
    expect(running.at(-1)!.fps).toBeGreaterThan(5);
    const times = history.items.map((s) => Date.parse(s.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // About 10 s apart (the sampler's timer; generous for a loaded machine).
    const gap = times.at(-1)! - times.at(-2)!;
    expect(gap).toBeGreaterThan(8_000);
    expect(gap).toBeLessThan(15_000);

    // `from` keeps the later samples only.
    const later = await call(admin, 'GET', `${BASE}/${cameraId}/history?from=${encodeURIComponent(history.items.at(-1)!.at)}`);
    expect(later.json<History>().items).toEqual([history.items.at(-1)]);
    const future = await call(admin, 'GET', `${BASE}/${cameraId}/history?from=2999-01-01T00:00:00Z`);
    expect(future.json<History>().items).toEqual([]);

    // A read is a status view: one audit row per viewer and window, however often it is asked.
    const rows = await sql<{ n: number }>`select count(*)::int as n from audit_events
      where action = 'camera.view_status' and resource_id = ${cameraId}`.execute(vigil.database.db);
    expect(rows.rows[0]!.n).toBe(1);
  });

  it('refuses bad input in the unified error shape, and hides cameras outside the caller’s units', async () => {
    expectUnified(await call(admin, 'GET', `${BASE}/not-a-uuid/history`), 400, 'VALIDATION_FAILED');
    expectUnified(await call(admin, 'GET', `${BASE}/${cameraId}/history?from=yesterday`), 400, 'VALIDATION_FAILED');
    expectUnified(await call(admin, 'GET', `${BASE}/${cameraId}/history?from=2026-06-30T23:59:60Z`), 400, 'VALIDATION_FAILED');
    expectUnified(await call(admin, 'GET', `${BASE}/${cameraId}/history?limit=5`), 400, 'VALIDATION_FAILED');
    expectUnified(await call(admin, 'GET', `${BASE}/00000000-0000-7000-8000-000000000000/history`), 404, 'CAMERA_NOT_FOUND');
    expectUnified(await call({}, 'GET', `${BASE}/${cameraId}/history`), 401, 'UNAUTHORIZED');

    const outsider = await userAt('viewer-s2@example.com', 'viewer', 'S2');
    expectUnified(await call(outsider, 'GET', `${BASE}/${cameraId}/history`), 404, 'CAMERA_NOT_FOUND');
    const insider = await userAt('viewer-s1@example.com', 'viewer', 'S1');
    expect((await call(insider, 'GET', `${BASE}/${cameraId}/history`)).statusCode).toBe(200);
  });

  it('asks the process that holds a camera for its history, with the caller’s credentials', async () => {
    const other = (
      await call(admin, 'POST', BASE, { orgUnitCode: 'S1', name: 'Held elsewhere', sourceUrl: sim.streamUrl(2), expectedFps: 10 })
    ).json<{ id: string }>();
    const sample: Sample = { at: '2026-03-01T10:00:00.000Z', state: 'running', fps: 9.5, reconnects: 1 };
    const seen: { url?: string; authorization?: string; forwarded?: string }[] = [];
    let answer: 'history' | 'broken' = 'history';
    const holder = createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization, forwarded: req.headers['x-vigil-forwarded'] as string });
      if (answer === 'history')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ intervalSeconds: 10, items: [sample] }));
      else res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"INTERNAL"}');
    });
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    const db = vigil.database.db;
    await sql`insert into vigil_nodes (id, host, pid, url) values ('other-node', 'elsewhere', 1, ${`http://127.0.0.1:${port}/`})`.execute(
      db,
    );
    await sql`insert into camera_leases (camera_id, owner, expires_at) values (${other.id}, 'other-node', now() + interval '1 hour')`.execute(
      db,
    );
    try {
      const res = await call(admin, 'GET', `${BASE}/${other.id}/history?from=2026-03-01T09:00:00Z`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ intervalSeconds: 10, items: [sample] });
      expect(seen).toEqual([
        {
          url: `${BASE}/${other.id}/history?from=${encodeURIComponent('2026-03-01T09:00:00.000Z')}`,
          authorization: admin.authorization,
          forwarded: '1',
        },
      ]);
      // A forwarded request is answered here, from this process's samples (none), never forwarded again.
      const forwarded = await call({ ...admin, 'x-vigil-forwarded': '1' }, 'GET', `${BASE}/${other.id}/history`);
      expect(forwarded.json()).toEqual({ intervalSeconds: 10, items: [] });
      expect(seen).toHaveLength(1);
      // A holder that fails, or is gone: a clear 502.
      answer = 'broken';
      expectUnified(await call(admin, 'GET', `${BASE}/${other.id}/history`), 502, 'CAMERA_HOLDER_UNREACHABLE');
      await new Promise((resolve) => holder.close(resolve));
      const gone = await call(admin, 'GET', `${BASE}/${other.id}/history`);
      expectUnified(gone, 502, 'CAMERA_HOLDER_UNREACHABLE');
      expect(gone.json<{ message: string }>().message).toContain('did not answer for its history');
    } finally {
      holder.close();
      await sql`delete from camera_leases where owner = 'other-node'`.execute(db);
      await sql`delete from vigil_nodes where id = 'other-node'`.execute(db);
      await call(admin, 'DELETE', `${BASE}/${other.id}`);
    }
  });

  it('forgets a deleted camera’s history', async () => {
    expect((await call(admin, 'DELETE', `${BASE}/${cameraId}`)).statusCode).toBe(204);
    expectUnified(await call(admin, 'GET', `${BASE}/${cameraId}/history`), 404, 'CAMERA_NOT_FOUND');
  });
});
