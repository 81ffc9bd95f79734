import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { parseInstant } from '../../platform/dates.js';
import { DEFAULT_LIMIT, Page, PageQuery } from '../../platform/http/pagination.js';
import type { AuditLog } from './audit.service.js';

const Result = Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')]);

const AuditEventView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    at: Type.String({ format: 'date-time' }),
    actorType: Type.Union([Type.Literal('user'), Type.Literal('api_key'), Type.Literal('system'), Type.Literal('anonymous')]),
    actorId: Type.Union([Type.String(), Type.Null()]),
    action: Type.String({ examples: ['auth.login'] }),
    resourceType: Type.String(),
    resourceId: Type.Union([Type.String(), Type.Null()]),
    orgUnitCode: Type.Union([Type.String(), Type.Null()]),
    before: Type.Unknown({ description: 'State before the change, secrets masked.' }),
    after: Type.Unknown({ description: 'State after the change, secrets masked.' }),
    result: Result,
    requestId: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'AuditEvent', additionalProperties: false },
);

const AuditQuery = Type.Object(
  {
    ...PageQuery,
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Events at or after this instant.' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Events before this instant.' })),
    actorId: Type.Optional(Type.String({ maxLength: 200 })),
    action: Type.Optional(
      Type.String({ maxLength: 200, pattern: '^[a-z0-9_.]+(\\.\\*)?$', description: 'Exact, or a family such as `auth.*`.' }),
    ),
    resourceType: Type.Optional(Type.String({ maxLength: 100 })),
    resourceId: Type.Optional(Type.String({ maxLength: 200 })),
    orgUnitCode: Type.Optional(Type.String({ maxLength: 64 })),
    result: Type.Optional(Result),
  },
  { additionalProperties: false },
);

export interface AuditRouteDeps {
  /** An operator sees the events of the units its grants cover. */
  auditLog: AuditLog;
}

export const auditRoutes: FastifyPluginCallbackTypebox<AuditRouteDeps> = (app, { auditLog }, done) => {
  app.get(
    '/api/v1/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'The audit trail, newest first',
        description:
          'Every audited change and security event. Global grants see everything; others only events of the units inside their grants (events without a unit are shown to global grants only).',
        querystring: AuditQuery,
        response: { 200: Page(AuditEventView) },
      },
    },
    async (request) => {
      const q = request.query;
      return auditLog.list(request.principal!, {
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.from !== undefined ? { from: parseInstant(q.from, 'from') } : {}),
        ...(q.to !== undefined ? { to: parseInstant(q.to, 'to') } : {}),
        ...(q.actorId !== undefined ? { actorId: q.actorId } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.resourceType !== undefined ? { resourceType: q.resourceType } : {}),
        ...(q.resourceId !== undefined ? { resourceId: q.resourceId } : {}),
        ...(q.result !== undefined ? { result: q.result } : {}),
        ...(q.orgUnitCode !== undefined ? { orgUnitCode: q.orgUnitCode } : {}),
      });
    },
  );
  done();
};
