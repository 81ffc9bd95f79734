// Starts a real Vigil (the composition root, listening on a free loopback port) on a fresh
// database, with its log lines captured for assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import type { Config, SettingName } from '../../src/config.js';
import { startVigil } from '../../src/main.js';
import type { RunningVigil, StartOptions } from '../../src/main.js';
import { loggerOptions } from '../../src/platform/log.js';
import { createTestDatabase, realRedisUrl, testRedisPrefix } from './databases.js';

export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }

  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestVigil extends RunningVigil {
  config: Config;
  logs: LogCapture;
  stop(): Promise<void>;
}

export interface TestVigilOptions extends Pick<StartOptions, 'configure'> {
  env?: Partial<Record<SettingName, string>>;
  /** Use the real servers of the integration pass when they are configured (default true). */
  useRealServers?: boolean;
}

export async function startTestVigil(options: TestVigilOptions = {}): Promise<TestVigil> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-test-'));
  const real = options.useRealServers ?? true;
  const database = real ? await createTestDatabase() : { url: undefined, drop: () => Promise.resolve() };
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'debug',
    VIGIL_SHUTDOWN_GRACE_MS: '2000',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(real && realRedisUrl ? { REDIS_URL: realRedisUrl, VIGIL_REDIS_KEY_PREFIX: testRedisPrefix() } : {}),
    ...options.env,
  };
  const { config } = loadConfig(env);
  const logs = new LogCapture();
  const log = pino(loggerOptions({ level: config.log.level }), logs);
  const running = await startVigil(config, {
    log,
    pgliteDataDir: 'memory://',
    defaultMetrics: false,
    ...(options.configure ? { configure: options.configure } : {}),
  });
  let stopped = false;
  return {
    ...running,
    config,
    logs,
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.shutdown('test finished');
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
