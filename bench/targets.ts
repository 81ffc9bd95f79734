// The servers a benchmark can start, each in a child process of its own (see server.ts). Every
// target answers the same route with the same JSON, so a pair of targets differs only in the stack
// around the handler.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';

export const LOOPBACK = '127.0.0.1';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface StartedTarget {
  url: string;
  /** What the load generator sends; a target may add headers (an authenticated route, say). */
  request: RequestSpec;
  close(): Promise<void>;
}

export const HELLO_PATH = '/api/v1/bench/hello';
export const HELLO_BODY = { hello: 'world' };

/** Vigil refuses routes without a summary; the bare app gets the same schema so both serialize alike. */
export const helloSchema = {
  summary: 'Benchmark route: a small constant JSON object.',
  response: {
    200: {
      type: 'object',
      properties: { hello: { type: 'string' } },
      required: ['hello'],
      additionalProperties: false,
    },
  },
} as const;

export function hello(): Promise<typeof HELLO_BODY> {
  return Promise.resolve(HELLO_BODY);
}

const helloRequest: RequestSpec = { method: 'GET', path: HELLO_PATH };

async function startBareFastify(): Promise<StartedTarget> {
  const app = Fastify({ logger: false });
  app.get(HELLO_PATH, { schema: helloSchema }, hello);
  const url = await app.listen({ host: LOOPBACK, port: 0 });
  return { url, request: helloRequest, close: () => app.close() };
}

async function startVigilStack(): Promise<StartedTarget> {
  // Imported here so the bare target's process never loads Vigil.
  const [{ default: pino }, { loadConfig }, { startVigil }, { createLogger }] = await Promise.all([
    import('pino'),
    import('../src/config.js'),
    import('../src/main.js'),
    import('../src/platform/log.js'),
  ]);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-'));
  try {
    const { config } = loadConfig({ HOST: LOOPBACK, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', VIGIL_SHUTDOWN_GRACE_MS: '1000' });
    // Vigil's real logger and formatters, writing to /dev/null: every line is still built and written.
    const log = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
    const running = await startVigil(config, {
      log,
      pgliteDataDir: 'memory://',
      configure: (app) => {
        app.get(HELLO_PATH, { schema: helloSchema }, hello);
      },
    });
    return {
      url: running.url,
      request: helloRequest,
      async close() {
        await running.shutdown('benchmark finished');
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export const targets = {
  'bare-fastify': startBareFastify,
  vigil: startVigilStack,
} satisfies Record<string, () => Promise<StartedTarget>>;

export type TargetName = keyof typeof targets;

export function isTargetName(name: string): name is TargetName {
  return Object.hasOwn(targets, name);
}
