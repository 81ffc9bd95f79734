// The database of the pk-read and mixed-load scenarios: a fresh PostgreSQL database
// (vigil_bench_<random>, dropped at the end, on a signal too), migrated with Vigil's migrations and
// filled with the org-units benchmark's generated organization, before either server starts.
import pino from 'pino';
import { sql } from 'kysely';
import { createDatabase } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { createPostgresDatabase, dropOnSignal, serverAnswers } from '../org-units/backends.js';
import { codeOf, generate, layout } from '../org-units/data.js';
import type { Level } from '../org-units/data.js';

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface DatabaseSettings {
  url: string;
  source: 'BENCH_DATABASE_URL' | 'DATABASE_URL' | 'default';
  /** Units in the generated organization. */
  units: number;
}

export function readDatabaseSettings(env: NodeJS.ProcessEnv, units: number): DatabaseSettings {
  const postgres = env.BENCH_DATABASE_URL
    ? { url: env.BENCH_DATABASE_URL, source: 'BENCH_DATABASE_URL' as const }
    : env.DATABASE_URL
      ? { url: env.DATABASE_URL, source: 'DATABASE_URL' as const }
      : { url: DEFAULT_POSTGRES_URL, source: 'default' as const };
  return { ...postgres, units };
}

export interface PreparedDatabase {
  url: string;
  levels: Level[];
  /** The organization's only root. */
  root: string;
  /** Codes of each level, root first. */
  codes(depth: number): string[];
  drop(): Promise<void>;
}

/** undefined when the default server does not answer (the scenario is skipped, as org-units does). */
export async function prepareDatabase(settings: DatabaseSettings): Promise<PreparedDatabase | undefined> {
  if (settings.source === 'default' && !(await serverAnswers(settings.url))) return undefined;
  const target = await createPostgresDatabase(settings.url);
  const undoSignal = dropOnSignal(target);
  const drop = async () => {
    try {
      await target.drop();
    } finally {
      undoSignal();
    }
  };
  try {
    const log = pino({ level: 'silent' });
    const database = await createDatabase({
      url: target.url,
      pgliteDataDir: 'memory://',
      poolSize: 2,
      statementTimeoutMs: 600_000,
      queryTimeoutMs: 660_000,
      connectTimeoutMs: 5_000,
      log,
    });
    const levels = layout(settings.units);
    try {
      await migrate(database, log);
      await generate(database.db, levels);
      await sql`analyze`.execute(database.db);
    } finally {
      await database.close();
    }
    return {
      url: target.url,
      levels,
      root: codeOf(levels[0]!, 1),
      codes: (depth) => {
        const level = levels[depth - 1];
        return level ? Array.from({ length: level.count }, (_, i) => codeOf(level, i + 1)) : [];
      },
      drop,
    };
  } catch (error) {
    await drop();
    throw error;
  }
}
