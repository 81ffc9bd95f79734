import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';

import type { TokenKeys } from './tokens.js';
import { CookieRefreshBody, CsrfResponse, Jwks, LoginBody, MeView, SessionList, SessionParams, SessionResponse } from './auth.schemas.js';
import { ROLE_PERMISSIONS } from './scope-policy.js';
import type { ApiKeysService } from './api-keys.service.js';
import { COOKIE, CSRF_HEADER, clearSessionCookies, setSessionCookies } from './cookies.js';
import type { Csrf } from './cookies.js';
import type { ClientInfo, SessionsService, TokenPair } from './sessions.service.js';
import { SessionErrors } from './auth.errors.js';
import type { UsersService } from './users.service.js';
import type { Authenticator } from '../../platform/http/access.js';
import { actorOf } from '../../platform/http/request.js';

export interface AuthRouteDeps {
  users: UsersService;
  sessions: SessionsService;
  tokens: TokenKeys;
  apiKeys: ApiKeysService;
  csrf: Csrf;
  authenticator: Authenticator & { forget(): void };
  /** Cookies carry the Secure flag (everywhere but development). */
  secureCookies: boolean;
}

function client(request: FastifyRequest): ClientInfo {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 400) : null, requestId: request.id };
}

export { actorOf };

/** Cookie-mode refresh and logout may send no body at all: validate it as `{}`. */
const emptyBodyAsObject = (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
  request.body ??= {};
  done();
};

/** The signed-in user of a `self` route; API keys are people-less and get 403 NOT_A_USER. */
function userIdOf(request: FastifyRequest): string {
  const principal = request.principal!;
  if (principal.type !== 'user') throw SessionErrors.notAUser();
  return principal.id;
}

export const authRoutes: FastifyPluginCallbackTypebox<AuthRouteDeps> = (app, deps, done) => {
  const { users, sessions, tokens, authenticator, csrf, secureCookies } = deps;

  /** The answer to login and refresh: the tokens, or in cookie mode the cookies and a CSRF token. */
  async function answer(pair: TokenPair, cookieMode: boolean, reply: FastifyReply) {
    const { sessionId, userId, ...rest } = pair;
    const user = await users.getById(userId);
    if (!cookieMode) return { ...rest, user };
    const csrfToken = csrf.tokenFor(sessionId);
    setSessionCookies(reply, { ...rest, csrfToken }, secureCookies);
    return { tokenType: 'Cookie' as const, expiresIn: rest.expiresIn, refreshExpiresIn: rest.refreshExpiresIn, csrfToken, user };
  }

  /** The refresh token of a request: from the body, or (cookie mode) from the cookie, whose use needs the CSRF token. */
  async function presentedRefreshToken(request: FastifyRequest, body: { refreshToken?: string } | undefined) {
    const fromBody = body?.refreshToken;
    if (fromBody !== undefined) return { token: fromBody, cookieMode: false };
    const fromCookie = request.cookies[COOKIE.refresh];
    if (fromCookie === undefined || fromCookie === '') {
      throw SessionErrors.noRefreshToken();
    }
    const sessionId = await sessions.sessionIdOf(fromCookie);
    if (!sessionId) throw SessionErrors.invalidRefreshToken();
    csrf.check(sessionId, request.headers[CSRF_HEADER]);
    return { token: fromCookie, cookieMode: true };
  }

  app.post(
    '/api/auth/login',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        description:
          'Opens a session. Unknown email, wrong password and disabled account all answer 401 `INVALID_CREDENTIALS`; too many failures on an account or from an address answer 429 `TOO_MANY_ATTEMPTS` with `Retry-After`. With `mode: "cookie"` the tokens are set as httpOnly, SameSite=Strict cookies and the answer carries a CSRF token instead.',
        body: LoginBody,
        response: { 200: SessionResponse },
      },
    },
    async (request, reply) =>
      answer(await sessions.login(request.body.email, request.body.password, client(request)), request.body.mode === 'cookie', reply),
  );

  app.post(
    '/api/auth/refresh',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens',
        description:
          'Rotates the refresh token. Presenting one that was already used ends the session (401 `REFRESH_TOKEN_REUSED`), except within the grace window while its successor is unused. In cookie mode send no token: the `vigil_refresh` cookie is used, with the `X-CSRF-Token` header, and new cookies are set.',
        body: CookieRefreshBody,
        response: { 200: SessionResponse },
      },
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      try {
        const { token, cookieMode } = await presentedRefreshToken(request, request.body);
        return await answer(await sessions.refresh(token, client(request)), cookieMode, reply);
      } catch (error) {
        authenticator.forget(); // a reuse may just have ended a session whose principal is cached
        throw error;
      }
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'End the session a refresh token belongs to',
        description: 'In cookie mode send no token (the `vigil_refresh` cookie is used, with `X-CSRF-Token`); the cookies are cleared.',
        body: CookieRefreshBody,
        response: { 204: Type.Null({ description: 'Session ended.' }) },
      },
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const { token, cookieMode } = await presentedRefreshToken(request, request.body);
      await sessions.logout(token, client(request));
      authenticator.forget();
      if (cookieMode) clearSessionCookies(reply, secureCookies);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/csrf',
    {
      config: { permission: 'self' },
      schema: {
        tags: ['auth'],
        summary: "The CSRF token of the caller's session",
        description: 'For a page that was reloaded in cookie mode: the token to send as `X-CSRF-Token` on writes.',
        response: { 200: CsrfResponse },
      },
    },
    (request) => {
      const sessionId = request.principal!.sessionId;
      if (!sessionId) throw SessionErrors.noSession();
      return { csrfToken: csrf.tokenFor(sessionId) };
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { permission: 'self' },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user and their role grants',
        description:
          'The user with their grants, and `permissions`: what those grants allow somewhere (the web console shows only the controls a user may use; each request is still authorized on its own).',
        response: { 200: MeView },
      },
    },
    async (request) => {
      const user = await users.getById(userIdOf(request));
      const permissions = new Set(user.grants.flatMap((grant) => [...ROLE_PERMISSIONS[grant.role]]));
      return { ...user, permissions: [...permissions].sort() };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Public keys of access tokens',
        response: { 200: Jwks },
      },
    },
    () => tokens.jwks(),
  );
  app.post(
    '/api/auth/logout-all',
    {
      config: { permission: 'self' },
      schema: {
        tags: ['auth'],
        summary: 'End every session of the signed-in user',
        description: "Every refresh token and access token of the user stops working, this request's included.",
        response: { 204: Type.Null({ description: 'Sessions ended.' }) },
      },
    },
    async (request, reply) => {
      await sessions.logoutAll(userIdOf(request), client(request));
      authenticator.forget();
      if (request.cookies[COOKIE.access] !== undefined) clearSessionCookies(reply, secureCookies);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/sessions',
    {
      config: { permission: 'self' },
      schema: {
        tags: ['auth'],
        summary: "The signed-in user's open sessions",
        description: 'Newest first: when each started and was last used, from which address and user agent.',
        response: { 200: SessionList },
      },
    },
    async (request) => ({ items: await sessions.listSessions(userIdOf(request), request.principal!.sessionId) }),
  );

  app.delete(
    '/api/auth/sessions/:id',
    {
      config: { permission: 'self' },
      schema: {
        tags: ['auth'],
        summary: "End one of the signed-in user's sessions",
        params: SessionParams,
        response: { 204: Type.Null({ description: 'Session ended.' }) },
      },
    },
    async (request, reply) => {
      await sessions.endSession(userIdOf(request), request.params.id, client(request));
      authenticator.forget();
      return reply.code(204).send(null);
    },
  );

  done();
};
