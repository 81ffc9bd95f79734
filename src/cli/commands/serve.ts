import { serve } from '../../main.js';
import type { Command } from '../command.js';
import { loadOrReport } from './shared.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the HTTP service (migrates the database first)',
  usage: 'vigil serve',
  help: `Starts Vigil: reads the configuration, opens the database (embedded PGlite under DATA_DIR
unless DATABASE_URL is set), applies pending migrations under an advisory lock, connects to Redis
when REDIS_URL is set, and serves HTTP on HOST:PORT (default 127.0.0.1:8080).
SIGTERM or SIGINT stops it gracefully: in-flight requests get VIGIL_SHUTDOWN_GRACE_MS to finish.`,
  async run(context) {
    const loaded = loadOrReport(context);
    if (!loaded) return 1;
    await serve(loaded.config);
    return -1; // keeps running until a signal
  },
};
