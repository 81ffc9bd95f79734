#!/usr/bin/env node
// Builds dist/: the server (tsc), the embedded database's image (dist/pgdata-image.*, see
// src/platform/db/image.ts) and the web console (vite). Each part's inputs are fingerprinted (the
// content of every file they are built from) into dist/.build-stamp.json once the part is built.
//   node scripts/build.js             build every part (`npm run build`)
//   node scripts/build.js --if-stale  build only the parts whose inputs changed since their last
//                                     build; nothing at all on an unchanged checkout (`npm start`,
//                                     `npm ci`'s prepare, `npm test`, `npm run bench`)
// Plain Node on purpose: the check runs before every `npm start`, so it must cost milliseconds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-stamp.json');
const require = createRequire(import.meta.url);

/** Every file under `dir` (relative to the root), tests left out: they are not built into dist/. */
function filesUnder(dir) {
  const absolute = path.join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

const shared = ['package.json', 'package-lock.json', 'scripts/build.js'];

/** The parts of dist/, what each is built from, and how. */
const parts = {
  server: {
    inputs: () => [...filesUnder('src'), ...filesUnder('migrations'), 'tsconfig.json', 'tsconfig.build.json', ...shared],
    outputs: ['cli/main.js', 'serve/serve.js', 'pgdata-image.json'],
    build() {
      run('tsc', [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
      bundleServe();
      // The image is made by the code just compiled; it is kept when it still matches (image.ts).
      run('database image', ['--input-type=module', '-e', "await (await import('./dist/platform/db/image.js')).buildDatabaseImage();"]);
    },
  },
  web: {
    inputs: () => [...filesUnder('web'), ...shared],
    outputs: ['web/index.html'],
    build() {
      const vite = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
      run('vite', [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
    },
  },
};

/**
 * `vigil serve` as one file (dist/serve/serve.js, with the packages it uses): Node loads it in about
 * half the time of the ~670 modules tsc writes (src/cli/commands.ts loads it when it exists). Left
 * out: packages that find files of their own beside their code (PGlite's WebAssembly and data, the
 * Swagger UI's and static files, pino's worker files) and native addons.
 */
function bundleServe() {
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(dist, 'cli', 'commands', 'serve.js')],
    outfile: path.join(dist, 'serve', 'serve.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    external: [
      '@electric-sql/pglite',
      '@electric-sql/pglite/*',
      '@node-rs/argon2',
      '@fastify/swagger-ui',
      '@fastify/static',
      'pino',
      'pino-roll',
      'thread-stream',
      'pg-native',
    ],
    // Packages written as CommonJS call require(): give the module one.
    banner: {
      js: "import { createRequire as vigilCreateRequire } from 'node:module'; const require = vigilCreateRequire(import.meta.url);",
    },
  });
}

function run(what, args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`build: ${what} failed (${result.signal ?? `exit ${result.status}`})\n`);
    process.exit(result.status || 1);
  }
}

/** A hash of the inputs' names and contents: touching a file changes nothing, editing it does. */
function fingerprint(files) {
  const hash = createHash('sha256');
  for (const file of [...new Set(files)].sort()) {
    const absolute = path.join(root, file);
    hash.update(file).update('\0');
    hash.update(existsSync(absolute) ? readFileSync(absolute) : '(missing)').update('\0');
  }
  return hash.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return {};
  }
}

function main() {
  const ifStale = process.argv.includes('--if-stale');
  const stamp = readStamp();
  for (const [name, part] of Object.entries(parts)) {
    // Taken before building: a file edited during the build leaves the part stale for next time.
    const current = fingerprint(part.inputs());
    const complete = part.outputs.every((file) => existsSync(path.join(dist, file)));
    if (ifStale && complete && stamp[name] === current) continue;
    if (ifStale) process.stderr.write(`build: ${name} sources changed since the last build; building it\n`);
    // Until this part is rebuilt, dist/ does not say it is up to date.
    delete stamp[name];
    mkdirSync(dist, { recursive: true });
    writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
    part.build();
    stamp[name] = current;
    writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
  }
}

main();
