import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/platform/errors.js';
import { schemaCompilationOf } from '../src/server.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function expectUnifiedError(body: unknown, code: string, requestId?: string) {
  expect(body).toEqual({
    code,
    message: expect.any(String),
    details: expect.any(Object),
    timestamp: expect.stringMatching(ISO),
    requestId: requestId ?? expect.any(String),
  });
}

describe('unified errors', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil({
      env: { VIGIL_BODY_LIMIT_BYTES: '2048' },
      configure(app) {
        const typed = app.withTypeProvider<TypeBoxTypeProvider>();
        typed.post(
          '/test/echo',
          {
            config: { permission: 'public' },
            schema: {
              summary: 'test route',
              body: Type.Object(
                {
                  name: Type.String({ minLength: 1 }),
                  count: Type.Integer({ minimum: 0 }),
                  nested: Type.Optional(Type.Object({ a: Type.Integer() }, { additionalProperties: false })),
                },
                { additionalProperties: false },
              ),
            },
          },
          (request) => request.body,
        );
        typed.get('/test/crash', { config: { permission: 'public' }, schema: { summary: 'test route' } }, () => {
          throw new Error('secret internals: password=hunter2 at /srv/app/db.ts:42');
        });
        typed.get('/test/conflict', { config: { permission: 'public' }, schema: { summary: 'test route' } }, () => {
          throw new AppError(409, 'CAMERA_ALREADY_RUNNING', 'camera 7 is already running', { cameraId: 7 });
        });
        typed.get('/test/unique', { config: { permission: 'public' }, schema: { summary: 'test route' } }, () => {
          const error = Object.assign(new Error('duplicate key value violates unique constraint "x_pkey"'), {
            code: '23505',
            constraint: 'x_pkey',
          });
          throw error;
        });
      },
    });
  });

  afterAll(() => vigil.stop());

  it('answers an unknown route with 404 NOT_FOUND in the unified shape', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' });
    expect(res.statusCode).toBe(404);
    expectUnifiedError(res.json(), 'NOT_FOUND', res.headers['x-request-id'] as string);
    expect(res.json().details).toEqual({ method: 'GET', path: '/api/v1/nothing-here' });
  });

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const res = await vigil.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "a",',
    });
    expect(res.statusCode).toBe(400);
    expectUnifiedError(res.json(), 'INVALID_JSON');
  });

  it('answers an empty JSON body with 400 INVALID_JSON', async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(400);
    expectUnifiedError(res.json(), 'INVALID_JSON');
  });

  it('answers schema violations with 400 VALIDATION_FAILED naming every failing field', async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/test/echo', payload: { name: '', count: -1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expectUnifiedError(body, 'VALIDATION_FAILED');
    const paths = (body.details.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['body.count', 'body.name']);
  });

  it('names a missing required field', async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.errors).toEqual([{ path: 'body.count', message: 'is required' }]);
  });

  it('rejects unknown fields, at the top and nested, instead of dropping them', async () => {
    const res = await vigil.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x', count: 1, extra: true, nested: { a: 1, b: 2 } },
    });
    expect(res.statusCode).toBe(400);
    const errors = res.json().details.errors as { path: string; message: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'body.extra', message: 'is not an accepted field' },
        { path: 'body.nested.b', message: 'is not an accepted field' },
      ]),
    );
  });

  it('accepts a valid body', async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x', count: 1 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'x', count: 1 });
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x'.repeat(5000), count: 1 } });
    expect(res.statusCode).toBe(413);
    expectUnifiedError(res.json(), 'PAYLOAD_TOO_LARGE');
    expect(res.json().details).toEqual({ limitBytes: 2048 });
  });

  it('answers an unsupported content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await vigil.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(res.statusCode).toBe(415);
    expectUnifiedError(res.json(), 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an unexpected error with 500 INTERNAL and no internals in the body', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/test/crash' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expectUnifiedError(body, 'INTERNAL');
    expect(res.body).not.toMatch(/secret internals|hunter2|db\.ts|at \//);
    // The stack is in the log, for engineers, with the request id; the password is not.
    const logged = vigil.logs.records().find((r) => r.requestId === body.requestId && r.msg === 'request failed');
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain('db.ts:42');
    expect(vigil.logs.text()).not.toContain('hunter2');
  });

  it('passes a module error through with its own status and code', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/test/conflict' });
    expect(res.statusCode).toBe(409);
    expectUnifiedError(res.json(), 'CAMERA_ALREADY_RUNNING');
    expect(res.json().details).toEqual({ cameraId: 7 });
  });

  it('maps a constraint violation that slipped through to 409 CONFLICT, not 500', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/test/unique' });
    expect(res.statusCode).toBe(409);
    expectUnifiedError(res.json(), 'CONFLICT');
    expect(res.json().details).toEqual({ sqlState: '23505', constraint: 'x_pkey' });
  });

  it('answers a bad query parameter with 400 VALIDATION_FAILED naming the parameter', async () => {
    const res = await vigil.app.inject({
      method: 'GET',
      url: '/api/v1/ops/migrations?limit=100000&bogus=1',
      headers: await vigil.adminAuth(),
    });
    expect(res.statusCode).toBe(400);
    const paths = (res.json().details.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['querystring.bogus', 'querystring.limit']);
  });

  it('answers a bad cursor with 400 INVALID_CURSOR', async () => {
    const res = await vigil.app.inject({
      method: 'GET',
      url: '/api/v1/ops/migrations?cursor=not-a-cursor',
      headers: await vigil.adminAuth(),
    });
    expect(res.statusCode).toBe(400);
    expectUnifiedError(res.json(), 'INVALID_CURSOR');
  });

  it('answers an unknown migration with 404 MIGRATION_NOT_FOUND', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/api/v1/ops/migrations/9999', headers: await vigil.adminAuth() });
    expect(res.statusCode).toBe(404);
    expectUnifiedError(res.json(), 'MIGRATION_NOT_FOUND');
  });
});

describe('request ids', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(() => vigil.stop());

  it('echoes a well-formed X-Request-Id and uses it in the log line and error body', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'abc-123.def' } });
    expect(res.headers['x-request-id']).toBe('abc-123.def');
    expect(res.json().requestId).toBe('abc-123.def');
    const line = vigil.logs.records().find((r) => r.msg === 'request' && r.requestId === 'abc-123.def');
    expect(line).toMatchObject({ method: 'GET', route: 'unmatched', status: 404, url: '/nope' });
    expect(typeof line?.durationMs).toBe('number');
  });

  it('replaces a malformed X-Request-Id with a generated UUIDv7', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('generates one when none is sent, different per request', async () => {
    const a = await vigil.app.inject({ method: 'GET', url: '/health/live' });
    const b = await vigil.app.inject({ method: 'GET', url: '/health/live' });
    expect(a.headers['x-request-id']).toBeTruthy();
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('logs one line per request with method, route template, status, duration and request id', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/api/v1/ops/migrations/1', headers: await vigil.adminAuth() });
    expect(res.statusCode).toBe(200);
    const lines = vigil.logs.records().filter((r) => r.requestId === res.headers['x-request-id'] && r.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', route: '/api/v1/ops/migrations/:version', status: 200 });
  });
});

describe('schemas compiled on first use', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(async () => {
    await vigil?.stop();
  });

  it('compiles a route’s schemas when it is first used, and every route’s schemas compile', async () => {
    const schemas = schemaCompilationOf(vigil.app);
    const before = schemas.pending();
    // Nothing was compiled at start-up: every route's validators and serializers wait.
    expect(before).toBeGreaterThan(50);
    // A refused request compiles its route's validator (and the error serializer) and is refused as before.
    const refused = await vigil.app.inject({ method: 'GET', url: '/api/v1/cameras?limit=abc', headers: { authorization: 'Bearer x' } });
    expect(refused.statusCode).toBe(401);
    const bad = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@example.com', extra: 1 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(schemas.pending()).toBeLessThan(before);
    // Every schema of every route compiles (a broken one would throw here, not on a user's request).
    schemas.compileAll();
    expect(schemas.pending()).toBe(0);
    const again = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@example.com', extra: 1 } });
    expect(again.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
