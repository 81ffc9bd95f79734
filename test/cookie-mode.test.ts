// Cookie mode for browsers and the CSRF rule: writes authenticated by cookie need X-CSRF-Token;
// bearer requests do not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

interface Cookie {
  name: string;
  value: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: string;
  path?: string;
  maxAge?: number;
}

describe('cookie mode', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil({ env: { NODE_ENV: 'production', VIGIL_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') } });
  });
  afterAll(() => vigil.stop());

  const cookieLogin = async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { ...TEST_ADMIN, mode: 'cookie' } });
    expect(res.statusCode).toBe(200);
    const jar = Object.fromEntries((res.cookies as Cookie[]).map((c) => [c.name, c]));
    return { res, jar, csrf: res.json<{ csrfToken: string }>().csrfToken };
  };
  const cookiesOf = (jar: Record<string, Cookie>) => Object.fromEntries(Object.values(jar).map((c) => [c.name, c.value]));

  it('sets httpOnly, Secure, SameSite=Strict cookies and keeps the tokens out of the body', async () => {
    const { res, jar, csrf } = await cookieLogin();
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ tokenType: 'Cookie', expiresIn: 900, csrfToken: expect.any(String), user: { email: TEST_ADMIN.email } });
    expect(body).not.toHaveProperty('accessToken');
    expect(body).not.toHaveProperty('refreshToken');
    expect(jar.vigil_access).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/', maxAge: 900 });
    expect(jar.vigil_refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth' });
    expect(jar.vigil_refresh!.value).toMatch(/^vgr_/);
    expect(jar.vigil_csrf).toMatchObject({ secure: true, sameSite: 'Strict', path: '/', value: csrf });
    expect(jar.vigil_csrf!.httpOnly).toBeFalsy();
  });

  it('authenticates reads by cookie alone', async () => {
    const { jar } = await cookieLogin();
    const me = await vigil.app.inject({ method: 'GET', url: '/api/auth/me', cookies: { vigil_access: jar.vigil_access!.value } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: TEST_ADMIN.email });
  });

  it('refuses a cookie-authenticated write without the CSRF token, or with another session’s, and changes nothing', async () => {
    const first = await cookieLogin();
    const second = await cookieLogin();
    const sessions = () =>
      vigil.app.inject({ method: 'GET', url: '/api/auth/sessions', cookies: { vigil_access: first.jar.vigil_access!.value } });
    const before = (await sessions()).json<{ items: unknown[] }>().items.length;

    const missing = await vigil.app.inject({ method: 'POST', url: '/api/auth/logout-all', cookies: cookiesOf(first.jar) });
    expect(missing.statusCode).toBe(403);
    expect(missing.json()).toMatchObject({ code: 'CSRF_INVALID', details: { reason: 'missing' } });

    const foreign = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/logout-all',
      cookies: cookiesOf(first.jar),
      headers: { 'x-csrf-token': second.csrf },
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ code: 'CSRF_INVALID', details: { reason: 'mismatch' } });
    expect((await sessions()).json<{ items: unknown[] }>().items.length).toBe(before);

    const ok = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/logout-all',
      cookies: cookiesOf(first.jar),
      headers: { 'x-csrf-token': first.csrf },
    });
    expect(ok.statusCode).toBe(204);
    expect((ok.cookies as Cookie[]).map((c) => c.name).sort()).toEqual(['vigil_access', 'vigil_csrf', 'vigil_refresh']);
    expect((await sessions()).statusCode).toBe(401);
  });

  it('exempts bearer requests from the CSRF rule', async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: TEST_ADMIN });
    const { accessToken, refreshToken } = res.json<{ accessToken: string; refreshToken: string }>();
    const end = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { authorization: `Bearer ${accessToken}` },
      payload: { refreshToken },
    });
    expect(end.statusCode).toBe(204);
  });

  it('refreshes from the refresh cookie only with the CSRF token, rotating the cookies', async () => {
    const { jar, csrf } = await cookieLogin();
    const refreshCookie = { vigil_refresh: jar.vigil_refresh!.value };
    const refused = await vigil.app.inject({ method: 'POST', url: '/api/auth/refresh', cookies: refreshCookie });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('CSRF_INVALID');

    const res = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      cookies: refreshCookie,
      headers: { 'x-csrf-token': csrf },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ tokenType: 'Cookie', csrfToken: csrf });
    const next = Object.fromEntries((res.cookies as Cookie[]).map((c) => [c.name, c.value]));
    expect(next.vigil_refresh).toMatch(/^vgr_/);
    expect(next.vigil_refresh).not.toBe(jar.vigil_refresh!.value);
    const me = await vigil.app.inject({ method: 'GET', url: '/api/auth/me', cookies: { vigil_access: next.vigil_access! } });
    expect(me.statusCode).toBe(200);
  });

  it('answers a refresh with neither body token nor cookie with 401', async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/refresh' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('logs out by cookie with the CSRF token and clears the cookies; the session is over', async () => {
    const { jar, csrf } = await cookieLogin();
    const noToken = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      cookies: { vigil_refresh: jar.vigil_refresh!.value },
    });
    expect(noToken.statusCode).toBe(403);
    const res = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      cookies: { vigil_refresh: jar.vigil_refresh!.value },
      headers: { 'x-csrf-token': csrf },
    });
    expect(res.statusCode).toBe(204);
    const cleared = res.cookies as Cookie[];
    expect(cleared.find((c) => c.name === 'vigil_access')).toMatchObject({ value: '' });
    const me = await vigil.app.inject({ method: 'GET', url: '/api/auth/me', cookies: { vigil_access: jar.vigil_access!.value } });
    expect(me.statusCode).toBe(401);
  });

  it('gives a reloaded page its CSRF token, and the same one for the whole session', async () => {
    const { jar, csrf } = await cookieLogin();
    const res = await vigil.app.inject({ method: 'GET', url: '/api/auth/csrf', cookies: { vigil_access: jar.vigil_access!.value } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ csrfToken: csrf });
  });

  it('never writes a cookie value or CSRF token to the log', async () => {
    const { jar, csrf } = await cookieLogin();
    await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/logout-all',
      cookies: cookiesOf(jar),
      headers: { 'x-csrf-token': csrf },
    });
    const text = vigil.logs.text();
    expect(text).not.toContain(jar.vigil_access!.value);
    expect(text).not.toContain(jar.vigil_refresh!.value);
    expect(text).not.toContain(csrf);
  });
});

describe('cookie mode in development', () => {
  it('leaves the Secure flag off so that http://localhost works', async () => {
    const vigil = await startTestVigil({ env: { NODE_ENV: 'development' } });
    try {
      const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { ...TEST_ADMIN, mode: 'cookie' } });
      const access = (res.cookies as Cookie[]).find((c) => c.name === 'vigil_access');
      expect(access).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(access!.secure).toBeFalsy();
    } finally {
      await vigil.stop();
    }
  });
});
