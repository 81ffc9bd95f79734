// Cameras against real streams from the simulator: the registry, the eleven control endpoints
// (success, not found, out of scope, bad input), stall and frozen detection, logs, audit, metrics.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

interface Camera {
  id: string;
  orgUnitCode: string;
  hasCredentials: boolean;
  active: boolean;
  autoStart: boolean;
  revision: number;
}
interface Status {
  cameraId: string;
  state: string;
  since: string;
  fps: number | null;
  lastFrameAt: string | null;
  reconnects: number;
  lastError: { code: string } | null;
  frameWidth: number | null;
  frameHeight: number | null;
}

const BASE = '/api/v1/cameras';
const SECRET = 'cam-Pa55word-xyz';

describe('cameras', () => {
  let vigil: TestVigil;
  let sim: CameraSimulator;
  let admin: Record<string, string>;
  let operator: Record<string, string>;
  let viewer: Record<string, string>;
  let cam1: Camera; // at S1, inside the operator's region
  let cam2: Camera; // at S2, outside it

  const call = (headers: Record<string, string>, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    vigil.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const status = async (id: string) => (await call(admin, 'GET', `${BASE}/${id}/status`)).json<Status>();
  // Bounded against a hang only: on a loaded machine a reconnect takes what it takes.
  const waitFor = (id: string, states: string[], timeoutMs = 20_000): Promise<Status> =>
    pollUntil(
      () => status(id),
      (current) => states.includes(current.state),
      { timeoutMs, what: `camera ${id} to be ${states.join('|')}` },
    );
  async function addUser(email: string, role: string, unit: string | null) {
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
    sim = await startCameraSimulator({ count: 6, fps: 10 });
    vigil = await startTestVigil({
      env: {
        VIGIL_CAMERA_BACKOFF_BASE_MS: '100',
        VIGIL_CAMERA_BACKOFF_MAX_MS: '500',
        VIGIL_CAMERA_AUTO_START: 'false',
        // A view is audited once per viewer and window: a window longer than this file, however slow the machine.
        VIGIL_AUDIT_VIEW_WINDOW_S: '86400',
      },
    });
    admin = await vigil.adminAuth();
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'R1', name: 'R1', unitType: 'REGION', parentCode: 'ACME' },
      { code: 'R2', name: 'R2', unitType: 'REGION', parentCode: 'ACME' },
      { code: 'S1', name: 'S1', unitType: 'SITE', parentCode: 'R1' },
      { code: 'S2', name: 'S2', unitType: 'SITE', parentCode: 'R2' },
    ]) {
      expect((await call(admin, 'POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2026-01-01' })).statusCode).toBe(201);
    }
    operator = await addUser('op@example.com', 'operator', 'R1');
    viewer = await addUser('viewer@example.com', 'viewer', null);
    const created = await call(admin, 'POST', BASE, {
      orgUnitCode: 'S1',
      name: 'Gate',
      sourceUrl: sim.streamUrl(1),
      expectedFps: 10,
      credentials: { username: 'cam', password: SECRET },
      labels: ['gate', 'outdoor'],
    });
    expect(created.statusCode, created.body).toBe(201);
    cam1 = created.json<Camera>();
    cam2 = (
      await call(admin, 'POST', BASE, { orgUnitCode: 'S2', name: 'Dock', sourceUrl: sim.streamUrl(2), expectedFps: 10 })
    ).json<Camera>();
  });
  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
  });

  it('registers a camera with credentials sealed at rest, never shown or logged', async () => {
    expect(cam1).toMatchObject({ orgUnitCode: 'S1', hasCredentials: true, active: true, autoStart: false, revision: 1 });
    expect(JSON.stringify(cam1)).not.toContain(SECRET);
    const stored = await sql<{ credentials_sealed: string }>`select credentials_sealed from cameras where id = ${cam1.id}`.execute(
      vigil.database.db,
    );
    expect(stored.rows[0]!.credentials_sealed).toMatch(/^v1\./);
    expect(stored.rows[0]!.credentials_sealed).not.toContain(SECRET);
    const got = await call(admin, 'GET', `${BASE}/${cam1.id}`);
    expect(got.json()).toMatchObject({ id: cam1.id, sourceType: 'mjpeg', labels: ['gate', 'outdoor'] });
    expect(got.body).not.toContain(SECRET);
    expect(vigil.logs.text()).not.toContain(SECRET);
    // The audit record says that credentials are stored (a boolean is no secret), never what they are.
    const audited = await sql<{
      after: unknown;
    }>`select after from audit_events where action = 'camera.create' and resource_id = ${cam1.id}`.execute(vigil.database.db);
    const after = audited.rows[0]!.after;
    expect(typeof after === 'string' ? JSON.parse(after) : after).toMatchObject({ id: cam1.id, hasCredentials: true });
    expect(JSON.stringify(after)).not.toContain(SECRET);
  });

  it('refuses bad registrations with clear 4xx codes and stores nothing', async () => {
    const count = async () => (await sql<{ n: number }>`select count(*)::int as n from cameras`.execute(vigil.database.db)).rows[0]!.n;
    const before = await count();
    const base = { orgUnitCode: 'S1', name: 'x', sourceUrl: sim.streamUrl(3) };
    const cases: [object, number, string][] = [
      [{ ...base, orgUnitCode: 'NOWHERE' }, 400, 'UNKNOWN_ORG_UNIT'],
      [{ ...base, sourceUrl: 'ftp://127.0.0.1/cam' }, 400, 'UNSUPPORTED_SCHEME'],
      [{ ...base, sourceUrl: 'not a url at all' }, 400, 'INVALID_SOURCE_URL'],
      [{ ...base, sourceUrl: 'http://user:pw@127.0.0.1/stream.mjpg' }, 400, 'CREDENTIALS_IN_URL'],
      [{ ...base, sourceUrl: 'http://127.0.0.1/x.mjpg', sourceType: 'rtsp' }, 400, 'INVALID_SOURCE_TYPE'],
      [{ ...base, expectedFps: 0 }, 400, 'VALIDATION_FAILED'],
      [{ ...base, colour: 'red' }, 400, 'VALIDATION_FAILED'],
      [{ ...base, labels: ['has space'] }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x', sourceUrl: sim.streamUrl(3) }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [payload, statusCode, code] of cases) {
      const res = await call(admin, 'POST', BASE, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(statusCode);
      expect(res.json().code).toBe(code);
    }
    // A viewer cannot register; an operator cannot either (no cameras:write); an admin of R1 not at S2.
    expect((await call(viewer, 'POST', BASE, base)).statusCode).toBe(403);
    expect((await call(operator, 'POST', BASE, base)).statusCode).toBe(403);
    expect(await count()).toBe(before);
  });

  it('starts a camera on a real stream: running, measured fps, frame size, a JPEG snapshot; starting again is a no-op', async () => {
    const started = await call(operator, 'POST', `${BASE}/${cam1.id}/start`);
    expect(started.statusCode).toBe(200);
    expect(['starting', 'running']).toContain(started.json<Status>().state);
    await waitFor(cam1.id, ['running']);
    // The rate needs a second of frames first; then it is measured (what it reads depends on how
    // busy the machine is, so the test asks only that there is one) and frames keep coming.
    const running = await pollUntil(
      () => status(cam1.id),
      (s) => s.fps !== null && s.fps > 0,
      { timeoutMs: 20_000, what: 'a measured frame rate' },
    );
    expect(running).toMatchObject({ state: 'running', frameWidth: 320, frameHeight: 240, lastError: null });
    await pollUntil(
      () => status(cam1.id),
      (s) => Date.parse(s.lastFrameAt!) > Date.parse(running.lastFrameAt!),
      { timeoutMs: 20_000, what: 'a later frame' },
    );
    const snapshot = await call(operator, 'GET', `${BASE}/${cam1.id}/snapshot`);
    expect(snapshot.statusCode).toBe(200);
    expect(snapshot.headers['content-type']).toBe('image/jpeg');
    expect(snapshot.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const again = await call(operator, 'POST', `${BASE}/${cam1.id}/start`);
    expect(again.statusCode).toBe(200);
    expect(again.json<Status>().state).toBe('running');
    expect(sim.stats().cameras[0]!.openStreams).toBe(1);
  });

  it('answers batch status for many ids, listing unknown, out-of-scope and malformed ids under notFound', async () => {
    const unknown = randomUUID();
    const res = await call(operator, 'POST', `${BASE}/batch-status`, { cameraIds: [cam1.id, cam2.id, unknown] });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ items: Status[]; notFound: string[] }>();
    expect(body.items.map((s) => s.cameraId)).toEqual([cam1.id]);
    expect(body.notFound.sort()).toEqual([cam2.id, unknown].sort());
    expect((await call(admin, 'POST', `${BASE}/batch-status`, { cameraIds: [] })).statusCode).toBe(400);
    // Ids that are not valid ids are not found either, and do not fail the request for the others.
    const malformed = ['nope', '', '12345', `${cam1.id}x`, "1' or '1'='1"];
    const mixed = await call(operator, 'POST', `${BASE}/batch-status`, { cameraIds: [cam1.id.toUpperCase(), ...malformed] });
    expect(mixed.statusCode, mixed.body).toBe(200);
    const mixedBody = mixed.json<{ items: Status[]; notFound: string[] }>();
    expect(mixedBody.items.map((s) => s.cameraId)).toEqual([cam1.id]);
    expect(mixedBody.notFound.sort()).toEqual([...malformed].sort());
    expect((await call(admin, 'POST', `${BASE}/batch-status`, { cameraIds: ['x'.repeat(101)] })).statusCode).toBe(400);
    const many = Array.from({ length: 1001 }, () => randomUUID());
    expect((await call(admin, 'POST', `${BASE}/batch-status`, { cameraIds: many })).statusCode).toBe(400);
  });

  it('detects a stalled stream within 5 s of its last frame, reconnects, and runs again when it recovers', async () => {
    await waitFor(cam1.id, ['running']);
    sim.setFault(1, { mode: 'stall' });
    const down = await waitFor(cam1.id, ['reconnecting', 'error']);
    expect(down.lastError?.code).toBe('STALLED');
    const detection = Date.parse(down.since) - Date.parse(down.lastFrameAt!);
    expect(detection).toBeLessThan(5_000);
    sim.setFault(1, { mode: 'none' });
    const back = await waitFor(cam1.id, ['running']);
    expect(back.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('detects a frozen stream (the same frame over and over) within 5 s', async () => {
    sim.setFault(1, { mode: 'frozen' });
    const down = await waitFor(cam1.id, ['reconnecting', 'error']);
    expect(down.lastError?.code).toBe('FROZEN');
    expect(Date.parse(down.since) - Date.parse(down.lastFrameAt!)).toBeLessThan(5_000);
    sim.setFault(1, { mode: 'none' });
    await waitFor(cam1.id, ['running']);
  });

  it('keeps frozen detection per camera: a snapshot camera with a still scene stays running, one with detection on is FROZEN', async () => {
    // The default follows the source type; a camera's own setting wins; null goes back to the default.
    expect((await call(admin, 'GET', `${BASE}/${cam1.id}`)).json()).toMatchObject({ sourceType: 'mjpeg', frozenDetection: true });
    const created = await call(admin, 'POST', BASE, { orgUnitCode: 'S1', name: 'Yard', sourceUrl: sim.snapshotUrl(6), expectedFps: 5 });
    expect(created.statusCode, created.body).toBe(201);
    const still = created.json<Camera & { sourceType: string; frozenDetection: boolean }>();
    expect(still).toMatchObject({ sourceType: 'snapshot', frozenDetection: false });
    for (const frozenDetection of ['yes', 1, {}]) {
      const bad = await call(admin, 'PATCH', `${BASE}/${still.id}`, { frozenDetection });
      expect(bad.statusCode, JSON.stringify(frozenDetection)).toBe(400);
      expect(bad.json().code).toBe('VALIDATION_FAILED');
    }

    // The same JPEG at every poll, for four stall timeouts (3 s) at 5 polls a second: the camera is not cut.
    sim.setFault(6, { mode: 'frozen' });
    expect((await call(operator, 'POST', `${BASE}/${still.id}/start`)).statusCode).toBe(200);
    await waitFor(still.id, ['running'], 60_000);
    const before = sim.stats().cameras[5]!.snapshotsSent;
    await pollUntil(
      () => sim.stats().cameras[5]!.snapshotsSent,
      (n) => n >= before + 60,
      { timeoutMs: 120_000, what: '60 more identical snapshots' },
    );
    // Never cut as FROZEN (a machine too busy to poll for 3 s may cut it as STALLED: that is not this).
    const log = (await call(admin, 'GET', `${BASE}/${still.id}/logs?limit=500`)).json<{ items: { details: unknown }[] }>();
    expect(log.items.filter((e) => JSON.stringify(e.details ?? null).includes('FROZEN'))).toEqual([]);
    expect((await status(still.id)).lastError?.code).not.toBe('FROZEN');
    await waitFor(still.id, ['running'], 60_000);

    // Turned on, the camera restarts with it and is cut as FROZEN; null is the snapshot default again.
    const on = await call(admin, 'PATCH', `${BASE}/${still.id}`, { frozenDetection: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({ frozenDetection: true });
    await pollUntil(
      () => status(still.id),
      (s) => s.lastError?.code === 'FROZEN',
      { timeoutMs: 30_000, what: 'a FROZEN snapshot camera' },
    );
    const off = await call(admin, 'PATCH', `${BASE}/${still.id}`, { frozenDetection: null });
    expect(off.json()).toMatchObject({ frozenDetection: false });
    await waitFor(still.id, ['running'], 60_000);
    sim.setFault(6, { mode: 'none' });
    await call(admin, 'POST', `${BASE}/${still.id}/stop`);
  }, 240_000);

  it('says error, not reconnecting, when the camera refuses the credentials, and keeps retrying', async () => {
    sim.setFault(1, { mode: '401' });
    await call(operator, 'POST', `${BASE}/${cam1.id}/restart`);
    const refused = await waitFor(cam1.id, ['error']);
    expect(refused.lastError?.code).toBe('HTTP_401');
    sim.setFault(1, { mode: 'none' });
    await waitFor(cam1.id, ['running'], 10_000);
  });

  it('stops, and stopping again is a no-op', async () => {
    const stopped = await call(operator, 'POST', `${BASE}/${cam1.id}/stop`);
    expect(stopped.json<Status>().state).toBe('stopped');
    expect((await call(operator, 'POST', `${BASE}/${cam1.id}/stop`)).json<Status>().state).toBe('stopped');
    await pollUntil(
      () => sim.stats().cameras[0]!.openStreams,
      (open) => open === 0,
      { what: 'the stream to close' },
    );
    const noFrame = await call(operator, 'GET', `${BASE}/${cam1.id}/snapshot`);
    expect(noFrame.statusCode).toBe(404);
    expect(noFrame.json().code).toBe('NO_FRAME_YET');
  });

  it('keeps a deactivated camera from starting until it is activated again', async () => {
    await call(operator, 'POST', `${BASE}/${cam1.id}/start`);
    const off = await call(operator, 'POST', `${BASE}/${cam1.id}/deactivate`);
    expect(off.json<Status>().state).toBe('deactivated');
    for (const op of ['start', 'restart']) {
      const refused = await call(operator, 'POST', `${BASE}/${cam1.id}/${op}`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().code).toBe('CAMERA_DEACTIVATED');
    }
    expect((await call(admin, 'GET', `${BASE}/${cam1.id}`)).json<Camera>().active).toBe(false);
    expect((await call(operator, 'POST', `${BASE}/${cam1.id}/activate`)).json<Status>().state).toBe('stopped');
    expect((await call(operator, 'POST', `${BASE}/${cam1.id}/start`)).statusCode).toBe(200);
    await waitFor(cam1.id, ['running']);
  });

  it('sets auto-start, and refresh reconciles the runtime with the registry', async () => {
    const cam3 = (
      await call(admin, 'POST', BASE, { orgUnitCode: 'S1', name: 'Yard', sourceUrl: sim.streamUrl(3), expectedFps: 10 })
    ).json<Camera>();
    const on = await call(admin, 'PUT', `${BASE}/${cam3.id}/auto-start`, { enabled: true });
    expect(on.statusCode).toBe(200);
    expect(on.json<Camera>().autoStart).toBe(true);
    expect((await call(admin, 'PUT', `${BASE}/${cam3.id}/auto-start`, { enabled: 'yes' })).statusCode).toBe(400);
    expect((await call(operator, 'PUT', `${BASE}/${cam3.id}/auto-start`, { enabled: false })).statusCode).toBe(403);
    // cam1 runs; deactivate it behind the runtime's back, as another process or a raw change would.
    await sql`update cameras set active = false where id = ${cam1.id}`.execute(vigil.database.db);
    const res = await call(operator, 'POST', `${BASE}/refresh`);
    expect(res.statusCode).toBe(200);
    const result = res.json<{ started: string[]; stopped: string[]; restarted: string[]; unchanged: number }>();
    expect(result.started).toContain(cam3.id);
    expect(result.stopped).toContain(cam1.id);
    expect(result.started).not.toContain(cam2.id); // outside the operator's units, and not auto-start
    await waitFor(cam3.id, ['running']);
    await sql`update cameras set active = true where id = ${cam1.id}`.execute(vigil.database.db);
    expect((await call(operator, 'POST', `${BASE}/${cam1.id}/start`)).statusCode).toBe(200);
    // A changed source restarts on refresh.
    await sql`update cameras set source_url = ${sim.streamUrl(4)} where id = ${cam3.id}`.execute(vigil.database.db);
    expect((await call(admin, 'POST', `${BASE}/refresh`)).json<{ restarted: string[] }>().restarted).toEqual([cam3.id]);
    await call(admin, 'POST', `${BASE}/${cam3.id}/stop`);
  });

  it('keeps a log per camera: state changes and operator actions with who did them, by level, paginated', async () => {
    const res = await call(operator, 'GET', `${BASE}/${cam1.id}/logs?limit=500`);
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: { kind: string; level: string; message: string; actorId: string | null; at: string }[] }>().items;
    const operatorActions = items.filter((e) => e.kind === 'operator');
    expect(operatorActions.some((e) => e.message.startsWith('start') && e.actorId !== null)).toBe(true);
    expect(operatorActions.some((e) => e.message.startsWith('deactivate'))).toBe(true);
    expect(items.some((e) => e.kind === 'error' && e.message.includes('STALLED'))).toBe(true);
    expect(items.map((e) => e.at)).toEqual([...items.map((e) => e.at)].sort().reverse());
    const warnings = (await call(operator, 'GET', `${BASE}/${cam1.id}/logs?level=warn&level=error`)).json<{ items: { level: string }[] }>()
      .items;
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((e) => e.level === 'warn' || e.level === 'error')).toBe(true);
    const page = (await call(operator, 'GET', `${BASE}/${cam1.id}/logs?limit=2`)).json<{ items: unknown[]; nextCursor: string }>();
    expect(page.items).toHaveLength(2);
    const next = await call(operator, 'GET', `${BASE}/${cam1.id}/logs?limit=2&cursor=${page.nextCursor}`);
    expect(next.json<{ items: unknown[] }>().items).toHaveLength(2);
    expect((await call(operator, 'GET', `${BASE}/${cam1.id}/logs?level=loud`)).statusCode).toBe(400);
    expect((await call(operator, 'GET', `${BASE}/${cam1.id}/logs?from=yesterday`)).statusCode).toBe(400);
  });

  it('answers 404 for an unknown camera and for one outside the caller’s units, and 400 for a bad id, on every endpoint', async () => {
    const endpoints: ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, object?][] = [
      ['GET', ''],
      ['PATCH', '', { name: 'x' }],
      ['DELETE', ''],
      ['POST', '/start'],
      ['POST', '/stop'],
      ['POST', '/restart'],
      ['GET', '/status'],
      ['POST', '/activate'],
      ['POST', '/deactivate'],
      ['PUT', '/auto-start', { enabled: true }],
      ['GET', '/logs'],
      ['GET', '/snapshot'],
    ];
    const opAdmin = await addUser('admin-r1@example.com', 'admin', 'R1');
    for (const [method, suffix, body] of endpoints) {
      const unknown = await call(admin, method, `${BASE}/${randomUUID()}${suffix}`, body);
      expect(unknown.statusCode, `${method} ${suffix} unknown`).toBe(404);
      expect(unknown.json().code).toBe('CAMERA_NOT_FOUND');
      const outside = await call(opAdmin, method, `${BASE}/${cam2.id}${suffix}`, body);
      expect(outside.statusCode, `${method} ${suffix} outside`).toBe(404);
      expect(outside.json().code).toBe('CAMERA_NOT_FOUND');
      const bad = await call(admin, method, `${BASE}/not-a-uuid${suffix}`, body);
      expect(bad.statusCode, `${method} ${suffix} bad id`).toBe(400);
    }
    // The outside camera is untouched.
    expect((await call(admin, 'GET', `${BASE}/${cam2.id}`)).json()).toMatchObject({ name: 'Dock', active: true });
  });

  it('lists cameras by unit subtree, state, label and text, only inside the caller’s units', async () => {
    const ids = (res: { json: () => unknown }) => (res.json() as { items: { id: string }[] }).items.map((c) => c.id);
    expect(ids(await call(operator, 'GET', BASE))).not.toContain(cam2.id);
    expect(ids(await call(admin, 'GET', `${BASE}?orgUnitCode=R2`))).toEqual([cam2.id]);
    expect(ids(await call(admin, 'GET', `${BASE}?label=gate`))).toEqual([cam1.id]);
    expect(ids(await call(admin, 'GET', `${BASE}?q=dOcK`))).toEqual([cam2.id]);
    expect(ids(await call(admin, 'GET', `${BASE}?state=running`))).toEqual([cam1.id]);
    expect(ids(await call(admin, 'GET', `${BASE}?state=stopped`))).toContain(cam2.id);
    expect(ids(await call(admin, 'GET', `${BASE}?state=stopped`))).not.toContain(cam1.id);
    const page = (await call(admin, 'GET', `${BASE}?limit=1`)).json<{ items: unknown[]; nextCursor: string }>();
    expect(page.items).toHaveLength(1);
    expect(
      (await call(admin, 'GET', `${BASE}?limit=1&cursor=${page.nextCursor}`)).json<{ items: { id: string }[] }>().items[0]!.id,
    ).not.toBe((page.items[0] as { id: string }).id);
    expect((await call(admin, 'GET', `${BASE}?state=sleeping`)).statusCode).toBe(400);
  });

  it('fetches the snapshot of a camera another process holds from that process, with the caller’s credentials', async () => {
    const cam = (
      await call(admin, 'POST', BASE, { orgUnitCode: 'S1', name: 'Held elsewhere', sourceUrl: sim.streamUrl(6), expectedFps: 10 })
    ).json<Camera>();
    // Another process (a loopback HTTP server standing in for it) holds the camera's lease.
    const seen: Record<string, string | undefined>[] = [];
    let answer: 'jpeg' | 'none' = 'jpeg';
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    const holder = createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization, forwarded: req.headers['x-vigil-forwarded'] as string });
      if (answer === 'jpeg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NO_FRAME_YET"}');
    });
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    const db = vigil.database.db;
    await sql`insert into vigil_nodes (id, host, pid, url) values ('other-node', 'elsewhere', 1, ${`http://127.0.0.1:${port}/`})`.execute(
      db,
    );
    await sql`insert into camera_leases (camera_id, owner, expires_at) values (${cam.id}, 'other-node', now() + interval '1 hour')`.execute(
      db,
    );
    try {
      const res = await call(operator, 'GET', `${BASE}/${cam.id}/snapshot`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('image/jpeg');
      expect(res.rawPayload.equals(jpeg)).toBe(true);
      expect(seen).toEqual([{ url: `${BASE}/${cam.id}/snapshot`, authorization: operator.authorization, forwarded: '1' }]);
      // Out of scope is refused here, before anything is forwarded.
      const outsider = await addUser('admin-r2@example.com', 'admin', 'R2');
      expect((await call(outsider, 'GET', `${BASE}/${cam.id}/snapshot`)).statusCode).toBe(404);
      expect(seen).toHaveLength(1);
      // The holder has no frame yet: so say we.
      answer = 'none';
      const none = await call(operator, 'GET', `${BASE}/${cam.id}/snapshot`);
      expect([none.statusCode, none.json().code]).toEqual([404, 'NO_FRAME_YET']);
      // A forwarded request is answered here, never forwarded again.
      const forwarded = await call({ ...operator, 'x-vigil-forwarded': '1' }, 'GET', `${BASE}/${cam.id}/snapshot`);
      expect([forwarded.statusCode, forwarded.json().code]).toEqual([404, 'NO_FRAME_YET']);
      expect(seen).toHaveLength(2);
      // The holder is gone: a clear 502, not a hang or a 500.
      await new Promise((resolve) => holder.close(resolve));
      const gone = await call(operator, 'GET', `${BASE}/${cam.id}/snapshot`);
      expect([gone.statusCode, gone.json().code]).toEqual([502, 'CAMERA_HOLDER_UNREACHABLE']);
    } finally {
      holder.close();
      await sql`delete from camera_leases where owner = 'other-node'`.execute(db);
      await sql`delete from vigil_nodes where id = 'other-node'`.execute(db);
      await call(admin, 'DELETE', `${BASE}/${cam.id}`);
    }
  });

  it('changes a camera with If-Match, restarting it on the new source, and removes one', async () => {
    const current = (await call(admin, 'GET', `${BASE}/${cam1.id}`)).json<Camera>();
    const stale = await vigil.app.inject({
      method: 'PATCH',
      url: `${BASE}/${cam1.id}`,
      headers: { ...admin, 'if-match': `"${current.revision - 1}"` },
      payload: { name: 'x' },
    });
    expect(stale.statusCode).toBe(412);
    const changed = await vigil.app.inject({
      method: 'PATCH',
      url: `${BASE}/${cam1.id}`,
      headers: { ...admin, 'if-match': `"${current.revision}"` },
      payload: { sourceUrl: sim.streamUrl(5), credentials: null },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ hasCredentials: false, revision: current.revision + 1 });
    await waitFor(cam1.id, ['running']);
    await pollUntil(
      () => sim.stats().cameras[4]!.openStreams,
      (open) => open > 0,
      { what: 'a stream from the new source' },
    );
    expect(sim.stats().cameras[4]!.openStreams).toBe(1);
    expect((await call(admin, 'PATCH', `${BASE}/${cam1.id}`, {})).statusCode).toBe(400);
    const gone = await call(admin, 'DELETE', `${BASE}/${cam2.id}`);
    expect(gone.statusCode).toBe(204);
    expect((await call(admin, 'GET', `${BASE}/${cam2.id}`)).statusCode).toBe(404);
  });

  it('audits every operator action and counts it; exports runtime metrics', async () => {
    const actions = await sql<{ action: string }>`select distinct action from audit_events where resource_type = 'camera'`.execute(
      vigil.database.db,
    );
    expect(actions.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'camera.create',
        'camera.start',
        'camera.stop',
        'camera.restart',
        'camera.activate',
        'camera.deactivate',
        'camera.auto_start',
        'camera.refresh',
        'camera.update',
        'camera.delete',
        // Reads of a camera's runtime and content are audited too, once per viewer and window
        // (test/audit-views.test.ts); a batch status as one camera.view_status per camera.
        'camera.view_status',
        'camera.view_logs',
        'camera.view_snapshot',
      ]),
    );
    // A read is recorded with who made it, on which camera, in which unit: the operator's batch
    // status above recorded its view of cam1's status, and reading it again records nothing more.
    const operatorId = (await call(operator, 'GET', '/api/auth/me')).json<{ id: string }>().id;
    const reads = async () =>
      (
        await sql<{ n: number }>`select count(*)::int as n from audit_events
          where action = 'camera.view_status' and actor_id = ${operatorId} and resource_id = ${cam1.id} and org_unit_code = 'S1'`.execute(
          vigil.database.db,
        )
      ).rows[0]!.n;
    const deduplicated = async () =>
      Number(
        /^audit_views_total\{outcome="deduplicated"\} (\d+)/m.exec((await vigil.app.inject({ method: 'GET', url: '/metrics' })).body)![1],
      );
    expect(await reads()).toBe(1);
    const skipped = await deduplicated();
    expect((await call(operator, 'GET', `${BASE}/${cam1.id}/status`)).statusCode).toBe(200);
    expect(await deduplicated()).toBe(skipped + 1);
    expect(await reads()).toBe(1);
    const metrics = (await vigil.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^camera_operations_total\{operation="start",status="success"\} [1-9]/m);
    expect(metrics).toMatch(/^camera_operations_total\{operation="start",status="rejected"\} [1-9]/m);
    expect(metrics).toMatch(/^cameras\{state="running"\} [1-9]/m);
    expect(metrics).toMatch(/^camera_frames_total [1-9]/m);
    expect(metrics).toMatch(/^camera_ingest_bytes_total [1-9]/m);
    expect(metrics).toMatch(/^camera_reconnects_total [1-9]/m);
    expect(metrics).toMatch(/^camera_stalls_total\{kind="STALLED"\} [1-9]/m);
    expect(metrics).toMatch(/^camera_stalls_total\{kind="FROZEN"\} [1-9]/m);
    expect(metrics).toMatch(/^camera_offline_detection_seconds_count [1-9]/m);
  });
});
