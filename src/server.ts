// buildServer: the HTTP application, assembled from services. It never listens: main.ts does,
// and tests use app.inject().
import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions, RouteOptions } from 'fastify';
import type { Config } from './config.js';
import { metricsRoute, opsRoutes } from './modules/ops/index.js';
import type { OpsService } from './modules/ops/index.js';
import { auditRoutes } from './modules/audit/index.js';
import type { AuditLog } from './modules/audit/index.js';
import { CameraStatusView, CameraView, cameraRoutes } from './modules/cameras/index.js';
import type { CameraService } from './modules/cameras/index.js';
import { EventView, eventRoutes } from './modules/events/index.js';
import type { EventService } from './modules/events/index.js';
import { AlertView, RuleView, SilenceView, alertRoutes } from './modules/alerts/index.js';
import type { Alerting } from './modules/alerts/index.js';
import { AgentView, MessageView, SessionView, agentRoutes } from './modules/agents/index.js';
import type { AgentMetrics, AgentService, ChatService } from './modules/agents/index.js';
import { OrgUnitTreeView, OrgUnitVersionView, OrgUnitView, orgUnitRoutes } from './modules/org-units/index.js';
import type { OrgImportExport, OrgService } from './modules/org-units/index.js';
import { orgImportExportRoutes } from './modules/org-units/index.js';
import { COOKIE, UserRecord, UserView, apiKeyRoutes, authRoutes, userRoutes } from './modules/auth/index.js';
import type { ScopePolicy } from './modules/auth/index.js';
import { createPrincipalResolver, installAccessControl } from './platform/http/access.js';
import { documentAccess, securitySchemes } from './platform/http/openapi.js';
import { installRateLimits } from './platform/http/rate-limit.js';
import { asPage, securityHeaders } from './platform/http/security-headers.js';
import type { SecurityHeaderSets } from './platform/http/security-headers.js';
import { installWebConsole } from './platform/http/web-console.js';
import { clientErrorHandler, frameworkErrorHandler } from './platform/http/edge-errors.js';
import type { AuthRouteDeps } from './modules/auth/index.js';
import { ErrorResponse, installErrorHandling } from './platform/http/errors.js';
import { installInputGuards } from './platform/http/input.js';
import { installObservability, installReplyBasics, lazyRequestLogger, requestIdFor } from './platform/http/observability.js';
import type { Kv } from './platform/kv/kv.js';
import type { Logger } from './platform/log.js';
import type { Metrics } from './platform/metrics.js';
import { VERSION } from './version.js';

export interface Services {
  config: Config;
  log: Logger;
  metrics: Metrics;
  kv: Kv;
  isShuttingDown: () => boolean;
  /** Health, readiness and service information. */
  ops: OpsService;
  auth: AuthRouteDeps;
  /** The audit trail as callers may read it. */
  auditLog: AuditLog;
  org: OrgService;
  /** Import and export of org units with their timelines. */
  orgTransfer: OrgImportExport;
  /** Who may see and do what, where: the permission matrix and the scope of grants in today's tree. */
  policy: ScopePolicy;
  cameras: CameraService;
  /** Detection events and their review. */
  events: EventService;
  /** Alert rules, alerts, silences and the live stream. */
  alerting: Alerting;
  /** AI agents and the chat sessions held with them. */
  agents: AgentService;
  chat: ChatService;
  agentMetrics: AgentMetrics;
}

export type App = Awaited<ReturnType<typeof buildServer>>;

/** What both servers (the API and METRICS_PORT) share: request ids, log lines, refusals before routing. */
function edgeOptions(loggerInstance: FastifyBaseLogger, headers: SecurityHeaderSets, bodyLimit: number) {
  return {
    loggerInstance,
    childLoggerFactory: lazyRequestLogger,
    // Refusals before routing (a bad URL escape) and by Node's HTTP parser (headers too large,
    // Transfer-Encoding with Content-Length) answer in the unified shape too.
    frameworkErrors: frameworkErrorHandler(headers.api, bodyLimit),
    clientErrorHandler: clientErrorHandler({ securityHeaders: headers.api, log: loggerInstance }),
    // Our onResponse hook writes the one line per request; Fastify's own pair is off.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdFor,
  };
}

function fastifyOptions(
  config: Config,
  loggerInstance: FastifyBaseLogger,
  headers: SecurityHeaderSets,
  schemas: ReturnType<typeof schemaCompilation>,
) {
  return {
    ...edgeOptions(loggerInstance, headers, config.http.bodyLimitBytes),
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    // Node's own timeouts: a slow or idle client cannot hold a socket forever.
    requestTimeout: 120_000,
    keepAliveTimeout: 72_000,
    // Draining is answered by our own hook below, in the unified error shape.
    return503OnClosing: false,
    schemaController: { compilersFactory: { buildValidator: validatorFactory(schemas), buildSerializer: serializerFactory(schemas) } },
  };
}

/**
 * Validators and serializers are compiled when a route first uses them, not at start-up: compiling
 * the schemas of every route was about a third of `vigil serve`'s start-up after the database.
 * `compileAll` compiles what is still pending (a test does, so a schema that cannot compile fails
 * there rather than on a route's first request).
 */
export interface SchemaCompilation {
  /** Compilations not yet done. */
  pending(): number;
  compileAll(): void;
}

function schemaCompilation(): SchemaCompilation & { later<F extends object>(compile: () => F): () => F } {
  const waiting = new Set<() => unknown>();
  return {
    pending: () => waiting.size,
    compileAll: () => {
      for (const compile of [...waiting]) compile();
    },
    later<F extends object>(compile: () => F): () => F {
      let compiled: F | undefined;
      const force = (): F => {
        if (compiled === undefined) {
          compiled = compile();
          waiting.delete(force);
        }
        return compiled;
      };
      waiting.add(force);
      return force;
    },
  };
}

const compilations = new WeakMap<object, SchemaCompilation>();

/** The app's schema compilation (see SchemaCompilation). */
export function schemaCompilationOf(app: object): SchemaCompilation {
  const found = compilations.get(app);
  if (!found) throw new Error('not an app made by buildServer');
  return found;
}

/**
 * Query strings, path parameters and headers arrive as text and are coerced to their schema's types
 * ("5" → 5, a lone value → an array). JSON bodies are typed already and are never coerced: coercion
 * would silently turn "" or 0 into null on a nullable field, or "5" into 5.
 */
type ValidatorFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator'];

function validatorFactory(schemas: ReturnType<typeof schemaCompilation>): ValidatorFactory {
  // Unknown fields are an error (400 VALIDATION_FAILED), never silently dropped.
  const common = { removeAdditional: false, useDefaults: true, allErrors: true } as const;
  const forBody = AjvCompiler();
  const forText = AjvCompiler();
  // The compilers are called with Fastify's route definition, though their types say "a schema".
  type Compile = (route: { schema: unknown; httpPart?: string }) => ReturnType<ReturnType<typeof forBody>>;
  const factory = (externalSchemas: Parameters<typeof forBody>[0]) => {
    const body = forBody(externalSchemas, { customOptions: { ...common, coerceTypes: false } }) as unknown as Compile;
    const text = forText(externalSchemas, { customOptions: { ...common, coerceTypes: 'array' } }) as unknown as Compile;
    // One validator per distinct schema and part, shared by the routes that have it (as serializers below).
    const built = new Map<string, ReturnType<Compile>>();
    return (route: { schema: unknown; httpPart?: string }) => {
      const key = `${route.httpPart === 'body' ? 'body' : 'text'} ${JSON.stringify(route.schema)}`;
      let validate = built.get(key);
      if (!validate) {
        const compiled = schemas.later(() => (route.httpPart === 'body' ? body(route) : finiteOnly(text(route))));
        // Fastify reads `errors` off the function it called, after a refusal.
        const lazy = (data: unknown) => {
          const check = compiled();
          const valid = check(data);
          lazy.errors = (check as { errors?: unknown }).errors;
          return valid;
        };
        lazy.errors = undefined as unknown;
        built.set(key, (validate = lazy as unknown as ReturnType<Compile>));
      }
      return validate;
    };
  };
  return factory as unknown as ValidatorFactory;
}

type SerializerFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer'];

/**
 * Response serializers, built once per distinct schema and shared by the routes that answer with
 * it. Every route answers its errors with the same ErrorResponse (4xx and 5xx), and
 * fast-json-stringify checks every shared schema again on each build: building one serializer per
 * route and status was most of the start-up's schema compilation. A serializer depends on its
 * schema only (and the shared schemas, the same for one factory), and keeps no state.
 */
function serializerFactory(schemas: ReturnType<typeof schemaCompilation>): SerializerFactory {
  const selector = SerializerSelector();
  return (externalSchemas: Parameters<typeof selector>[0], options: Parameters<typeof selector>[1]) => {
    const build = selector(externalSchemas, options);
    const built = new Map<string, ReturnType<typeof build>>();
    return (route: Parameters<typeof build>[0]) => {
      const key = JSON.stringify(route.schema);
      let serializer = built.get(key);
      if (!serializer) {
        const compiled = schemas.later(() => build(route));
        built.set(key, (serializer = ((data: unknown) => compiled()(data)) as ReturnType<typeof build>));
      }
      return serializer;
    };
  };
}

/**
 * Text coerced to a number can be "1e309" or "-1e400": Ajv takes Infinity for an integer and lets it
 * past `maximum` (found by the fuzzer: a 500 from PostgreSQL). A query or path value that is not a
 * finite number after coercion is refused like any other invalid value.
 */
function finiteOnly<V extends ((data: unknown) => unknown) & { errors?: unknown }>(validate: V): V {
  const checked = (data: unknown) => {
    const valid = validate(data);
    checked.errors = validate.errors;
    if (valid !== true || data === null || typeof data !== 'object') return valid;
    for (const [key, value] of Object.entries(data)) {
      for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
        if (typeof item === 'number' && !Number.isFinite(item)) {
          checked.errors = [{ instancePath: `/${key}`, keyword: 'finite', message: 'must be a finite number', params: {} }];
          return false;
        }
      }
    }
    return true;
  };
  checked.errors = undefined as unknown;
  return checked as unknown as V;
}

/**
 * Every body and query schema must reject unknown fields, and every route documents its errors
 * with the unified shape; a route that breaks the first rule stops the app from starting.
 */
function enforceRouteConventions(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (schema?.hide === true) return;
  if (!schema || typeof schema.summary !== 'string') {
    throw new Error(`route ${String(route.method)} ${route.url}: its schema must have a summary for the OpenAPI document`);
  }
  for (const part of ['body', 'querystring', 'params'] as const) {
    const partSchema = schema[part] as { type?: string; additionalProperties?: unknown } | undefined;
    if (partSchema?.type === 'object' && partSchema.additionalProperties !== false) {
      throw new Error(`route ${String(route.method)} ${route.url}: its ${part} schema must set additionalProperties: false`);
    }
  }
  const response = (schema.response ??= {}) as Record<string, unknown>;
  response['4xx'] ??= ErrorResponse;
  response['5xx'] ??= ErrorResponse;
}

export async function buildServer(services: Services) {
  const { config, log, metrics, kv, ops } = services;
  // Security headers on every answer; HSTS only over https.
  const headers = securityHeaders({ hsts: config.web.publicUrl?.startsWith('https:') ?? false });
  const schemas = schemaCompilation();
  const app = Fastify(fastifyOptions(config, log, headers, schemas)).withTypeProvider<TypeBoxTypeProvider>();
  compilations.set(app, schemas);

  installErrorHandling(app, config.http.bodyLimitBytes);
  installInputGuards(app);
  installObservability(app, metrics);
  // First, so that refusals carry the request id and security headers too.
  installReplyBasics(app, headers.api, services.isShuttingDown);
  app.addHook('onRoute', enforceRouteConventions);
  // Cookies are parsed before anyone authenticates (cookie mode); the rate limiter runs before access
  // control so that bad credentials are counted too, and both share one authentication.
  await app.register(cookie);
  const principalOf = createPrincipalResolver(app, services.auth.authenticator);
  await installRateLimits(app, { counters: kv.counters, settings: config.rateLimit, principalOf, metrics });
  installAccessControl(app, principalOf, (principal, permission) => services.policy.can(principal, permission));
  app.addSchema(ErrorResponse);
  app.addSchema(UserView);
  app.addSchema(UserRecord);
  app.addSchema(OrgUnitView);
  app.addSchema(OrgUnitVersionView);
  app.addSchema(OrgUnitTreeView);
  app.addSchema(CameraView);
  app.addSchema(CameraStatusView);
  app.addSchema(EventView);
  app.addSchema(RuleView);
  app.addSchema(AlertView);
  app.addSchema(SilenceView);
  app.addSchema(AgentView);
  app.addSchema(SessionView);
  app.addSchema(MessageView);

  // CORS is closed unless origins are configured: browsers elsewhere cannot read our answers (with
  // none configured, no CORS header is ever sent, so the plugin and its hook are left out).
  if (config.web.corsOrigins.length > 0) await app.register(cors, { origin: config.web.corsOrigins, credentials: true });
  await app.register(swagger, {
    // Shared schemas keep their $id as their name in components.schemas.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: documentAccess,
    openapi: {
      openapi: '3.1.0',
      components: { securitySchemes: securitySchemes(COOKIE.access) },
      info: {
        title: 'Vigil API',
        version: VERSION,
        description:
          'Camera fleets across many sites: the organization with its effective-dated history, cameras with their live ingest, detection events with their review, and alerts with their notifications. Authenticate with a bearer access token, an API key or the access cookie (see the security schemes). Errors share one shape (`Error`); codes are listed in docs/errors.md.',
      },
      tags: [
        { name: 'auth', description: 'Sign-in, token refresh and sign-out; the public keys of access tokens.' },
        {
          name: 'users',
          description:
            'The people who sign in: create, list, rename, disable and enable them, reset their passwords and replace their role grants (the HTTP side of `vigil users`).',
        },
        {
          name: 'alerts',
          description:
            'Alert rules over cameras and detection events, the alerts they raise (with their history), silences, and a live stream of changes.',
        },
        {
          name: 'agents',
          description: "AI agents: a model on an OpenAI-compatible server, its prompt and the tools over Vigil's data it may call.",
        },
        {
          name: 'chat',
          description:
            'Chat sessions with agents: your own sessions, their messages, replies streamed as Server-Sent Events and resumed after a dropped connection.',
        },
        { name: 'audit', description: 'The audit trail of changes and security events.' },
        {
          name: 'events',
          description: 'Detection events reported by detectors (API keys with the detector role), their snapshots, and their review.',
        },
        {
          name: 'cameras',
          description: 'Cameras at org units and their live ingest: registry, start/stop/restart, status, logs, snapshots.',
        },
        {
          name: 'org-units',
          description:
            'The organization: units with their full effective-dated history, as of any date. Dates are YYYY-MM-DD; "today" is in VIGIL_TIMEZONE.',
        },
        { name: 'ops', description: 'Health, readiness, metrics and service information.' },
      ],
    },
  });
  // The API's documentation is a page: the page set of security headers (its own CSP replaces ours).
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    uiHooks: {
      onRequest: (_request, reply, done) => {
        asPage(reply, headers);
        done();
      },
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { permission: 'public' } }, () => app.swagger());

  await app.register(authRoutes, services.auth);
  await app.register(apiKeyRoutes, { apiKeys: services.auth.apiKeys, forget: () => services.auth.authenticator.forget() });
  await app.register(userRoutes, { users: services.auth.users, forget: () => services.auth.authenticator.forget() });
  await app.register(auditRoutes, { auditLog: services.auditLog });
  await app.register(orgUnitRoutes, { org: services.org, maxDepth: config.org.maxDepth });
  await app.register(cameraRoutes, { cameras: services.cameras });
  await app.register(eventRoutes, { events: services.events, bodyLimitBytes: config.events.bodyLimitBytes });
  await app.register(alertRoutes, { alerting: services.alerting, isShuttingDown: services.isShuttingDown });
  await app.register(orgImportExportRoutes, { transfer: services.orgTransfer });
  await app.register(agentRoutes, {
    agents: services.agents,
    chat: services.chat,
    metrics: services.agentMetrics,
    isShuttingDown: services.isShuttingDown,
  });
  await app.register(opsRoutes, { ops, registry: metrics.registry, metricsToken: config.metrics.token });
  // The web console at `/` (every address the API does not answer that a browser asks for as a page).
  installWebConsole(app, headers);
  app.addHook('onClose', () => ops.close());

  return app;
}

/** The metrics alone, for METRICS_PORT: scraping stays off the API port and its limits. */
export async function buildMetricsServer(services: Pick<Services, 'log' | 'metrics' | 'config'>): Promise<FastifyInstance> {
  const headers = securityHeaders({ hsts: services.config.web.publicUrl?.startsWith('https:') ?? false });
  const app = Fastify({ ...edgeOptions(services.log, headers, 1024), bodyLimit: 1024 });
  installErrorHandling(app, 1024);
  installReplyBasics(app, headers.api, () => false);
  await app.register(metricsRoute, { registry: services.metrics.registry, metricsToken: services.config.metrics.token });
  return app;
}
