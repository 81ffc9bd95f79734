// Request ids, one log line per request, and the HTTP metrics: the per-request path that every
// answer takes, kept cheap (docs/benchmarks.md, the hot path): one onRequest hook for what every
// reply carries, one onResponse hook for the line and the metrics, and no child logger per request
// unless something logs through it.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js';
import { PlatformErrors } from '../errors.js';
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

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * A request's logger (`request.log`), with the request id bound, made the first time something logs
 * through it: most requests never do (their one line goes through the root logger, with the id in
 * it), and making a pino child per request cost about 2 µs of each.
 */
class RequestLogger implements FastifyBaseLogger {
  #made: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}
  private get made(): FastifyBaseLogger {
    return (this.#made ??= this.parent.child(this.bindings, this.options));
  }
  get level(): string {
    return this.#made?.level ?? this.options.level ?? this.parent.level;
  }
  set level(level: string) {
    this.made.level = level;
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.made.child(bindings, options);
  }
  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }
  silent(): void {}
  private log(method: LogMethod, args: unknown[]): void {
    const write = this.made[method];
    write.apply(this.made, args as Parameters<typeof write>);
  }
}

/** Fastify's `childLoggerFactory`: a request's logger made on first use (RequestLogger). */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options);
}

/**
 * What every reply carries, set in one onRequest hook: the request id and the security headers
 * (`headers`); and while draining, requests that still arrive on open keep-alive connections are
 * turned away (with Connection: close) so that the client retries elsewhere; probes keep answering.
 */
export function installReplyBasics(app: FastifyInstance, headers: Readonly<Record<string, string>>, isShuttingDown: () => boolean): void {
  const names = Object.keys(headers);
  const values = names.map((name) => headers[name]!);
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    void reply.header('x-request-id', request.id);
    for (let i = 0; i < names.length; i++) void reply.header(names[i]!, values[i]);
    if (!isShuttingDown() || request.url.startsWith('/health')) return done();
    void reply.header('connection', 'close');
    done(PlatformErrors.shuttingDown());
  });
}

export function installObservability(app: FastifyInstance, metrics: Metrics): void {
  app.server.on('connection', (socket) => {
    metrics.httpActiveConnections.inc();
    socket.once('close', () => metrics.httpActiveConnections.dec());
  });
  // The request line goes through the root logger with the request id in it (the same line a
  // request's child logger would write), so that no child logger is made for it.
  const log = app.log;

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
    const line = {
      requestId: request.id,
      method: request.method,
      route,
      url: request.url,
      status,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (status >= 500) log.error(line, 'request');
    else if (QUIET_ROUTES.has(route)) log.debug(line, 'request');
    else log.info(line, 'request');
    done();
  });
}
