import { serve } from '../../main.js';
import type { CommandContext } from '../command.js';
import { loadOrReport } from './shared.js';

export async function run(context: CommandContext): Promise<number> {
  const loaded = loadOrReport(context);
  if (!loaded) return 1;
  await serve(loaded.config);
  return -1; // keeps running until a signal
}
