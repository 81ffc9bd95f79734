import { ConfigError, loadConfig } from '../../config.js';
import type { LoadedConfig } from '../../config.js';
import type { CommandContext } from '../command.js';

/** Loads the configuration, or prints one line per problem and returns undefined. */
export function loadOrReport(context: CommandContext): LoadedConfig | undefined {
  try {
    return loadConfig(context.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    context.err('vigil: invalid configuration');
    for (const problem of error.problems) context.err(`  ${problem}`);
    return undefined;
  }
}
