// Starts and stops the server children. Every live child is tracked so that any way out of the
// parent (normal exit, error, Ctrl-C) kills them; a child also exits by itself when its IPC channel
// to the parent closes (see server.ts).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from './protocol.js';
import type { RequestSpec, TargetName } from './targets.js';

const SERVER_ENTRY = fileURLToPath(new URL('./server.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 8_000;

const live = new Set<ChildProcess>();

export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of live) child.kill(signal);
  live.clear();
}

let cleanupInstalled = false;

/** Kills the children on exit and on SIGINT/SIGTERM; call once before starting any. */
export function installChildCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => killAllChildren());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // SIGTERM lets the children clean up (temporary data dirs); they force their own exit after 5 s.
      killAllChildren('SIGTERM');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

export interface ServerChild {
  target: TargetName;
  pid: number;
  url: string;
  request: RequestSpec;
  /** CPU time (user + system, µs) the child has used so far. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL if the child has not exited within `timeoutMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited(child);
  clearTimeout(timer);
}

function nextMessage<T extends ChildMessage['type']>(child: ChildProcess, type: T, timeoutMs: number, what: string) {
  return new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'failed') {
        cleanup();
        reject(new Error(`${what} failed: ${message.message}`));
      } else if (message.type === type) {
        cleanup();
        resolve(message as Extract<ChildMessage, { type: T }>);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(new Error(`${what}: the server process exited (${signal ?? `code ${String(code)}`})`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Spawns `node [nodeArgs] --import tsx <entry> [args]` with an IPC channel, tracked like the servers
 * (killed on any way out of the parent). Whatever the child prints goes to our stderr, so stdout
 * keeps only the report. node --import tsx (not the tsx CLI) so the pid we hold is the child itself,
 * not a wrapper.
 */
export function spawnBenchChild(
  entry: string,
  args: readonly string[],
  options: { env?: Record<string, string>; nodeArgs?: readonly string[] } = {},
): ChildProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.stdout?.pipe(process.stderr);
  return child;
}

/** Starts a target in a child; `env` is added to the child's environment (a database to use, say). */
export async function startServer(target: TargetName, env?: Record<string, string>, nodeArgs?: readonly string[]): Promise<ServerChild> {
  const child = spawnBenchChild(SERVER_ENTRY, [target], { ...(env ? { env } : {}), ...(nodeArgs ? { nodeArgs } : {}) });

  try {
    const ready = await nextMessage(child, 'ready', START_TIMEOUT_MS, `starting ${target}`);
    if (child.pid === undefined) throw new Error(`starting ${target}: no pid`);
    return {
      target,
      pid: child.pid,
      url: ready.url,
      request: ready.request,
      async cpuMicros() {
        const answer = nextMessage(child, 'usage', 5_000, `${target} CPU usage`);
        child.send({ type: 'usage' } satisfies ParentMessage);
        return (await answer).cpuMicros;
      },
      stop: () => stopChild(child),
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
