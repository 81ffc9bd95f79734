// The OpenAPI document as the route schemas generate it, from a Vigil built (not listening, no
// workers) on an in-memory database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createVigil } from '../src/main.js';
import { packageRoot } from '../src/platform/paths.js';

export const snapshotPath = path.join(packageRoot, 'openapi', 'openapi.json');

export async function generateOpenApi(): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-openapi-'));
  const { config } = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' });
  const vigil = await createVigil(config, { log: pino({ level: 'silent' }), pgliteDataDir: 'memory://', defaultMetrics: false });
  try {
    const res = await vigil.app.inject({ method: 'GET', url: '/api/openapi.json' });
    return `${JSON.stringify(res.json(), null, 2)}\n`;
  } finally {
    await vigil.shutdown('openapi generated');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
