// Forward-only SQL migrations from migrations/NNNN-name.sql, applied in order, each in its own
// transaction, under a PostgreSQL advisory lock so that processes starting together apply each once.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { migrationsDir } from '../paths.js';
import type { Database, RawSession } from './database.js';
import { LOCKS, withSessionLock } from './locks.js';

export interface MigrationFile {
  version: number;
  name: string;
  checksum: string;
  sql: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export function readMigrations(dir = migrationsDir): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const match = /^(\d{4})-([a-z0-9-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file ${file} must be named NNNN-name.sql`);
    const version = Number(match[1]);
    if (seen.has(version)) throw new Error(`two migrations have version ${version}`);
    seen.add(version);
    const text = readFileSync(path.join(dir, file), 'utf8');
    return { version, name: file, checksum: createHash('sha256').update(text).digest('hex'), sql: text };
  });
}

async function appliedMigrations(session: RawSession): Promise<AppliedMigration[]> {
  const rows = await session.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
    'select version, name, checksum, applied_at from schema_migrations order by version',
  );
  return rows.map((row) => ({ version: row.version, name: row.name, checksum: row.checksum, appliedAt: row.applied_at }));
}

/**
 * Applies what is pending, on a session without the statement and query timeouts: a migration may
 * rewrite a large table, and a process that starts while another migrates waits for it on the lock.
 */
export async function migrate(database: Database, log: Logger, files = readMigrations()): Promise<{ applied: string[] }> {
  return database.unboundedSession((session) =>
    withSessionLock(session, LOCKS.migrations, async () => {
      await session.exec(`create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`);
      const done = new Map((await appliedMigrations(session)).map((m) => [m.version, m]));
      for (const [version, migration] of done) {
        const file = files.find((f) => f.version === version);
        if (file && file.checksum !== migration.checksum) {
          throw new Error(`migration ${file.name} was changed after it was applied; add a new migration instead`);
        }
      }
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file.version)) continue;
        const started = Date.now();
        await session.exec('begin');
        try {
          await session.exec(file.sql);
          await session.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
            file.version,
            file.name,
            file.checksum,
          ]);
          await session.exec('commit');
        } catch (error) {
          await session.exec('rollback');
          throw new Error(`migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
        }
        log.info({ migration: file.name, durationMs: Date.now() - started }, 'migration applied');
        applied.push(file.name);
      }
      return { applied };
    }),
  );
}

export async function listAppliedMigrations(database: Database): Promise<AppliedMigration[]> {
  return database.session(async (session) => {
    const exists = await session.query<{ present: boolean }>("select to_regclass('schema_migrations') is not null as present");
    return exists[0]?.present ? appliedMigrations(session) : [];
  });
}
