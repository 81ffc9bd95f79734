// Access control for every route. A route declares `config: { permission }`: 'public', 'self' (any
// signed-in principal) or a permission; a route that declares none stops the app from starting.
// The route-level check asks "does any grant carry this permission" of a `can` it is given: the
// permission matrix and the scope of grants live in the auth module's scope policy, which services
// use to narrow what is visible.
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { platformErrors } from '../errors.js';

export const PERMISSIONS = [
  'ops:read',
  'audit:read',
  'users:read',
  'users:write',
  'org:read',
  'org:write',
  'cameras:read',
  'cameras:control',
  'cameras:write',
  'events:read',
  'events:write',
  'events:review',
  'alerts:read',
  'alerts:write',
  'agents:use',
  'agents:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];
export type RouteAccess = 'public' | 'self' | Permission;
import type { RoleName as Role } from '../db/schema.js';

export interface Principal {
  type: 'user' | 'api_key';
  id: string;
  /** The access token's session, for users. */
  sessionId: string | null;
  grants: readonly { role: Role; orgUnitCode: string | null }[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The one authentication of this request, shared by the rate limiter and access control. */
    authentication: Promise<Principal | null> | null;
  }
  interface FastifyContextConfig {
    permission?: RouteAccess;
  }
}

export const AccessErrors = {
  unauthenticated: () => platformErrors.raise('UNAUTHORIZED', 'send an access token: Authorization: Bearer <token>'),
  forbidden: (permission: Permission) =>
    platformErrors.raise('FORBIDDEN', `this needs the ${permission} permission, which none of your roles carries`, { permission }),
} as const;

/** Resolves the principal of a request from its credentials; throws a 401 AppError for bad ones. */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | null>;

/** Routes that plugins register and that are public by design: the API docs UI, CORS preflight. */
const PUBLIC_PREFIXES = ['/api/docs'];
const isPluginPublic = (route: RouteOptions) =>
  PUBLIC_PREFIXES.some((p) => route.url.startsWith(p)) || (route.method === 'OPTIONS' && route.url === '*');

/** Authenticates a request at most once, whoever asks first (the rate limiter keys on the principal). */
export type PrincipalResolver = (request: FastifyRequest) => Promise<Principal | null>;

export function createPrincipalResolver(app: FastifyInstance, authenticate: Authenticator): PrincipalResolver {
  app.decorateRequest('authentication', null);
  return (request) => (request.authentication ??= authenticate(request));
}

export function installAccessControl(
  app: FastifyInstance,
  authenticate: PrincipalResolver,
  can: (principal: Principal, permission: Permission) => boolean,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.permission;
    if (access === undefined && !isPluginPublic(route)) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission (config.permission)`);
    }
  });
  // A callback hook, not an async one: a public route passes at once, without a promise.
  app.addHook('onRequest', (request: FastifyRequest, _reply: unknown, done: (error?: Error) => void) => {
    const access = request.routeOptions.config.permission ?? 'public';
    if (access === 'public') return done();
    authenticate(request).then((principal) => {
      if (!principal) return done(AccessErrors.unauthenticated());
      request.principal = principal;
      if (access !== 'self' && !can(principal, access)) return done(AccessErrors.forbidden(access));
      done();
    }, done);
  });
}
