// The build-time image of the embedded database, made and used for real (PGlite on disk): a new
// data directory unpacked from it has the image's migrations and takes the newer ones at start; an
// unusable image leaves a new directory to initdb; an existing directory is never touched.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from './database.js';
import { buildDatabaseImage, prepareDataDir } from './image.js';
import type { ImageManifest } from './image.js';
import { listAppliedMigrations, migrate, readMigrations } from './migrate.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'vigil-image-db-'));
const paths = { archive: path.join(scratch, 'image.tar.gz'), manifest: path.join(scratch, 'image.json') };
const all = readMigrations();
// The image is made without the last migration: as if that one was added after the build.
const atBuild = all.slice(0, -1);
const silent = pino({ level: 'silent' });

function open(dir: string) {
  return createDatabase({
    url: undefined,
    pgliteDataDir: dir,
    poolSize: 1,
    statementTimeoutMs: 10_000,
    queryTimeoutMs: 11_000,
    connectTimeoutMs: 2_000,
    log: silent,
  });
}

/** The log lines prepareDataDir writes, as objects. */
function recordingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

// initdb and every migration: a minute or more on a busy machine.
beforeAll(async () => {
  expect(await buildDatabaseImage(paths, atBuild)).toBe('built');
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the database image', () => {
  it('is kept as it is when the migrations it holds have not changed', async () => {
    expect(await buildDatabaseImage(paths, atBuild)).toBe('kept');
  });

  it('starts a new data directory with its migrations; the newer ones apply at start', async () => {
    const dir = path.join(scratch, 'new', 'pgdata');
    const { log, lines } = recordingLog();
    expect(prepareDataDir(dir, log, paths)).toBe('image');
    expect(lines).toMatchObject([{ msg: 'new embedded database: unpacked from the build image', migrations: atBuild.length }]);
    expect(readdirSync(path.dirname(dir))).toEqual(['pgdata']);
    const database = await open(dir);
    try {
      expect((await listAppliedMigrations(database)).map((m) => m.name)).toEqual(atBuild.map((m) => m.name));
      expect(await migrate(database, silent, all)).toEqual({ applied: [all.at(-1)!.name] });
      expect(await migrate(database, silent, all)).toEqual({ applied: [] });
    } finally {
      await database.close();
    }
    // Opened again: it is an existing directory now, left as it is, with its data.
    expect(prepareDataDir(dir, log, paths)).toBe('existing');
    const again = await open(dir);
    try {
      expect((await listAppliedMigrations(again)).map((m) => m.name)).toEqual(all.map((m) => m.name));
    } finally {
      await again.close();
    }
  });

  it('fills an empty directory and clears what an interrupted first start left', () => {
    const parent = path.join(scratch, 'interrupted');
    const dir = path.join(parent, 'pgdata');
    mkdirSync(dir, { recursive: true });
    mkdirSync(path.join(parent, 'pgdata.unpacking-999999'));
    writeFileSync(path.join(parent, 'pgdata.unpacking-999999', 'PG_VERSION'), '17\n');
    expect(prepareDataDir(dir, silent, paths)).toBe('image');
    expect(readdirSync(parent)).toEqual(['pgdata']);
    expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
  });

  it('leaves a new directory to initdb when the image does not match the migrations on disk', () => {
    // The same image, as if 0001 had been edited on disk since the build.
    const otherPaths = { archive: paths.archive, manifest: path.join(scratch, 'other.json') };
    const manifest = JSON.parse(readFileSync(paths.manifest, 'utf8')) as ImageManifest;
    manifest.migrations[0]!.checksum = 'before the edit';
    writeFileSync(otherPaths.manifest, JSON.stringify(manifest));
    const dir = path.join(scratch, 'unusable', 'pgdata');
    const { log, lines } = recordingLog();
    expect(prepareDataDir(dir, log, otherPaths)).toBe('initdb');
    expect(lines).toMatchObject([{ msg: 'new embedded database: initialising it (no usable build image)' }]);
    expect(String(lines[0]!.reason)).toContain('0001-platform.sql is not the one on disk');
    expect(existsSync(dir)).toBe(false);
  });
});
