// The database: PGlite in-process when no DATABASE_URL is given, a pg pool otherwise.
// Both speak PostgreSQL and are used through Kysely; nothing above this file knows which one runs.
import { mkdirSync } from 'node:fs';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { loadPglite } from './pglite.js';
import type { Schema } from './schema.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** A session pinned to one connection, for scripts (migrations) and advisory locks. */
export interface RawSession {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements (no parameters). */
  exec(text: string): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface Database<Tables = Schema> {
  readonly kind: DatabaseKind;
  readonly db: Kysely<Tables>;
  /** Resolves when a trivial query succeeds; rejects otherwise. */
  ping(): Promise<void>;
  /** Runs `fn` on one connection of the pool, under the statement and query timeouts. */
  session<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on a connection of its own, outside the pool, with neither timeout, for work that may
   * take as long as it needs (migrations, and waiting for another process's migrations).
   */
  unboundedSession<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  poolStats(): PoolStats | undefined;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string | undefined;
  /** Where PGlite keeps its files; `memory://` keeps them in memory (tests). */
  pgliteDataDir: string;
  /** A PGlite data-directory dump to start from (tests start from a migrated template). */
  pgliteLoadDataDir?: Blob | File;
  poolSize: number;
  /** The server cancels a statement that runs longer (statement_timeout). */
  statementTimeoutMs: number;
  /**
   * Vigil stops waiting for a query's answer after this long, even when the server or the network
   * is silent (pg's query_timeout), and closes that connection. Longer than the statement timeout,
   * so that a server that answers cancels a slow statement itself first.
   */
  queryTimeoutMs: number;
  connectTimeoutMs: number;
  log: Logger;
}

// 20 and 1700 are int8 and numeric: pg returns them as strings to keep precision; counts fit in a
// JavaScript number, so we parse int8 (numeric stays a string).
pg.types.setTypeParser(20, (value) => Number(value));

export async function createDatabase<Tables = Schema>(options: DatabaseOptions): Promise<Database<Tables>> {
  return options.url === undefined ? createPGlite<Tables>(options) : createPostgres<Tables>(options.url, options);
}

async function createPGlite<Tables>(options: DatabaseOptions): Promise<Database<Tables>> {
  const { PGlite, extensions, wasmModule } = await loadPglite();
  if (!options.pgliteDataDir.includes('://')) mkdirSync(options.pgliteDataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir: options.pgliteDataDir,
    extensions,
    ...(wasmModule ? { pgliteWasmModule: wasmModule } : {}),
    ...(options.pgliteLoadDataDir ? { loadDataDir: options.pgliteLoadDataDir } : {}),
  });
  // Sessions bypass Kysely's queue; they are only used where nothing else runs yet
  // (migrations at start-up, the CLI, tests). PGlite has no timeouts to lift.
  const session: RawSession = {
    query: async <R>(text: string, params: unknown[] = []) => (await pglite.query<R>(text, params)).rows,
    exec: async (text) => {
      await pglite.exec(text);
    },
  };
  // PGlite has one connection; Kysely hands it to one holder at a time (the adapter says it does
  // not support multiple connections), so transactions stay isolated (database.db.test.ts).
  const db = new Kysely<Tables>({ dialect: new PGliteDialect({ pglite }) });
  let closed = false;
  return {
    kind: 'pglite',
    db,
    async ping() {
      await sql`select 1`.execute(db);
    },
    session: (fn) => fn(session),
    unboundedSession: (fn) => fn(session),
    poolStats: () => undefined,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

function createPostgres<Tables>(url: string, options: DatabaseOptions): Database<Tables> {
  // What a request may wait for: a connection, new or from the pool (pg-pool applies
  // connectionTimeoutMillis to both), then each query's answer (query_timeout, closeOnQueryTimeout).
  const connection = {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: 'vigil',
    // Probes an idle connection after 10 s of silence, so that one whose server or route is gone is
    // found out and dropped by the pool instead of being handed to a request.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
  const pool = new pg.Pool({
    ...connection,
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.queryTimeoutMs,
  });
  // An idle client whose server went away emits here; without a listener it would crash the process.
  // The pool drops that client and opens a new one on the next request. (pg-pool attaches the client
  // to the error; it is left out of the log line.)
  pool.on('error', (error) => options.log.warn({ err: connectionError(error) }, 'database connection lost'));
  // pg-pool listens for errors on idle clients only. A client that Kysely has checked out (a query or
  // transaction running, or about to) whose connection dies also emits 'error', and with no listener
  // that throws out of the process. The query on it fails by itself (503 DATABASE_UNAVAILABLE) and the
  // pool discards the client when it is released, so there is nothing left to do but note it.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.log.debug({ err: connectionError(error) }, 'database connection lost under a client'));
    closeOnQueryTimeout(client, options);
  });
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    kind: 'postgres',
    db,
    async ping() {
      await sql`select 1`.execute(db);
    },
    session: async (fn) => runSession(await pool.connect(), fn),
    async unboundedSession(fn) {
      // Not a pool client: neither timeout is set on it, and it is closed afterwards.
      const client = new pg.Client({ ...connection, statement_timeout: 0 });
      client.on('error', (error) => options.log.debug({ err: connectionError(error) }, 'database connection lost under a session'));
      await client.connect();
      return runSession(client, fn);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolSize }),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      // Kysely ends the pool only if it ever used it: a process that only ran sessions (migrations)
      // would otherwise keep its connections open, and the "closed" database would go on answering.
      if (!pool.ended) await pool.end();
    },
  };
}

/** Runs `fn` on `client`, then gives a pool client back (discarded if `fn` failed) or closes a client of its own. */
async function runSession<T>(client: pg.PoolClient | pg.Client, fn: (session: RawSession) => Promise<T>): Promise<T> {
  let broken: Error | undefined;
  try {
    return await fn({
      query: async <R>(text: string, params: unknown[] = []) => (await client.query<R & pg.QueryResultRow>(text, params)).rows as R[],
      exec: async (text) => {
        await client.query(text);
      },
    });
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // A session that failed may hold session state (locks, an aborted transaction): discard it.
    if ('release' in client) client.release(broken);
    else await client.end().catch(() => undefined);
  }
}

/** The error pg answers a query with when `query_timeout` passes before the server's answer. */
const QUERY_TIMEOUT = 'Query read timeout';

/**
 * pg's query_timeout answers the caller, but leaves the query on the connection, whose next query
 * would queue behind it (a transaction's rollback, or the next request if the pool handed it out
 * again). The connection is closed instead: what follows on it fails at once, and the pool drops it
 * when it is released. Kysely and sessions query through promises, the form wrapped here.
 */
function closeOnQueryTimeout(client: pg.PoolClient, options: Pick<DatabaseOptions, 'queryTimeoutMs' | 'log'>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: typeof query }).query = (...args) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      if (error instanceof Error && error.message === QUERY_TIMEOUT) {
        options.log.warn({ queryTimeoutMs: options.queryTimeoutMs }, 'database did not answer in time; connection closed');
        client.end().catch(() => undefined);
      }
      throw error;
    });
  };
}

/** A connection error for the log, without the pg client that pg-pool hangs on it. */
function connectionError(error: Error): Error {
  const { client: _client, ...fields } = error as Error & { client?: unknown };
  return Object.assign(new Error(error.message), fields, { name: error.name, stack: error.stack });
}

const unavailableErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * True when an error means "the database cannot be reached, or not in time" rather than "this query
 * is wrong": connection failures, the server shutting down, connection-class SQLSTATEs (08xxx,
 * 57P0x, 53300), a statement the server cancelled (57014: the statement timeout), no answer within
 * the query timeout, and the connection that was closed for it.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (unavailableErrnos.has(code)) return true;
      if (code.startsWith('08') || ['57014', '57P01', '57P02', '57P03', '53300'].includes(code)) return true;
    }
    if (
      /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout|Connection ended|database system is (shutting down|starting up)/i.test(
        e.message,
      )
    ) {
      return true;
    }
  }
  return false;
}

/** SQLSTATE class 23 (integrity constraint violation): a conflict with stored data, answered with 409. */
export function constraintViolation(error: unknown): { code: string; constraint: string | undefined } | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (typeof code === 'string' && code.startsWith('23')) {
    return { code, constraint: typeof constraint === 'string' ? constraint : undefined };
  }
  return undefined;
}
