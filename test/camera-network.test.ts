// Camera network rules through the running app: a literal source address the rules refuse is a 400
// before anything connects; a name is checked once resolved (a stubbed resolver here), at every
// connection, and the camera says SOURCE_ADDRESS_REFUSED without having connected; the settings
// deny and re-open networks. Only loopback is ever connected to.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resolver } from '../src/modules/cameras/index.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

const BASE = '/api/v1/cameras';

interface Status {
  state: string;
  lastError: { code: string; message: string } | null;
}

/** What the stubbed resolver answers for "localhost" (which the system would resolve to loopback). */
let localhostAnswer: string[] = ['127.0.0.1'];
const resolved: string[] = [];
const resolveCameraHost: Resolver = (hostname) => {
  resolved.push(hostname);
  if (hostname !== 'localhost') return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
  return Promise.resolve(localhostAnswer.map((address) => ({ address, family: net.isIP(address) })));
};

describe('camera network rules', () => {
  let vigil: TestVigil;
  let admin: Record<string, string>;
  let appPort: number;
  /** A loopback listener standing in for whatever a refused source would have reached. */
  let target: net.Server;
  let targetPort: number;
  let targetConnections = 0;
  /** Requests Vigil received from its own camera ingest (user agent `vigil-ingest`). */
  let selfRequests = 0;

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    vigil.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
  const count = async () => (await sql<{ n: number }>`select count(*)::int as n from cameras`.execute(vigil.database.db)).rows[0]!.n;
  const create = (sourceUrl: string) => call('POST', BASE, { orgUnitCode: 'SITE', name: 'cam', sourceUrl });

  beforeAll(async () => {
    target = net.createServer((socket) => {
      targetConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetPort = (target.address() as AddressInfo).port;
    vigil = await startTestVigil({
      listen: true,
      env: { VIGIL_CAMERA_BACKOFF_BASE_MS: '50', VIGIL_CAMERA_BACKOFF_MAX_MS: '200', VIGIL_CAMERA_AUTO_START: 'false' },
      resolveCameraHost,
      configure: (app) => {
        app.addHook('onRequest', (request, _reply, done) => {
          if (request.headers['user-agent'] === 'vigil-ingest') selfRequests += 1;
          done();
        });
      },
    });
    appPort = new URL(vigil.url).port ? Number(new URL(vigil.url).port) : 80;
    admin = await vigil.adminAuth();
    const unit = await call('POST', '/api/v1/organization-units', {
      code: 'SITE',
      name: 'Site',
      unitType: 'ORGANIZATION',
      effectiveDate: '2026-01-01',
    });
    expect(unit.statusCode, unit.body).toBe(201);
  });
  afterAll(async () => {
    await vigil?.stop();
    await new Promise((resolve) => target?.close(resolve));
  });

  it('refuses, with 400 CAMERA_SOURCE_FORBIDDEN, a literal address the rules refuse, and stores nothing', async () => {
    const before = await count();
    const cases: [string, string, string, number][] = [
      ['http://169.254.169.254/latest/meta-data/', 'cloud-metadata', '169.254.169.254', 80],
      ['http://[::ffff:169.254.169.254]/computeMetadata/v1/', 'cloud-metadata', '169.254.169.254', 80],
      ['http://[fd00:ec2::254]/latest/', 'cloud-metadata', 'fd00:ec2::254', 80],
      ['http://100.100.100.200/latest/meta-data/', 'cloud-metadata', '100.100.100.200', 80],
      ['rtsp://169.254.10.20/live', 'link-local', '169.254.10.20', 554],
      ['rtsp://0251.0376.0251.0376/live', 'cloud-metadata', '169.254.169.254', 554],
      ['https://[fe80::1]:8443/stream.mjpg', 'link-local', 'fe80::1', 8443],
      ['http://0.0.0.0:9000/x', 'unspecified', '0.0.0.0', 9000],
      ['http://224.0.0.1/x', 'multicast', '224.0.0.1', 80],
      ['http://255.255.255.255/x', 'broadcast', '255.255.255.255', 80],
      [`http://127.0.0.1:${appPort}/metrics`, 'vigil-endpoint', '127.0.0.1', appPort],
      [`http://[::1]:${appPort}/metrics`, 'vigil-endpoint', '::1', appPort],
      [`http://127.0.0.7:${appPort}/metrics`, 'vigil-endpoint', '127.0.0.7', appPort],
    ];
    // On the real servers: their ports are Vigil's database and Redis.
    if (vigil.config.database.url) {
      const db = new URL(vigil.config.database.url);
      cases.push([`http://${db.hostname}:${db.port || 5432}/`, 'vigil-endpoint', db.hostname, Number(db.port || 5432)]);
    }
    if (vigil.config.redis.url) {
      const redis = new URL(vigil.config.redis.url);
      cases.push([`rtsp://${redis.hostname}:${redis.port || 6379}/`, 'vigil-endpoint', redis.hostname, Number(redis.port || 6379)]);
    }
    for (const [sourceUrl, reason, address, port] of cases) {
      const res = await create(sourceUrl);
      expect(res.statusCode, sourceUrl).toBe(400);
      const body = res.json<{ code: string; message: string; details: unknown; requestId: string; timestamp: string }>();
      expect(body, sourceUrl).toMatchObject({ code: 'CAMERA_SOURCE_FORBIDDEN', details: { reason, address, port } });
      expect(body.requestId).toBeTruthy();
      expect(body.timestamp).toBeTruthy();
    }
    expect(await count()).toBe(before);
    expect(targetConnections).toBe(0);
  });

  it('refuses changing a camera’s source to such an address, and leaves the camera as it was', async () => {
    const created = await create(`http://127.0.0.1:${targetPort}/stream.mjpg`);
    expect(created.statusCode, created.body).toBe(201);
    const camera = created.json<{ id: string; sourceUrl: string; revision: number }>();
    const res = await call('PATCH', `${BASE}/${camera.id}`, { sourceUrl: 'http://169.254.169.254/latest/meta-data/iam/' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'CAMERA_SOURCE_FORBIDDEN', details: { reason: 'cloud-metadata' } });
    expect((await call('GET', `${BASE}/${camera.id}`)).json()).toMatchObject({ sourceUrl: camera.sourceUrl, revision: camera.revision });
    // Other changes of a camera are not held up by its (allowed) source.
    expect((await call('PATCH', `${BASE}/${camera.id}`, { name: 'renamed' })).statusCode).toBe(200);
  });

  it('registers cameras on private networks and loopback, and names, which are checked when they connect', async () => {
    for (const sourceUrl of [
      'http://10.1.2.3/stream.mjpg',
      'rtsp://192.168.1.64:554/Streaming/Channels/101',
      'http://[fd12::5]/x.jpg',
      'http://127.0.0.1:1984/api/stream.mjpeg',
      'http://cam-17.site.example/stream.mjpg',
    ]) {
      expect((await create(sourceUrl)).statusCode, sourceUrl).toBe(201);
    }
    expect(resolved).toEqual([]);
  });

  it('starts a camera whose name resolves to a metadata address: SOURCE_ADDRESS_REFUSED, without connecting, in its log', async () => {
    localhostAnswer = ['169.254.169.254'];
    const created = await create(`http://localhost:${targetPort}/latest/meta-data/`);
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json<{ id: string }>();
    expect((await call('POST', `${BASE}/${id}/start`)).statusCode).toBe(200);
    const status = await pollUntil(
      async () => (await call('GET', `${BASE}/${id}/status`)).json<Status>(),
      (s) => s.lastError !== null,
      { what: 'the refusal' },
    );
    expect(status.state).toBe('error');
    expect(status.lastError).toMatchObject({ code: 'SOURCE_ADDRESS_REFUSED' });
    expect(status.lastError!.message).toContain('169.254.169.254');
    expect(resolved).toContain('localhost');
    const logged = await pollUntil(
      async () => (await call('GET', `${BASE}/${id}/logs?level=error`)).json<{ items: { message: string }[] }>().items,
      (items) => items.some((e) => e.message.includes('SOURCE_ADDRESS_REFUSED')),
      { what: 'the refusal in the camera log' },
    );
    expect(logged.length).toBeGreaterThan(0);
    await call('POST', `${BASE}/${id}/stop`);
    expect(targetConnections).toBe(0);
  });

  it('refuses a name that resolves to Vigil’s own port on loopback, without Vigil receiving anything', async () => {
    localhostAnswer = ['127.0.0.1'];
    const created = await create(`http://localhost:${appPort}/metrics`);
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json<{ id: string }>();
    await call('POST', `${BASE}/${id}/start`);
    const status = await pollUntil(
      async () => (await call('GET', `${BASE}/${id}/status`)).json<Status>(),
      (s) => s.lastError !== null,
      { what: 'the refusal' },
    );
    expect(status.lastError).toMatchObject({ code: 'SOURCE_ADDRESS_REFUSED' });
    await call('POST', `${BASE}/${id}/stop`);
    expect(selfRequests).toBe(0);
  });
});

describe('camera network settings', () => {
  let vigil: TestVigil;
  let admin: Record<string, string>;

  beforeAll(async () => {
    vigil = await startTestVigil({
      listen: true,
      env: {
        VIGIL_CAMERA_AUTO_START: 'false',
        VIGIL_CAMERA_DENY_NETWORKS: '127.0.0.0/8,::1,10.0.0.0/8',
        VIGIL_CAMERA_ALLOW_NETWORKS: '169.254.0.0/16,10.20.0.0/16',
      },
    });
    admin = await vigil.adminAuth();
    await vigil.app.inject({
      method: 'POST',
      url: '/api/v1/organization-units',
      headers: admin,
      payload: { code: 'SITE', name: 'Site', unitType: 'ORGANIZATION', effectiveDate: '2026-01-01' },
    });
  });
  afterAll(async () => {
    await vigil?.stop();
  });

  it('denies listed networks and re-opens allowed ones; the most specific rule wins', async () => {
    const create = (sourceUrl: string) =>
      vigil.app.inject({ method: 'POST', url: BASE, headers: admin, payload: { orgUnitCode: 'SITE', name: 'cam', sourceUrl } });
    const cases: [string, number, string | undefined][] = [
      ['http://127.0.0.1:9400/cameras/1/stream.mjpg', 400, 'denied-network'],
      ['http://[::1]:1984/x', 400, 'denied-network'],
      ['http://10.1.2.3/x', 400, 'denied-network'],
      ['http://10.20.3.4/x', 201, undefined],
      ['http://169.254.3.4/x', 201, undefined],
      ['http://169.254.169.254/latest/', 400, 'cloud-metadata'],
    ];
    for (const [sourceUrl, statusCode, reason] of cases) {
      const res = await create(sourceUrl);
      expect(res.statusCode, sourceUrl).toBe(statusCode);
      if (reason) expect(res.json(), sourceUrl).toMatchObject({ code: 'CAMERA_SOURCE_FORBIDDEN', details: { reason } });
    }
  });
});
