// The org-units benchmark's backends: a fresh PostgreSQL database (dropped afterwards, on a signal
// too), and Vigil started in this process on it or on PGlite in memory, with the bench admin.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startVigil } from '../../src/main.js';
import type { RunningVigil } from '../../src/main.js';
import { createLogger } from '../../src/platform/log.js';
import { ADMIN } from './settings.js';

const LOOPBACK = '127.0.0.1';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface PostgresTarget {
  adminUrl: string;
  database: string;
  url: string;
  drop(): Promise<void>;
}

/** Whether a server answers at the admin URL (only asked of the default URL). */
export async function serverAnswers(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const DROP_SCRIPT = `
import pg from 'pg';
const client = new pg.Client({ connectionString: process.env.BENCH_DROP_URL });
await client.connect();
await client.query('drop database if exists ' + process.env.BENCH_DROP_NAME + ' with (force)');
await client.end();
`;

/**
 * On SIGINT/SIGTERM the process exits right after its signal listeners run (children.ts), too soon
 * for an await: a detached process drops the database instead. Returns the function that removes
 * the listeners.
 */
export function dropOnSignal(target: PostgresTarget): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    spawn(process.execPath, ['--input-type=module', '-e', DROP_SCRIPT], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, BENCH_DROP_URL: target.adminUrl, BENCH_DROP_NAME: target.database },
    }).unref();
    // Alone on this signal, we would keep running: exit as the default action would.
    if (process.listenerCount(signal) === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.prependOnceListener('SIGINT', onSignal);
  process.prependOnceListener('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export async function createPostgresDatabase(adminUrl: string): Promise<PostgresTarget> {
  const database = `vigil_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    adminUrl,
    database,
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `drop database if exists ${database} with (force)`),
  };
}

export async function signIn(baseUrl: string): Promise<string> {
  const response = await fetch(new URL('/api/auth/login', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`signing in the bench admin answered ${response.status}: ${text}`);
  const { accessToken } = JSON.parse(text) as { accessToken?: unknown };
  if (typeof accessToken !== 'string') throw new Error('signing in the bench admin answered no accessToken');
  return accessToken;
}

export async function startBackend(
  databaseUrl: string | undefined,
): Promise<{ running: RunningVigil; maxDepth: number; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-org-'));
  // A signal makes the process exit without closing anything: remove the directory then too.
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir);
  try {
    const { config } = loadConfig({
      HOST: LOOPBACK,
      PORT: '0',
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      LOG_LEVEL: 'info',
      VIGIL_SHUTDOWN_GRACE_MS: '1000',
      VIGIL_ADMIN_EMAIL: ADMIN.email,
      VIGIL_ADMIN_PASSWORD: ADMIN.password,
      // The limiter still runs on every request; the ceiling is just out of reach.
      VIGIL_RATE_LIMIT_MAX: '10000000',
      // One token for the whole run, however long the PGlite tree reads take.
      VIGIL_ACCESS_TOKEN_TTL_S: '86400',
      // Generating the organization is one long transaction; requests never come near this.
      VIGIL_DB_STATEMENT_TIMEOUT_MS: '600000',
    });
    // Vigil's real logger writing to /dev/null, as bench/targets.ts does.
    const log = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
    const running = await startVigil(config, { log, pgliteDataDir: 'memory://' });
    return {
      running,
      maxDepth: config.org.maxDepth,
      async close() {
        try {
          await running.shutdown('benchmark finished');
        } finally {
          process.off('exit', removeDataDir);
          removeDataDir();
        }
      },
    };
  } catch (error) {
    process.off('exit', removeDataDir);
    removeDataDir();
    throw error;
  }
}
