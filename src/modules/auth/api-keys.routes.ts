import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DEFAULT_LIMIT, Page, PageQuery } from '../../platform/http/pagination.js';
import { actorOf } from './auth.routes.js';
import type { ApiKeyCaller, ApiKeysService } from './api-keys.service.js';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer'), Type.Literal('detector')], {
  description: '`detector`: may write detection events and read cameras, within its unit (see docs/security.md).',
});

const ApiKeyView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    role: Role,
    orgUnitCode: Type.Union([Type.String(), Type.Null()], { description: 'null: everywhere; a code: that unit and its subtree.' }),
    prefix: Type.String({ description: 'The first characters of the key, to tell keys apart.' }),
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Recorded at most once a minute.' }),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ApiKey', additionalProperties: false },
);

const NewApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'Unique among the keys in force, whatever its case.' }),
    role: Role,
    orgUnitCode: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { description: 'Omitted or null: a global key.' }),
    ),
    expiresInDays: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], { description: 'Omitted or null: no expiry.' }),
    ),
  },
  { additionalProperties: false },
);

const CreatedApiKey = Type.Object(
  {
    key: Type.String({ description: 'The key, shown this once: send it as `Authorization: Bearer vgl_…`.' }),
    apiKey: ApiKeyView,
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  { ...PageQuery, includeRevoked: Type.Optional(Type.Boolean({ default: false, description: 'Also list revoked keys.' })) },
  { additionalProperties: false },
);

export interface ApiKeyRouteDeps {
  /** Holds a unit-scoped admin to the keys inside its units. */
  apiKeys: ApiKeysService;
  forget: () => void;
}

const callerOf = (request: FastifyRequest): ApiKeyCaller => ({ actor: actorOf(request), principal: request.principal! });

export const apiKeyRoutes: FastifyPluginCallbackTypebox<ApiKeyRouteDeps> = (app, { apiKeys, forget }, done) => {
  app.get(
    '/api/v1/api-keys',
    {
      config: { permission: 'users:read' },
      schema: {
        tags: ['auth'],
        summary: 'List API keys, newest first',
        description:
          'Keys in force (or all of them with `includeRevoked`). The keys themselves are never shown again. A caller whose grant is on a unit sees only the keys inside it (a page may then hold fewer than `limit` items; follow `nextCursor`).',
        querystring: ListQuery,
        response: { 200: Page(ApiKeyView) },
      },
    },
    async (request) =>
      apiKeys.list(
        {
          limit: request.query.limit ?? DEFAULT_LIMIT,
          ...(request.query.cursor !== undefined ? { cursor: request.query.cursor } : {}),
          includeRevoked: request.query.includeRevoked ?? false,
        },
        callerOf(request),
      ),
  );

  app.post(
    '/api/v1/api-keys',
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['auth'],
        summary: 'Create an API key',
        description:
          'For machines (CI, scripts, Prometheus). The answer carries the key once; Vigil keeps only its hash. An admin whose grant is on a unit may only make keys on that unit or inside it. Audited as `api_key.create`.',
        body: NewApiKeyBody,
        response: { 201: CreatedApiKey },
      },
    },
    async (request, reply) => reply.code(201).send(await apiKeys.create(request.body, callerOf(request))),
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      config: { permission: 'users:write' },
      schema: {
        tags: ['auth'],
        summary: 'Revoke an API key',
        description: 'The key stops working at once on this process and within 5 s on the others. Audited as `api_key.revoke`.',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: { 204: Type.Null({ description: 'Revoked.' }) },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(request.params.id, callerOf(request));
      forget();
      return reply.code(204).send(null);
    },
  );

  done();
};
