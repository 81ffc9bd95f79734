// The command line loads only the code of the command that runs: `vigil --help`, a command's
// --help and `vigil version` load neither the server, nor the database, nor any package. Judged by
// the modules the process imports (a loader hook records them), not by how long it takes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, childEnv } from './helpers/process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const recorder = path.join(root, 'test', 'fixtures', 'record-imports.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'vigil-cli-lazy-'));
let runs = 0;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `vigil …args`; answers its output and the modules it imported, as paths relative to the root. */
function imports(args: string[], env: Record<string, string> = {}) {
  const file = path.join(scratch, `imports-${++runs}.txt`);
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(recorder).href, bin, ...args], {
    env: childEnv({ ...env, RECORD_IMPORTS: file }),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const urls = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  const files = urls.filter((url) => url.startsWith('file:')).map((url) => path.relative(root, fileURLToPath(url)));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, files };
}

const packages = (files: string[]) => files.filter((file) => file.split(path.sep).includes('node_modules'));
const ours = (files: string[]) => files.filter((file) => !file.split(path.sep).includes('node_modules')).sort();

describe('the lazy command line', () => {
  it('vigil --help loads the list of commands and nothing else', () => {
    const { status, stdout, files } = imports(['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^usage: vigil <command>/);
    expect(ours(files)).toEqual(['bin/vigil.js', 'dist/cli/commands.js', 'dist/cli/main.js']);
    expect(packages(files)).toEqual([]);
  });

  it.each(['serve', 'migrate', 'users', 'camera-sim'])('vigil %s --help loads none of the command code', (name) => {
    const { status, stdout, files } = imports([name, '--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(new RegExp(`^usage: vigil ${name}`));
    expect(ours(files)).toEqual(['bin/vigil.js', 'dist/cli/commands.js', 'dist/cli/main.js']);
    expect(packages(files)).toEqual([]);
  });

  it('vigil version and --version load the version command alone', () => {
    for (const args of [['version'], ['--version']]) {
      const { status, stdout, files } = imports(args);
      expect(status).toBe(0);
      expect(stdout).toMatch(/^vigil \d+\.\d+\.\d+ \(node v/);
      expect(ours(files)).toEqual([
        'bin/vigil.js',
        'dist/cli/commands.js',
        'dist/cli/commands/version.js',
        'dist/cli/main.js',
        'dist/platform/paths.js',
        'dist/version.js',
      ]);
      expect(packages(files)).toEqual([]);
    }
  });

  it('a command that runs loads its own code, and still not the server (the recorder sees what is loaded)', () => {
    const { status, stdout, files } = imports(['config'], { PORT: '9191' });
    expect(status).toBe(0);
    expect(stdout).toMatch(/^PORT\s+9191\s+\(env\)$/m);
    expect(files).toContain(path.join('dist', 'cli', 'commands', 'config.js'));
    expect(files).toContain(path.join('dist', 'config.js'));
    expect(files).not.toContain(path.join('dist', 'main.js'));
    expect(files).not.toContain(path.join('dist', 'server.js'));
    expect(packages(files).filter((file) => /fastify|pglite|pino/.test(file))).toEqual([]);
  });
});
