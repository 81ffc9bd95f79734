import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase, realDatabaseUrl } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import type { Database } from './database.js';
import { listAppliedMigrations, migrate, readMigrations } from './migrate.js';

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function open(testDb: TestDatabase): Promise<Database> {
  const database = await openTestDatabase(testDb);
  cleanups.push(() => database.close());
  return database;
}

async function fresh(): Promise<{ testDb: TestDatabase; database: Database }> {
  const testDb = await createTestDatabase();
  cleanups.push(() => testDb.drop());
  return { testDb, database: await open(testDb) };
}

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-migrations-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const tableExists = async (database: Database, table: string) =>
  database.session(async (s) => (await s.query<{ t: string | null }>('select to_regclass($1)::text as t', [table]))[0]?.t !== null);

describe('migrations', () => {
  it('applies the project migrations in order and records each with its checksum', async () => {
    const { database } = await fresh();
    const files = readMigrations();
    expect(files[0]?.name).toBe('0001-platform.sql');
    const { applied } = await migrate(database, log);
    expect(applied).toEqual(files.map((f) => f.name));
    const recorded = await listAppliedMigrations(database);
    expect(recorded.map((m) => [m.version, m.checksum])).toEqual(files.map((f) => [f.version, f.checksum]));
    expect((await migrate(database, log)).applied).toEqual([]);
  });

  it('applies only what is new', async () => {
    const { database } = await fresh();
    const dir = dirWith({ '0001-a.sql': 'create table a (id int);' });
    expect((await migrate(database, log, readMigrations(dir))).applied).toEqual(['0001-a.sql']);
    writeFileSync(path.join(dir, '0002-b.sql'), 'create table b (id int); insert into b values (1), (2);');
    expect((await migrate(database, log, readMigrations(dir))).applied).toEqual(['0002-b.sql']);
    expect(await tableExists(database, 'b')).toBe(true);
  });

  it('rolls back a failing migration whole and does not record it', async () => {
    const { database } = await fresh();
    const dir = dirWith({
      '0001-ok.sql': 'create table ok (id int);',
      '0002-bad.sql': 'create table half (id int); select * from missing_table;',
    });
    await expect(migrate(database, log, readMigrations(dir))).rejects.toThrow(/migration 0002-bad\.sql failed/);
    expect(await tableExists(database, 'ok')).toBe(true);
    expect(await tableExists(database, 'half')).toBe(false);
    expect((await listAppliedMigrations(database)).map((m) => m.name)).toEqual(['0001-ok.sql']);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const { database } = await fresh();
    const dir = dirWith({ '0001-a.sql': 'create table a (id int);' });
    await migrate(database, log, readMigrations(dir));
    writeFileSync(path.join(dir, '0001-a.sql'), 'create table a (id bigint);');
    await expect(migrate(database, log, readMigrations(dir))).rejects.toThrow(/0001-a\.sql was changed after it was applied/);
  });

  it('rejects badly named and duplicate migration files', () => {
    expect(() => readMigrations(dirWith({ 'init.sql': 'select 1;' }))).toThrow(/must be named NNNN-name\.sql/);
    expect(() => readMigrations(dirWith({ '0001-a.sql': 'select 1;', '0001-b.sql': 'select 1;' }))).toThrow(
      /two migrations have version 1/,
    );
  });

  // PGlite runs one query at a time, so this race only exists on a real server.
  it.runIf(realDatabaseUrl)('applies each migration once when two processes migrate at the same moment', async () => {
    const { testDb, database: first } = await fresh();
    const second = await open(testDb);
    const dir = dirWith({
      '0001-a.sql': 'create table a (id int); select pg_sleep(0.3);',
      '0002-b.sql': 'create table b (id int);',
    });
    const files = readMigrations(dir);
    const [x, y] = await Promise.all([migrate(first, log, files), migrate(second, log, files)]);
    expect([...x.applied, ...y.applied].sort()).toEqual(['0001-a.sql', '0002-b.sql']);
    expect(await listAppliedMigrations(first)).toHaveLength(2);
  });
});
