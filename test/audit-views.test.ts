// Reads are not writes (issue 13): a camera's status (alone or in a batch), logs and frames, and an
// event's snapshot, are audited once per viewer, resource and window (VIGIL_AUDIT_VIEW_WINDOW_S),
// not once per read; control actions are audited every time. The clock is Vigil's injected one,
// moved by the test; the audit rows are written just after the answer, so the test polls for them.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

type Headers = Record<string, string>;
type Outcome = 'recorded' | 'deduplicated' | 'failed';

const BASE = '/api/v1/cameras';
const WINDOW_MS = 600_000; // the default window
// The smallest JPEG the event checks accept: SOI ... EOI.
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);

describe('views in the audit trail', () => {
  let vigil: TestVigil;
  let sim: CameraSimulator;
  let clock = new Date();
  let admin: Headers;
  let alice: { headers: Headers; id: string }; // operator at S1
  let bob: { headers: Headers; id: string }; // viewer of everything
  let robot: { headers: Headers; id: string }; // a viewer API key
  const cams: string[] = []; // at S1; cams[0] streams from the simulator

  const call = (headers: Headers, method: 'GET' | 'POST', url: string, payload?: object) =>
    vigil.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  /** audit_views_total by outcome, as scraped. */
  async function views(): Promise<Record<Outcome, number>> {
    const body = (await vigil.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (outcome: Outcome) => Number(new RegExp(`^audit_views_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(body)?.[1]);
    return { recorded: value('recorded'), deduplicated: value('deduplicated'), failed: value('failed') };
  }
  async function auditWrites(): Promise<number> {
    const body = (await vigil.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(/^audit_writes_total\{status="success"\} (\d+)/m.exec(body)?.[1] ?? 0);
  }
  const rows = async (action: string, actorId: string, resourceId: string) =>
    (
      await sql<{ org_unit_code: string | null; actor_type: string; after: unknown; request_id: string | null }>`
        select org_unit_code, actor_type, after, request_id from audit_events
        where action = ${action} and actor_id = ${actorId} and resource_id = ${resourceId} order by at, id`.execute(vigil.database.db)
    ).rows;
  const countOf = async (action: string, actorId: string, resourceId: string) => (await rows(action, actorId, resourceId)).length;
  /** Waits until `recorded` more views were written than in `since` (they are written just after the answer). */
  const recordedSince = (since: Record<Outcome, number>, n: number) =>
    pollUntil(views, (now) => now.recorded + now.failed >= since.recorded + since.failed + n, { what: `${n} view(s) recorded` });

  async function addUser(email: string, role: string, unit: string | null) {
    const db = vigil.database.db;
    await sql`insert into users (id, email, display_name, password_hash)
              select gen_random_uuid(), ${email}, ${email}, password_hash from users where email = ${TEST_ADMIN.email}`.execute(db);
    await sql`insert into role_grants (id, user_id, role, org_unit_code)
              select gen_random_uuid(), id, ${role}, ${unit} from users where email = ${email}`.execute(db);
    const res = await call({}, 'POST', '/api/auth/login', { email, password: TEST_ADMIN.password });
    const id = (await sql<{ id: string }>`select id from users where email = ${email}`.execute(db)).rows[0]!.id;
    return { headers: { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` }, id };
  }

  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 1, fps: 10 });
    vigil = await startTestVigil({ now: () => clock, env: { VIGIL_CAMERA_AUTO_START: 'false' } });
    admin = await vigil.adminAuth();
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'S1', name: 'S1', unitType: 'SITE', parentCode: 'ACME' },
    ]) {
      expect((await call(admin, 'POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2026-01-01' })).statusCode).toBe(201);
    }
    for (let i = 0; i < 5; i++) {
      const sourceUrl = i === 0 ? sim.streamUrl(1) : `http://127.0.0.1:9/cam${i}.mjpg`;
      const res = await call(admin, 'POST', BASE, { orgUnitCode: 'S1', name: `cam ${i}`, sourceUrl, expectedFps: 10 });
      expect(res.statusCode, res.body).toBe(201);
      cams.push(res.json<{ id: string }>().id);
    }
    alice = await addUser('alice@example.com', 'operator', 'S1');
    bob = await addUser('bob@example.com', 'viewer', null);
    const key = await call(admin, 'POST', '/api/v1/api-keys', { name: 'wall', role: 'viewer', orgUnitCode: 'ACME' });
    expect(key.statusCode, key.body).toBe(201);
    robot = {
      headers: { authorization: `Bearer ${key.json<{ key: string }>().key}` },
      id: key.json<{ apiKey: { id: string } }>().apiKey.id,
    };
  });
  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
  });

  it('records 100 status reads of a camera by one user as one row; another user and an API key each get their own', async () => {
    const cam = cams[1]!;
    const before = await views();
    const writes = await auditWrites();
    for (let i = 0; i < 100; i++) expect((await call(alice.headers, 'GET', `${BASE}/${cam}/status`)).statusCode).toBe(200);
    await recordedSince(before, 1);
    expect(await views()).toEqual({ recorded: before.recorded + 1, deduplicated: before.deduplicated + 99, failed: before.failed });
    expect(await auditWrites()).toBe(writes + 1); // the 99 others wrote nothing
    const [row, ...more] = await rows('camera.view_status', alice.id, cam);
    expect(more).toEqual([]);
    // Scoped to the camera's unit, with the request that first saw it.
    expect(row).toMatchObject({ org_unit_code: 'S1', actor_type: 'user', after: null, request_id: expect.any(String) });

    const second = await views();
    for (let i = 0; i < 10; i++) {
      expect((await call(bob.headers, 'GET', `${BASE}/${cam}/status`)).statusCode).toBe(200);
      expect((await call(robot.headers, 'GET', `${BASE}/${cam}/status`)).statusCode).toBe(200);
    }
    await recordedSince(second, 2);
    expect(await countOf('camera.view_status', bob.id, cam)).toBe(1);
    expect((await rows('camera.view_status', robot.id, cam)).map((r) => r.actor_type)).toEqual(['api_key']);
    expect(await countOf('camera.view_status', alice.id, cam)).toBe(1);
  });

  it('records a view again once the window has passed on the clock', async () => {
    const cam = cams[1]!;
    expect(await countOf('camera.view_status', alice.id, cam)).toBe(1);
    clock = new Date(clock.getTime() + WINDOW_MS - 1_000);
    const before = await views();
    expect((await call(alice.headers, 'GET', `${BASE}/${cam}/status`)).statusCode).toBe(200);
    expect((await views()).deduplicated).toBe(before.deduplicated + 1);
    clock = new Date(clock.getTime() + 1_000);
    expect((await call(alice.headers, 'GET', `${BASE}/${cam}/status`)).statusCode).toBe(200);
    await recordedSince(before, 1);
    expect(await countOf('camera.view_status', alice.id, cam)).toBe(2);
  });

  it('records a batch status of 3 cameras as 3 rows in one statement, and a repeat of it as none', async () => {
    const three = [cams[2]!, cams[3]!, cams[4]!];
    const before = await views();
    const writes = await auditWrites();
    const res = await call(bob.headers, 'POST', `${BASE}/batch-status`, { cameraIds: [...three, '00000000-0000-7000-8000-000000000000'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ notFound: string[] }>().notFound).toHaveLength(1);
    await recordedSince(before, 3);
    for (const cam of three) {
      expect(await rows('camera.view_status', bob.id, cam)).toEqual([
        expect.objectContaining({ org_unit_code: 'S1', after: { batch: true } }),
      ]);
    }
    expect(await auditWrites()).toBe(writes + 3);
    // The repeat (and a single read of one of them) records nothing: every view is deduplicated.
    const again = await views();
    for (let i = 0; i < 5; i++)
      expect((await call(bob.headers, 'POST', `${BASE}/batch-status`, { cameraIds: three })).statusCode).toBe(200);
    expect((await call(bob.headers, 'GET', `${BASE}/${three[0]}/status`)).statusCode).toBe(200);
    expect(await views()).toEqual({ ...again, deduplicated: again.deduplicated + 16 });
    for (const cam of three) expect(await countOf('camera.view_status', bob.id, cam)).toBe(1);
    // A camera not yet seen by this viewer is recorded alone, the others are not.
    const mixed = await views();
    expect((await call(bob.headers, 'POST', `${BASE}/batch-status`, { cameraIds: [...three, cams[1]!] })).statusCode).toBe(200);
    expect(await recordedSince(mixed, 0)).toMatchObject({ deduplicated: mixed.deduplicated + 3 });
    // cams[1] was recorded for bob in the first test, before the clock moved a window: so again now.
    await recordedSince(mixed, 1);
    expect(await countOf('camera.view_status', bob.id, cams[1]!)).toBe(2);
  });

  it('records snapshots and logs once per viewer and window', async () => {
    const cam = cams[0]!;
    expect((await call(alice.headers, 'POST', `${BASE}/${cam}/start`)).statusCode).toBe(200);
    await pollUntil(
      () => call(alice.headers, 'GET', `${BASE}/${cam}/snapshot`),
      (res) => res.statusCode === 200,
      { timeoutMs: 20_000, what: 'a first frame' },
    );
    await pollUntil(
      () => countOf('camera.view_snapshot', alice.id, cam),
      (n) => n === 1,
      { what: 'the snapshot view recorded' },
    );
    const before = await views();
    for (let i = 0; i < 20; i++) expect((await call(alice.headers, 'GET', `${BASE}/${cam}/snapshot`)).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) expect((await call(alice.headers, 'GET', `${BASE}/${cam}/logs`)).statusCode).toBe(200);
    await recordedSince(before, 1);
    expect(await views()).toMatchObject({ recorded: before.recorded + 1, deduplicated: before.deduplicated + 39 });
    const [snapshot] = await rows('camera.view_snapshot', alice.id, cam);
    expect(snapshot).toMatchObject({ org_unit_code: 'S1', after: { bytes: expect.any(Number) } });
    expect(await countOf('camera.view_logs', alice.id, cam)).toBe(1);

    clock = new Date(clock.getTime() + WINDOW_MS);
    const later = await views();
    expect((await call(alice.headers, 'GET', `${BASE}/${cam}/snapshot`)).statusCode).toBe(200);
    expect((await call(alice.headers, 'GET', `${BASE}/${cam}/logs`)).statusCode).toBe(200);
    await recordedSince(later, 2);
    expect(await countOf('camera.view_snapshot', alice.id, cam)).toBe(2);
    expect(await countOf('camera.view_logs', alice.id, cam)).toBe(2);
    expect((await call(alice.headers, 'POST', `${BASE}/${cam}/stop`)).statusCode).toBe(200);
  });

  it("records an event's snapshot once per viewer and window", async () => {
    const ingest = await call(alice.headers, 'POST', '/api/v1/events', {
      cameraId: cams[1],
      type: 'person',
      occurredAt: new Date(clock.getTime() - 60_000).toISOString(),
      confidence: 0.9,
      snapshot: JPEG.toString('base64'),
    });
    expect(ingest.statusCode, ingest.body).toBe(201);
    const eventId = ingest.json<{ id: string }>().id;
    const before = await views();
    for (let i = 0; i < 10; i++) expect((await call(bob.headers, 'GET', `/api/v1/events/${eventId}/snapshot`)).statusCode).toBe(200);
    await recordedSince(before, 1);
    expect(await views()).toMatchObject({ deduplicated: before.deduplicated + 9 });
    expect(await rows('event.view_snapshot', bob.id, eventId)).toEqual([
      expect.objectContaining({ org_unit_code: 'S1', after: { bytes: JPEG.length } }),
    ]);
  });

  it('audits control actions every time, outside the view rule', async () => {
    const cam = cams[2]!;
    const count = async (action: string) =>
      (
        await sql<{ n: number }>`select count(*)::int as n from audit_events where action = ${action} and actor_id = ${alice.id}
          and resource_id = ${cam}`.execute(vigil.database.db)
      ).rows[0]!.n;
    const before = await views();
    for (let i = 0; i < 3; i++) {
      expect((await call(alice.headers, 'POST', `${BASE}/${cam}/start`)).statusCode).toBe(200);
      expect((await call(alice.headers, 'POST', `${BASE}/${cam}/stop`)).statusCode).toBe(200);
    }
    // Written in the transaction of the change, so there before the answer.
    expect(await count('camera.start')).toBe(3);
    expect(await count('camera.stop')).toBe(3);
    expect(await views()).toEqual(before);
  });
});
