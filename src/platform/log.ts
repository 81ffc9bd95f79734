// pino JSON logs. Secrets are redacted wherever they appear in a logged object, by key name, and
// in any string value: credentials inside URLs, secret-named parameters, and keys and tokens
// recognised by their shape. Optional files under LOG_DIR rotate daily,
// with errors copied to a file of their own.
import path from 'node:path';
import pino from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

/** Keys whose values are never logged: passwords, tokens, secrets, keys, credentials, cookies. */
const SECRET_KEY =
  /pass(word|wd|phrase)?$|secret|token|api[-_]?key|private[-_]?key|^key$|credential|authorization|^cookie$|^set-cookie$|session[-_]?id/i;
/** user:password@ inside a URL. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]+)@/gi;
/** Bearer tokens and similar inside free text. */
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
/** Secret-named assignments in URLs and free text: ?token=..., &api_key=..., password: x. */
const ASSIGNED_SECRET = /((?:[a-z_-]*(?:token|secret|password|passwd|pwd|api[-_]?key|signature))["']?\s*[=:]\s*["']?)[^\s&#"',;]+/gi;

/**
 * Secrets recognised by their value, whatever name they come under (`?key=vgl_…`, a path segment):
 * Vigil's API keys and refresh tokens (`vgl_…`, `vgr_…`, also with the `_` percent-encoded) ...
 */
const VIGIL_SECRET = /(vg[lr])(?:_|%5f)[A-Za-z0-9_-]{8,}/gi;
/** ... and anything shaped like a JWT: base64url parts joined by dots, the first a JSON header (`eyJ`). */
const JWT = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,4}/g;
// No word boundary before either: inside a percent-encoded value (`%3Dvgl_…`) there is none.

/** One cheap test that every pattern above needs to pass: most strings skip the replaces. */
const MAY_HOLD_SECRET = /:\/\/|bearer|basic|token|secret|pass|pwd|api[-_]?key|signature|vg[lr](?:_|%5f)|eyJ/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactString(value: string): string {
  if (!MAY_HOLD_SECRET.test(value)) return value;
  return value
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(ASSIGNED_SECRET, `$1${REDACTED}`)
    .replace(VIGIL_SECRET, `$1_${REDACTED}`)
    .replace(JWT, REDACTED);
}

const MAX_DEPTH = 16;
const TOO_DEEP = '[TOO DEEP]';

/**
 * Returns `value` with secrets replaced. Objects are copied only where something changes, so the
 * common case (nothing secret) allocates nothing.
 */
export function redact(value: unknown, depth = 0, seen?: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  // What lies deeper is not looked through, so it is not logged either: a secret could hide there.
  if (depth > MAX_DEPTH) return TOO_DEEP;
  // Cycles need a memory only below the top level; most log objects are flat.
  if (depth > 0) {
    seen ??= new WeakSet();
    if (seen.has(value)) return value;
    seen.add(value);
  }
  if (value instanceof Error) return value; // pino's err serializer runs later; see serializers.err below
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    let copy: unknown[] | undefined;
    items.forEach((item, i) => {
      const next = redact(item, depth + 1, seen);
      if (next !== item) (copy ??= [...items])[i] = next;
    });
    return copy ?? value;
  }
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const next = SECRET_KEY.test(key) && item !== undefined && item !== null ? REDACTED : redact(item, depth + 1, seen);
    if (next !== item) (copy ??= { ...record })[key] = next;
  }
  return copy ?? value;
}

function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown;
  return redact(serialized);
}

export interface LogOptions {
  level: string;
  dir?: string | undefined;
  keepFiles?: number;
  /** Where lines go instead of stdout (tests read them back). */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function loggerOptions(options: Pick<LogOptions, 'level' | 'base'>): LoggerOptions {
  return {
    level: options.level,
    base: options.base ?? { service: 'vigil' },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redact(object) as Record<string, unknown>,
    },
    serializers: { err: serializeError, error: serializeError },
    hooks: {
      // Messages do not pass through formatters.log: redact the strings of every call too.
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactString(args[i] as string);
        method.apply(this, args);
      },
    },
  };
}

/** Lines are gathered into writes of this many bytes or more... */
const LOG_BATCH_BYTES = 4096;
/** ...or written after at most this long, whichever comes first. */
const LOG_FLUSH_MS = 100;

/**
 * Where lines go, asynchronously, gathered into writes of about 4 KB (or every 100 ms): one write per
 * line costs a thread-pool round trip per request. What is still gathered is written out on exit and
 * by `flushLogs`; only a process killed outright (SIGKILL, out of memory) loses its last 100 ms.
 */
export function logDestination(dest: number | string = 1): DestinationStream {
  return pino.destination({ dest, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
}

/** A logger on stdout, or on `destination` when given. */
export function createLogger(options: Omit<LogOptions, 'dir' | 'keepFiles'>): Logger {
  return pino(loggerOptions(options), options.destination ?? logDestination());
}

/**
 * The service's logger: stdout, plus, with `dir`, `vigil.<date>.<n>.log` and `vigil-error.<date>.<n>.log`
 * rotated daily. Streams run in this thread (pino.multistream) so every line has the same format.
 */
export async function createServiceLogger(options: LogOptions): Promise<Logger> {
  if (!options.dir) return createLogger(options);
  const { default: roll } = await import('pino-roll');
  const rolled = (name: string) =>
    roll({
      file: path.join(options.dir!, name),
      extension: '.log',
      frequency: 'daily',
      dateFormat: 'yyyy-MM-dd',
      mkdir: true,
      limit: { count: options.keepFiles ?? 14 },
    });
  const [all, errors] = await Promise.all([rolled('vigil'), rolled('vigil-error')]);
  const level = options.level === 'silent' ? 'fatal' : (options.level as pino.Level);
  const streams = pino.multistream([
    { level, stream: options.destination ?? logDestination() },
    { level, stream: all },
    { level: 'error', stream: errors },
  ]);
  return pino(loggerOptions(options), streams);
}

/** Writes out what the logger still buffers, before the process exits. */
export function flushLogs(log: Logger): Promise<void> {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
  if (typeof stream?.flushSync === 'function') {
    try {
      // A multistream's flush() does not wait for its file streams; flushSync does.
      stream.flushSync();
      return Promise.resolve();
    } catch {
      // not ready yet (nothing written) or busy: fall back to the asynchronous flush
    }
  }
  return new Promise((resolve) => log.flush(() => resolve()));
}
