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

/**
 * A module's error catalogue: every code it can answer with, mapped to its HTTP status. Declared as
 * `Record<TheModule'sCodeUnion, number>`, a code missing from the map fails to compile, and each
 * code is written once. `raise` makes the AppError of a code, with the status from the map.
 */
export function errorCatalogue<Code extends string>(statuses: Readonly<Record<Code, number>>) {
  return {
    statuses,
    raise: (code: Code, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) =>
      new AppError(statuses[code], code, message, details, options),
  };
}

/** The platform's codes, and those more than one module answers (a code is defined in one catalogue). */
export type PlatformErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_JSON'
  | 'VALIDATION_FAILED'
  | 'JSON_TOO_DEEP'
  | 'BAD_REQUEST'
  | 'INVALID_CURSOR'
  | 'INVALID_DATE'
  | 'INVALID_IF_MATCH'
  | 'PRECONDITION_FAILED'
  | 'INVALID_ORG_UNIT_CODE'
  | 'REQUEST_TIMEOUT'
  | 'HEADERS_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'DATABASE_UNAVAILABLE'
  | 'SHUTTING_DOWN'
  | 'INTERNAL';

export const platformErrors = errorCatalogue<PlatformErrorCode>({
  NOT_FOUND: 404,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  JSON_TOO_DEEP: 400,
  BAD_REQUEST: 400,
  INVALID_CURSOR: 400,
  INVALID_DATE: 400,
  INVALID_IF_MATCH: 400,
  PRECONDITION_FAILED: 412,
  INVALID_ORG_UNIT_CODE: 400,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  DATABASE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
});
const raise = platformErrors.raise;

/** Codes the platform itself answers with; modules list theirs in `<module>.errors.ts`. */
export const PlatformErrors = {
  notFound: (message = 'no such resource') => raise('NOT_FOUND', message),
  routeNotFound: (method: string, url: string) => raise('NOT_FOUND', `no route for ${method} ${url}`, { method, path: url }),
  invalidJson: (reason: string) => raise('INVALID_JSON', `the request body is not valid JSON: ${reason}`),
  validation: (errors: { path: string; message: string }[], where: string) =>
    raise('VALIDATION_FAILED', `the request ${where} is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, {
      errors,
    }),
  jsonTooDeep: (maxDepth: number) =>
    raise('JSON_TOO_DEEP', `the request body nests objects and arrays deeper than ${maxDepth} levels`, { maxDepth }),
  badRequest: (message: string, details: Record<string, unknown> = {}) => raise('BAD_REQUEST', message, details),
  requestTimeout: () => raise('REQUEST_TIMEOUT', 'the request did not arrive in time'),
  headersTooLarge: (limit: number) =>
    raise('HEADERS_TOO_LARGE', `the request line and headers are larger than ${limit} bytes`, { limitBytes: limit }),
  payloadTooLarge: (limit: number) => raise('PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`, { limitBytes: limit }),
  rangeNotSatisfiable: () => raise('RANGE_NOT_SATISFIABLE', 'the requested range is outside the file'),
  unsupportedMediaType: (contentType: string | undefined) =>
    raise('UNSUPPORTED_MEDIA_TYPE', `content type ${contentType ?? '(none)'} is not accepted; send application/json`, {
      contentType: contentType ?? null,
    }),
  methodNotAllowed: (method: string) => raise('METHOD_NOT_ALLOWED', `method ${method} is not allowed here`),
  unauthorized: (message = 'authentication is required') => raise('UNAUTHORIZED', message),
  conflict: (message: string, details: Record<string, unknown> = {}) => raise('CONFLICT', message, details),
  databaseUnavailable: (cause?: unknown) => raise('DATABASE_UNAVAILABLE', 'the database is unavailable; try again shortly', {}, { cause }),
  shuttingDown: () => raise('SHUTTING_DOWN', 'the service is shutting down; retry on another instance'),
  internal: (cause?: unknown) => raise('INTERNAL', 'an unexpected error occurred', {}, { cause }),
} as const;
