import { loadPglite } from '../../platform/db/pglite.js';
import type { CommandContext } from '../command.js';
import { loadOrReport } from './shared.js';

export async function run(context: CommandContext): Promise<number> {
  const loaded = loadOrReport(context);
  if (!loaded) return 1;
  // The embedded database's engine loads and compiles while the service's modules load.
  if (loaded.config.database.url === undefined) void loadPglite();
  const { serve } = await import('../../main.js');
  await serve(loaded.config);
  return -1; // keeps running until a signal
}
