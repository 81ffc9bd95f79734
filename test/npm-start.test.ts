// `npm start` compiles nothing on an unchanged checkout, and rebuilds what changed when sources
// change. Run for real, with npm, in a copy of the checkout (sources, the built dist/ and the
// dependencies linked), so that editing sources here touches nobody else's files.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, freePort } from './helpers/process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const copy = mkdtempSync(path.join(tmpdir(), 'vigil-npm-start-'));
const BUILD_TIMEOUT = 600_000; // tsc and vite on a busy 2-core machine

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

const running: Started[] = [];

function npmStart(env: Record<string, string>): Started {
  // Its own process group: npm, the shell it runs and vigil are stopped together.
  const child = spawn('npm', ['start'], { cwd: copy, env: childEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const started = { child, stdout: () => out, stderr: () => err };
  running.push(started);
  return started;
}

/** The JSON log lines vigil wrote (npm's own lines are not JSON). */
function records(started: Started): Record<string, unknown>[] {
  return started
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function serving(started: Started): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT;
  while (!records(started).some((r) => r.msg === 'vigil is serving')) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited ${started.child.exitCode}:\n${started.stderr()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not serve:\n${started.stdout()}\n${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  try {
    process.kill(-started.child.pid!, 'SIGTERM');
  } catch {
    return; // the whole group is gone already
  }
  await exited;
}

/** Modification times of outputs of each part of the build: they change only if it ran. */
function outputTimes() {
  return Object.fromEntries(
    ['dist/cli/main.js', 'dist/version.js', 'dist/web/index.html', 'dist/pgdata-image.tar.gz'].map((file) => [
      file,
      statSync(path.join(copy, file)).mtimeMs,
    ]),
  );
}

/** `node scripts/build.js --if-stale` in the copy (not spawnSync: the test worker must stay responsive). */
function buildIfStale(): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['scripts/build.js', '--if-stale'], { cwd: copy, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

beforeAll(async () => {
  for (const entry of [
    'src',
    'web',
    'migrations',
    'bin',
    'scripts',
    'dist',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
  ]) {
    if (existsSync(path.join(root, entry))) cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
  }
  symlinkSync(realpathSync(path.join(root, 'node_modules')), path.join(copy, 'node_modules'));
  // Whatever state this checkout's dist/ is in, the copy starts built (usually nothing to do).
  expect((await buildIfStale()).code).toBe(0);
}, BUILD_TIMEOUT);

afterAll(async () => {
  for (const started of running) await stop(started);
  rmSync(copy, { recursive: true, force: true });
});

describe('npm start', () => {
  it(
    'compiles nothing on an unchanged checkout, then rebuilds exactly what changed, and only once',
    async () => {
      const env = { DATA_DIR: path.join(copy, 'data'), PORT: String(await freePort()), LOG_LEVEL: 'info' };
      const before = outputTimes();

      const unchanged = npmStart(env);
      await serving(unchanged);
      await stop(unchanged);
      expect(unchanged.stderr()).not.toContain('build:');
      expect(outputTimes()).toEqual(before);
      // A new data directory: made from the image built with dist/, not by initdb.
      expect(records(unchanged).map((r) => r.msg)).toContain('new embedded database: unpacked from the build image');

      // A test file, or a file only touched, is no reason to build.
      appendFileSync(path.join(copy, 'src', 'config.test.ts'), '\n// edited\n');
      const future = new Date(Date.now() + 60_000);
      utimesSync(path.join(copy, 'src', 'main.ts'), future, future);
      expect(await buildIfStale()).toEqual({ code: 0, stderr: '' });
      expect(outputTimes()).toEqual(before);

      // An edited source of the server and one of the console: both parts are built, once.
      appendFileSync(path.join(copy, 'src', 'version.ts'), "\nexport const EDITED = 'after the build';\n");
      appendFileSync(path.join(copy, 'web', 'index.html'), '\n<!-- edited after the build -->\n');
      const changed = npmStart(env);
      await serving(changed);
      await stop(changed);
      expect(changed.stderr()).toContain('build: server sources changed since the last build; building it');
      expect(changed.stderr()).toContain('build: web sources changed since the last build; building it');
      expect(readFileSync(path.join(copy, 'dist', 'version.js'), 'utf8')).toContain("export const EDITED = 'after the build';");
      expect(readFileSync(path.join(copy, 'dist', 'web', 'index.html'), 'utf8')).toContain('edited after the build');
      const rebuilt = outputTimes();
      expect(rebuilt['dist/version.js']).toBeGreaterThan(before['dist/version.js']!);
      expect(rebuilt['dist/web/index.html']).toBeGreaterThan(before['dist/web/index.html']!);
      // The image depends on the migrations and PGlite only: kept.
      expect(rebuilt['dist/pgdata-image.tar.gz']).toBe(before['dist/pgdata-image.tar.gz']);
      expect(records(changed).map((r) => r.msg)).not.toContain('new embedded database: unpacked from the build image');

      const again = npmStart(env);
      await serving(again);
      await stop(again);
      expect(again.stderr()).not.toContain('build:');
      expect(outputTimes()).toEqual(rebuilt);
    },
    3 * BUILD_TIMEOUT,
  );
});
