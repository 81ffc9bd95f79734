import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';

import type { TokenKeys } from './tokens.js';
import { Jwks, LoginBody, RefreshBody, SessionList, SessionParams, TokenResponse, UserView } from './auth.schemas.js';
import type { ClientInfo, SessionsService, TokenPair } from './sessions.service.js';
import type { UsersService } from './users.service.js';
import type { Authenticator } from '../../platform/http/access.js';

export interface AuthRouteDeps {
  users: UsersService;
  sessions: SessionsService;
  tokens: TokenKeys;
  authenticator: Authenticator & { forget(): void };
}

function client(request: FastifyRequest): ClientInfo {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 400) : null, requestId: request.id };
}

export const authRoutes: FastifyPluginCallbackTypebox<AuthRouteDeps> = (app, { users, sessions, tokens, authenticator }, done) => {
  async function withUser(pair: TokenPair) {
    const { sessionId: _s, userId, ...rest } = pair;
    const user = await users.getById(userId);
    return { ...rest, user };
  }

  app.post(
    '/api/auth/login',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        description: 'Opens a session. Unknown email, wrong password and disabled account all answer 401 `INVALID_CREDENTIALS`.',
        body: LoginBody,
        response: { 200: TokenResponse },
      },
    },
    async (request) => withUser(await sessions.login(request.body.email, request.body.password, client(request))),
  );

  app.post(
    '/api/auth/refresh',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens',
        description:
          'Rotates the refresh token. Presenting one that was already used ends the session (401 `REFRESH_TOKEN_REUSED`), except within the grace window while its successor is unused.',
        body: RefreshBody,
        response: { 200: TokenResponse },
      },
    },
    async (request) => {
      try {
        return await withUser(await sessions.refresh(request.body.refreshToken, client(request)));
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
        body: RefreshBody,
        response: { 204: Type.Null({ description: 'Session ended.' }) },
      },
    },
    async (request, reply) => {
      await sessions.logout(request.body.refreshToken, client(request));
      authenticator.forget();
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { permission: 'self' },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user and their role grants',
        response: { 200: UserView },
      },
    },
    async (request) => users.getById(request.principal!.id),
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
      await sessions.logoutAll(request.principal!.id, client(request));
      authenticator.forget();
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
    async (request) => ({ items: await sessions.listSessions(request.principal!.id, request.principal!.sessionId) }),
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
      await sessions.endSession(request.principal!.id, request.params.id, client(request));
      authenticator.forget();
      return reply.code(204).send(null);
    },
  );

  done();
};
