// Alerts on a live fleet, on real time: a camera fed by the simulator stalls and the camera_offline
// rule fires exactly one notification at a webhook receiver; it recovers and exactly one resolved
// follows. The same changes arrive on the live stream (Server-Sent Events), filtered by unit.
import http from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import type { WebhookReceiver } from './helpers/webhook-receiver.js';

type Headers = Record<string, string>;
interface StreamEvent {
  event: string;
  data: { id: string; state: string; orgUnitCode: string | null; cameraId: string | null };
}

/** Reads a Server-Sent Events stream over real HTTP, collecting its events until closed. */
function openStream(url: string, headers: Headers) {
  const events: StreamEvent[] = [];
  let status = 0;
  let contentType = '';
  const request = http.get(url, { headers }, (response) => {
    status = response.statusCode ?? 0;
    contentType = String(response.headers['content-type'] ?? '');
    let buffer = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => !line.startsWith(':') && line.includes(':'))
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
        );
        if (fields.event) events.push({ event: fields.event, data: JSON.parse(fields.data ?? '{}') as StreamEvent['data'] });
      }
    });
  });
  request.on('error', () => undefined);
  return {
    events,
    status: () => status,
    contentType: () => contentType,
    close: () => request.destroy(),
  };
}

describe('alerts on a live fleet', () => {
  let vigil: TestVigil;
  let sim: CameraSimulator;
  let hook: WebhookReceiver;
  let admin: Headers;
  let operatorA: Headers;
  let camA: string;

  const call = (headers: Headers, method: 'GET' | 'POST', url: string, payload?: object) =>
    vigil.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 2, fps: 10 });
    hook = await startWebhookReceiver();
    vigil = await startTestVigil({
      listen: true,
      env: {
        VIGIL_CAMERA_AUTO_START: 'false',
        VIGIL_CAMERA_STALL_TIMEOUT_MS: '1500',
        VIGIL_CAMERA_BACKOFF_BASE_MS: '200',
        VIGIL_CAMERA_BACKOFF_MAX_MS: '500',
      },
    });
    admin = await vigil.adminAuth();
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'S1', name: 'Bakery', unitType: 'SITE', parentCode: 'ACME' },
      { code: 'S2', name: 'Dairy', unitType: 'SITE', parentCode: 'ACME' },
    ]) {
      expect((await call(admin, 'POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2026-01-01' })).statusCode).toBe(201);
    }
    const created = await call(admin, 'POST', '/api/v1/cameras', {
      orgUnitCode: 'S1',
      name: 'Oven',
      sourceUrl: sim.streamUrl(1),
      expectedFps: 10,
    });
    camA = created.json<{ id: string }>().id;
    const db = vigil.database.db;
    await sql`insert into users (id, email, display_name, password_hash)
              select gen_random_uuid(), 'op2@example.com', 'op2', password_hash from users where email = ${TEST_ADMIN.email}`.execute(db);
    await sql`insert into role_grants (id, user_id, role, org_unit_code) select gen_random_uuid(), id, 'operator', 'S2' from users where email = 'op2@example.com'`.execute(
      db,
    );
    const login = await call({}, 'POST', '/api/auth/login', { email: 'op2@example.com', password: TEST_ADMIN.password });
    operatorA = { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
  });
  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
    await hook?.close();
  });

  it('fires one notification when a camera stalls and one resolved when it recovers, and streams both', async () => {
    const stream = openStream(`${vigil.url}/api/v1/alerts/stream`, admin);
    const other = openStream(`${vigil.url}/api/v1/alerts/stream`, operatorA); // an operator of S2 only
    try {
      await pollUntil(
        () => stream.status(),
        (s) => s === 200,
        { what: 'the stream to open' },
      );
      expect(stream.contentType()).toContain('text/event-stream');
      expect((await call(admin, 'POST', `/api/v1/cameras/${camA}/start`)).statusCode).toBe(200);
      await pollUntil(
        async () => (await call(admin, 'GET', `/api/v1/cameras/${camA}/status`)).json<{ state: string }>().state,
        (state) => state === 'running',
        { timeoutMs: 20_000, what: 'the camera to run' },
      );
      const rule = await call(admin, 'POST', '/api/v1/alerts/rules', {
        name: 'Camera offline',
        scope: { orgUnitCode: 'ACME' },
        condition: { type: 'camera_offline' },
        severity: 'critical',
        annotations: { summary: '{{camera.name}} is offline' },
        channels: [{ type: 'webhook', url: `${hook.url}/hook` }],
      });
      expect(rule.statusCode, rule.body).toBe(201);
      // Running: nothing fires (a round or two pass meanwhile).
      await vigil.alerting.evaluator.runOnce();
      expect(hook.received).toHaveLength(0);

      sim.setFault(1, { mode: 'stall' });
      await pollUntil(
        () => hook.received.length,
        (n) => n >= 1,
        { timeoutMs: 30_000, what: 'the firing notification' },
      );
      sim.setFault(1, { mode: 'none' });
      await pollUntil(
        () => hook.received.length,
        (n) => n >= 2,
        { timeoutMs: 30_000, what: 'the resolved notification' },
      );
      // A few more rounds: nothing else is sent.
      for (let i = 0; i < 3; i++) await vigil.alerting.evaluator.runOnce();
      while ((await vigil.alerting.dispatcher.runOnce()) > 0);
      const statuses = hook.received.map((r) => (r.body as { status: string }).status);
      expect(statuses).toEqual(['firing', 'resolved']);
      const summary = (hook.received[0]!.body as { alerts: { annotations: { summary: string } }[] }).alerts[0]!.annotations.summary;
      expect(summary).toBe('Oven is offline');

      await pollUntil(
        () => stream.events.map((e) => e.data.state),
        (states) => states.includes('firing') && states.includes('resolved'),
        { what: 'both changes on the stream' },
      );
      expect(stream.events.every((e) => e.event === 'alert' && e.data.cameraId === camA)).toBe(true);
      // The operator of S2 saw none of S1's alerts.
      expect(other.events).toEqual([]);
    } finally {
      stream.close();
      other.close();
      await call(admin, 'POST', `/api/v1/cameras/${camA}/stop`);
    }
  });

  it('refuses the stream without credentials or permission, in the unified error shape', async () => {
    const res = await fetch(`${vigil.url}/api/v1/alerts/stream`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('UNAUTHORIZED');
  });
});
