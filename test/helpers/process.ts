// Spawns the built `vigil` command as a real process and reads its JSON log lines.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/vigil.js');

export interface VigilProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first log record matching; rejects after timeoutMs or if the process exits. */
  waitForLog(predicate: (record: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Environment for a child: nothing from the test runner's own DATABASE_URL/REDIS_URL unless given. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test' };
  return { ...base, ...env };
}

export function runVigil(args: string[], env: Record<string, string>): VigilProcess {
  const child = spawn(process.execPath, [bin, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal });
    }),
  );
  const records = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    // A spawned process on a loaded 2-core machine may take long to boot: the default is generous.
    waitForLog(predicate, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for a log line; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        const check = () => {
          const found = records().find(predicate);
          if (found) finish(undefined, found);
          else if (child.exitCode !== null || child.signalCode !== null)
            finish(new Error(`vigil exited (${child.exitCode}); stderr:\n${err}\nstdout:\n${out}`));
        };
        function finish(error?: Error, record?: Record<string, unknown>) {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(record!);
        }
        waiters.add(check);
        check();
      });
    },
  };
}

/** Signs in on a running Vigil; answers the headers of JSON calls with that bearer token. */
export async function signIn(url: string, credentials: { email: string; password: string }): Promise<Record<string, string>> {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`,
  };
}
