import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findImage, installedPgliteVersion, isNewDataDir, tar, untar } from './image.js';
import type { MigrationFile } from './migrate.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'vigil-image-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function folder(name: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('the image archive', () => {
  it('packs and unpacks files, empty folders and permissions as they were', () => {
    const source = folder('source');
    mkdirSync(path.join(source, 'base', '1'), { recursive: true });
    mkdirSync(path.join(source, 'pg_notify'));
    writeFileSync(path.join(source, 'PG_VERSION'), '17\n', { mode: 0o600 });
    writeFileSync(path.join(source, 'base', '1', '1259'), Buffer.alloc(8192 * 3 + 17, 7), { mode: 0o600 });
    writeFileSync(path.join(source, 'empty'), '');
    const target = folder('target');
    untar(tar(source), target);
    expect(readdirSync(target).sort()).toEqual(['PG_VERSION', 'base', 'empty', 'pg_notify']);
    expect(readdirSync(path.join(target, 'pg_notify'))).toEqual([]);
    expect(readFileSync(path.join(target, 'base', '1', '1259'))).toEqual(Buffer.alloc(8192 * 3 + 17, 7));
    expect(readFileSync(path.join(target, 'empty'), 'utf8')).toBe('');
    expect(statSync(path.join(target, 'PG_VERSION')).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged header, a path out of the folder and an archive cut short', () => {
    const source = folder('one-file');
    writeFileSync(path.join(source, 'a'), 'a');
    const good = tar(source);
    const damaged = Buffer.from(good);
    damaged[0] = 'b'.charCodeAt(0);
    expect(() => untar(damaged, folder('damaged'))).toThrow(/corrupt archive header/);
    expect(() => untar(good.subarray(0, 1024), folder('cut'))).toThrow(/ends without its end marker/);

    const escaping = Buffer.from(good);
    escaping.fill(0, 0, 100);
    escaping.write('../outside', 0, 'utf8');
    // The header's checksum, recomputed so that only the path is wrong.
    escaping.write('        ', 148, 'ascii');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += escaping[i]!;
    escaping.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    expect(() => untar(escaping, folder('escaping'))).toThrow(/unsafe path/);
  });
});

describe('a new data directory', () => {
  it('is one that is missing or empty', () => {
    expect(isNewDataDir(path.join(scratch, 'missing'))).toBe(true);
    expect(isNewDataDir(folder('empty-dir'))).toBe(true);
    const used = folder('used');
    writeFileSync(path.join(used, 'PG_VERSION'), '17\n');
    expect(isNewDataDir(used)).toBe(false);
  });
});

describe('findImage', () => {
  const migration = (version: number, text: string): MigrationFile => ({
    version,
    name: `${String(version).padStart(4, '0')}-m.sql`,
    checksum: `sum-of-${text}`,
    sql: text,
  });
  const paths = { archive: path.join(scratch, 'img.tar.gz'), manifest: path.join(scratch, 'img.json') };
  const manifest = (changes: Record<string, unknown> = {}) =>
    writeFileSync(paths.manifest, JSON.stringify({ format: 1, pglite: installedPgliteVersion(), ...changes }));

  it('says why there is no usable image', () => {
    expect(findImage(paths, [])).toEqual({ unusable: expect.stringMatching(/^no image at .*npm run build/) });
    writeFileSync(paths.archive, 'x');
    manifest({ migrations: [], pglite: '0.0.1' });
    expect(findImage(paths, [])).toEqual({ unusable: expect.stringMatching(/^image made by PGlite 0\.0\.1, installed \d/) });
    manifest({ migrations: [], format: 0 });
    expect(findImage(paths, [])).toEqual({ unusable: 'image format 0, expected 1' });
    manifest({ migrations: [{ version: 1, name: '0001-m.sql', checksum: 'sum-of-old' }] });
    expect(findImage(paths, [migration(1, 'new')])).toEqual({ unusable: "the image's migration 0001-m.sql is not the one on disk" });
    expect(findImage(paths, [])).toEqual({ unusable: "the image's migration 0001-m.sql is not the one on disk" });
  });

  it('takes an image whose migrations are the first ones on disk, unchanged', () => {
    writeFileSync(paths.archive, 'x');
    manifest({ migrations: [{ version: 1, name: '0001-m.sql', checksum: 'sum-of-a' }] });
    expect(findImage(paths, [migration(1, 'a'), migration(2, 'b')])).toMatchObject({ archive: paths.archive });
    expect(findImage(paths, [migration(1, 'a')])).toMatchObject({ archive: paths.archive });
  });
});
