// Acceptance: cutting the service's connection to PostgreSQL turns /health/ready to 503 and
// requests to 503 DATABASE_UNAVAILABLE; restoring it recovers without a restart. So does a server
// that goes silent (packets held, nothing closed): every request is answered 503 within the
// documented bound instead of hanging. The outage is a TCP proxy between Vigil and the shared
// server, cut or paused and restored by the test (the server itself is never touched).
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { createTestDatabase, realDatabaseUrl } from './helpers/databases.js';
import type { TestDatabase } from './helpers/databases.js';
import { pollUntil } from './helpers/poll.js';
import { createTcpProxy, targetOf } from './helpers/tcp-proxy.js';
import type { TcpProxy } from './helpers/tcp-proxy.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  ms: number;
}

interface Check {
  name: string;
  status: string;
  message: string;
}

async function sleepingQueries(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active' and query like 'select pg_sleep%'",
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

describe.runIf(realDatabaseUrl)('PostgreSQL outage (through a TCP proxy)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let vigil: TestVigil;
  let auth: { authorization: string } | Record<string, never> = {};
  const crashes: unknown[] = [];
  // Registered for the test only: without it, an unhandled 'error' event would end the worker
  // instead of failing an assertion that says what happened.
  const onCrash = (error: unknown) => crashes.push(error);

  const get = async (path: string): Promise<Answer> => {
    const started = performance.now();
    const response = await fetch(`${vigil.url}${path}`, { headers: auth, signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, body, headers: response.headers, ms: performance.now() - started };
  };
  /** Like get, with room for the slowest answer the silent-server test allows. */
  const send = async (method: 'GET' | 'POST', path: string, body?: object): Promise<Answer> => {
    const started = performance.now();
    const response = await fetch(`${vigil.url}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    return { status: response.status, body: answer, headers: response.headers, ms: performance.now() - started };
  };
  const check = (answer: Answer, name: string) => (answer.body.checks as Check[]).find((c) => c.name === name);

  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    database = await createTestDatabase();
    proxy = createTcpProxy(targetOf(database.url!, 5432));
    await proxy.start();
    vigil = await startTestVigil({
      listen: true,
      // What is measured is requests: background jobs (the camera fleet, the alert evaluator and
      // dispatcher) keep opening connections while the server is silent, which the pool counts.
      workers: false,
      // Only the database goes through the proxy; Redis is not part of this test.
      useRealServers: false,
      // The default connect timeout (3 s) stays: a refused port must be answered long before it.
      env: { DATABASE_URL: proxy.rewrite(database.url!), VIGIL_DB_POOL_SIZE: '4' },
      configure: (app) => {
        // A request whose query runs long enough to be cut mid-flight.
        app.get('/test/slow-query', { config: { permission: 'public' }, schema: { summary: 'test route' } }, async () => {
          await sql`select pg_sleep(5)`.execute(vigil.database.db);
          return { done: true };
        });
        // Public routes, so that authentication is not part of what is measured: a query, a
        // transaction (whose rollback must not wait again) and a pinned session.
        app.get('/test/db-query', { config: { permission: 'public' }, schema: { summary: 'test route' } }, async () => {
          await sql`select count(*) from org_units`.execute(vigil.database.db);
          return { done: true };
        });
        app.get('/test/db-transaction', { config: { permission: 'public' }, schema: { summary: 'test route' } }, async () => {
          await vigil.database.db.transaction().execute(async (tx) => sql`select count(*) from org_units`.execute(tx));
          return { done: true };
        });
        app.get('/test/db-session', { config: { permission: 'public' }, schema: { summary: 'test route' } }, async () => {
          await vigil.database.session((session) => session.query('select 1'));
          return { done: true };
        });
      },
    });
    auth = await vigil.adminAuth();
  });

  // Each test answers for the crashes during it.
  beforeEach(() => {
    crashes.length = 0;
  });

  afterAll(async () => {
    await vigil?.stop();
    await proxy?.close();
    await database?.drop();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  });

  it('serves from PostgreSQL through the proxy while the connection is up', async () => {
    expect(vigil.database.kind).toBe('postgres');
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(check(ready, 'database')).toMatchObject({ status: 'healthy', message: 'PostgreSQL' });
    const migrations = await get('/api/v1/ops/migrations');
    expect(migrations.status).toBe(200);
    expect((migrations.body.items as unknown[]).length).toBeGreaterThan(0);
    expect((await get('/health')).status).toBe(200);
    // The pool now holds idle connections, all of them through the proxy.
    expect(proxy.accepted).toBeGreaterThan(0);
    expect(vigil.database.poolStats()?.idle).toBeGreaterThan(0);
  });

  it('drops idle connections that die under the pool without crashing (logged once each)', async () => {
    // Several idle connections in the pool, then the cut with no request running.
    await Promise.all(Array.from({ length: 4 }, () => get('/api/v1/ops/migrations')));
    const idle = vigil.database.poolStats()?.idle ?? 0;
    expect(idle).toBeGreaterThan(1);
    await proxy.cut();
    await pollUntil(
      () => vigil.database.poolStats()?.total,
      (total) => total === 0,
      { timeoutMs: 30_000, what: 'the pool to discard its dead idle connections' },
    );
    const lost = vigil.logs.records().filter((r) => r.msg === 'database connection lost');
    expect(lost).toHaveLength(idle);
    expect(lost.every((r) => r.level === 'warn')).toBe(true);
    expect(JSON.stringify(lost[0])).not.toContain('connectionParameters');
    expect(crashes).toEqual([]);
    expect((await get('/health/live')).status).toBe(200);
  });

  it('answers 503 on readiness, health and database-backed routes while the connection is cut', async () => {
    expect(proxy.listening).toBe(false);
    const ready = await get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('unhealthy');
    expect(check(ready, 'database')?.status).toBe('unhealthy');

    const health = await get('/health');
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('unhealthy');
    expect(check(health, 'database')?.status).toBe('unhealthy');

    const migrations = await get('/api/v1/ops/migrations');
    expect(migrations.status).toBe(503);
    expect(Object.keys(migrations.body).sort()).toEqual(['code', 'details', 'message', 'requestId', 'timestamp']);
    expect(migrations.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE', details: expect.any(Object) as object });
    expect(migrations.body.requestId).toBe(migrations.headers.get('x-request-id'));
    expect(Number.isNaN(Date.parse(String(migrations.body.timestamp)))).toBe(false);
    // The port refuses at once, so the answers do not wait for the 3 s connect timeout (which
    // leaves a busy machine room for the rest).
    expect(vigil.config.database.connectTimeoutMs).toBe(3_000);
    expect(migrations.ms).toBeLessThan(vigil.config.database.connectTimeoutMs);
    expect(ready.ms).toBeLessThan(vigil.config.database.connectTimeoutMs);

    // The process runs on: liveness is not about the database.
    expect((await get('/health/live')).status).toBe(200);
    expect(crashes).toEqual([]);
  });

  it('recovers by itself once the connection is restored, without a restart', async () => {
    const acceptedBefore = proxy.accepted;
    await proxy.restore();
    const ready = await pollUntil(
      () => get('/health/ready'),
      (a) => a.status === 200,
      { timeoutMs: 30_000, intervalMs: 100, what: '/health/ready to be 200 again' },
    );
    expect(check(ready, 'database')?.status).toBe('healthy');
    const migrations = await pollUntil(
      () => get('/api/v1/ops/migrations'),
      (a) => a.status === 200,
      { timeoutMs: 30_000, intervalMs: 100, what: 'migrations to be served again' },
    );
    expect((migrations.body.items as unknown[]).length).toBeGreaterThan(0);
    expect((await get('/health')).status).toBe(200);
    // Same process (started once), new connections through the restored proxy.
    expect(proxy.accepted).toBeGreaterThan(acceptedBefore);
    expect(vigil.app.server.listening).toBe(true);
    expect(vigil.logs.records().filter((r) => r.msg === 'shutting down: draining in-flight requests')).toEqual([]);
    expect(crashes).toEqual([]);
  });

  it('answers 503, without crashing, requests that pick up a connection the cut has just killed', async () => {
    // Requests sent right after the cut may be handed an idle connection whose loss the pool has
    // not seen yet: the query fails on a checked-out client, which must not throw out of the process.
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 4 }, () => get('/api/v1/ops/migrations')));
      expect(vigil.database.poolStats()?.idle).toBeGreaterThan(0);
      const cutting = proxy.cut();
      const answers = await Promise.all(Array.from({ length: 4 }, () => get('/api/v1/ops/migrations')));
      await cutting;
      expect(answers.map((a) => [a.status, a.body.code])).toEqual(Array.from({ length: 4 }, () => [503, 'DATABASE_UNAVAILABLE']));
      await proxy.restore();
      await pollUntil(
        () => get('/api/v1/ops/migrations'),
        (a) => a.status === 200,
        { timeoutMs: 30_000, intervalMs: 100, what: `migrations after outage ${round + 1}` },
      );
    }
    expect(crashes).toEqual([]);
  });

  it('answers 503 to a request whose query is running when the connection drops, and recovers', async () => {
    const started = get('/test/slow-query');
    // Running on the server, seen from a connection of our own (not through the proxy).
    await pollUntil(
      () => sleepingQueries(database.url!),
      (count) => count === 1,
      { timeoutMs: 30_000, what: 'the slow query to run on the server' },
    );
    await proxy.cut();
    const answer = await started;
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('DATABASE_UNAVAILABLE');
    // pg_sleep(5) was cut short: had it run to its end, the answer would have been a 200.
    expect(crashes).toEqual([]);
    await proxy.restore();
    await pollUntil(
      () => get('/health/ready'),
      (a) => a.status === 200,
      { timeoutMs: 30_000, intervalMs: 100, what: 'readiness after the in-flight cut' },
    );
    expect((await get('/api/v1/ops/migrations')).status).toBe(200);
    expect((await get('/health/live')).status).toBe(200);
  });

  it('answers every request 503 within the documented bound while PostgreSQL is silent, then recovers', async () => {
    const { connectTimeoutMs, queryTimeoutMs, statementTimeoutMs } = vigil.config.database;
    // The documented bound: a connection within the connect timeout, an answer within the query timeout.
    const bound = connectTimeoutMs + queryTimeoutMs;
    expect(queryTimeoutMs).toBeGreaterThan(statementTimeoutMs);
    expect(bound).toBeLessThanOrEqual(10_000);
    const routes: [method: 'GET' | 'POST', path: string, body?: object][] = [
      ['GET', '/test/db-query'],
      ['GET', '/test/db-transaction'],
      ['GET', '/test/db-session'],
      ['POST', '/api/auth/login', { email: 'nobody@example.com', password: 'not-the-password-1' }],
    ];
    const wave = () => Promise.all(Array.from({ length: 10 }, (_, i) => send(...routes[i % routes.length]!)));
    const expectBounded503 = (answers: Answer[], what: string) => {
      for (const answer of answers) {
        expect([answer.status, answer.body.code], `${what}: ${JSON.stringify(answer.body)}`).toEqual([503, 'DATABASE_UNAVAILABLE']);
        expect(Object.keys(answer.body).sort()).toEqual(['code', 'details', 'message', 'requestId', 'timestamp']);
        expect(answer.body.requestId).toBe(answer.headers.get('x-request-id'));
        // Generous: the machine is busy, the bound is what must not be missed by whole seconds.
        expect(answer.ms, what).toBeLessThan(bound + 5_000);
      }
    };

    // Connections open and idle in the pool, then the server stops answering on all of them.
    await Promise.all(Array.from({ length: 4 }, () => send('GET', '/test/db-query')));
    expect(vigil.database.poolStats()?.idle).toBeGreaterThan(0);
    const acceptedBefore = proxy.accepted;
    proxy.pause();
    try {
      // 10 at once on a pool of 4: some take an idle connection and wait for the query timeout,
      // the rest wait for a connection (the connect timeout).
      expectBounded503(await wave(), 'on open connections');
      const ready = await send('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(check(ready, 'database')?.status).toBe('unhealthy');
      expect(ready.ms).toBeLessThan(vigil.config.health.timeoutMs + 5_000);
      // The connections whose query timed out were closed, not handed out again: this wave opens
      // new ones, which the silent server never lets in (the connect timeout).
      await pollUntil(
        () => vigil.database.poolStats()?.total,
        (total) => total === 0,
        { timeoutMs: bound + 5_000, what: 'the pool to close the connections that timed out' },
      );
      expectBounded503(await wave(), 'on new connections');
      expect(proxy.accepted).toBeGreaterThan(acceptedBefore);
      expect(vigil.logs.records().some((r) => r.msg === 'database did not answer in time; connection closed')).toBe(true);
    } finally {
      proxy.resume();
    }
    await pollUntil(
      () => send('GET', '/health/ready'),
      (a) => a.status === 200,
      { timeoutMs: 15_000, intervalMs: 100, what: '/health/ready to be 200 after the silence' },
    );
    for (const [method, path, body] of routes.slice(0, 3)) expect((await send(method, path, body)).status, path).toBe(200);
    expect((await send('GET', '/health/live')).status).toBe(200);
    expect(crashes).toEqual([]);
  }, 90_000);
});
