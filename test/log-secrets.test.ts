// Keys and tokens sent where they do not belong (a query parameter with any name, a path segment)
// never reach the log: they are recognised by their value (Vigil's `vgl_` keys and `vgr_` refresh
// tokens, anything shaped like a JWT) as well as by the name they come under.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../src/platform/log.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

describe('secrets in URLs are not logged', () => {
  let vigil: TestVigil;
  let apiKey: string;
  let accessToken: string;
  let refreshToken: string;

  beforeAll(async () => {
    vigil = await startTestVigil();
    const login = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'admin@example.com', password: 'harbour-lantern-test-42' },
    });
    ({ accessToken, refreshToken } = login.json<{ accessToken: string; refreshToken: string }>());
    const created = await vigil.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { authorization: `Bearer ${accessToken}` },
      payload: { name: 'leaky', role: 'viewer' },
    });
    apiKey = created.json<{ key: string }>().key;
  });
  afterAll(() => vigil.stop());

  it('redacts keys, refresh tokens and JWTs by value, under any parameter name and in the path', async () => {
    expect(apiKey).toMatch(/^vgl_/);
    expect(refreshToken).toMatch(/^vgr_/);
    expect(accessToken).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const secrets = { apiKey, accessToken, refreshToken };
    const urls: string[] = [];
    for (const secret of Object.values(secrets)) {
      for (const name of ['key', 'jwt', 'k', 'auth', 'x', 'q', 'state', 'redirect_uri']) {
        urls.push(`/api/v1/organization-units?${name}=${secret}`, `/api/v1/cameras?limit=5&${name}=${secret}&b=1`);
      }
      urls.push(
        `/api/v1/cameras?q=${encodeURIComponent(secret)}`,
        `/api/v1/cameras?q=${secret.replace('_', '%5F')}`,
        `/api/v1/cameras?next=${encodeURIComponent(`https://example.com/cb?jwt=${secret}`)}`,
        `/api/v1/cameras/${secret}`,
        `/api/v1/organization-units/${secret}/tree`,
        `/no/such/route/${secret}`,
        `/api/v1/cameras/%ZZ/${secret}`,
        `/health/live?token2=${secret}`,
      );
    }
    for (const url of urls) {
      for (const headers of [{}, { authorization: `Bearer ${accessToken}` }]) {
        const res = await vigil.app.inject({ method: 'GET', url, headers });
        expect(res.statusCode, url).toBeLessThan(500);
      }
    }
    const text = vigil.logs.text();
    // No secret, nor the random part of one, is anywhere in the log ...
    for (const [what, secret] of Object.entries(secrets)) {
      expect(text.includes(secret), what).toBe(false);
      const randomPart = secret.startsWith('eyJ') ? secret.split('.')[2]! : secret.slice(4);
      expect(text.includes(randomPart), `${what} (random part)`).toBe(false);
    }
    // ... though each request was logged, its URL with the secret masked.
    const lines = vigil.logs.records().filter((r) => typeof r.url === 'string' && r.url.includes(REDACTED));
    expect(lines.length).toBeGreaterThanOrEqual(urls.length);
  });

  it('keeps URLs without secrets readable', async () => {
    await vigil.app.inject({ method: 'GET', url: '/api/v1/cameras?limit=5&q=front-door&state=running' });
    expect(vigil.logs.records().some((r) => r.url === '/api/v1/cameras?limit=5&q=front-door&state=running')).toBe(true);
  });
});
