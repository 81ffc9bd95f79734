// Cookie mode for browsers: the access token, the refresh token and a CSRF token ride in cookies
// instead of the response body, so scripts on the page never hold the tokens.
//   vigil_access   httpOnly, Path=/            the access JWT
//   vigil_refresh  httpOnly, Path=/api/auth    the refresh token, sent only to the auth routes
//   vigil_csrf     readable, Path=/            the CSRF token, for the page to echo in X-CSRF-Token
// All are SameSite=Strict, and Secure outside development. A write authenticated by cookie must
// carry X-CSRF-Token: an HMAC of the session id under a key derived from the secrets key, so it is
// the same on every node and stops working when the session ends. Bearer requests are exempt: a
// browser never adds an Authorization header on its own.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { CsrfErrors } from './auth.errors.js';

export const COOKIE = { access: 'vigil_access', refresh: 'vigil_refresh', csrf: 'vigil_csrf' } as const;
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isSafeMethod = (method: string) => SAFE_METHODS.has(method);

export function createCsrf(key: Buffer) {
  const tokenFor = (sessionId: string) => createHmac('sha256', key).update(`csrf:${sessionId}`).digest('base64url');
  return {
    tokenFor,
    /** Throws 403 CSRF_INVALID unless `presented` is the token of `sessionId`. */
    check(sessionId: string, presented: string | string[] | undefined): void {
      if (typeof presented !== 'string' || presented === '') throw CsrfErrors.invalid('missing');
      const expected = Buffer.from(tokenFor(sessionId));
      const given = Buffer.from(presented);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw CsrfErrors.invalid('mismatch');
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;

export interface CookieTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  csrfToken: string;
}

/** Sets the three cookies of a cookie-mode session. */
export function setSessionCookies(reply: FastifyReply, tokens: CookieTokens, secure: boolean): void {
  const common = { secure, sameSite: 'strict' as const };
  void reply
    .setCookie(COOKIE.access, tokens.accessToken, { ...common, httpOnly: true, path: '/', maxAge: tokens.expiresIn })
    .setCookie(COOKIE.refresh, tokens.refreshToken, { ...common, httpOnly: true, path: '/api/auth', maxAge: tokens.refreshExpiresIn })
    .setCookie(COOKIE.csrf, tokens.csrfToken, { ...common, httpOnly: false, path: '/', maxAge: tokens.refreshExpiresIn });
}

/** Clears them (logout). */
export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  const common = { secure, sameSite: 'strict' as const };
  void reply
    .clearCookie(COOKIE.access, { ...common, httpOnly: true, path: '/' })
    .clearCookie(COOKIE.refresh, { ...common, httpOnly: true, path: '/api/auth' })
    .clearCookie(COOKIE.csrf, { ...common, path: '/' });
}
