import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

describe('browser protections, default (CORS closed, no HSTS over http)', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(() => vigil.stop());

  it('sends the API set of security headers on every answer, errors included, and nothing only a page reads', async () => {
    for (const url of ['/health', '/nope', '/api/openapi.json']) {
      const res = await vigil.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toBeUndefined();
      for (const pageOnly of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-xss-protection']) {
        expect(res.headers[pageOnly], `${url} ${pageOnly}`).toBeUndefined();
      }
    }
  });

  it('sends the page set (helmet) on pages: the console and the API documentation', async () => {
    const page = await vigil.app.inject({ method: 'GET', url: '/cameras', headers: { accept: 'text/html' } });
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const docs = await vigil.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['cross-origin-opener-policy']).toBe('same-origin');
    // The documentation's own CSP (its inline scripts' hashes) replaces the console's.
    expect(docs.headers['content-security-policy']).toBeDefined();
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
