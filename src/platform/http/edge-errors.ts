// Answers to requests refused before they reach a route, in the same unified shape as every other
// error, with an X-Request-Id (also in the log line) and the security headers:
// - Fastify's framework errors (a bad percent-escape in the URL, a path parameter too long), which
//   it otherwise answers with its own body and no hooks;
// - Node's HTTP parser refusals (headers over the limit, Transfer-Encoding with Content-Length,
//   malformed requests, a request too slow to arrive), which never become requests at all: the
//   answer is written on the socket, which is then closed.
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../errors.js';
import { PlatformErrors } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { errorBody, sendError, toAppError } from './errors.js';

/** Fastify's `frameworkErrors` option: onRequest hooks do not run, so their headers are set here. */
export function frameworkErrorHandler(securityHeaders: Record<string, string>, bodyLimit: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const appError = toAppError(error, bodyLimit);
    void reply.headers({ ...securityHeaders, 'x-request-id': request.id });
    request.log.info(
      { method: request.method, url: request.url, status: appError.status, code: appError.code },
      'request refused before routing',
    );
    void sendError(request, reply, appError);
  };
}

/**
 * What Node's HTTP parser refused, as an AppError. llhttp's code goes in `details.reason` and its
 * reason (a fixed text, such as "Content-Length can't be present with Transfer-Encoding") in the message.
 */
export function clientErrorOf(error: { code?: string; reason?: unknown }): AppError {
  const reason = error.code ?? 'unknown';
  if (reason === 'HPE_HEADER_OVERFLOW') return PlatformErrors.headersTooLarge(maxHeaderSize);
  if (reason === 'ERR_HTTP_REQUEST_TIMEOUT') return PlatformErrors.requestTimeout();
  const why = typeof error.reason === 'string' && error.reason !== '' ? `: ${error.reason}` : '';
  return PlatformErrors.badRequest(`the request is not valid HTTP/1.1${why}`, { reason });
}

/** The whole HTTP/1.1 answer for a socket that carries no request object: status line, headers, body. */
export function rawErrorResponse(error: AppError, requestId: string, securityHeaders: Record<string, string>): string {
  const body = JSON.stringify(errorBody(error, requestId));
  const headers: Record<string, string> = {
    ...securityHeaders,
    'x-request-id': requestId,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** The server's `clientError` listener (Fastify's `clientErrorHandler` option). */
export function clientErrorHandler(options: { securityHeaders: Record<string, string>; log: FastifyBaseLogger }) {
  return (error: Error & { code?: string; reason?: unknown }, socket: Socket): void => {
    // A reset connection, or one already gone: nobody is left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const appError = clientErrorOf(error);
    const requestId = uuidv7();
    options.log.info({ requestId, status: appError.status, code: appError.code, reason: error.code }, 'request refused by the HTTP parser');
    // An answer already under way on this socket cannot be followed by another one.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (!socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(rawErrorResponse(appError, requestId, options.securityHeaders), () => socket.destroy());
  };
}
