// The commands that open the database (the embedded PGlite under a fresh DATA_DIR each): migrate,
// users, apikeys, keys. Usage and configuration are in cli.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findImage } from '../platform/db/image.js';
import { runCli } from './main.js';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('vigil migrate', () => {
  it('applies migrations without serving, then reports the database up to date', async () => {
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const status = await cli(['migrate', '--status'], env);
    // A new data directory starts from the build's image (migrated at build time) when there is one
    // (after `npm run build`), else from initdb with nothing applied (image.db.test.ts tests both).
    if ('manifest' in findImage()) {
      expect(status.out).toMatch(/^applied {2}0001-platform\.sql {2}\d{4}-/m);
      expect(status.out).not.toMatch(/^pending/m);
      expect((await cli(['migrate'], env)).out).toBe('database is up to date');
      return;
    }
    expect(status.out).toMatch(/^pending {2}0001-platform\.sql$/m);
    const first = await cli(['migrate'], env);
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toMatch(/^applied \d+: 0001-platform\.sql/);
    expect((await cli(['migrate'], env)).out).toBe('database is up to date');
    expect((await cli(['migrate', '--status'], env)).out).toMatch(/^applied {2}0001-platform\.sql {2}\d{4}-/m);
  });
});

describe('vigil users', () => {
  const usersDir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-users-'));
  const env = { DATA_DIR: usersDir, LOG_LEVEL: 'silent' };
  afterAll(() => rmSync(usersDir, { recursive: true, force: true }));

  it('creates a user with a generated password printed once, lists, disables and grants', async () => {
    const created = await cli(
      ['users', 'create', '--email', 'op@example.com', '--name', 'Op', '--role', 'operator', '--unit', 'SITE-9'],
      env,
    );
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^created op@example\.com {2}active {2}operator@SITE-9 {2}Op$/m);
    expect(created.out).toMatch(/^password: [A-Za-z0-9_-]{24}$/m);
    expect((await cli(['users', 'disable', 'OP@example.com'], env)).out).toMatch(/^op@example\.com {2}disabled/);
    expect((await cli(['users', 'grant', 'op@example.com', '--role', 'viewer'], env)).out).toContain('operator@SITE-9,viewer');
    const list = await cli(['users', 'list', '--json'], env);
    const users = JSON.parse(list.out) as { email: string; status: string }[];
    expect(users).toEqual([expect.objectContaining({ email: 'op@example.com', status: 'disabled' })]);
  });

  it('explains refusals: duplicate email, weak password, unknown role, missing arguments', async () => {
    const dup = await cli(['users', 'create', '--email', 'OP@example.com'], env);
    expect(dup).toMatchObject({ code: 1 });
    expect(dup.err).toContain('a user with email OP@example.com already exists');
    const role = await cli(['users', 'grant', 'op@example.com', '--role', 'root'], env);
    expect(role.code).toBe(1);
    expect(role.err).toContain('role must be one of admin, operator, viewer, detector');
    expect((await cli(['users', 'grant', 'op@example.com'], env)).code).toBe(2);
    expect((await cli(['users', 'fly'], env)).code).toBe(2);
    expect((await cli(['users', 'disable'], env)).code).toBe(2);
  });
});

describe('vigil apikeys', () => {
  const keysDir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-apikeys-'));
  const env = { DATA_DIR: keysDir, LOG_LEVEL: 'silent' };
  afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

  it('creates a key printed once, lists it without the key, and revokes it by name', async () => {
    const created = await cli(
      ['apikeys', 'create', '--name', 'prometheus', '--role', 'viewer', '--unit', 'SITE-1', '--expires-days', '30'],
      env,
    );
    expect(created.code).toBe(0);
    const key = /^key: (vgl_[A-Za-z0-9_-]{43})$/m.exec(created.out)?.[1];
    expect(key).toBeDefined();
    expect(created.out).toMatch(/^created [0-9a-f-]{36} {2}vgl_\S{8}… {2}prometheus {2}viewer@SITE-1 {2}expires 20/m);

    const list = await cli(['apikeys', 'list'], env);
    expect(list.out).toContain('prometheus');
    expect(list.out).not.toContain(key!.slice(12));
    const json = JSON.parse((await cli(['apikeys', 'list', '--json'], env)).out) as { name: string; revokedAt: string | null }[];
    expect(json).toEqual([expect.objectContaining({ name: 'prometheus', revokedAt: null })]);

    expect((await cli(['apikeys', 'revoke', 'prometheus'], env)).out).toMatch(/^revoked .* prometheus .* revoked 20/);
    expect((await cli(['apikeys', 'list'], env)).out).toBe('');
    expect((await cli(['apikeys', 'list', '--all'], env)).out).toContain('prometheus');
  });

  it('explains refusals: missing options, unknown role, a name in use, an unknown key', async () => {
    expect((await cli(['apikeys', 'create', '--name', 'x'], env)).code).toBe(2);
    expect((await cli(['apikeys', 'create', '--name', 'x', '--role', 'viewer', '--expires-days', 'soon'], env)).code).toBe(2);
    const role = await cli(['apikeys', 'create', '--name', 'x', '--role', 'root'], env);
    expect(role).toMatchObject({ code: 1 });
    expect(role.err).toContain('role must be one of admin, operator, viewer, detector');
    expect((await cli(['apikeys', 'create', '--name', 'ci', '--role', 'operator'], env)).code).toBe(0);
    const dup = await cli(['apikeys', 'create', '--name', 'CI', '--role', 'operator'], env);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('an API key named "CI" is already in force');
    const unknown = await cli(['apikeys', 'revoke', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no API key nope in force');
    expect((await cli(['apikeys', 'revoke'], env)).code).toBe(2);
  });
});

describe('vigil keys', () => {
  const keysDir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-keys-'));
  const env = { DATA_DIR: keysDir, LOG_LEVEL: 'silent' };
  afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

  it('rotates the signing key: the old one is retired but still listed for verification', async () => {
    const before = await cli(['keys', 'list'], env);
    expect(before.code).toBe(0);
    const [first] = before.out.split('\n');
    expect(first).toMatch(/^\S+ {2}signing {2}database$/);
    const oldKid = first!.split(' ')[0]!;
    const rotated = await cli(['keys', 'rotate'], env);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain(`retired ${oldKid}`);
    const after = (await cli(['keys', 'list'], env)).out.split('\n');
    expect(after).toHaveLength(2);
    expect(after).toContain(`${oldKid}  retired  database`);
    expect(after.find((l) => l.includes('signing'))).not.toContain(oldKid);
  });

  it('refuses an unknown verb with exit 2', async () => {
    expect((await cli(['keys', 'spin'], env)).code).toBe(2);
  });
});
