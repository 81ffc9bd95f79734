// The start-up benchmark (issue 14): how long a user waits, from the command to the answer, each
// case beside a reference measured in the same rounds (cases alternate within a round, so a busy
// moment on the machine hits cases and references alike):
//   `npm start` → GET /health/ready 200, on a new data directory and on an existing one (goals
//     < 5 s and < 1.5 s); references: PGlite alone initialising a new directory and opening an
//     existing one (node started, PGlite loaded with Vigil's extensions, a first query answered);
//   `node bin/vigil.js serve` on the existing directory (no npm, no build check), with the phases
//     Vigil logs when it starts serving;
//   `vigil --help` and `vigil version` until they exit (goal < 0.5 s); reference `node -e 0`.
// Also checks that `npm start` built nothing (dist/ is built before the benchmark runs).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/platform/paths.js';
import { stats } from '../org-units/tools.js';
import type { LatencyStats } from '../org-units/result.js';
import { freePort } from '../../test/helpers/process.js';
import { intSetting } from '../settings.js';

export const STARTUP_SCENARIO = 'startup';
const GOALS = { newMs: 5_000, existingMs: 1_500, cliMs: 500 } as const;
const ADMIN = { email: 'bench@example.com', password: 'harbour-lantern-quay-42' } as const;

export interface StartupSettings {
  rounds: number;
}

type CaseName = 'nodeBare' | 'help' | 'version' | 'pgliteOpen' | 'npmStartExisting' | 'serveExisting' | 'pgliteInit' | 'npmStartNew';

export interface StartupResult {
  settings: StartupSettings;
  /** Milliseconds from spawning the command to its answer, per case. */
  cases: Partial<Record<CaseName, LatencyStats>>;
  /** The phases `vigil serve` logged on the existing directory (median of the rounds, ms). */
  phases: Record<string, number>;
  /** Lines `npm start` printed about building (none expected: dist/ is up to date). */
  buildLines: string[];
  problems: string[];
  ok: boolean;
}

export function readStartupSettings(env: NodeJS.ProcessEnv): StartupSettings {
  return { rounds: intSetting(env, 'BENCH_STARTUP_ROUNDS', 5) };
}

function vigilEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'info',
    VIGIL_ADMIN_EMAIL: ADMIN.email,
    VIGIL_ADMIN_PASSWORD: ADMIN.password,
    VIGIL_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
  };
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  // A process group of its own: npm, its shell and vigil stop together.
  const child = spawn(command, args, { cwd: packageRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

async function stop(run: Run): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  const exited = new Promise((resolve) => run.child.once('exit', resolve));
  try {
    process.kill(-run.child.pid!, 'SIGTERM');
  } catch {
    return; // the whole group is gone already
  }
  await exited;
}

/** ms from spawning the command until it exits 0. */
async function untilExit(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  const run = start(command, args, { PATH: process.env.PATH, HOME: process.env.HOME });
  const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${run.stderr()}`);
  return performance.now() - started;
}

/** ms from spawning until `ready` holds; then stops the process and answers what it printed too. */
async function untilReady(run: Run, started: number, ready: () => Promise<boolean>): Promise<{ ms: number; run: Run }> {
  const deadline = started + 180_000;
  try {
    for (;;) {
      if (run.child.exitCode !== null) throw new Error(`exited ${run.child.exitCode} before it was ready: ${run.stderr()}`);
      if (await ready()) return { ms: performance.now() - started, run };
      if (performance.now() > deadline) throw new Error(`not ready after 180 s: ${run.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await stop(run);
  }
}

async function healthReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health/ready`)).status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** `npm start` or `node bin/vigil.js serve` on `dataDir`, until /health/ready answers 200. */
async function serve(how: 'npm' | 'node', dataDir: string) {
  const port = await freePort();
  const env = vigilEnv(dataDir, port);
  const started = performance.now();
  const run =
    how === 'npm' ? start('npm', ['start'], env) : start(process.execPath, [path.join(packageRoot, 'bin', 'vigil.js'), 'serve'], env);
  return untilReady(run, started, () => healthReady(`http://127.0.0.1:${port}`));
}

// PGlite alone, loaded as Vigil loads it (the same extensions), until a first query answers.
const pgliteScript = (dataDir: string) => {
  const dist = path.dirname(path.join(packageRoot, 'node_modules', '@electric-sql', 'pglite', 'dist', 'index.js'));
  const url = (file: string) => JSON.stringify(pathToFileURL(path.join(dist, file)).href);
  return `
    const [{ PGlite }, { btree_gist }, { ltree }, { pgcrypto }] = await Promise.all([
      import(${url('index.js')}), import(${url('contrib/btree_gist.js')}), import(${url('contrib/ltree.js')}), import(${url('contrib/pgcrypto.js')}),
    ]);
    const db = await PGlite.create({ dataDir: ${JSON.stringify(dataDir)}, extensions: { btree_gist, ltree, pgcrypto } });
    await db.query('select 1');
    process.stdout.write('ready\\n');
    await db.close();`;
};

async function pglite(dataDir: string): Promise<number> {
  const started = performance.now();
  const run = start(process.execPath, ['--input-type=module', '-e', pgliteScript(dataDir)], { PATH: process.env.PATH });
  const { ms } = await untilReady(run, started, () => Promise.resolve(run.stdout().includes('ready')));
  return ms;
}

function servingLine(run: Run): Record<string, unknown> | undefined {
  for (const line of run.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    if (record.msg === 'vigil is serving') return record;
  }
  return undefined;
}

const median = (values: number[]) => stats(values).p50;

export async function runStartup(settings: StartupSettings, progress: (line: string) => void): Promise<StartupResult> {
  const problems: string[] = [];
  const buildLines: string[] = [];
  const samples: Partial<Record<CaseName, number[]>> = {};
  const phaseSamples: Record<string, number[]> = {};
  const add = (name: CaseName, ms: number) => (samples[name] ??= []).push(ms);
  const scratch = mkdtempSync(path.join(tmpdir(), 'vigil-bench-startup-'));
  const bin = path.join(packageRoot, 'bin', 'vigil.js');
  const existing = path.join(scratch, 'existing');
  const pgliteExisting = path.join(scratch, 'pglite-existing');
  try {
    // The existing directories: made by a first start each, not measured.
    await serve('node', existing);
    await pglite(pgliteExisting);
    for (let round = 1; round <= settings.rounds; round++) {
      add('nodeBare', await untilExit(process.execPath, ['-e', '0']));
      add('help', await untilExit(process.execPath, [bin, '--help']));
      add('version', await untilExit(process.execPath, [bin, 'version']));
      add('pgliteOpen', await pglite(pgliteExisting));
      const npmExisting = await serve('npm', existing);
      add('npmStartExisting', npmExisting.ms);
      buildLines.push(
        ...npmExisting.run
          .stderr()
          .split('\n')
          .filter((line) => line.startsWith('build:')),
      );
      const nodeExisting = await serve('node', existing);
      add('serveExisting', nodeExisting.ms);
      const startup = servingLine(nodeExisting.run)?.startupMs as Record<string, number> | undefined;
      for (const [phase, ms] of Object.entries(startup ?? {})) (phaseSamples[phase] ??= []).push(ms);
      const newPglite = path.join(scratch, `pglite-new-${round}`);
      add('pgliteInit', await pglite(newPglite));
      rmSync(newPglite, { recursive: true, force: true });
      const newDir = path.join(scratch, `new-${round}`);
      const npmNew = await serve('npm', newDir);
      add('npmStartNew', npmNew.ms);
      buildLines.push(
        ...npmNew.run
          .stderr()
          .split('\n')
          .filter((line) => line.startsWith('build:')),
      );
      rmSync(newDir, { recursive: true, force: true });
      progress(
        `  round ${round}/${settings.rounds}: npm start new ${Math.round(npmNew.ms)} ms, existing ${Math.round(npmExisting.ms)} ms ` +
          `(PGlite alone ${Math.round(samples.pgliteOpen!.at(-1)!)} ms), --help ${Math.round(samples.help!.at(-1)!)} ms, ` +
          `version ${Math.round(samples.version!.at(-1)!)} ms (node -e 0 ${Math.round(samples.nodeBare!.at(-1)!)} ms)`,
      );
    }
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (buildLines.length > 0) problems.push(`npm start built something: ${buildLines.join('; ')}`);
  const cases: StartupResult['cases'] = {};
  for (const [name, values] of Object.entries(samples)) cases[name as CaseName] = stats(values.map((v) => Math.round(v)));
  const phases = Object.fromEntries(Object.entries(phaseSamples).map(([phase, values]) => [phase, median(values)]));
  return { settings, cases, phases, buildLines, problems, ok: problems.length === 0 };
}

const met = (ok: boolean) => (ok ? 'met' : 'not met');
const ms = (value: number | undefined) => (value === undefined ? '-' : Math.round(value).toLocaleString('en-US'));

export function formatStartup(result: StartupResult): string {
  const c = result.cases;
  const row = (label: string, subject: CaseName, reference: CaseName | undefined, refLabel: string, goalMs: number | undefined) => {
    const s = c[subject];
    const r = reference ? c[reference] : undefined;
    const ratio = s && r ? (s.p50 / Math.max(1, r.p50)).toFixed(2) : '-';
    const goal = goalMs === undefined ? '-' : `< ${ms(goalMs)} ms: ${s ? met(s.p50 < goalMs) : 'not measured'}`;
    return `| ${label} | ${ms(s?.p50)} | ${ms(s?.max)} | ${refLabel} | ${ms(r?.p50)} | ${ratio} | ${goal} |`;
  };
  const lines = [
    `Start-up (${result.settings.rounds} rounds, cases alternating within each; ms from spawning the command to its answer, median and max)`,
    '',
    '| case | median ms | max ms | reference | median ms | ratio | goal (median) |',
    '|---|---|---|---|---|---|---|',
    row(
      '`npm start` → /health/ready 200, new data directory',
      'npmStartNew',
      'pgliteInit',
      'PGlite alone, initdb of a new directory',
      GOALS.newMs,
    ),
    row(
      '`npm start` → /health/ready 200, existing data directory',
      'npmStartExisting',
      'pgliteOpen',
      'PGlite alone, opening an existing directory',
      GOALS.existingMs,
    ),
    row(
      '`node bin/vigil.js serve` → /health/ready 200, existing directory',
      'serveExisting',
      'pgliteOpen',
      'PGlite alone, opening an existing directory',
      undefined,
    ),
    row('`vigil --help` (node bin/vigil.js), until it exits', 'help', 'nodeBare', '`node -e 0`', GOALS.cliMs),
    row('`vigil version`, until it exits', 'version', 'nodeBare', '`node -e 0`', GOALS.cliMs),
  ];
  const phases = Object.entries(result.phases);
  if (phases.length > 0) {
    lines.push(
      '',
      `vigil serve on the existing directory, phases it logged (median ms): ${phases.map(([p, v]) => `${p} ${ms(v)}`).join(', ')}`,
    );
  }
  lines.push(
    `npm start built nothing (dist/ up to date): ${result.buildLines.length === 0 ? 'yes' : `no (${result.buildLines.join('; ')})`}`,
  );
  for (const p of result.problems) lines.push(`problem: ${p}`);
  return lines.join('\n');
}
