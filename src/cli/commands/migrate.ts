import { parseArgs } from 'node:util';
import { listAppliedMigrations, migrate, readMigrations } from '../../platform/db/migrate.js';
import { createLogger } from '../../platform/log.js';
import { openDatabase } from '../../main.js';
import type { CommandContext } from '../command.js';
import { loadOrReport } from './shared.js';

export async function run(context: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: context.argv, options: { status: { type: 'boolean', default: false } }, strict: true });
  const loaded = loadOrReport(context);
  if (!loaded) return 1;
  const log = createLogger({ level: loaded.config.log.level === 'info' ? 'warn' : loaded.config.log.level, destination: process.stderr });
  const database = await openDatabase(loaded.config, log);
  try {
    if (values.status) {
      const applied = new Map((await listAppliedMigrations(database)).map((m) => [m.version, m]));
      for (const file of readMigrations()) {
        const done = applied.get(file.version);
        context.out(`${done ? 'applied' : 'pending'}  ${file.name}${done ? `  ${done.appliedAt.toISOString()}` : ''}`);
      }
      return 0;
    }
    const { applied } = await migrate(database, log);
    context.out(applied.length === 0 ? 'database is up to date' : `applied ${applied.length}: ${applied.join(', ')}`);
    return 0;
  } finally {
    await database.close();
  }
}
