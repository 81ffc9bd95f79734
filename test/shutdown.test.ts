import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { App } from '../src/server.js';
import { startTestVigil } from './helpers/app.js';

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

const slowRoute = (ms: number) => (app: App) => {
  app.get('/test/slow', { config: { permission: 'public' }, schema: { summary: 'test route' } }, async () => {
    await new Promise((r) => setTimeout(r, ms));
    return { done: true };
  });
};

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new connections, then closes the database', async () => {
    const vigil = await startTestVigil({ listen: true, configure: slowRoute(500) });
    const inflight = get(`${vigil.url}/test/slow`);
    await new Promise((r) => setTimeout(r, 100));
    const stopping = vigil.shutdown('SIGTERM');
    // Readiness flips at once so a load balancer stops sending traffic.
    expect((await vigil.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
    await new Promise((r) => setTimeout(r, 50));
    await expect(get(`${vigil.url}/health/live`)).rejects.toThrow(/ECONNREFUSED/);
    expect(await inflight).toEqual({ status: 200, body: '{"done":true}' });
    await stopping;
    await expect(vigil.database.ping()).rejects.toThrow();
    expect(vigil.logs.records().map((r) => r.msg)).toEqual(
      expect.arrayContaining(['shutting down: draining in-flight requests', 'stopped']),
    );
    await vigil.stop();
  });

  it('turns away, in the unified shape, a request that arrives on an open connection while draining', async () => {
    const vigil = await startTestVigil({ listen: true, configure: slowRoute(400) });
    const { port } = new URL(vigil.url);
    // A connection busy with a slow request stays open while draining; a second request sent on
    // it after shutdown began must be turned away.
    const socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    const stopping = vigil.shutdown('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    socket.write('GET /api/v1/ops/info HTTP/1.1\r\nHost: x\r\n\r\n');
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
    const vigil = await startTestVigil({ listen: true, env: { VIGIL_SHUTDOWN_GRACE_MS: '200' }, configure: slowRoute(5_000) });
    const inflight = get(`${vigil.url}/test/slow`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await vigil.shutdown('SIGTERM');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await inflight).toBe('cut');
    expect(vigil.logs.records().some((r) => r.msg === 'grace period over: closing the connections still open')).toBe(true);
    await vigil.stop();
  });
});
