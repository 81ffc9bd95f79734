// The cameras benchmark's children (bench/cameras/child.ts): the camera simulator, and Vigil on a
// data directory of its own, each answering its figures over IPC.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { spawnBenchChild, stopChild } from '../children.js';
import type { CameraChildMessage, CameraChildRequest, DatabaseSizes, ProcessUsage, SimulatorTotals } from './protocol.js';
import { ADMIN } from './settings.js';
import type { CamerasSettings } from './settings.js';

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface CameraChild {
  role: 'vigil' | 'simulator' | 'ingest';
  pid: number;
  url: string;
  usage(resetLoopDelay?: boolean, gc?: boolean): Promise<ProcessUsage>;
  stats(): Promise<SimulatorTotals>;
  startSampling(intervalMs: number): Promise<void>;
  samples(): Promise<[number, number][]>;
  databaseSizes(): Promise<DatabaseSizes>;
  /** Ingest only: runs cameras 1..n of the simulator; answers how many run. */
  ingest(simUrl: string, cameras: number, timeoutMs: number): Promise<number>;
  frames(): Promise<{ frames: number; running: number; stalls: number }>;
  stop(): Promise<void>;
}

type Answerable = Exclude<CameraChildMessage, { type: 'ready' } | { type: 'failed' }>;
type RequestBody = CameraChildRequest extends infer R ? (R extends CameraChildRequest ? Omit<R, 'id'> : never) : never;

export async function startCameraChild(
  role: 'vigil' | 'simulator' | 'ingest',
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<CameraChild> {
  const child: ChildProcess = spawnBenchChild(CHILD_ENTRY, [role], { env, nodeArgs });
  const pending = new Map<number, { resolve: (message: Answerable) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exitedHow: string | undefined;
  child.on('message', (message: CameraChildMessage) => {
    if (message.type === 'ready' || message.type === 'failed') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    waiter?.resolve(message);
  });
  child.once('exit', (code, signal) => {
    exitedHow = signal ?? `code ${String(code)}`;
    for (const waiter of pending.values()) waiter.reject(new Error(`the ${role} process exited (${exitedHow})`));
    pending.clear();
  });

  function ask<T extends Answerable['type']>(request: RequestBody, type: T, timeoutMs = 15_000): Promise<Extract<Answerable, { type: T }>> {
    if (exitedHow !== undefined) return Promise.reject(new Error(`the ${role} process exited (${exitedHow})`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the ${role} process did not answer "${request.type}" within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          if (message.type === type) resolve(message as Extract<Answerable, { type: T }>);
          else reject(new Error(`the ${role} process answered "${message.type}" to "${request.type}"`));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ ...request, id });
    });
  }

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`starting the ${role} process: no answer within 120 s`)), 120_000);
      child.on('message', (message: CameraChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.url);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`starting the ${role} process failed: ${message.message}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`starting the ${role} process: it exited (${signal ?? `code ${String(code)}`})`));
      });
    });
    if (child.pid === undefined) throw new Error(`starting the ${role} process: no pid`);
    return {
      role,
      pid: child.pid,
      url,
      usage: async (resetLoopDelay = false, gc = false) => (await ask({ type: 'usage', resetLoopDelay, gc }, 'usage')).usage,
      stats: async () => (await ask({ type: 'stats' }, 'stats')).stats,
      startSampling: async (intervalMs) => {
        await ask({ type: 'sample', intervalMs }, 'sampling');
      },
      samples: async () => (await ask({ type: 'samples' }, 'samples')).samples,
      databaseSizes: async () => (await ask({ type: 'db' }, 'db')).sizes,
      ingest: async (simUrl, cameras, timeoutMs) =>
        (await ask({ type: 'ingest', simUrl, cameras, timeoutMs }, 'ingest', timeoutMs + 60_000)).running,
      frames: async () => {
        const { frames, running, stalls } = await ask({ type: 'frames' }, 'frames');
        return { frames, running, stalls };
      },
      stop: () => stopChild(child, 15_000),
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Vigil in a child, on a data directory this process makes and removes (also when it exits on a signal). */
export async function startVigilChild(
  connectRate: number,
  settings: CamerasSettings,
  progress: (line: string) => void,
  options: { backoffMaxMs?: number; profile?: boolean } = {},
) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-cameras-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir);
  const cleanup = () => {
    process.off('exit', removeDataDir);
    removeDataDir();
  };
  try {
    const child = await startCameraChild(
      'vigil',
      {
        BENCH_CAMERAS_DATA_DIR: dataDir,
        BENCH_CAMERAS_CONNECT_RATE: String(connectRate),
        BENCH_CAMERAS_ADMIN_EMAIL: ADMIN.email,
        BENCH_CAMERAS_ADMIN_PASSWORD: ADMIN.password,
        ...(options.backoffMaxMs !== undefined ? { BENCH_CAMERAS_BACKOFF_MAX_MS: String(options.backoffMaxMs) } : {}),
      },
      // --expose-gc: the live memory after each window is measured after a full collection.
      ['--expose-gc', ...(settings.profileDir && options.profile !== false ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : [])],
    );
    progress(
      `cameras: Vigil up at ${child.url} (pid ${child.pid}, VIGIL_CAMERA_CONNECT_RATE=${connectRate}` +
        (options.backoffMaxMs !== undefined ? `, VIGIL_CAMERA_BACKOFF_MAX_MS=${options.backoffMaxMs}` : '') +
        ')' +
        (settings.profileDir && options.profile !== false ? `, profiling into ${settings.profileDir}` : ''),
    );
    return {
      child,
      async stop() {
        try {
          await child.stop();
        } finally {
          cleanup();
        }
      },
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}
