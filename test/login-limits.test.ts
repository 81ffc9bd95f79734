import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

describe('brute-force limits on sign-in', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(() => vigil.stop());

  const login = (password: string, ip = '10.0.0.1', email = TEST_ADMIN.email) =>
    vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip });

  it('blocks an account after 5 failures in 15 minutes, even with the right password, with Retry-After', async () => {
    for (let i = 0; i < 5; i++) expect((await login(`wrong-password-${i}-xx`)).json().code).toBe('INVALID_CREDENTIALS');
    const blocked = await login(TEST_ADMIN.password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', details: { retryAfterSeconds: expect.any(Number) } });
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // From another address too: the limit is per account.
    expect((await login(TEST_ADMIN.password, '10.0.0.2')).statusCode).toBe(429);
  });

  it('blocks an address after 20 failures, whichever accounts it tries', async () => {
    for (let i = 0; i < 20; i++) await login('wrong-password-xx-yy', '10.9.9.9', `someone${i}@example.com`);
    const res = await login('wrong-password-xx-yy', '10.9.9.9', 'fresh@example.com');
    expect(res.statusCode).toBe(429);
    // Another address is not affected.
    expect((await login('wrong-password-xx-yy', '10.9.9.10', 'fresh@example.com')).statusCode).toBe(401);
  });
});
