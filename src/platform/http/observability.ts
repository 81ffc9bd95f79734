// Request ids, one log line per request, and the HTTP metrics.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { uuidv7 } from '../ids.js';
import type { Metrics } from '../metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a well-formed X-Request-Id from the client, otherwise makes one. */
export function requestIdFor(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : uuidv7();
}

/** The route template of a request, or a fixed label for requests no route matched. */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** Routes polled by machines; their request lines are logged at debug to keep logs readable. */
const QUIET_ROUTES = new Set(['/metrics', '/health/live', '/health/ready']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route writes effective-dated data: its operation in `temporal_operations_total`, or a
     * function of the request answering it (undefined when this request writes nothing, a dry run).
     */
    temporalOperation?: string | ((request: FastifyRequest) => string | undefined);
  }
}

/** success for 2xx/3xx, rejected for every 4xx (whichever layer refused), error for 5xx. */
function outcome(status: number): 'success' | 'rejected' | 'error' {
  return status >= 500 ? 'error' : status >= 400 ? 'rejected' : 'success';
}

export function installObservability(app: FastifyInstance, metrics: Metrics): void {
  app.server.on('connection', (socket) => {
    metrics.httpActiveConnections.inc();
    socket.once('close', () => metrics.httpActiveConnections.dec());
  });

  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = routeLabel(request);
    const status = reply.statusCode;
    const labels = { method: request.method, route, status: String(status) };
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, seconds);
    // Counted here, from the answer, so that a write refused anywhere (schema, authentication,
    // scope, If-Match, the service, a constraint) counts as rejected, once.
    const temporal = request.routeOptions.config.temporalOperation;
    const operation = typeof temporal === 'function' ? temporal(request) : temporal;
    if (operation !== undefined) metrics.temporalOperations.inc({ operation, status: outcome(status) });
    const line = { method: request.method, route, url: request.url, status, durationMs: Math.round(reply.elapsedTime * 100) / 100 };
    if (status >= 500) request.log.error(line, 'request');
    else if (QUIET_ROUTES.has(route)) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
    done();
  });
}
