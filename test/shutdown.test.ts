import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { App } from '../src/server.js';
import { startTestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/**
 * A route that is entered, then held until the test releases it: the order of events is the
 * test's, not the clock's, however slow the machine.
 */
function heldRoute() {
  let entered!: () => void;
  const reached = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  /** The server's side of each connection, to see what it has read. */
  const sockets = new Set<Socket>();
  const configure = (app: App) => {
    app.server.on('connection', (socket: Socket) => sockets.add(socket));
    app.get('/test/slow', { config: { permission: 'public' }, schema: { summary: 'test route' } }, async () => {
      entered();
      await released;
      return { done: true };
    });
  };
  return { configure, reached, release, sockets };
}

const refused = (url: string) =>
  get(url).then(
    () => 'answered',
    (error: Error) => error.message,
  );

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new connections, then closes the database', async () => {
    const route = heldRoute();
    const vigil = await startTestVigil({ listen: true, configure: route.configure });
    const inflight = get(`${vigil.url}/test/slow`);
    await route.reached;
    const stopping = vigil.shutdown('SIGTERM');
    // Readiness flips at once so a load balancer stops sending traffic.
    expect((await vigil.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
    // The listener closes while the request is still being answered.
    await pollUntil(
      () => refused(`${vigil.url}/health/live`),
      (outcome) => outcome.includes('ECONNREFUSED'),
      { what: 'new connections to be refused' },
    );
    route.release();
    expect(await inflight).toEqual({ status: 200, body: '{"done":true}' });
    await stopping;
    await expect(vigil.database.ping()).rejects.toThrow();
    expect(vigil.logs.records().map((r) => r.msg)).toEqual(
      expect.arrayContaining(['shutting down: draining in-flight requests', 'stopped']),
    );
    await vigil.stop();
  });

  it('turns away, in the unified shape, a request that arrives on an open connection while draining', async () => {
    const route = heldRoute();
    const vigil = await startTestVigil({ listen: true, configure: route.configure });
    const { port } = new URL(vigil.url);
    // A connection busy with a slow request stays open while draining; a second request sent on
    // it after shutdown began must be turned away.
    const socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    const first = 'GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\n';
    const second = 'GET /api/v1/ops/info HTTP/1.1\r\nHost: x\r\n\r\n';
    const sent = first.length + second.length;
    socket.write(first);
    await route.reached;
    const stopping = vigil.shutdown('SIGTERM');
    socket.write(second);
    // Vigil has read the second request before the first is answered.
    await pollUntil(
      () => [...route.sockets].reduce((sum, s) => sum + s.bytesRead, 0),
      (bytes) => bytes >= sent,
      { what: 'the second request to arrive' },
    );
    route.release();
    await closed;
    await stopping;
    const responses = raw.split(/(?=HTTP\/1\.1 )/);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(responses[1]).toMatch(/connection: close/i);
    expect(responses[1]).toContain('"code":"SHUTTING_DOWN"');
    await vigil.stop();
  });

  it('cuts requests that outlast the grace period and still stops', async () => {
    const route = heldRoute();
    const vigil = await startTestVigil({ listen: true, env: { VIGIL_SHUTDOWN_GRACE_MS: '200' }, configure: route.configure });
    const inflight = get(`${vigil.url}/test/slow`).then(
      () => 'answered',
      () => 'cut',
    );
    await route.reached;
    // The request is never released before the shutdown ends: that it ends at all is the grace
    // period's doing (were it to wait, the test's timeout would say so).
    await vigil.shutdown('SIGTERM');
    expect(await inflight).toBe('cut');
    expect(vigil.logs.records().some((r) => r.msg === 'grace period over: closing the connections still open')).toBe(true);
    route.release();
    await vigil.stop();
  });
});
