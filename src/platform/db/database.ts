// The database: PGlite in-process when no DATABASE_URL is given, a pg pool otherwise.
// Both speak PostgreSQL and are used through Kysely; nothing above this file knows which one runs.
import { mkdirSync } from 'node:fs';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';

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

export interface Database<Tables = unknown> {
  readonly kind: DatabaseKind;
  readonly db: Kysely<Tables>;
  /** Resolves when a trivial query succeeds; rejects otherwise. */
  ping(): Promise<void>;
  session<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
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
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  log: Logger;
}

// 20 and 1700 are int8 and numeric: pg returns them as strings to keep precision; counts fit in a
// JavaScript number, so we parse int8 (numeric stays a string).
pg.types.setTypeParser(20, (value) => Number(value));

export async function createDatabase<Tables = unknown>(options: DatabaseOptions): Promise<Database<Tables>> {
  return options.url === undefined ? createPGlite<Tables>(options) : createPostgres<Tables>(options.url, options);
}

async function createPGlite<Tables>(options: DatabaseOptions): Promise<Database<Tables>> {
  const [{ PGlite }, { btree_gist }, { ltree }, { pgcrypto }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/btree_gist'),
    import('@electric-sql/pglite/contrib/ltree'),
    import('@electric-sql/pglite/contrib/pgcrypto'),
  ]);
  if (!options.pgliteDataDir.includes('://')) mkdirSync(options.pgliteDataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir: options.pgliteDataDir,
    extensions: { btree_gist, ltree, pgcrypto },
    ...(options.pgliteLoadDataDir ? { loadDataDir: options.pgliteLoadDataDir } : {}),
  });
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
    // Sessions bypass Kysely's queue; they are only used where nothing else runs yet
    // (migrations at start-up, the CLI, tests).
    session: (fn) =>
      fn({
        query: async <R>(text: string, params: unknown[] = []) => (await pglite.query<R>(text, params)).rows,
        exec: async (text) => {
          await pglite.exec(text);
        },
      }),
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
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    application_name: 'vigil',
    keepAlive: true,
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
  });
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    kind: 'postgres',
    db,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async session(fn) {
      const client = await pool.connect();
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
        client.release(broken);
      }
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
 * True when an error means "the database cannot be reached" rather than "this query is wrong":
 * connection failures, the server shutting down, connection-class SQLSTATEs (08xxx, 57P0x, 53300).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (unavailableErrnos.has(code)) return true;
      if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
    }
    if (
      /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Connection ended|database system is (shutting down|starting up)/i.test(
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
