// Rate limits: per principal when signed in, per address otherwise, stricter on /api/auth/*,
// shared through Redis across processes when REDIS_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { realRedisUrl, testRedisPrefix } from './helpers/databases.js';

const LIMITS = { VIGIL_RATE_LIMIT_MAX: '5', VIGIL_RATE_LIMIT_AUTH_MAX: '3', VIGIL_RATE_LIMIT_WINDOW_S: '60' };

describe('rate limits', () => {
  let vigil: TestVigil;
  let token: string;
  beforeAll(async () => {
    vigil = await startTestVigil({ env: LIMITS });
    const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: TEST_ADMIN, remoteAddress: '10.1.0.1' });
    token = res.json<{ accessToken: string }>().accessToken;
  });
  afterAll(() => vigil.stop());

  const get = (url: string, ip: string, headers: Record<string, string> = {}) =>
    vigil.app.inject({ method: 'GET', url, remoteAddress: ip, headers });

  it('counts anonymous requests per address and answers 429 RATE_LIMITED with the draft headers', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await get('/.well-known/jwks.json', '10.2.0.1'));
    expect(answers.slice(0, 5).map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]!.headers).toMatchObject({ 'ratelimit-limit': '5', 'ratelimit-remaining': '4' });
    const limited = answers[5]!;
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 5, windowSeconds: 60, retryAfterSeconds: expect.any(Number) },
      requestId: expect.any(String),
    });
    expect(limited.headers).toMatchObject({ 'ratelimit-limit': '5', 'ratelimit-remaining': '0' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(50);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another address has its own allowance.
    expect((await get('/.well-known/jwks.json', '10.2.0.2')).statusCode).toBe(200);
  });

  it('counts signed-in requests per user, wherever they come from', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await get('/api/v1/ops/info', `10.3.0.${i + 1}`, auth)).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    // The user's limit is not the address's: anonymous requests from that address still pass.
    expect((await get('/.well-known/jwks.json', '10.3.0.1')).statusCode).toBe(200);
  });

  it('counts requests with bad credentials against the address, then answers them 401', async () => {
    const bad = { authorization: 'Bearer not-a-token' };
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await get('/api/v1/ops/info', '10.4.0.1', bad)).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('holds /api/auth/* to its stricter limit per address', async () => {
    const codes = [];
    for (let i = 0; i < 4; i++) {
      const res = await vigil.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refreshToken: 'vgr_not-a-real-token' },
        remoteAddress: '10.5.0.1',
      });
      codes.push(res.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429]);
  });

  it('never limits the probes or /metrics', async () => {
    for (let i = 0; i < 10; i++) expect((await get('/health/live', '10.6.0.1')).statusCode).toBe(200);
    const metrics = await get('/metrics', '10.6.0.1');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^http_rate_limited_total\{route="\/api\/v1\/ops\/info"\} [1-9]/m);
  });
});

describe.runIf(realRedisUrl)('rate limits across processes (Redis)', () => {
  const prefix = testRedisPrefix();
  let a: TestVigil;
  let b: TestVigil;
  beforeAll(async () => {
    a = await startTestVigil({ env: { ...LIMITS, VIGIL_REDIS_KEY_PREFIX: prefix } });
    b = await startTestVigil({ env: { ...LIMITS, VIGIL_REDIS_KEY_PREFIX: prefix } });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('shares one allowance between two processes on one Redis', async () => {
    const codes = [];
    for (let i = 0; i < 6; i++) {
      const vigil = i % 2 === 0 ? a : b;
      codes.push((await vigil.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress: '10.7.0.1' })).statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
