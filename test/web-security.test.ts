import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

describe('browser protections, default (CORS closed, no HSTS over http)', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(() => vigil.stop());

  it('sends security headers on every answer, errors included', async () => {
    for (const url of ['/health', '/nope']) {
      const res = await vigil.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('does not let another origin read the API', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('browser protections, configured', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil({
      env: { VIGIL_PUBLIC_URL: 'https://vigil.example.com', VIGIL_CORS_ORIGINS: 'https://ops.example.com, https://admin.example.com' },
    });
  });
  afterAll(() => vigil.stop());

  it('sends HSTS when the public URL is https', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000; includeSubDomains/);
  });

  it('allows exactly the configured origins, preflight included', async () => {
    const ok = await vigil.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://ops.example.com' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://ops.example.com');
    const preflight = await vigil.app.inject({
      method: 'OPTIONS',
      url: '/api/auth/login',
      headers: { origin: 'https://admin.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    const other = await vigil.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
