// Each test file gets its own database: a fresh in-memory PGlite by default, or, when DATABASE_URL
// points at a real server (the integration pass), a new database on it, dropped afterwards.
import pg from 'pg';
import pino from 'pino';
import { createDatabase } from '../../src/platform/db/database.js';
import type { Database } from '../../src/platform/db/database.js';
import type { Schema } from '../../src/platform/db/schema.js';
import { randomBytes } from 'node:crypto';

export const realDatabaseUrl = process.env.DATABASE_URL || undefined;
export const realRedisUrl = process.env.REDIS_URL || undefined;

export interface TestDatabase {
  /** DATABASE_URL for the service, or undefined for in-memory PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: realDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!realDatabaseUrl) return { url: undefined, drop: () => Promise.resolve() };
  const name = `vigil_t_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  return {
    url: withDatabase(realDatabaseUrl, name),
    drop: () => admin(async (client) => void (await client.query(`drop database if exists ${name} with (force)`))),
  };
}

/** A key prefix no other test file uses, so files can share one Redis. */
export function testRedisPrefix(): string {
  return `vigil-test:${randomBytes(6).toString('hex')}:`;
}

/** Opens `testDb` (PGlite in memory when it has no URL) with the pool settings every database test uses. */
export function openTestDatabase<Tables = Schema>(testDb: TestDatabase): Promise<Database<Tables>> {
  return createDatabase<Tables>({
    url: testDb.url,
    pgliteDataDir: 'memory://',
    poolSize: 4,
    statementTimeoutMs: 10_000,
    queryTimeoutMs: 11_000,
    connectTimeoutMs: 2_000,
    log: pino({ level: 'silent' }),
  });
}
