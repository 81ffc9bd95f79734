// Access control for every route. A route declares `config: { permission }`: 'public', 'self' (any
// signed-in principal) or a permission of the matrix; a route that declares none stops the app from
// starting. Roles are granted globally or on an org unit, which covers its subtree: the route-level
// check asks "does any grant carry this permission", and services narrow what is visible with
// `unitsFor` (resources outside the caller's units are answered 404, never 403).
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../errors.js';

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
  'alerts:read',
  'alerts:write',
  'agents:use',
  'agents:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];
export type RouteAccess = 'public' | 'self' | Permission;
export type { RoleName as Role } from '../db/schema.js';
import type { RoleName as Role } from '../db/schema.js';

const READS: Permission[] = ['ops:read', 'org:read', 'cameras:read', 'alerts:read'];

/** The permission matrix (also in docs/security.md). */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(PERMISSIONS),
  operator: new Set([...READS, 'audit:read', 'cameras:control', 'alerts:write', 'agents:use']),
  viewer: new Set(READS),
};

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

export function can(principal: Principal, permission: Permission): boolean {
  return principal.grants.some((g) => ROLE_PERMISSIONS[g.role].has(permission));
}

/** Where `permission` holds for the principal: everywhere, or only in these units' subtrees. */
export function unitsFor(principal: Principal, permission: Permission): 'all' | string[] {
  const grants = principal.grants.filter((g) => ROLE_PERMISSIONS[g.role].has(permission));
  if (grants.some((g) => g.orgUnitCode === null)) return 'all';
  return [...new Set(grants.map((g) => g.orgUnitCode!))];
}

/** Whether `unitCode` is visible for `permission`; `isWithin(x, y)` answers "is unit x inside y (or y itself)". */
export function canAccessUnit(
  principal: Principal,
  permission: Permission,
  unitCode: string,
  isWithin: (x: string, y: string) => boolean,
): boolean {
  const units = unitsFor(principal, permission);
  return units === 'all' || units.some((scope) => isWithin(unitCode, scope));
}

export const AccessErrors = {
  unauthenticated: () => new AppError(401, 'UNAUTHORIZED', 'send an access token: Authorization: Bearer <token>'),
  forbidden: (permission: Permission) =>
    new AppError(403, 'FORBIDDEN', `this needs the ${permission} permission, which none of your roles carries`, { permission }),
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

export function installAccessControl(app: FastifyInstance, authenticate: PrincipalResolver): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.permission;
    if (access === undefined && !isPluginPublic(route)) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission (config.permission)`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.permission ?? 'public';
    if (access === 'public') return;
    const principal = await authenticate(request);
    if (!principal) throw AccessErrors.unauthenticated();
    request.principal = principal;
    if (access !== 'self' && !can(principal, access)) throw AccessErrors.forbidden(access);
  });
}
