// A real Vigil (the composition root's createVigil) on a fresh database, with its log lines
// captured for assertions. Requests go through `app.inject`: no port is opened unless a test asks
// for one (`listen: true`: real sockets, for the edge of HTTP, scraping, forwarding between processes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import type { Config, SettingName } from '../../src/config.js';
import { createVigil } from '../../src/main.js';
import type { StartOptions, Vigil } from '../../src/main.js';
import { loggerOptions } from '../../src/platform/log.js';
import { createTestDatabase, realRedisUrl, testRedisPrefix } from './databases.js';
import { installConformance } from './openapi-conformance.js';
import type { Conformance } from './openapi-conformance.js';

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

export const TEST_ADMIN = { email: 'admin@example.com', password: 'harbour-lantern-test-42' };

export interface TestVigil extends Vigil {
  config: Config;
  /** The API's address; only with `listen: true` (reading it otherwise throws). */
  readonly url: string;
  logs: LogCapture;
  /** Every answer checked against the published OpenAPI document; stop() fails on a violation. */
  conformance: Conformance;
  /** `Authorization` header of the first admin (signed in once, on first use). */
  adminAuth(): Promise<{ authorization: string }>;
  stop(): Promise<void>;
}

export interface TestVigilOptions extends Pick<StartOptions, 'configure' | 'now' | 'resolveCameraHost' | 'defaultMetrics'> {
  env?: Partial<Record<SettingName, string>>;
  /** Use the real servers of the integration pass when they are configured (default true). */
  useRealServers?: boolean;
  /** Open the API port on loopback (and METRICS_PORT when set); default false: `app.inject` only. */
  listen?: boolean;
  /** Start the background work (retention jobs, the camera fleet); default true. */
  workers?: boolean;
}

export async function startTestVigil(options: TestVigilOptions = {}): Promise<TestVigil> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-test-'));
  const real = options.useRealServers ?? true;
  const database = real ? await createTestDatabase() : { url: undefined, drop: () => Promise.resolve() };
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'debug',
    VIGIL_ADMIN_EMAIL: TEST_ADMIN.email,
    VIGIL_ADMIN_PASSWORD: TEST_ADMIN.password,
    VIGIL_SHUTDOWN_GRACE_MS: '2000',
    // Tests fire many requests from one address; the rate-limit tests set their own limits.
    VIGIL_RATE_LIMIT_MAX: '1000000',
    VIGIL_RATE_LIMIT_AUTH_MAX: '1000000',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(real && realRedisUrl ? { REDIS_URL: realRedisUrl, VIGIL_REDIS_KEY_PREFIX: testRedisPrefix() } : {}),
    ...options.env,
  };
  const { config } = loadConfig(env);
  const logs = new LogCapture();
  const log = pino(loggerOptions({ level: config.log.level }), logs);
  let conformance: Conformance | undefined;
  const running = await createVigil(config, {
    log,
    pgliteDataDir: 'memory://',
    defaultMetrics: options.defaultMetrics ?? false,
    configure: async (app) => {
      conformance = installConformance(app);
      await options.configure?.(app);
    },
    ...(options.now ? { now: options.now } : {}),
    ...(options.resolveCameraHost ? { resolveCameraHost: options.resolveCameraHost } : {}),
  });
  let url: string | undefined;
  try {
    if (options.listen === true) url = await running.listen();
    if (options.workers !== false) await running.startWorkers();
  } catch (error) {
    await running.shutdown('test set-up failed');
    await database.drop();
    throw error;
  }
  // Redis connects in the background; tests that read health expect it connected when configured.
  for (let i = 0; i < 100 && config.redis.url && !running.kv.status().connected; i++) await new Promise((r) => setTimeout(r, 50));
  let stopped = false;
  let adminToken: string | undefined;
  return {
    ...running,
    get url() {
      if (url === undefined) throw new Error('this test Vigil does not listen: start it with listen: true');
      return url;
    },
    config,
    logs,
    conformance: conformance!,
    async adminAuth() {
      if (!adminToken) {
        const res = await running.app.inject({ method: 'POST', url: '/api/auth/login', payload: TEST_ADMIN });
        if (res.statusCode !== 200) throw new Error(`admin sign-in failed: ${res.body}`);
        adminToken = res.json<{ accessToken: string }>().accessToken;
      }
      return { authorization: `Bearer ${adminToken}` };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.shutdown('test finished');
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
      const violations = conformance!.violations;
      if (violations.length > 0) {
        throw new Error(`${violations.length} answer(s) did not match the OpenAPI document:\n${[...new Set(violations)].join('\n')}`);
      }
    },
  };
}
