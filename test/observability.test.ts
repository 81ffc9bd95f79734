import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

function seriesOf(text: string, metric: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `));
}

describe('metrics', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil({ listen: true });
  });
  afterAll(() => vigil.stop());

  it('labels requests with the route template, never the raw path: 1,000 ids make one series', async () => {
    const auth = await vigil.adminAuth();
    for (let id = 1000; id < 2000; id++) {
      const res = await vigil.app.inject({ method: 'GET', url: `/api/v1/ops/migrations/${id}`, headers: auth });
      expect(res.statusCode).toBe(404);
    }
    for (let id = 0; id < 200; id++) await vigil.app.inject({ method: 'GET', url: `/no/such/path/${id}` });
    const text = (await vigil.app.inject({ method: 'GET', url: '/metrics' })).body;
    const series = seriesOf(text, 'http_requests_total');
    const migrationSeries = series.filter((s) => s.includes('/api/v1/ops/migrations/:version'));
    expect(migrationSeries).toEqual(['http_requests_total{method="GET",route="/api/v1/ops/migrations/:version",status="404"} 1000']);
    expect(series.filter((s) => s.includes('route="unmatched"'))).toEqual([
      'http_requests_total{method="GET",route="unmatched",status="404"} 200',
    ]);
    expect(series.some((s) => /\/\d{3,}/.test(s))).toBe(false);
    // The histogram has the same labels; its buckets are bounded too.
    const buckets = seriesOf(text, 'http_request_duration_seconds_bucket').filter((s) => s.includes(':version'));
    expect(buckets.length).toBe(14); // 13 buckets + Inf
  });

  it('exposes the core series in Prometheus text format', async () => {
    await vigil.app.inject({ method: 'GET', url: '/health' });
    const res = await vigil.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'http_active_connections',
      'cache_requests_total',
      'db_pool_connections',
      'db_pool_connections_max',
    ]) {
      expect(res.body).toContain(`# TYPE ${name}`);
    }
  });

  it('counts open connections over real HTTP', async () => {
    const { Agent, request } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        request(`${vigil.url}${path}`, { agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
    await Promise.all([get('/health/live'), get('/health/live'), get('/health/live')]);
    const text = await get('/metrics');
    const value = Number(/^http_active_connections (\d+)/m.exec(text)?.[1]);
    expect(value).toBeGreaterThanOrEqual(1);
    expect(value).toBeLessThanOrEqual(3);
    agent.destroy();
  });
});

describe('metrics protection and port', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil({
      listen: true,
      env: { METRICS_TOKEN: 'scrape-secret-1', METRICS_PORT: String(20000 + Math.floor(Math.random() * 20000)) },
    });
  });
  afterAll(() => vigil.stop());

  it('refuses /metrics without the token, with 401 in the unified shape', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHORIZED');
    const wrong = await vigil.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('serves /metrics with the token, on the main port and on METRICS_PORT', async () => {
    const ok = await vigil.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-secret-1' } });
    expect(ok.statusCode).toBe(200);
    const port = vigil.config.metrics.port!;
    const alone = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer scrape-secret-1' } });
    expect(alone.status).toBe(200);
    expect(await alone.text()).toContain('# TYPE http_requests_total counter');
    const refused = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(refused.status).toBe(401);
    // The metrics port serves nothing else.
    const other = await fetch(`http://127.0.0.1:${port}/health`);
    expect(other.status).toBe(404);
  });

  it('answers on METRICS_PORT as on the API port: request id, security headers, unified errors even before routing', async () => {
    const port = vigil.config.metrics.port!;
    for (const path of ['/metrics', '/nothing-here', '/metrics%ZZ']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('x-request-id'), path).toBeTruthy();
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort(), path).toEqual(['code', 'details', 'message', 'requestId', 'timestamp']);
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
    }
  });

  it('keeps the token out of the logs', () => {
    expect(vigil.logs.text()).not.toContain('scrape-secret-1');
  });
});

describe('health endpoints', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil({ listen: true });
  });
  afterAll(() => vigil.stop());

  it('answers /health 200 in the documented shape', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // Every check passes, but for the event loop's, which may degrade the whole on a busy machine (a
    // p99 delay over 500 ms; it failed a CI run that shared the machine): still 200, as documented.
    const checks = body.checks as { name: string; status: string }[];
    const degraded = checks.filter((c) => c.status !== 'healthy').map((c) => c.name);
    expect(degraded).toEqual(body.status === 'healthy' ? [] : ['eventLoop']);
    expect(body).toEqual({
      service: 'vigil',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      status: degraded.length === 0 ? 'healthy' : 'degraded',
      timestamp: expect.any(String),
      uptime: expect.any(Number),
      checks: expect.any(Array),
      summary: { total: checks.length, healthy: checks.length - degraded.length, degraded: degraded.length, failed: 0 },
    });
    const names = checks.map((c) => c.name);
    expect(names).toContain('database');
    for (const check of checks)
      expect(check).toEqual({
        name: expect.any(String),
        status: check.name === 'eventLoop' ? expect.stringMatching(/^(healthy|degraded)$/) : 'healthy',
        latencyMs: expect.any(Number),
        message: expect.any(String),
      });
  });

  it('answers liveness and readiness', async () => {
    expect((await vigil.app.inject({ method: 'GET', url: '/health/live' })).json()).toMatchObject({ status: 'alive' });
    const ready = await vigil.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.map((c: { name: string }) => c.name)).toEqual(['database']);
  });

  it('reports the backends in use', async () => {
    const info = (await vigil.app.inject({ method: 'GET', url: '/api/v1/ops/info', headers: await vigil.adminAuth() })).json();
    expect(info.database.kind).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
    expect(info.redis.backend).toBe(process.env.REDIS_URL ? 'redis' : 'memory');
  });

  it('lists applied migrations with cursor pagination', async () => {
    const first = (
      await vigil.app.inject({ method: 'GET', url: '/api/v1/ops/migrations?limit=1', headers: await vigil.adminAuth() })
    ).json();
    expect(first.items[0]).toMatchObject({ version: 1, name: '0001-platform.sql' });
    // Walk every page of size 1 and compare with the table itself.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/ops/migrations?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await vigil.app.inject({ method: 'GET', url, headers: await vigil.adminAuth() })).json<{
        items: { version: number }[];
        nextCursor: string | null;
      }>();
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((m) => m.version));
      cursor = page.nextCursor;
    } while (cursor);
    const all = (
      await vigil.app.inject({ method: 'GET', url: '/api/v1/ops/migrations?limit=500', headers: await vigil.adminAuth() })
    ).json();
    expect(seen).toEqual(all.items.map((m: { version: number }) => m.version));
    expect(all.nextCursor).toBeNull();
  });
});
