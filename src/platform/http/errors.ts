// Turns any error, from any layer, into the unified shape:
// { code, message, details, timestamp, requestId }. A 500 never carries a stack or internals.
import { describeErrors } from '../validate.js';
import type { IncomingMessage } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { constraintViolation, isDatabaseUnavailable } from '../db/database.js';
import { AppError, PlatformErrors } from '../errors.js';

export const ErrorResponse = Type.Object(
  {
    code: Type.String({ description: 'Stable UPPER_SNAKE identifier, listed in docs/errors.md.', examples: ['VALIDATION_FAILED'] }),
    message: Type.String({ description: 'What went wrong, for people.' }),
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'Machine-readable specifics (failing fields, limits).' }),
    timestamp: Type.String({ format: 'date-time' }),
    requestId: Type.String({ description: 'Also in the X-Request-Id header and in every log line of the request.' }),
  },
  { $id: 'ErrorResponse', title: 'Error', additionalProperties: false },
);

type AjvError = Parameters<typeof describeErrors>[0][number];

/** Fastify's errors about the request body, by their code. */
const bodyErrors: Record<string, (bodyLimit: number, message: string) => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (limit) => PlatformErrors.payloadTooLarge(limit),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => PlatformErrors.unsupportedMediaType(undefined),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => PlatformErrors.invalidJson('the body is empty but the content type says JSON'),
  FST_ERR_CTP_INVALID_JSON_BODY: (_limit, message) => PlatformErrors.invalidJson(message),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => PlatformErrors.badRequest('the Content-Length header does not match the body'),
};

/** Maps an error to an AppError; anything unknown becomes INTERNAL. */
export function toAppError(error: unknown, bodyLimit: number): AppError {
  if (error instanceof AppError) return error;
  const fe = error as Partial<FastifyError> & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const context = fe.validationContext ?? 'body';
    return PlatformErrors.validation(describeErrors(fe.validation, context), context === 'querystring' ? 'query' : context);
  }
  const bodyError = fe.code === undefined ? undefined : bodyErrors[fe.code]?.(bodyLimit, fe.message ?? 'malformed');
  if (bodyError) return bodyError;
  if (error instanceof SyntaxError && fe.statusCode === 400) return PlatformErrors.invalidJson(error.message);
  if (isDatabaseUnavailable(error)) return PlatformErrors.databaseUnavailable(error);
  const violation = constraintViolation(error);
  if (violation) {
    return PlatformErrors.conflict('the change conflicts with stored data', {
      sqlState: violation.code,
      ...(violation.constraint ? { constraint: violation.constraint } : {}),
    });
  }
  // Fastify's own client errors (bad headers, bad URL encoding, ...) carry safe messages.
  if (
    typeof fe.statusCode === 'number' &&
    fe.statusCode >= 400 &&
    fe.statusCode < 500 &&
    typeof fe.code === 'string' &&
    fe.code.startsWith('FST_')
  ) {
    return new AppError(fe.statusCode, 'BAD_REQUEST', fe.message ?? 'bad request', { reason: fe.code });
  }
  return httpClientError(error) ?? PlatformErrors.internal(error);
}

/**
 * A client error in the http-errors convention (`expose: true`, a 4xx `status`): what
 * @fastify/send raises for the docs UI's static files. A path that climbs out of the served folder
 * (its 403) names nothing that exists there, so it is a 404 like any missing file.
 */
function httpClientError(error: unknown): AppError | undefined {
  const e = error as { expose?: unknown; status?: unknown; message?: unknown };
  if (e.expose !== true || typeof e.status !== 'number' || e.status < 400 || e.status > 499) return undefined;
  if (e.status === 403 || e.status === 404) return PlatformErrors.notFound('no such file');
  if (e.status === 416) return PlatformErrors.rangeNotSatisfiable();
  return new AppError(e.status, 'BAD_REQUEST', typeof e.message === 'string' ? e.message : 'bad request');
}

/** The unified body of an error. */
export function errorBody(error: AppError, requestId: string) {
  return { code: error.code, message: error.message, details: error.details, timestamp: new Date().toISOString(), requestId };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  return reply.code(error.status).type('application/json; charset=utf-8').send(errorBody(error, request.id));
}

/** How long the rest of a refused body is read before the connection is cut anyway. */
export const REFUSED_BODY_DRAIN_MS = 10_000;

/**
 * Reads and discards what is left of a request body, for at most `maxMs`. An answer after which
 * the connection closes (Fastify closes after refusing a body: 413, 415; or the client asked to)
 * while the body is still arriving would close a socket with unread data, and the kernel then sends
 * a reset that destroys the answer on the client's side before it reads it: a client that sends its
 * whole body before reading saw ECONNRESET instead of 413.
 */
export function drainBody(raw: IncomingMessage, maxMs = REFUSED_BODY_DRAIN_MS): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      raw.off('end', done).off('close', done).off('error', done);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    raw.on('end', done).on('close', done).on('error', done);
    raw.resume();
  });
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error, bodyLimit);
    if (appError.status >= 500) {
      const cause = appError.code === 'INTERNAL' ? error : appError.cause;
      request.log.error({ err: cause, code: appError.code }, 'request failed');
    } else {
      request.log.debug({ code: appError.code, details: appError.details }, appError.message);
    }
    if (reply.getHeader('connection') === 'close' || !reply.raw.shouldKeepAlive) await drainBody(request.raw);
    return sendError(request, reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, PlatformErrors.routeNotFound(request.method, request.url.split('?')[0] ?? '/')),
  );
}
