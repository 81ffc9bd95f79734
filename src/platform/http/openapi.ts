// How the OpenAPI document says who may call an operation: the three ways to authenticate as
// security schemes, and each operation's `security` and required permission derived from the
// route's own `config.permission`, so the document cannot disagree with access control.
import type { FastifySchema, RouteOptions } from 'fastify';
import type { RouteAccess } from './access.js';

/** The schemes, for `components.securitySchemes`. */
export function securitySchemes(accessCookie: string) {
  return {
    bearerAuth: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An access token from `POST /api/auth/login` (or `/api/auth/refresh`), sent as `Authorization: Bearer <token>`.',
    },
    apiKeyAuth: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'vgl_…',
      description: 'An API key (`vgl_…`, from `vigil apikeys create` or `POST /api/v1/api-keys`), sent as `Authorization: Bearer <key>`.',
    },
    cookieAuth: {
      type: 'apiKey',
      in: 'cookie',
      name: accessCookie,
      description:
        'Cookie mode (browsers): the httpOnly access cookie set by `POST /api/auth/login {"mode":"cookie"}`. Writes also need the `X-CSRF-Token` header.',
    },
  } as const;
}

const SIGNED_IN: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyAuth: [] }, { cookieAuth: [] }];

function accessNote(access: RouteAccess): string {
  if (access === 'self') return 'Needs a signed-in principal (any role).';
  return `Needs the \`${access}\` permission; resources outside the caller's org units are answered 404.`;
}

/** @fastify/swagger's `transform`: adds `security` (and the permission, in the description) to each operation. */
export function documentAccess({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): {
  schema: FastifySchema;
  url: string;
} {
  const access = route.config?.permission;
  if (access === undefined) return { schema, url };
  const own = schema as Record<string, unknown>;
  if (access === 'public') return { schema: { ...own, security: [] }, url };
  const description = typeof own.description === 'string' ? `${own.description}\n\n${accessNote(access)}` : accessNote(access);
  const documented: Record<string, unknown> = { ...own, security: SIGNED_IN, description, 'x-vigil-permission': access };
  return { schema: documented, url };
}
