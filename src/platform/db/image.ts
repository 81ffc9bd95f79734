// The embedded database's image: a PGlite data directory initialised and migrated once, at build
// time (`npm run build`), kept as dist/pgdata-image.tar.gz with a manifest beside it. A new data
// directory is unpacked from it instead of running initdb and every migration (about 5 s of
// PGlite's WebAssembly on a quiet machine); migrations added since the build then apply as usual.
// The image is used only when its manifest matches the installed PGlite and the migrations on disk;
// otherwise a new directory is initialised from scratch, as before.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import pino from 'pino';
import type { Logger } from 'pino';
import { packageRoot } from '../paths.js';
import { createDatabase } from './database.js';
import { migrate, readMigrations } from './migrate.js';
import type { MigrationFile } from './migrate.js';

/** Bumped when what goes into the image, or how, changes. */
const FORMAT = 1;

export interface ImageManifest {
  format: number;
  /** The PGlite version that wrote the directory: another one may not read it. */
  pglite: string;
  /** The migrations applied in the image, in order. */
  migrations: { version: number; name: string; checksum: string }[];
}

export interface ImagePaths {
  archive: string;
  manifest: string;
}

export const defaultImagePaths: ImagePaths = {
  archive: path.join(packageRoot, 'dist', 'pgdata-image.tar.gz'),
  manifest: path.join(packageRoot, 'dist', 'pgdata-image.json'),
};

export function installedPgliteVersion(): string {
  const require = createRequire(import.meta.url);
  for (let dir = path.dirname(require.resolve('@electric-sql/pglite')); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
}

function expectedManifest(migrations: MigrationFile[]): ImageManifest {
  return {
    format: FORMAT,
    pglite: installedPgliteVersion(),
    migrations: migrations.map(({ version, name, checksum }) => ({ version, name, checksum })),
  };
}

/**
 * The image to start a new data directory from, or why there is none. Usable when it was written
 * by this PGlite and its migrations are the first ones on disk, unchanged (later ones apply at start).
 */
export function findImage(
  paths: ImagePaths = defaultImagePaths,
  migrations: MigrationFile[] = readMigrations(),
): { archive: string; manifest: ImageManifest } | { unusable: string } {
  if (!existsSync(paths.archive) || !existsSync(paths.manifest))
    return { unusable: `no image at ${paths.archive} (npm run build makes it)` };
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(readFileSync(paths.manifest, 'utf8')) as ImageManifest;
  } catch (error) {
    return { unusable: `unreadable manifest ${paths.manifest}: ${(error as Error).message}` };
  }
  const expected = expectedManifest(migrations);
  if (manifest.format !== FORMAT) return { unusable: `image format ${manifest.format}, expected ${FORMAT}` };
  if (manifest.pglite !== expected.pglite) return { unusable: `image made by PGlite ${manifest.pglite}, installed ${expected.pglite}` };
  for (const [index, applied] of manifest.migrations.entries()) {
    const file = expected.migrations[index];
    if (!file || file.version !== applied.version || file.checksum !== applied.checksum) {
      return { unusable: `the image's migration ${applied.name} is not the one on disk` };
    }
  }
  return { archive: paths.archive, manifest };
}

/**
 * Before PGlite opens `dir`: a new directory is unpacked from the image when there is a usable one
 * (logged either way); an existing one is left alone. The caller holds the data directory's lock.
 */
export function prepareDataDir(dir: string, log: Logger, paths: ImagePaths = defaultImagePaths): 'existing' | 'image' | 'initdb' {
  if (!isNewDataDir(dir)) return 'existing';
  const image = findImage(paths);
  if ('unusable' in image) {
    log.info({ dataDir: dir, reason: image.unusable }, 'new embedded database: initialising it (no usable build image)');
    return 'initdb';
  }
  const started = performance.now();
  restoreImage(image.archive, dir);
  log.info(
    { dataDir: dir, migrations: image.manifest.migrations.length, durationMs: Math.round(performance.now() - started) },
    'new embedded database: unpacked from the build image',
  );
  return 'image';
}

/** True when `dir` holds no database yet: missing, or empty (a first start that stopped early). */
export function isNewDataDir(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/**
 * Unpacks the image into `dir` (which must be new): into a sibling folder first, renamed at the
 * end, so that an interrupted first start leaves no half-made database behind.
 */
export function restoreImage(archive: string, dir: string): void {
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  // Left by a first start that was interrupted while unpacking (the data directory lock is held).
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(`${path.basename(dir)}.unpacking-`)) rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  const staging = `${dir}.unpacking-${process.pid}`;
  mkdirSync(staging, { mode: 0o700 });
  try {
    untar(gunzipSync(readFileSync(archive)), staging);
    if (existsSync(dir)) rmdirSync(dir); // empty (isNewDataDir); rmdir refuses anything else
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Makes the image: initdb and every migration in a scratch directory, then packed. Kept as it is
 * when the image on disk already matches (same PGlite, same migrations): only these change it.
 */
export async function buildDatabaseImage(
  paths: ImagePaths = defaultImagePaths,
  migrations: MigrationFile[] = readMigrations(),
): Promise<'kept' | 'built'> {
  const expected = expectedManifest(migrations);
  const found = findImage(paths, migrations);
  if ('manifest' in found && found.manifest.migrations.length === expected.migrations.length) return 'kept';
  const scratch = path.join(tmpdir(), `vigil-pgdata-image-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  try {
    const log = pino({ level: 'silent' });
    const database = await createDatabase({
      url: undefined,
      pgliteDataDir: scratch,
      poolSize: 1,
      statementTimeoutMs: 0,
      queryTimeoutMs: 0,
      connectTimeoutMs: 0,
      log,
    });
    try {
      await migrate(database, log, migrations);
    } finally {
      await database.close();
    }
    mkdirSync(path.dirname(paths.archive), { recursive: true });
    // Written aside and renamed: a build that stops half-way leaves no image that looks whole.
    rmSync(paths.manifest, { force: true });
    writeFileSync(`${paths.archive}.tmp`, gzipSync(tar(scratch), { level: 9 }));
    renameSync(`${paths.archive}.tmp`, paths.archive);
    writeFileSync(paths.manifest, `${JSON.stringify(expected, null, 2)}\n`);
    return 'built';
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// A minimal ustar archive of regular files and folders: all a PostgreSQL data directory holds, and
// all the image needs (names are short, nothing is linked).
const BLOCK = 512;

function header(name: string, mode: number, size: number, type: '0' | '5'): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`image: path too long for the archive: ${name}`);
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(`${(mode & 0o777).toString(8).padStart(7, '0')}\0`, 100, 'ascii');
  block.write('0000000\0', 108, 'ascii'); // uid
  block.write('0000000\0', 116, 'ascii'); // gid
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii'); // mtime: the image is the same whenever it is made
  block.write('        ', 148, 'ascii'); // checksum, counted as spaces
  block.write(type, 156, 'ascii');
  block.write('ustar\0' + '00', 257, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

export function tar(dir: string): Buffer {
  const chunks: Buffer[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      const absolute = path.join(dir, name);
      const { mode } = statSync(absolute);
      if (entry.isDirectory()) {
        chunks.push(header(`${name}/`, mode, 0, '5'));
        walk(name);
      } else if (entry.isFile()) {
        const data = readFileSync(absolute);
        chunks.push(header(name, mode, data.length, '0'), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
      } else {
        throw new Error(`image: ${absolute} is neither a file nor a folder`);
      }
    }
  };
  walk('');
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

export function untar(archive: Buffer, dir: string): void {
  const field = (block: Buffer, start: number, length: number) => block.toString('utf8', start, start + length).replace(/\0.*$/s, '');
  for (let offset = 0; offset + BLOCK <= archive.length;) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) return;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
    if (sum !== parseInt(field(block, 148, 8).trim(), 8)) throw new Error(`image: corrupt archive header at byte ${offset}`);
    const name = field(block, 0, 100);
    const mode = parseInt(field(block, 100, 8), 8) & 0o777;
    const size = parseInt(field(block, 124, 12), 8);
    const type = field(block, 156, 1);
    const target = path.resolve(dir, name);
    if (path.isAbsolute(name) || !target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`image: unsafe path ${name}`);
    offset += BLOCK;
    if (type === '5') mkdirSync(target, { recursive: true, mode });
    else if (type === '0' || type === '') writeFileSync(target, archive.subarray(offset, offset + size), { mode });
    else throw new Error(`image: unsupported entry type "${type}" for ${name}`);
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new Error('image: the archive ends without its end marker');
}
