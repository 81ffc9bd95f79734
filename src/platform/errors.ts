// One error type for every layer. Services throw AppError; the HTTP error handler turns any
// error into the unified shape { code, message, details, timestamp, requestId }.

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** Codes the platform itself answers with; modules list theirs in `<module>.errors.ts`. */
export const PlatformErrors = {
  notFound: (message = 'no such resource') => new AppError(404, 'NOT_FOUND', message),
  routeNotFound: (method: string, url: string) => new AppError(404, 'NOT_FOUND', `no route for ${method} ${url}`, { method, path: url }),
  invalidJson: (reason: string) => new AppError(400, 'INVALID_JSON', `the request body is not valid JSON: ${reason}`),
  validation: (errors: { path: string; message: string }[], where: string) =>
    new AppError(400, 'VALIDATION_FAILED', `the request ${where} is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, {
      errors,
    }),
  jsonTooDeep: (maxDepth: number) =>
    new AppError(400, 'JSON_TOO_DEEP', `the request body nests objects and arrays deeper than ${maxDepth} levels`, { maxDepth }),
  badRequest: (message: string, details: Record<string, unknown> = {}) => new AppError(400, 'BAD_REQUEST', message, details),
  requestTimeout: () => new AppError(408, 'REQUEST_TIMEOUT', 'the request did not arrive in time'),
  headersTooLarge: (limit: number) =>
    new AppError(431, 'HEADERS_TOO_LARGE', `the request line and headers are larger than ${limit} bytes`, { limitBytes: limit }),
  payloadTooLarge: (limit: number) =>
    new AppError(413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`, { limitBytes: limit }),
  rangeNotSatisfiable: () => new AppError(416, 'RANGE_NOT_SATISFIABLE', 'the requested range is outside the file'),
  unsupportedMediaType: (contentType: string | undefined) =>
    new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `content type ${contentType ?? '(none)'} is not accepted; send application/json`, {
      contentType: contentType ?? null,
    }),
  methodNotAllowed: (method: string) => new AppError(405, 'METHOD_NOT_ALLOWED', `method ${method} is not allowed here`),
  unauthorized: (message = 'authentication is required') => new AppError(401, 'UNAUTHORIZED', message),
  conflict: (message: string, details: Record<string, unknown> = {}) => new AppError(409, 'CONFLICT', message, details),
  databaseUnavailable: (cause?: unknown) =>
    new AppError(503, 'DATABASE_UNAVAILABLE', 'the database is unavailable; try again shortly', {}, { cause }),
  shuttingDown: () => new AppError(503, 'SHUTTING_DOWN', 'the service is shutting down; retry on another instance'),
  internal: (cause?: unknown) => new AppError(500, 'INTERNAL', 'an unexpected error occurred', {}, { cause }),
} as const;
