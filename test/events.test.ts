// Detection events through the API: a detector key ingests (one, a batch with bad items, repeated
// idempotency keys, snapshots sent or captured), operators review (every transition, allowed and
// refused; If-Match; in bulk), lists hold their place while events arrive, counts, and scope: a
// detector of one unit cannot report for another's cameras, an operator of one unit sees only its own.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { createEventRetention } from '../src/modules/events/index.js';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

interface Event {
  id: string;
  cameraId: string;
  orgUnitCode: string;
  type: string;
  occurredAt: string;
  confidence: number;
  status: string;
  notes: string | null;
  handledBy: string | null;
  handledAt: string | null;
  hasSnapshot: boolean;
  revision: number;
  reportedBy: string | null;
}
interface IngestResult {
  items: { index: number; result: string; event?: Event; error?: { code: string; message: string; details: Record<string, unknown> } }[];
  created: number;
  duplicates: number;
  rejected: number;
}
type Headers = Record<string, string>;

const BASE = '/api/v1/events';
// The smallest JPEG the checks accept: SOI ... EOI.
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);

describe('detection events', () => {
  let vigil: TestVigil;
  let sim: CameraSimulator;
  let admin: Headers;
  let detectorA: Headers;
  let detectorKeyId: string;
  let operatorA: Headers;
  let operatorAId: string;
  let viewer: Headers;
  let camA: string; // at S1, under R1
  let camA2: string; // at S1, streaming from the simulator
  let camB: string; // at S2, under R2

  const call = (headers: Headers, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, extra: Headers = {}) =>
    vigil.app.inject({ method, url, headers: { ...headers, ...extra }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const event = (cameraId: string, over: Record<string, unknown> = {}) => ({
    cameraId,
    type: 'no_hairnet',
    occurredAt: new Date(Date.now() - 60_000).toISOString(),
    confidence: 0.91,
    bbox: { x: 0.1, y: 0.2, width: 0.3, height: 0.4 },
    ...over,
  });
  const count = async (where = sql`true`) =>
    Number((await sql<{ n: string }>`select count(*) as n from detection_events where ${where}`.execute(vigil.database.db)).rows[0]!.n);

  async function addUser(email: string, role: string, unit: string | null): Promise<{ headers: Headers; id: string }> {
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
    vigil = await startTestVigil({ env: { VIGIL_CAMERA_AUTO_START: 'false' } });
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
    const camera = async (orgUnitCode: string, name: string, sourceUrl: string) => {
      const res = await call(admin, 'POST', '/api/v1/cameras', { orgUnitCode, name, sourceUrl });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string }>().id;
    };
    camA = await camera('S1', 'Kitchen', 'http://127.0.0.1:9/kitchen.mjpg');
    camA2 = await camera('S1', 'Line', sim.streamUrl(1));
    camB = await camera('S2', 'Dock', 'http://127.0.0.1:9/dock.mjpg');
    const key = await call(admin, 'POST', '/api/v1/api-keys', { name: 'hairnet detector', role: 'detector', orgUnitCode: 'R1' });
    expect(key.statusCode, key.body).toBe(201);
    detectorA = { authorization: `Bearer ${key.json<{ key: string }>().key}` };
    detectorKeyId = key.json<{ apiKey: { id: string } }>().apiKey.id;
    const op = await addUser('op@example.com', 'operator', 'R1');
    operatorA = op.headers;
    operatorAId = op.id;
    viewer = (await addUser('viewer@example.com', 'viewer', null)).headers;
  });
  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
  });

  it('stores an event from a detector key, and answers a repeated idempotency key with the stored event', async () => {
    const body = event(camA, { idempotencyKey: 'det7-000123', trackId: 't-9', attributes: { model: 'hairnet-v3' } });
    const first = await call(detectorA, 'POST', BASE, body);
    expect(first.statusCode, first.body).toBe(201);
    const stored = first.json<Event>();
    expect(stored).toMatchObject({ cameraId: camA, orgUnitCode: 'S1', type: 'no_hairnet', status: 'pending', revision: 1 });
    expect(stored.reportedBy).toBe(detectorKeyId);

    const again = await call(detectorA, 'POST', BASE, { ...body, confidence: 0.5 });
    expect(again.statusCode).toBe(200);
    expect(again.json<Event>()).toEqual(stored);
    // The same key on another camera is another event.
    const elsewhere = await call(detectorA, 'POST', BASE, { ...body, cameraId: camA2 });
    expect(elsewhere.statusCode).toBe(201);
    expect(await count(sql`idempotency_key = 'det7-000123'`)).toBe(2);

    const audited = await sql<{
      n: string;
    }>`select count(*) as n from audit_events where action = 'event.ingest' and actor_id = ${detectorKeyId}`.execute(vigil.database.db);
    expect(Number(audited.rows[0]!.n)).toBe(2); // the replay wrote nothing
    const metrics = (await call(admin, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/events_ingested_total\{type="no_hairnet",result="created"\} [1-9]/);
    expect(metrics).toMatch(/events_ingested_total\{type="no_hairnet",result="duplicate"\} 1/);
  });

  it('answers each item of a batch on its own and stores the good ones', async () => {
    const before = await count();
    const res = await call(detectorA, 'POST', BASE, {
      events: [
        event(camA, { idempotencyKey: 'b-1' }),
        event(camA, { confidence: 1.5 }),
        event(camA, { colour: 'red' }),
        event(camA, { bbox: { x: 0.8, y: 0, width: 0.5, height: 0.1 } }),
        event(camB),
        event('0190a0a0-0000-7000-8000-000000000000'),
        event(camA, { snapshot: 'not base64!' }),
        event(camA, { snapshot: Buffer.from('GIF89a').toString('base64') }),
        event(camA, { idempotencyKey: 'b-1' }),
        event(camA, { occurredAt: new Date(Date.now() + 3_600_000).toISOString() }),
        'not an object',
        event(camA2, { snapshot: JPEG.toString('base64'), type: 'person' }),
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    const result = res.json<IngestResult>();
    const summary = result.items.map((i) => [i.index, i.result, i.error?.code ?? null]);
    expect(summary).toEqual([
      [0, 'created', null],
      [1, 'rejected', 'VALIDATION_FAILED'],
      [2, 'rejected', 'VALIDATION_FAILED'],
      [3, 'rejected', 'INVALID_EVENT'],
      [4, 'rejected', 'CAMERA_NOT_FOUND'],
      [5, 'rejected', 'CAMERA_NOT_FOUND'],
      [6, 'rejected', 'INVALID_EVENT'],
      [7, 'rejected', 'INVALID_EVENT'],
      [8, 'duplicate', null],
      [9, 'rejected', 'INVALID_EVENT'],
      [10, 'rejected', 'VALIDATION_FAILED'],
      [11, 'created', null],
    ]);
    expect(result).toMatchObject({ created: 2, duplicates: 1, rejected: 9 });
    // The error names the field, with the item's place in the batch.
    expect(result.items[1]!.error!.details.errors).toEqual([{ path: 'body.events.1.confidence', message: 'must be <= 1' }]);
    expect(result.items[2]!.error!.details.errors).toEqual([{ path: 'body.events.2.colour', message: 'is not an accepted field' }]);
    expect(result.items[3]!.error!.details).toEqual({ field: 'body.events.3.bbox' });
    // A repeated key inside one batch is the event stored by the first.
    expect(result.items[8]!.event!.id).toBe(result.items[0]!.event!.id);
    expect(await count()).toBe(before + 2);
    expect(result.items[11]!.event!.hasSnapshot).toBe(true);
    const snapshot = await call(operatorA, 'GET', `${BASE}/${result.items[11]!.event!.id}/snapshot`);
    expect(snapshot.statusCode).toBe(200);
    expect(snapshot.headers['content-type']).toBe('image/jpeg');
    expect(snapshot.rawPayload.equals(JPEG)).toBe(true);
  });

  it('answers a batch with nothing stored with 200, and refuses bad single events with a 4xx that names the field', async () => {
    const none = await call(detectorA, 'POST', BASE, { events: [event(camB)] });
    expect(none.statusCode).toBe(200);
    expect(none.json<IngestResult>()).toMatchObject({ created: 0, rejected: 1 });

    const bad = await call(detectorA, 'POST', BASE, event(camA, { confidence: -0.1 }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'body.confidence' }] } });
    const outside = await call(detectorA, 'POST', BASE, event(camA, { bbox: { x: 0.5, y: 0.5, width: 0.6, height: 0.1 } }));
    expect(outside.json()).toMatchObject({ code: 'INVALID_EVENT', details: { field: 'body.bbox' } });
    expect((await call(detectorA, 'POST', BASE, event(camB))).statusCode).toBe(404);
    const both = await call(detectorA, 'POST', BASE, event(camA, { snapshot: JPEG.toString('base64'), captureSnapshot: true }));
    expect(both.json()).toMatchObject({ code: 'INVALID_EVENT' });
    const tooMany = await call(detectorA, 'POST', BASE, { events: Array.from({ length: 501 }, () => event(camA)) });
    expect(tooMany.statusCode).toBe(400);
    expect((await call(detectorA, 'POST', BASE, { events: [] })).statusCode).toBe(400);
    expect((await call(detectorA, 'POST', BASE, [event(camA)])).statusCode).toBe(400);
  });

  it('lets a detector only write events: it cannot list, read or review them', async () => {
    expect((await call(detectorA, 'GET', BASE)).statusCode).toBe(403);
    expect((await call(detectorA, 'POST', `${BASE}/review`, { ids: [], status: 'confirmed' })).statusCode).toBe(403);
    // It reads the cameras of its units, and only those.
    expect((await call(detectorA, 'GET', `/api/v1/cameras/${camA}`)).statusCode).toBe(200);
    expect((await call(detectorA, 'GET', `/api/v1/cameras/${camB}`)).statusCode).toBe(404);
    // A viewer reads events but neither reports nor reviews them.
    expect((await call(viewer, 'GET', BASE)).statusCode).toBe(200);
    expect((await call(viewer, 'POST', BASE, event(camA))).statusCode).toBe(403);
  });

  it('stores the camera’s latest frame when asked to capture it, and stores the event without one when there is none', async () => {
    const noFrame = await call(detectorA, 'POST', BASE, event(camA, { captureSnapshot: true }));
    expect(noFrame.statusCode).toBe(201);
    expect(noFrame.json<Event>().hasSnapshot).toBe(false);
    expect((await call(operatorA, 'GET', `${BASE}/${noFrame.json<Event>().id}/snapshot`)).json()).toMatchObject({
      code: 'SNAPSHOT_NOT_FOUND',
    });

    expect((await call(admin, 'POST', `/api/v1/cameras/${camA2}/start`)).statusCode).toBe(200);
    await pollUntil(
      () => call(admin, 'GET', `/api/v1/cameras/${camA2}/snapshot`),
      (res) => res.statusCode === 200,
      { timeoutMs: 20_000, what: 'a first frame' },
    );
    const captured = await call(detectorA, 'POST', BASE, event(camA2, { captureSnapshot: true, type: 'person' }));
    expect(captured.statusCode).toBe(201);
    expect(captured.json<Event>().hasSnapshot).toBe(true);
    const jpeg = await call(operatorA, 'GET', `${BASE}/${captured.json<Event>().id}/snapshot`);
    expect(jpeg.statusCode).toBe(200);
    expect(jpeg.rawPayload.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(true);
    await call(admin, 'POST', `/api/v1/cameras/${camA2}/stop`);
  });

  it('moves an event only as the review workflow allows, records who handled it, and takes If-Match', async () => {
    const created = (await call(detectorA, 'POST', BASE, event(camA))).json<Event>();
    const patch = (id: string, body: object, extra: Headers = {}) => call(operatorA, 'PATCH', `${BASE}/${id}`, body, extra);

    const refused = async (id: string, status: string) => {
      const res = await patch(id, { status });
      expect(res.statusCode, `${status}: ${res.body}`).toBe(409);
      expect(res.json()).toMatchObject({ code: 'INVALID_TRANSITION', details: { to: status } });
    };
    // pending: not to resolved, not to pending.
    await refused(created.id, 'resolved');
    await refused(created.id, 'pending');
    const stale = await patch(created.id, { status: 'confirmed' }, { 'if-match': '"7"' });
    expect(stale.statusCode).toBe(412);
    const confirmed = await patch(created.id, { status: 'confirmed', notes: 'seen on the line' }, { 'if-match': '"1"' });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json<Event>()).toMatchObject({ status: 'confirmed', notes: 'seen on the line', handledBy: operatorAId, revision: 2 });
    expect(confirmed.json<Event>().handledAt).not.toBeNull();
    expect(confirmed.headers.etag).toBe('"2"');
    // confirmed: only to resolved.
    await refused(created.id, 'pending');
    await refused(created.id, 'false_positive');
    await refused(created.id, 'confirmed');
    expect((await patch(created.id, { status: 'resolved' })).json<Event>().status).toBe('resolved');
    // resolved: nowhere.
    for (const status of ['pending', 'confirmed', 'false_positive', 'resolved']) await refused(created.id, status);
    // Notes alone change no status.
    expect((await patch(created.id, { notes: 'closed' })).json<Event>()).toMatchObject({
      status: 'resolved',
      notes: 'closed',
      revision: 4,
    });

    const other = (await call(detectorA, 'POST', BASE, event(camA))).json<Event>();
    expect((await patch(other.id, { status: 'false_positive' })).json<Event>().status).toBe('false_positive');
    await refused(other.id, 'confirmed');
    await refused(other.id, 'resolved');
    expect((await patch(other.id, { status: 'pending' })).json<Event>().status).toBe('pending'); // reopened

    const audited = await sql<{ before: unknown; after: unknown }>`
      select before, after from audit_events where action = 'event.review' and resource_id = ${created.id} order by at, id`.execute(
      vigil.database.db,
    );
    expect(audited.rows).toHaveLength(3);
    // Bad input: an unknown status, an empty patch, an id that is not one.
    expect((await patch(created.id, { status: 'done' })).statusCode).toBe(400);
    expect((await patch(created.id, {})).statusCode).toBe(400);
    expect((await call(operatorA, 'PATCH', `${BASE}/nope`, { status: 'confirmed' })).statusCode).toBe(400);
  });

  it('reviews many events at once, answering each id', async () => {
    const a = (await call(detectorA, 'POST', BASE, event(camA))).json<Event>();
    const b = (await call(detectorA, 'POST', BASE, event(camA))).json<Event>();
    const done = (await call(detectorA, 'POST', BASE, event(camA))).json<Event>();
    await call(operatorA, 'PATCH', `${BASE}/${done.id}`, { status: 'false_positive' });
    const inB = (await call(admin, 'POST', BASE, event(camB))).json<Event>();
    const res = await call(operatorA, 'POST', `${BASE}/review`, {
      ids: [a.id, b.id, done.id, inB.id, '0190a0a0-0000-7000-8000-000000000000', 'not-an-id'],
      status: 'confirmed',
      notes: 'bulk',
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ items: { id: string; result: string; error?: { code: string } }[]; updated: number; rejected: number }>();
    expect(body.items.map((i) => [i.id, i.result, i.error?.code ?? null])).toEqual([
      [a.id, 'updated', null],
      [b.id, 'updated', null],
      [done.id, 'rejected', 'INVALID_TRANSITION'],
      [inB.id, 'rejected', 'EVENT_NOT_FOUND'],
      ['0190a0a0-0000-7000-8000-000000000000', 'rejected', 'EVENT_NOT_FOUND'],
      ['not-an-id', 'rejected', 'EVENT_NOT_FOUND'],
    ]);
    expect(body).toMatchObject({ updated: 2, rejected: 4 });
    expect((await call(admin, 'GET', `${BASE}/${inB.id}`)).json<Event>().status).toBe('pending');
  });

  it('shows an operator only the events of its units', async () => {
    const inB = (await call(admin, 'POST', BASE, event(camB, { type: 'forklift' }))).json<Event>();
    expect((await call(operatorA, 'GET', `${BASE}/${inB.id}`)).statusCode).toBe(404);
    expect((await call(operatorA, 'GET', `${BASE}/${inB.id}/snapshot`)).statusCode).toBe(404);
    expect((await call(operatorA, 'PATCH', `${BASE}/${inB.id}`, { status: 'confirmed' })).statusCode).toBe(404);
    const mine = (await call(operatorA, 'GET', `${BASE}?limit=500`)).json<{ items: Event[] }>().items;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.orgUnitCode === 'S1')).toBe(true);
    expect((await call(operatorA, 'GET', `${BASE}?orgUnitCode=R2`)).json<{ items: Event[] }>().items).toEqual([]);
    expect((await call(operatorA, 'GET', `${BASE}?type=forklift`)).json<{ items: Event[] }>().items).toEqual([]);
    const all = (await call(admin, 'GET', `${BASE}?type=forklift`)).json<{ items: Event[] }>().items;
    expect(all.map((e) => e.id)).toEqual([inB.id]);
    const stats = (await call(operatorA, 'GET', `${BASE}/stats?groupBy=unit`)).json<{ items: { key: string }[] }>();
    expect(stats.items.map((i) => i.key)).toEqual(['S1']);
  });

  it('filters lists and counts by status, type, camera, time and confidence', async () => {
    const t0 = new Date(Date.UTC(2026, 10, 1, 10));
    const post = (over: Record<string, unknown>) => call(detectorA, 'POST', BASE, event(camA, { type: 'spill', ...over }));
    await post({ occurredAt: t0.toISOString(), confidence: 0.2 });
    await post({ occurredAt: new Date(t0.getTime() + 3_600_000).toISOString(), confidence: 0.8 });
    await post({ occurredAt: new Date(t0.getTime() + 86_400_000).toISOString(), confidence: 0.95 });
    const list = async (query: string) => (await call(operatorA, 'GET', `${BASE}?type=spill&${query}`)).json<{ items: Event[] }>().items;
    expect((await list('')).map((e) => e.confidence)).toEqual([0.95, 0.8, 0.2]);
    expect((await list('minConfidence=0.5')).map((e) => e.confidence)).toEqual([0.95, 0.8]);
    expect((await list(`from=${t0.toISOString()}&to=${new Date(t0.getTime() + 86_400_000).toISOString()}`)).length).toBe(2);
    expect((await list(`cameraId=${camA2}`)).length).toBe(0);
    expect((await list('status=pending')).length).toBe(3);
    const byDay = (await call(operatorA, 'GET', `${BASE}/stats?groupBy=day&type=spill`)).json<{
      items: { key: string; total: number; pending: number }[];
    }>();
    expect(byDay.items).toEqual([
      { key: '2026-11-01', total: 2, pending: 2, confirmed: 0, falsePositive: 0, resolved: 0 },
      { key: '2026-11-02', total: 1, pending: 1, confirmed: 0, falsePositive: 0, resolved: 0 },
    ]);
    const byType = (await call(admin, 'GET', `${BASE}/stats?groupBy=type`)).json<{ items: { key: string; total: number }[] }>();
    expect(byType.items.find((i) => i.key === 'spill')?.total).toBe(3);
    // Bad filters are 400s.
    for (const query of ['minConfidence=2', 'status=open', 'from=yesterday', 'cursor=abc', 'limit=0', 'orgUnitCode=%20']) {
      const res = await call(operatorA, 'GET', `${BASE}?${query}`);
      expect(res.statusCode, query).toBe(400);
    }
    expect((await call(operatorA, 'GET', `${BASE}/stats`)).statusCode).toBe(400);
    expect((await call(operatorA, 'GET', `${BASE}/stats?groupBy=week`)).statusCode).toBe(400);
  });

  it('pages through events without skipping or repeating one while new events arrive', async () => {
    const type = 'paging';
    const initial = new Set<string>();
    const base = Date.now() - 3_600_000;
    const batch = Array.from({ length: 60 }, (_, i) =>
      // Several events share an instant: the id breaks the tie.
      event(camA, { type, occurredAt: new Date(base + Math.floor(i / 3) * 1000).toISOString() }),
    );
    for (const item of (await call(detectorA, 'POST', BASE, { events: batch })).json<IngestResult>().items) initial.add(item.event!.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let arrivals = 0;
    do {
      // Between pages, new events arrive: as new as can be, and at instants inside the pages already read and still to come.
      const when = [Date.now() - 1000, base + 5_500, base + 15_500];
      await Promise.all(when.map((t) => call(detectorA, 'POST', BASE, event(camA, { type, occurredAt: new Date(t).toISOString() }))));
      arrivals += when.length;
      const res = await call(operatorA, 'GET', `${BASE}?type=${type}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ items: Event[]; nextCursor: string | null }>();
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length); // none repeated
    for (const id of initial) expect(seen).toContain(id); // none skipped
    expect(arrivals).toBeGreaterThan(0);
    // And the order is newest first.
    const order = (await call(operatorA, 'GET', `${BASE}?type=${type}&limit=500`)).json<{ items: Event[] }>().items;
    const keys = order.map((e) => `${e.occurredAt} ${e.id}`);
    expect([...keys].sort().reverse()).toEqual(keys);
  });

  it('stores one event for one idempotency key when many requests race with it', async () => {
    const body = event(camA, { idempotencyKey: 'race-1' });
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(detectorA, 'POST', BASE, body)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.json<Event>().id)).size).toBe(1);
    expect(await count(sql`idempotency_key = 'race-1'`)).toBe(1);
  });

  it('drops snapshots, then events, past their retention', async () => {
    const withSnapshot = (
      await call(detectorA, 'POST', BASE, event(camA, { snapshot: JPEG.toString('base64'), type: 'retained' }))
    ).json<Event>();
    const days = (n: number) => new Date(Date.now() + n * 86_400_000);
    let now = days(31);
    const job = createEventRetention({
      database: vigil.database,
      retentionDays: 90,
      snapshotRetentionDays: 30,
      log: vigil.log,
      metrics: vigil.metrics,
      now: () => now,
    });
    const first = await job.runOnce();
    expect(first).toMatchObject({ ran: true });
    expect((await call(operatorA, 'GET', `${BASE}/${withSnapshot.id}`)).json<Event>().hasSnapshot).toBe(false);
    expect((await call(operatorA, 'GET', `${BASE}/${withSnapshot.id}/snapshot`)).statusCode).toBe(404);
    now = days(91);
    await job.runOnce();
    expect((await call(operatorA, 'GET', `${BASE}/${withSnapshot.id}`)).statusCode).toBe(404);
    expect(await count()).toBe(0);
  });
});
