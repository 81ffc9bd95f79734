// For the commands that work on the database through Vigil's services (users, apikeys, keys):
// imported only by them, so that the others (config, version, --help) never load the application.
import { openCore } from '../../main.js';
import { SYSTEM } from '../../modules/auth/index.js';
import { createLogger } from '../../platform/log.js';
import type { CommandContext } from '../command.js';
import { loadOrReport } from './shared.js';

type Core = Awaited<ReturnType<typeof openCore>>;

/** The actor a command line change is audited under. */
export const CLI_ACTOR = { ...SYSTEM, id: 'cli' };

/**
 * Runs `work` against the services on the configured database (warnings and errors logged to stderr),
 * closing them afterwards; exits 1 when the configuration is invalid.
 */
export async function withCore(context: CommandContext, work: (core: Core) => Promise<number>): Promise<number> {
  const loaded = loadOrReport(context);
  if (!loaded) return 1;
  const core = await openCore(loaded.config, createLogger({ level: 'warn', destination: process.stderr }));
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}
