// The time a caller may wait for PostgreSQL: the server cancels a slow statement (statement
// timeout, the connection stays usable); a silent server is given up on after the query timeout,
// and that connection is closed rather than handed out again. Real PostgreSQL only: PGlite runs
// in-process and has neither.
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, realDatabaseUrl } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import { pollUntil } from '../../../test/helpers/poll.js';
import { createTcpProxy, targetOf } from '../../../test/helpers/tcp-proxy.js';
import type { TcpProxy } from '../../../test/helpers/tcp-proxy.js';
import { createDatabase, isDatabaseUnavailable } from './database.js';
import type { Database } from './database.js';

const STATEMENT_TIMEOUT_MS = 300;
const QUERY_TIMEOUT_MS = 1_500;

async function failure(work: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  try {
    await work;
  } catch (error) {
    return { error: error as Error, ms: performance.now() - started };
  }
  throw new Error('expected the work to fail');
}

describe.runIf(realDatabaseUrl)('database timeouts (PostgreSQL through a TCP proxy)', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let database: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    proxy = createTcpProxy(targetOf(testDb.url!, 5432));
    await proxy.start();
    database = await createDatabase({
      url: proxy.rewrite(testDb.url!),
      pgliteDataDir: 'memory://',
      poolSize: 2,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      queryTimeoutMs: QUERY_TIMEOUT_MS,
      connectTimeoutMs: 2_000,
      log: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    proxy?.resume();
    await database?.close();
    await proxy?.close();
    await testDb?.drop();
  });

  it('lets the server cancel a statement over the statement timeout, and keeps the connection', async () => {
    await database.ping();
    const accepted = proxy.accepted;
    const { error, ms } = await failure(sql`select pg_sleep(3)`.execute(database.db));
    expect((error as Error & { code?: string }).code).toBe('57014');
    expect(isDatabaseUnavailable(error)).toBe(true);
    // The code decides who gave up: 57014 is the server's cancel, the client's timeout says "Query read timeout".
    expect(ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
    await database.ping();
    expect(proxy.accepted).toBe(accepted);
  });

  it('gives up on a silent server after the query timeout, closes that connection, and does not wait again to roll back', async () => {
    await Promise.all([database.ping(), database.ping()]);
    expect(database.poolStats()?.total).toBe(2);
    proxy.pause();
    try {
      const query = await failure(sql`select 1`.execute(database.db));
      expect(query.error.message).toBe('Query read timeout');
      expect(isDatabaseUnavailable(query.error)).toBe(true);
      // The message says the query timeout gave up (timers fire no earlier than asked).
      expect(query.ms).toBeGreaterThanOrEqual(QUERY_TIMEOUT_MS - 50);
      // The begin times out; the rollback then fails at once on the closed connection instead of
      // queueing behind the query that never came back. Waiting for it would take a second query
      // timeout: the bound leaves that much room for a slow machine.
      const transaction = await failure(database.db.transaction().execute(async (tx) => sql`select 1`.execute(tx)));
      expect(isDatabaseUnavailable(transaction.error)).toBe(true);
      expect(transaction.ms).toBeLessThan(2 * QUERY_TIMEOUT_MS);
      // Neither connection went back to the pool.
      await pollUntil(
        () => database.poolStats()?.total,
        (total) => total === 0,
        { timeoutMs: 5_000, what: 'the pool to close both connections' },
      );
      const session = await failure(database.session((s) => s.query('select 1')));
      expect(isDatabaseUnavailable(session.error)).toBe(true);
      expect(session.ms).toBeLessThan(QUERY_TIMEOUT_MS + 2_000);
    } finally {
      proxy.resume();
    }
    await pollUntil(
      () => database.ping().then(() => true),
      (ok) => ok,
      { timeoutMs: 10_000, what: 'queries to be answered again' },
    );
  });

  it('runs unbounded sessions (migrations) past both timeouts, on a connection of their own', async () => {
    const pooled = await failure(database.session((s) => s.query(`select pg_sleep(${(QUERY_TIMEOUT_MS + 500) / 1000})`)));
    expect(isDatabaseUnavailable(pooled.error)).toBe(true);
    const rows = await database.unboundedSession((s) =>
      s.query<{ done: boolean }>(`select true as done from pg_sleep(${(QUERY_TIMEOUT_MS + 500) / 1000})`),
    );
    expect(rows).toEqual([{ done: true }]);
  });
});
