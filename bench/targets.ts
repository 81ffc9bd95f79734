// The servers a benchmark can start, each in a child process of its own (see server.ts). Every
// target answers the same route with the same JSON, so a pair of targets differs only in the stack
// around the handler.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
// Type-only: erased at run time, so the bare target's process still never loads Vigil.
import type { App } from '../src/server.js';

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

/** Where the auth-overhead pair answers: one path per route, so each target serves exactly one. */
export const AUTH_PUBLIC_PATH = '/api/v1/bench/hello-public';
export const AUTH_SCOPED_PATH = '/api/v1/bench/hello-scoped';
/** The unit the scoped route checks; the bench admin's global grant covers it. */
const BENCH_UNIT = 'SITE-1';
const BENCH_ADMIN = { email: 'bench@example.com', password: 'harbour-lantern-quay-42' } as const;

type VigilModules = Awaited<ReturnType<typeof importVigil>>;

function importVigil() {
  // Imported lazily so the bare target's process never loads Vigil.
  return Promise.all([
    import('../src/config.js'),
    import('../src/main.js'),
    import('../src/platform/log.js'),
    import('../src/modules/auth/index.js'),
    import('../src/platform/errors.js'),
  ]).then(([{ loadConfig }, { startVigil }, { createLogger, logDestination }, { createScopePolicy }, { AppError }]) => ({
    loadConfig,
    startVigil,
    createLogger,
    logDestination,
    // The scope check the cameras service makes, on a tree where each unit's subtree is itself.
    policy: createScopePolicy({ subtreeOf: (roots) => Promise.resolve(roots) }),
    AppError,
  }));
}

interface VigilSetup {
  /** Adds the benchmark route(s) through startVigil's configure. */
  routes(app: App, vigil: VigilModules): void;
  /** What the load generator sends, once the server is up (it may sign in to get a token first). */
  request(app: App): Promise<RequestSpec>;
}

/**
 * Vigil as `vigil serve` runs it (real logger writing to /dev/null, HTTP metrics, error handling),
 * PGlite in memory, with the first admin created from VIGIL_ADMIN_* at start.
 */
async function startVigilWith(setup: VigilSetup): Promise<StartedTarget> {
  const vigil = await importVigil();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-'));
  try {
    const { config } = vigil.loadConfig({
      HOST: LOOPBACK,
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      VIGIL_SHUTDOWN_GRACE_MS: '1000',
      VIGIL_ADMIN_EMAIL: BENCH_ADMIN.email,
      VIGIL_ADMIN_PASSWORD: BENCH_ADMIN.password,
      // The limiter still runs on every request (its cost is measured); the ceiling is just out of reach.
      VIGIL_RATE_LIMIT_MAX: '10000000',
    });
    // Vigil's real logger, formatters and destination, on /dev/null: every line is still built and written.
    const log = vigil.createLogger({ level: 'info', destination: vigil.logDestination('/dev/null') });
    const running = await vigil.startVigil(config, {
      log,
      pgliteDataDir: 'memory://',
      configure: (app) => setup.routes(app, vigil),
    });
    const close = async () => {
      await running.shutdown('benchmark finished');
      rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      return { url: running.url, request: await setup.request(running.app), close };
    } catch (error) {
      await close();
      throw error;
    }
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Signs the bench admin in (in-process, no socket) and returns its bearer access token. */
async function signIn(app: App): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: BENCH_ADMIN });
  if (response.statusCode !== 200) throw new Error(`signing in the bench admin answered ${response.statusCode}: ${response.body}`);
  const { accessToken } = response.json<{ accessToken?: unknown }>();
  if (typeof accessToken !== 'string') throw new Error('signing in the bench admin answered no accessToken');
  return accessToken;
}

const startVigilStack = () =>
  startVigilWith({
    routes: (app) => {
      app.get(HELLO_PATH, { config: { permission: 'public' }, schema: helloSchema }, hello);
    },
    request: () => Promise.resolve(helloRequest),
  });

const startVigilAnonymous = () =>
  startVigilWith({
    routes: (app) => {
      app.get(AUTH_PUBLIC_PATH, { config: { permission: 'public' }, schema: helloSchema }, hello);
    },
    request: () => Promise.resolve({ method: 'GET', path: AUTH_PUBLIC_PATH }),
  });

const startVigilAuthenticated = () =>
  startVigilWith({
    routes: (app, { policy, AppError }) => {
      // The route-level check (cameras:read) runs in Vigil's onRequest hook; the handler adds the
      // unit scope check the cameras service makes, answering 404 outside the caller's units.
      app.get(AUTH_SCOPED_PATH, { config: { permission: 'cameras:read' }, schema: helloSchema }, async (request) => {
        if (!(await policy.allows(request.principal!, 'cameras:read', BENCH_UNIT))) {
          throw new AppError(404, 'NOT_FOUND', `no unit ${BENCH_UNIT}`);
        }
        return hello();
      });
    },
    request: async (app) => ({
      method: 'GET',
      path: AUTH_SCOPED_PATH,
      headers: { authorization: `Bearer ${await signIn(app)}` },
    }),
  });

export const targets = {
  'bare-fastify': startBareFastify,
  // The pk-read and mixed-load pair, on the PostgreSQL database the parent prepared (api-load/).
  'bare-org': () => import('./api-load/targets.js').then((m) => m.startBareOrg()),
  'vigil-org': () => import('./api-load/targets.js').then((m) => m.startVigilOrg()),
  vigil: startVigilStack,
  'vigil-anonymous': startVigilAnonymous,
  'vigil-authenticated': startVigilAuthenticated,
} satisfies Record<string, () => Promise<StartedTarget>>;

export type TargetName = keyof typeof targets;

export function isTargetName(name: string): name is TargetName {
  return Object.hasOwn(targets, name);
}
