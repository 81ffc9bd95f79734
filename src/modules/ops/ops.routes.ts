import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox, FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { ErrorResponse } from '../../platform/http/errors.js';
import { DEFAULT_LIMIT } from '../../platform/http/pagination.js';
import { OpsErrors } from './ops.errors.js';
import {
  HealthResponse,
  InfoResponse,
  LivenessResponse,
  MigrationListQuery,
  MigrationPage,
  MigrationParams,
  Migration,
  ReadinessResponse,
} from './ops.schemas.js';
import type { OpsService } from './ops.service.js';

export interface OpsRouteDeps {
  ops: OpsService;
  registry: Registry;
  metricsToken: string | undefined;
}

export function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** GET /metrics in Prometheus text format, behind the metrics token when one is set. */
export const metricsRoute: FastifyPluginCallbackTypebox<Omit<OpsRouteDeps, 'ops'>> = (app, { registry, metricsToken }, done) => {
  app.get(
    '/metrics',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics',
        description: 'Prometheus text exposition. When `METRICS_TOKEN` is set, requires `Authorization: Bearer <token>`.',
        response: {
          200: { description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: { type: 'string' } } } },
          401: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      if (metricsToken !== undefined && !tokenMatches(request.headers.authorization, metricsToken)) {
        throw OpsErrors.metricsTokenRequired();
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
  done();
};

export const opsRoutes: FastifyPluginAsyncTypebox<OpsRouteDeps> = async (app, { ops, registry, metricsToken }) => {
  await app.register(metricsRoute, { registry, metricsToken });

  app.get(
    '/health',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Health of the service and its dependencies',
        description: 'Runs every check with its own timeout. 200 when healthy or degraded (e.g. Redis down), 503 when unhealthy.',
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_request, reply) => {
      const report = await ops.health();
      return reply.code(report.status === 'unhealthy' ? 503 : 200).send(report);
    },
  );

  app.get(
    '/health/live',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Liveness: the process runs and its event loop answers',
        response: { 200: LivenessResponse },
      },
    },
    () => ({ status: 'alive' as const, uptime: ops.info().uptime }),
  );

  app.get(
    '/health/ready',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the service can serve (database reachable, not shutting down)',
        response: { 200: ReadinessResponse, 503: ReadinessResponse },
      },
    },
    async (_request, reply) => {
      const report = await ops.readiness();
      return reply.code(report.status === 'unhealthy' ? 503 : 200).send(report);
    },
  );

  app.get(
    '/api/v1/ops/info',
    {
      config: { permission: 'ops:read' },
      schema: {
        tags: ['ops'],
        summary: 'Version, uptime and the backends in use',
        response: { 200: InfoResponse },
      },
    },
    () => ops.info(),
  );

  app.get(
    '/api/v1/ops/migrations',
    {
      config: { permission: 'ops:read' },
      schema: {
        tags: ['ops'],
        summary: 'Applied database migrations',
        description: 'Cursor-paginated, in version order.',
        querystring: MigrationListQuery,
        response: { 200: MigrationPage },
      },
    },
    (request) => ops.listMigrations(request.query.limit ?? DEFAULT_LIMIT, request.query.cursor),
  );

  app.get(
    '/api/v1/ops/migrations/:version',
    {
      config: { permission: 'ops:read' },
      schema: {
        tags: ['ops'],
        summary: 'One applied migration',
        params: MigrationParams,
        response: { 200: Migration },
      },
    },
    (request) => ops.getMigration(request.params.version),
  );
};
